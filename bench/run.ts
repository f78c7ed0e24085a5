// `npm run bench`: runs the benchmarks, prints a table (ours, each peer, ours/peer) and writes
// bench/results/latest.json as {adapter, results: [{name, unit, ours, peers: {peer: value}}]}.
//   npx tsx bench/run.ts [--quick] [--batches 8,32] [--budget-s 150] [--no-wasm] [--no-webgpu]
//                        [--no-vit] [--vit-batches 8] [--small-batches 32] (an empty list skips that model) [--vit-steps 2] [--frozen 20] [--no-browser]
//                        [--no-cls-peer] (skips the TF.js WASM step with the CLS-only last block, column tfjs-wasm-cls)
// --quick: matmul at B = 8 only, two timed rounds at most, no ViT step (~1 minute). See bench/README.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeContext, repoRoot } from '../src/platform/node';
import { presets } from '../src/model/vit/config';
import { runMatmulBench, type BenchRow } from './matmul';
import { runPeakBench } from './peak';
import { runInferenceBench } from './inference';
import { runVitStepBench } from './vitStep';
import { createStepTimer, runVitTrainBench, timeSteps } from './vitTrain';
import type { TfjsMatmulBackend } from './peers/tfjs';

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

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
// The adapter's FMA ceiling before and after the matmul rows (the machine's speed drifts): read the rows against it.
const peakBefore = await runPeakBench(ctx);
log(`FMA peak ${peakBefore.toFixed(1)} GFLOP/s`);
const results: BenchRow[] = await runMatmulBench(ctx, {
  batches,
  budgetMs: Number(value('--budget-s') ?? (quick ? 30 : 150)) * 1000,
  maxRounds: quick ? 2 : 5,
  peers,
  log,
});
const peakAfter = await runPeakBench(ctx);
log(`FMA peak ${peakAfter.toFixed(1)} GFLOP/s`);
results.unshift({ name: 'adapter FMA peak (16 independent chains, no memory; mean of before and after the matmul rows)', unit: 'GFLOP/s', ours: (peakBefore + peakAfter) / 2, peers: {} });

// LoRA training step (forward, loss, backward, SGD), ours vs TF.js on its backends, same run: ViT-Tiny, and the
// embedded default's size (small32: 32 px, patch 8, width 96, 4 blocks).
if (!quick && !flag('--no-vit')) {
  const steps = Number(value('--vit-steps') ?? 2);
  // Smallest first: TF.js's WASM backend aborts (out of its memory) on ViT-Tiny at B = 32, and an aborted module
  // stays dead for the rest of the process, so the larger runs go last.
  const models: { preset: 'vitTiny' | 'small32'; name: string; batches: number[]; rounds: number; manyFrozen: number }[] = [
    // small32 steps take 50–600 ms on either side: 15 timed steps each (5 until the fourteenth session) steady the
    // medians at a few seconds' cost; ViT-Tiny's take seconds, so --vit-steps (2) of them.
    { preset: 'small32', name: 'small32 (embedded default size)', batches: (value('--small-batches') ?? '32').split(',').filter(Boolean).map(Number), rounds: 15, manyFrozen: 0 },
    { preset: 'vitTiny', name: 'ViT-Tiny', batches: (value('--vit-batches') ?? '8').split(',').filter(Boolean).map(Number), rounds: steps, manyFrozen: Number(value('--frozen') ?? 20) },
  ];
  for (const m of models) {
    if (!m.batches.length) continue; // e.g. --vit-batches '' : that model's rows are not wanted
    const ours = await runVitTrainBench(ctx, { config: presets[m.preset], name: m.name, batches: m.batches, rank: 10, rounds: m.rounds, manyFrozen: m.manyFrozen, log });
    for (const batch of m.batches) {
      // Our step is timed in three windows: alone above, after the peers' main steps and after the CLS-only one; the
      // row takes the median of the three windows' medians, so that one burst of load from other tenants of this
      // machine (steps of 40 ms read 55–60 ms for seconds at a time) does not decide a ratio. (Our steps interleaved
      // one by one with the peers' ran 75 ms against 43 alone: each came in cold after a TF.js step.)
      const row = ours.find((r) => r.name === `${m.name} LoRA train step B=${batch}`);
      const windows = row ? [(1000 * batch) / row.ours] : [];
      const timer = createStepTimer(ctx, presets[m.preset], batch, { frozenRanks: [], trainableRank: 10 });
      const window = async () => void windows.push(await timeSteps(timer, m.rounds));
      const peerRuns = await runVitStepBench({ configs: [m.preset], batch, rank: 10, backends: peers, steps: m.rounds, log });
      await window();
      peerRuns.forEach((p, i) => {
        if (row && !p.error && p.imagesPerSec) row.peers[`tfjs-${peers[i]}`] = p.imagesPerSec;
        if (p.error) log(`tfjs-${peers[i]} ${m.name} step failed: ${p.error}`);
      });
      // Our last block runs after its attention on the CLS rows only (the loss needs no other row); TF.js's best
      // backend given the same shortcut, so that the ratio against an equally lean step is on the table too.
      if (peers.includes('wasm') && !flag('--no-cls-peer')) {
        const [p] = await runVitStepBench({ configs: [m.preset], batch, rank: 10, backends: ['wasm'], steps: m.rounds, clsOnlyLastBlock: true, log });
        if (row && p && !p.error && p.imagesPerSec) row.peers['tfjs-wasm-cls'] = p.imagesPerSec;
        if (p?.error) log(`tfjs-wasm (CLS-only last block) ${m.name} step failed: ${p.error}`);
        await window();
      }
      timer.dispose();
      if (row) {
        const ms = median(windows);
        log(`${m.name} LoRA step B=${batch}: ${windows.map((w) => w.toFixed(1)).join(' / ')} ms in three windows around the peers; ${ms.toFixed(1)} ms`);
        row.ours = (1000 * batch) / ms;
      }
    }
    results.push(...ours);
  }
}

// ViT-Tiny inference in headless Chromium (SwiftShader): ours vs ONNX Runtime Web's WebGPU and WASM providers.
if (!quick && !flag('--no-browser')) {
  try {
    results.push(...(await runInferenceBench({ log })));
  } catch (e) {
    log(`browser inference bench failed: ${(e as Error).message}`);
  }
}

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
