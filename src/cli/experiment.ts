// `npm run experiment -- --config <file.json> --out <dir> [--method sdlora] [--seed 1] [--tasks 5] [--data <name|folder>]
//   [--model <default|folder|random:<preset>>] [--epochs 5] [--targets q,k,v] [--max-per-class N] [--resume <dir>] …` —
//   any RunConfig field can be a flag (lists as JSON or comma-separated); --max-per-class keeps the first N images of
//   each class per split (the playground's image cap).
// Runs class-incremental learning on the GPU (Dawn for Node) and writes into <dir>: config.json (resolved, with
// versions), metrics.json, acc_matrix.csv, alpha.csv, lora_bank.safetensors, model.onnx (merged), and a checkpoint
// after every task so `--resume <dir>` continues from the last completed task with the same final numbers.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { listImages, loadManifest, readerSource } from '../data/builtin';
import { loadImageFolder } from '../data/imageFolder';
import { capPerClass } from '../data/taskSplit';
import { listFolder, nodeReader } from '../platform/nodeFiles';
import { loadCheckpoint } from '../io/checkpoint';
import { writeLoraBank } from '../io/loraBank';
import { describeInputConvention, presets, type ViTConfig } from '../model/vit/config';
import { initParams, type ParamTable } from '../model/vit/params';
import { createNodeContext, repoRoot } from '../platform/node';
import { runExperiment, type ExperimentOptions, type ExperimentResult, type LabeledImages, type TrainingEvent } from '../training/experiment';
import { checkpointFromFiles, checkpointToFiles, type CheckpointFiles } from '../training/checkpointFiles';
import { accMatrixCsv, alphaCsv, metricsCore } from '../training/resultFiles';
import { alphaSvg } from '../training/alphaPlot';
import { mergedOnnx, mergedParams } from '../training/mergedExport';
import { DEFAULT_CONFIG, parseRunConfig, type RunConfig } from '../training/methods';

interface CliArgs {
  config: Record<string, unknown>;
  out: string;
  data: string;
  model: string;
  resume?: string;
  stopAfter?: number;
  /** Keep the first N images of each class per split (the playground's image cap); null: all. */
  maxPerClass: number | null;
}

/** A list-valued flag: JSON (`[[0,10],[4,8]]`) or comma-separated (`0.7,1`, `q,k,v`; numbers when the default's are). */
function listFlag(v: string, def: unknown[]): unknown {
  if (v.trim().startsWith('[')) return JSON.parse(v);
  const parts = v.split(',').map((x) => x.trim());
  return typeof def[0] === 'number' ? parts.map(Number) : parts;
}

