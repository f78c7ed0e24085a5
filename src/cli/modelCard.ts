// `npm run model-card -- [--model public/models/default] [--name small32-glyphs] [--cl <dir>,<dir>,…] [--alpha <dir>]
//   [--tried <dir>,<dir>,…]`
// Writes <model>/README.md, the model card, from the files next to the weights (pretraining.json, probe.json,
// cl.json; see src/training/modelCard.ts). --cl collects `npm run experiment` output folders (config.json +
// metrics.json) into <model>/cl.json first, one row per (benchmark, method variant) with every seed found; --alpha copies
// one run's alpha.svg next to the card (alpha.json holds its caption). --tried collects other `npm run pretrain`
// output folders that were probed (pretraining.json + probe.json) into <model>/tried.json: the card's "other recipes
// tried" table.

import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseSafetensors } from '../io/safetensors';
import { repoRoot } from '../platform/node';
import { collectCl, renderModelCard, variantName, type ClRow, type ExperimentDir, type ModelConfigInfo, type PretrainingInfo, type ProbeInfo, type TriedRecipe } from '../training/modelCard';

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function main(): void {
  const argv = process.argv.slice(2);
  let model = join(repoRoot, 'public/models/default');
  let name: string | null = null;
  let clDirs: string[] | null = null;
  let alphaDir: string | null = null;
  let triedDirs: string[] | null = null;
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--model') model = resolve(v);
    else if (k === '--name') name = v;
    else if (k === '--cl') clDirs = v.split(',').map((d) => resolve(d));
    else if (k === '--alpha') alphaDir = resolve(v);
    else if (k === '--tried') triedDirs = v.split(',').map((d) => resolve(d));
    else throw new Error(`unknown flag ${k} (--model, --name, --cl, --alpha, --tried)`);
  }
  // Without --name the card keeps the name in its current title ("# <name>: …").
  const oldCard = join(model, 'README.md');
  name ??= (existsSync(oldCard) ? /^# ([^:\n]+):/.exec(readFileSync(oldCard, 'utf8'))?.[1] : undefined) ?? 'small32-glyphs-emoji';
  for (const f of ['config.json', 'model.safetensors', 'pretraining.json'])
    if (!existsSync(join(model, f))) throw new Error(`${model} has no ${f}: build the model with npm run pretrain first`);
  if (clDirs) {
    const dirs = clDirs.map((d) => {
      if (!existsSync(join(d, 'metrics.json'))) throw new Error(`${d} has no metrics.json (not a finished npm run experiment folder)`);
      const c = readJson<{ run: ExperimentDir['run']; data: string; maxPerClass?: number | null }>(join(d, 'config.json'));
      return { run: c.run, data: c.data, maxPerClass: c.maxPerClass ?? null, metrics: readJson<ExperimentDir['metrics']>(join(d, 'metrics.json')) };
    });
    writeFileSync(join(model, 'cl.json'), JSON.stringify(collectCl(dirs), null, 2) + '\n');
  }
  if (alphaDir) {
    // The α plot of one run (npm run experiment's alpha.svg) next to the card, with a caption from its config.
    if (!existsSync(join(alphaDir, 'alpha.svg'))) throw new Error(`${alphaDir} has no alpha.svg (a finished npm run experiment folder of a method with α)`);
    const c = readJson<{ run: ExperimentDir['run']; data: string; maxPerClass?: number | null }>(join(alphaDir, 'config.json'));
    const m = readJson<ExperimentDir['metrics']>(join(alphaDir, 'metrics.json'));
    const settings = collectCl([{ run: c.run, data: c.data, maxPerClass: c.maxPerClass, metrics: m }])[0]!.settings;
    const caption = `α_k over training steps on this backbone: ${variantName(c.run)}, ${c.data}, seed ${c.run.seed} (${settings}); final Acc ${m.acc.toFixed(1)} %`;
    copyFileSync(join(alphaDir, 'alpha.svg'), join(model, 'alpha.svg'));
    writeFileSync(join(model, 'alpha.json'), JSON.stringify({ file: 'alpha.svg', caption }, null, 2) + '\n');
  }
  if (triedDirs) {
    const own = new Set(readJson<PretrainingInfo>(join(model, 'pretraining.json')).corpus.packages.map((q) => q.name));
    const tried: TriedRecipe[] = triedDirs.map((d) => {
      for (const f of ['pretraining.json', 'probe.json'])
        if (!existsSync(join(d, f))) throw new Error(`${d} has no ${f} (a finished npm run pretrain folder, probed with npm run probe -- --model ${d})`);
      const pretraining = readJson<PretrainingInfo>(join(d, 'pretraining.json'));
      // The packages this model's corpus used too are in the card's own pretraining.json: kept here are only the others.
      const packages = pretraining.corpus.packages.filter((q) => !own.has(q.name));
      return { name: basename(d), pretraining: { ...pretraining, corpus: { ...pretraining.corpus, packages } }, probe: readJson<ProbeInfo>(join(d, 'probe.json')) };
    });
    writeFileSync(join(model, 'tried.json'), JSON.stringify(tried, null, 2) + '\n');
  }
  const weights = parseSafetensors(new Uint8Array(readFileSync(join(model, 'model.safetensors'))), 'model.safetensors');
  let parameters = 0;
  for (const e of weights.entries.values()) parameters += e.shape.reduce((a, b) => a * b, 1);
  const card = renderModelCard({
    name,
    config: readJson<ModelConfigInfo>(join(model, 'config.json')),
    parameters,
    pretraining: readJson<PretrainingInfo>(join(model, 'pretraining.json')),
    probe: existsSync(join(model, 'probe.json')) ? readJson<ProbeInfo>(join(model, 'probe.json')) : null,
    cl: existsSync(join(model, 'cl.json')) ? readJson<ClRow[]>(join(model, 'cl.json')) : null,
    alphaPlot: existsSync(join(model, 'alpha.json')) ? readJson<{ file: string; caption: string }>(join(model, 'alpha.json')) : null,
    tried: existsSync(join(model, 'tried.json')) ? readJson<TriedRecipe[]>(join(model, 'tried.json')) : null,
  });
  writeFileSync(join(model, 'README.md'), card);
  process.stderr.write(`→ ${join(model, 'README.md')}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(2);
}
