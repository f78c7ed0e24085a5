// Writes public/data/index.json (the list of built-in benchmarks the app offers) from the manifests
// of public/data/*/, and prints counts and sizes. Fails when the shipped data exceed the budget.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_ROOT, dirBytes, formatJson, mb } from './common';
import { INDEX_FORMAT, parseManifest, type BuiltinIndex } from '../../src/data/builtin';

/** The app offers the benchmarks in this order (the first is the default); others follow by name. */
const ORDER = ['split-fashion-mnist', 'emoji-styles'];
const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);

/** Everything under public/data/ (the model weights, later, count too). */
const BUDGET_BYTES = 25e6;

const names = readdirSync(DATA_ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(DATA_ROOT, e.name, 'manifest.json')))
  .map((e) => e.name)
  .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
const index: BuiltinIndex = { format: INDEX_FORMAT, datasets: [] };
for (const name of names) {
  const m = parseManifest(JSON.parse(readFileSync(join(DATA_ROOT, name, 'manifest.json'), 'utf8')) as unknown, `${name}/manifest.json`);
  const n = m.classes.length;
  const bytes = dirBytes(join(DATA_ROOT, name));
  index.datasets.push({ name, title: m.title, manifest: `${name}/manifest.json`, classes: n, train: n * m.perClass.train, test: n * m.perClass.test, bytes });
  console.log(
    `${name.padEnd(22)} ${String(n).padStart(3)} classes  ${String(n * m.perClass.train).padStart(5)} train  ` +
      `${String(n * m.perClass.test).padStart(5)} test  ${m.image.width}×${m.image.height}×${m.image.channels}  ${mb(bytes)}`,
  );
}
writeFileSync(join(DATA_ROOT, 'index.json'), formatJson(index));
const total = dirBytes(DATA_ROOT);
console.log(`public/data total: ${mb(total)} (${total} bytes; budget ${mb(BUDGET_BYTES)})`);
if (total > BUDGET_BYTES) {
  console.error(`public/data exceeds the ${mb(BUDGET_BYTES)} budget`);
  process.exit(1);
}
