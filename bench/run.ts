// `npm run bench`: runs the benchmarks, prints a table (ours, each peer, ours/peer) and writes
// bench/results/latest.json as {adapter, results: [{name, unit, ours, peers: {peer: value}}]}.
//   npx tsx bench/run.ts [--quick] [--batches 8,32] [--budget-s 150] [--no-wasm] [--no-webgpu]
// --quick: B = 8 only, two timed rounds at most (~1 minute). See bench/README.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeContext, repoRoot } from '../src/platform/node';
import { runMatmulBench, type BenchRow } from './matmul';
import type { TfjsMatmulBackend } from './peers/tfjs';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const batches = (value('--batches') ?? (quick ? '8' : '8,32')).split(',').map(Number);
const peers: TfjsMatmulBackend[] = [];
if (!flag('--no-webgpu')) peers.push('webgpu');
if (!flag('--no-wasm')) peers.push('wasm');
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const ctx = await createNodeContext({ verbose: true });
const results: BenchRow[] = await runMatmulBench(ctx, {
  batches,
  budgetMs: Number(value('--budget-s') ?? (quick ? 30 : 150)) * 1000,
  maxRounds: quick ? 2 : 5,
  peers,
  log,
});

// Table: one column per value, then ours/peer ratios.
const peerNames = [...new Set(results.flatMap((r) => Object.keys(r.peers)))];
const header = ['benchmark', 'unit', 'ours', ...peerNames, ...peerNames.map((p) => `ours/${p}`)];
const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
const table = results.map((r) => [
  r.name,
  r.unit,
  fmt(r.ours),
  ...peerNames.map((p) => fmt(r.peers[p])),
  ...peerNames.map((p) => (r.peers[p] ? `${(r.ours / r.peers[p]!).toFixed(2)}×` : '-')),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`adapter: ${ctx.adapter.description}`);
console.log(line(header));
for (const row of table) console.log(line(row));

const out = join(repoRoot, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), JSON.stringify({ adapter: ctx.adapter.description, results }, null, 2) + '\n');
log(`wrote ${join('bench', 'results', 'latest.json')}`);
ctx.destroy();
process.exit(0);
