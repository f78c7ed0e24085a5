// `npm run probe -- [--model default|<dir>|random:small32] [--data split-fashion-mnist,emoji-styles] [--out probe.json]`
// Frozen-feature nearest-class-mean accuracy on the built-in benchmarks (class means from the train split,
// accuracy on the test split), for three feature extractors side by side:
//   pixels  — the model input itself (image resized bilinearly to the model's input size, normalised; 3·S·S values),
//   random  — a randomly initialised ViT of the same shape (timm init, seed --seed),
//   model   — the given checkpoint's final-LN CLS features.
// Both NCM metrics of src/training/probe.ts (cosine and euclidean). Prints a table and writes JSON (this is what
// the model card reports).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { listImages, loadManifest, readerSource } from '../data/builtin';
import { decodeImage, packImages, type RgbaImage } from '../data/decode';
import type { GpuContext } from '../gpu/context';
import { loadCheckpoint } from '../io/checkpoint';
import * as preprocess from '../kernels/preprocess';
import { describeInputConvention, presets, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { initParams, type ParamTable } from '../model/vit/params';
import { createNodeContext, repoRoot } from '../platform/node';
import { ncmAccuracy, type FeatureSet, type NcmMetric } from '../training/probe';

interface Args {
  model: string;
  data: string[];
  out: string | null;
  batch: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { model: 'default', data: ['split-fashion-mnist', 'emoji-styles'], out: null, batch: 64, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--model') a.model = v;
    else if (k === '--data') a.data = v.split(',');
    else if (k === '--out') a.out = resolve(v);
    else if (k === '--batch') a.batch = Number(v);
    else if (k === '--seed') a.seed = Number(v);
    else throw new Error(`unknown flag ${k} (--model, --data, --out, --batch, --seed)`);
  }
  return a;
}

function loadModel(spec: string): { config: ViTConfig; params: ParamTable; dir: string | null } {
  if (spec.startsWith('random:')) {
    const name = spec.slice(7) as keyof typeof presets;
    if (!presets[name]) throw new Error(`unknown preset '${name}' (${Object.keys(presets).join(', ')})`);
    const config = { ...presets[name], numClasses: 0 };
    return { config, params: initParams(config, 12345), dir: null };
  }
  const dir = spec === 'default' ? join(repoRoot, 'public/models/default') : isAbsolute(spec) ? spec : resolve(spec);
  if (!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'model.safetensors')))
    throw new Error(`model folder ${dir} needs config.json and model.safetensors (build the default with npm run pretrain)`);
  const pre = join(dir, 'preprocessor_config.json');
  const loaded = loadCheckpoint(
    {
      config: readFileSync(join(dir, 'config.json'), 'utf8'),
      preprocessor: existsSync(pre) ? readFileSync(pre, 'utf8') : undefined,
      weights: new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
    },
    { numClasses: 0 },
  );
  return { config: loaded.config, params: loaded.params, dir };
}

interface Split {
  images: RgbaImage[];
  labels: number[];
}

async function loadBenchmark(name: string): Promise<{ classes: string[]; train: Split; test: Split }> {
  const root = join(repoRoot, 'public/data');
  const src = readerSource(async (p) => new Uint8Array(await readFile(join(root, p))));
  const m = await loadManifest(src, name);
  const split = async (s: 'train' | 'test'): Promise<Split> => {
    const entries = listImages(m, s);
    const images: RgbaImage[] = [];
    for (const e of entries) images.push(decodeImage(await src.bytes(e.path)));
    return { images, labels: entries.map((e) => e.label) };
  };
  return { classes: m.classes, train: await split('train'), test: await split('test') };
}