function parseArgs(argv: string[]): CliArgs {
  const fields: Record<string, unknown> = {};
  let out = '';
  let data = 'split-fashion-mnist';
  let model = 'default';
  let resume: string | undefined;
  let stopAfter: number | undefined;
  let maxPerClass: number | null = null;
  let fileConfig: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (flags look like --name value)`);
    const key = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`flag --${key} needs a value`);
    i++;
    if (key === 'config') fileConfig = JSON.parse(readFileSync(v, 'utf8')) as Record<string, unknown>;
    else if (key === 'out') out = v;
    else if (key === 'data') data = v;
    else if (key === 'model') model = v;
    else if (key === 'resume') resume = v;
    else if (key === 'stop-after') stopAfter = Number(v);
    else if (key === 'max-per-class') {
      maxPerClass = Number(v);
      if (!Number.isInteger(maxPerClass) || maxPerClass < 1) throw new Error(`--max-per-class needs a positive integer (got '${v}')`);
    }
    else {
      const def = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[key];
      if (def === undefined) throw new Error(`unknown flag --${key}; config fields: ${Object.keys(DEFAULT_CONFIG).join(', ')}`);
      fields[key] = typeof def === 'number' ? Number(v) : typeof def === 'boolean' ? v === 'true' : Array.isArray(def) ? listFlag(v, def) : v;
    }
  }
  if (typeof fileConfig.data === 'string') data = fileConfig.data;
  if (typeof fileConfig.model === 'string') model = fileConfig.model;
  delete fileConfig.data;
  delete fileConfig.model;
  if (resume) {
    const saved = JSON.parse(readFileSync(join(resume, 'config.json'), 'utf8')) as { run: Record<string, unknown>; data: string; model: string; maxPerClass?: number | null };
    return { config: saved.run, out: out || resume, data: saved.data, model: saved.model, resume, stopAfter, maxPerClass: saved.maxPerClass ?? null };
  }
  if (!out) throw new Error('--out <dir> is required (where results are written)');
  return { config: { ...fileConfig, ...fields }, out, data, model, stopAfter, maxPerClass };
}

/** A built-in benchmark by name (public/data/<name>) or a user folder. */
async function loadData(spec: string): Promise<LabeledImages> {
  const dataRoot = join(repoRoot, 'public', 'data');
  if (existsSync(join(dataRoot, spec, 'manifest.json'))) {
    const src = readerSource(async (p) => new Uint8Array(await readFile(join(dataRoot, p))));
    const m = await loadManifest(src, spec);
    const refs = (split: 'train' | 'test') =>
      listImages(m, split).map((e) => ({ label: e.label, path: e.path, bytes: () => src.bytes(e.path) }));
    return { classNames: m.classes, train: refs('train'), test: refs('test') };
  }
  const root = resolve(spec);
  if (!existsSync(root))
    throw new Error(`data '${spec}' is neither a built-in benchmark (split-fashion-mnist, emoji-styles) nor an existing folder`);
  const { entries, issues: listIssues } = await listFolder(root);
  const read = nodeReader(root);
  const ds = await loadImageFolder(entries, read, { seed: 1 });
  for (const i of [...listIssues, ...ds.issues]) process.stderr.write(`skipped ${i.path}: ${i.reason}\n`);
  if (ds.classes.length < 2) throw new Error(`folder ${root} has ${ds.classes.length} usable class folder(s); put images in class_name/ folders (or train/ and test/ of class folders)`);
  const refs = (list: typeof ds.train) => list.map((im) => ({ label: im.label, path: im.path, bytes: () => read(im.path) }));
  return { classNames: ds.classes, train: refs(ds.train), test: refs(ds.test) };
}

async function loadModel(spec: string): Promise<{ config: ViTConfig; params: ParamTable; note: string }> {
  if (spec.startsWith('random:')) {
    const name = spec.slice(7) as keyof typeof presets;
    const config = presets[name];
    if (!config) throw new Error(`unknown preset '${name}'; presets: ${Object.keys(presets).join(', ')}`);
    return { config, params: initParams(config, 1), note: `randomly initialised ${name} ViT (untrained: results show the pipeline, not the method)` };
  }
  const dir = spec === 'default' ? join(repoRoot, 'public', 'models', 'default') : isAbsolute(spec) ? spec : resolve(spec);
  if (!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'model.safetensors'))) {
    if (spec === 'default')
      throw new Error(
        'the embedded default model (public/models/default) is not built yet; use --model random:small32 for an untrained ViT, or --model <folder> with config.json and model.safetensors',
      );
    throw new Error(`model folder ${dir} needs config.json and model.safetensors (Hugging Face or timm ViT)`);
  }
  const pre = join(dir, 'preprocessor_config.json');
  const loaded = loadCheckpoint({
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    preprocessor: existsSync(pre) ? JSON.parse(readFileSync(pre, 'utf8')) : undefined, // mean/std and input convention
    weights: new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
  });
  const params: ParamTable = new Map([...loaded.params].filter(([k]) => !k.startsWith('head.')));
  const convention = describeInputConvention(loaded.config);
  return { config: loaded.config, params, note: `${dir}${convention ? ` (input convention: images made ${convention} first)` : ''}` };
}

/** Progress bar with ETA on stderr. */
function progress(): (e: TrainingEvent) => void {
  const t0 = Date.now();
  let last = 0;
  return (e) => {
    if (e.type === 'stepCompleted') {
      const now = Date.now();
      if (now - last < 250 && e.globalStep !== e.totalSteps) return;
      last = now;
      const frac = e.globalStep / Math.max(1, e.totalSteps);
      const eta = frac > 0 ? ((now - t0) / frac - (now - t0)) / 1000 : 0;
      const bar = '█'.repeat(Math.round(frac * 24)).padEnd(24, '░');
      const alpha = e.alpha.length ? ` α=[${e.alpha.map((a) => a.toFixed(2)).join(' ')}]` : '';
      process.stderr.write(`\r${bar} ${(100 * frac).toFixed(0)}% task ${e.task + 1} step ${e.step} loss ${e.loss.toFixed(3)}${alpha} ${e.imagesPerSec.toFixed(0)} img/s ETA ${eta.toFixed(0)}s   `);
    } else if (e.type === 'taskFinished') {
      const m = e.metrics;
      process.stderr.write(`\ntask ${e.task + 1}: acc ${m.pooled[e.task]!.toFixed(1)}%  per task [${m.accMatrix[e.task]!.filter((x) => x !== null).map((x) => x!.toFixed(1)).join(' ')}]  ${e.seconds.toFixed(0)} s\n`);
    } else if (e.type === 'trainingWarning') {
      process.stderr.write(`\nwarning: ${e.message}\n`);
    } else if (e.type === 'imageSkipped') {
      process.stderr.write(`\nskipped ${e.path}: ${e.reason}\n`);
    }
  };
}

/** Writes a checkpoint's files (src/training/checkpointFiles.ts) into dir. */
function writeCheckpointDir(dir: string, files: CheckpointFiles): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}

function readCheckpointDir(dir: string): CheckpointFiles {
  const files: CheckpointFiles = new Map();
  for (const name of readdirSync(dir)) files.set(name, new Uint8Array(readFileSync(join(dir, name))));
  return files;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const run: RunConfig = parseRunConfig(args.config);
  const loaded = await loadData(args.data);
  const data: LabeledImages = { ...loaded, train: capPerClass(loaded.train, args.maxPerClass), test: capPerClass(loaded.test, args.maxPerClass) };
  const model = await loadModel(args.model);
  process.stderr.write(`model: ${model.note}\ndata: ${args.data} (${data.classNames.length} classes, ${data.train.length} train / ${data.test.length} test images)\n`);
  const ctx = await createNodeContext({ verbose: true });
  mkdirSync(args.out, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  if (!args.resume)
    writeFileSync(
      join(args.out, 'config.json'),
      JSON.stringify({ run, data: args.data, model: args.model, maxPerClass: args.maxPerClass, versions: { sdloraPlayground: pkg.version, node: process.version, adapter: ctx.adapter.description } }, null, 2) + '\n',
    );
  const config: ViTConfig = { ...model.config, numClasses: data.classNames.length };
  const ckptDir = join(args.out, 'checkpoint');
  let resume: ExperimentOptions['resume'];
  if (args.resume && existsSync(join(ckptDir, 'progress.json'))) {
    resume = checkpointFromFiles(readCheckpointDir(ckptDir), model.params);
    process.stderr.write(`resuming after task ${resume.done}\n`);
  }
  const result: ExperimentResult = await runExperiment(ctx, model, data, run, {
    onEvent: progress(),
    resume,
    stopAfter: args.stopAfter,
    onCheckpoint: (done, r) => writeCheckpointDir(ckptDir, checkpointToFiles(done, r, config, run.method === 'seq-full')),
  });
  const m = result.metrics;
  const metrics = metricsCore(run, result, data.classNames);
  writeFileSync(join(args.out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  writeFileSync(join(args.out, 'acc_matrix.csv'), accMatrixCsv(m.accMatrix));
  writeFileSync(join(args.out, 'alpha.csv'), alphaCsv(result.alpha));
  const plot = alphaSvg(result.alpha, `α_k over training steps: ${run.method}${run.method.startsWith('sdlora') ? ` (α ${run.alphaMode})` : ''}, seed ${run.seed}`);
  if (plot) writeFileSync(join(args.out, 'alpha.svg'), plot);
  const state = result.state;
  writeFileSync(
    join(args.out, 'lora_bank.safetensors'),
    writeLoraBank({
      config,
      components: state.seqLora ? [state.seqLora] : state.components,
      head: state.head ? { weight: state.head.weight, bias: state.head.bias, classes: state.head.bias.length } : undefined,
      meta: { method: run.method, seed: String(run.seed), classOrder: JSON.stringify(result.classOrder) },
    }),
  );
  const labels = result.classOrder.map((c) => data.classNames[c] ?? String(c));
  writeFileSync(join(args.out, 'model.onnx'), mergedOnnx(run, config, mergedParams(run, config, state), labels));
  process.stderr.write(`\nAcc ${m.acc.toFixed(2)}%  AAA ${m.aaa.toFixed(2)}%  forgetting ${m.forgetting.toFixed(2)}  → ${args.out}\n`);
  ctx.destroy();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`\nerror: ${e.message}\n`);
    process.exit(2);
  },
);