/** Features of every image for each extractor: pixels (3·S·S), and CLS features of each ViT (C). */
async function extract(ctx: GpuContext, config: ViTConfig, vits: GpuViT[], images: RgbaImage[], B: number): Promise<Float32Array[]> {
  const S = config.imageSize;
  const P = 3 * S * S;
  const C = config.width;
  const out = [new Float32Array(images.length * P), ...vits.map(() => new Float32Array(images.length * C))];
  const input = ctx.tensor([B, 3, S, S], 'probe.images');
  const sourcesT = ctx.tensor([B, 4], 'probe.sources', 'u32');
  const boxesT = ctx.tensor([B, 4], 'probe.boxes');
  for (let s = 0; s < images.length; s += B) {
    const part = images.slice(s, s + B);
    const filled = part.concat(Array.from({ length: B - part.length }, () => part[part.length - 1]!));
    const { pixels, sources } = packImages(filled, undefined, config);
    const pixelsT = ctx.fromArray(pixels, [pixels.length], 'probe.pixels');
    ctx.write(sourcesT, sources);
    const boxes = new Float32Array(B * 4); // (B, 4): the whole image, resized to S×S
    filled.forEach((im, b) => boxes.set([0, 0, im.width, im.height], b * 4));
    ctx.write(boxesT, boxes);
    preprocess.forward(ctx, input, pixelsT, sourcesT, boxesT, { mean: config.mean, std: config.std });
    const px = await ctx.read(input);
    out[0]!.set(px.subarray(0, part.length * P), s * P);
    for (let v = 0; v < vits.length; v++) {
      vits[v]!.forward(input);
      const f = await ctx.read(vits[v]!.features);
      out[v + 1]!.set(f.subarray(0, part.length * C), s * C);
    }
    ctx.release(pixelsT);
  }
  ctx.release(input, sourcesT, boxesT);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const model = loadModel(args.model);
  const config = model.config;
  const randomParams = initParams({ ...config, numClasses: 0 }, args.seed);
  const ctx = await createNodeContext({ verbose: true });
  const vits = [new GpuViT(ctx, config, randomParams, { batch: args.batch, mode: 'none' }), new GpuViT(ctx, config, model.params, { batch: args.batch, mode: 'none' })];
  const names = ['pixels', 'random', 'model'] as const;
  const dims = [3 * config.imageSize * config.imageSize, config.width, config.width];
  const metrics: NcmMetric[] = ['cosine', 'euclidean'];
  const results: Record<string, Record<string, Record<NcmMetric, number>>> = {};
  for (const bench of args.data) {
    const t0 = performance.now();
    const d = await loadBenchmark(bench);
    const K = d.classes.length;
    const tr = await extract(ctx, config, vits, d.train.images, args.batch);
    const te = await extract(ctx, config, vits, d.test.images, args.batch);
    results[bench] = {};
    names.forEach((n, i) => {
      const train: FeatureSet = { features: tr[i]!, labels: d.train.labels };
      const test: FeatureSet = { features: te[i]!, labels: d.test.labels };
      results[bench]![n] = Object.fromEntries(metrics.map((m) => [m, ncmAccuracy(train, test, K, dims[i]!, m)])) as Record<NcmMetric, number>;
    });
    process.stderr.write(`${bench}: ${d.train.images.length} train / ${d.test.images.length} test images, ${K} classes, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  for (const v of vits) v.destroy();
  ctx.destroy();

  const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
  const lines = [
    `NCM accuracy (test split; class means from the train split), cosine / euclidean; model: ${args.model}`,
    `${'benchmark'.padEnd(22)}${names.map((n) => n.padStart(18)).join('')}`,
    ...Object.entries(results).map(([b, r]) => `${b.padEnd(22)}${names.map((n) => `${pct(r[n]!.cosine)} /${pct(r[n]!.euclidean)}`.padStart(18)).join('')}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const out = args.out ?? (model.dir ? join(model.dir, 'probe.json') : join(repoRoot, '.cache/probe', `${args.model.replace(/[^a-z0-9]+/gi, '_')}.json`));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        model: args.model,
        config,
        protocol:
          'nearest class mean on frozen features: class means from the train split, top-1 accuracy on the test split; pixels = the model input (' +
          (describeInputConvention(config) ? `made ${describeInputConvention(config)} as the model expects, then ` : '') +
          'bilinear resize to the input size, normalised); random = timm-initialised ViT of the same shape, fed the same input; features = final-LN CLS token',
        randomSeed: args.seed,
        results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stderr.write(`→ ${out}\n`);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`\nerror: ${e.message}\n`);
    process.exit(2);
  },
);
