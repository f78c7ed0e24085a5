// Supervised pretraining of the backbone on the corpus of src/data/pretrainCorpus.ts (CJK glyph and emoji
// identities): every weight trains (GpuViT mode 'full'), AdamW with linear warm-up then cosine decay, a
// random batch per step (seeded by (seed, step), so a resumed run draws the same batches as an uninterrupted
// one; optionally drawn per corpus kind with fixed weights, e.g. half glyphs, a fifth emoji, the rest digits),
// random-resized-crop, scale/shift jitter and horizontal flip done on the GPU by the preprocess kernel (through the
// crop box), and optional random grayscale, colour inversion, light-on-dark, silhouettes and contrast done while
// packing the batch on the host (they move the corpus's mostly dark-on-light, coloured line renderings toward the
// grey, light-on-dark, filled photographs of benchmarks like Fashion-MNIST).
// UI-agnostic: progress goes out through callbacks; src/cli/pretrain.ts writes logs, checkpoints and the model.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import * as preprocess from '../kernels/preprocess';
import { CORPUS_KINDS, type Corpus, type CorpusKind } from '../data/pretrainCorpus';
import { describeInputConvention, recipeInputConvention, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { paramSpecs, type ParamTable } from '../model/vit/params';
import { mixSeed, mulberry32 as rng } from '../data/random';
import { randomResizedCrop } from './experiment';
import { Optimizer } from './optimizer';
import { contrastiveLoss, type ContrastiveOptions } from './contrastive';

export interface PretrainOptions {
  steps: number;
  batch: number;
  learningRate: number; // peak
  warmupSteps: number;
  minLearningRate: number; // end of the cosine
  weightDecay: number; // AdamW, decoupled
  seed: number;
  cropScale: [number, number]; // random-resized-crop area fraction
  flip: boolean;
  /** Probability that an image is turned to gray (luma, Rec. 601), and that its colours are inverted (255 − v). */
  grayscale?: number;
  invert?: number;
  /** Probability that an image is made light-on-dark: inverted when its border is brighter than mid-grey. */
  darkBackground?: number;
  /** Probability that an image becomes a filled silhouette: every pixel far from the border colour turns one random
   *  grey level (96–255), the rest black. Shapes without strokes or colour, like photographed objects. */
  silhouette?: number;
  /** Probability that the object's pixels (those far from the border colour, as for silhouettes) are shaded by a
   *  random pattern: stripes, checks or a ramp at a random angle, period and depth. Surface texture and shading that
   *  glyphs and flat emoji lack, so that features learn to see the shape through them. */
  texture?: number;
  /** Lowest contrast factor: each image is scaled about its mean by a factor drawn in [contrast, 1] (1 = off). */
  contrast?: number;
  /** Scale/shift jitter of the crop box: [a, t] zooms by a factor in [1 − a, 1 + a] and shifts by up to t of the
   *  box size in x and y (the edge pixels repeat outside the image). [0, 0] = off. */
  jitter?: [number, number];
  /** Draw weights per corpus kind (each step: a kind by weight, then a training image of that kind uniformly);
   *  null or absent = every training image equally likely. */
  mix?: Partial<Record<CorpusKind, number>> | null;
  /** A contrastive term on the features next to the cross-entropy (src/training/contrastive.ts): each batch is then
   *  B/2 images drawn once and augmented twice. null or absent = cross-entropy alone. */
  contrastive?: ContrastiveOptions | null;
}

export const DEFAULT_PRETRAIN: PretrainOptions = {
  steps: 20000,
  batch: 64,
  learningRate: 1e-3,
  warmupSteps: 500,
  minLearningRate: 1e-5,
  weightDecay: 0.05,
  seed: 1,
  cropScale: [0.5, 1],
  flip: true,
  grayscale: 0,
  invert: 0,
  darkBackground: 0,
  silhouette: 0,
  texture: 0,
  contrast: 1,
  jitter: [0, 0],
  mix: null,
  contrastive: null,
};

/** Learning rate before step `step` (0-based): linear warm-up to the peak, then cosine to minLearningRate. */
export function learningRateAt(o: Pick<PretrainOptions, 'steps' | 'learningRate' | 'warmupSteps' | 'minLearningRate'>, step: number): number {
  if (step < o.warmupSteps) return (o.learningRate * (step + 1)) / o.warmupSteps;
  const span = Math.max(1, o.steps - o.warmupSteps);
  const t = Math.min(1, (step - o.warmupSteps) / span);
  return o.minLearningRate + 0.5 * (o.learningRate - o.minLearningRate) * (1 + Math.cos(Math.PI * t));
}

/** Steps measured before the step count is planned from a time budget: the first ones compile pipelines, so the
 *  speed is taken over steps MEASURE_FROM..MEASURE_TO after the start. */
const MEASURE_FROM = 10;
const MEASURE_TO = 60;
/** Of the time left when planning, the share kept for checkpoints, validation and a slower machine. */
const BUDGET_RESERVE = 0.05;

/** For --minutes: returns, once, at step startStep + MEASURE_TO, the step count at which the run ends within the
 *  budget (`elapsed`: seconds since the budget's clock started, e.g. process.uptime); null on every other step. */
export function budgetPlanner(minutes: number | null, startStep: number, elapsed: () => number, now: () => number = () => performance.now()): (step: number) => number | null {
  let t0 = 0;
  return (step) => {
    if (minutes === null) return null;
    if (step === startStep + MEASURE_FROM) t0 = now();
    if (step !== startStep + MEASURE_TO || !t0) return null;
    const perStep = (now() - t0) / 1000 / (MEASURE_TO - MEASURE_FROM);
    const left = (minutes * 60 - elapsed()) * (1 - BUDGET_RESERVE);
    return step + Math.max(0, Math.floor(left / perStep));
  };
}

export interface StepStats {
  step: number; // steps done (1-based after the update)
  loss: number; // the cross-entropy
  /** The contrastive term L (before its weight), when the recipe has one. */
  contrastive?: number;
  accuracy: number; // training top-1 of this batch (on augmented images)
  learningRate: number;
  imagesPerSec: number;
}

export interface TrainState {
  step: number;
  params: ParamTable; // every weight, head included (timm names)
  optimizer: { step: number; slots: Map<string, Float32Array[]> } | null;
}

export interface PretrainHooks {
  onStep?: (s: StepStats) => void;
  /** Asked after every step; a checkpoint is taken when it says so (and at the end). */
  wantCheckpoint?: (step: number) => boolean;
  onCheckpoint?: (state: TrainState, validation: { accuracy: number; images: number } | null) => Promise<void> | void;
  /** Stop early (e.g. on SIGINT), after a checkpoint. */
  shouldStop?: () => boolean;
  /** Validation images evaluated at each checkpoint (0 = none). */
  validationLimit?: number;
}

/** Indices of the train and validation images. */
export function corpusSplits(c: Corpus): { train: Uint32Array; val: Uint32Array } {
  const N = c.index.count;
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < N; i++) (c.meta[2 * i + 1] ? val : train).push(i);
  return { train: Uint32Array.from(train), val: Uint32Array.from(val) };
}

/** Colour changes of one batch slot, applied in this order: silhouette (level > 0: pixels far from the border
 *  colour take that grey level, the rest 0), texture (those object pixels scaled by a pattern), gray (R = G = B =
 *  luma), invert (255 − v), darkBackground (inverts again when the border's mean luma is above mid-grey, so the
 *  object ends light on dark), contrast (factor < 1: scaled toward the image's mean value). */
export interface ColourJitter {
  gray: boolean;
  invert: boolean;
  darkBackground?: boolean;
  silhouette?: number;
  texture?: TexturePattern;
  contrast?: number;
}

/** A shading pattern p(x, y) in [0, 1]: object pixels are scaled by 1 − depth + depth·p. `period` in pixels along
 *  the direction at `angle` (radians); a ramp goes from 0 to 1 across the image in that direction. */
export interface TexturePattern {
  kind: 'stripes' | 'checks' | 'ramp';
  angle: number;
  period: number;
  depth: number;
}

export const TEXTURE_KINDS: readonly TexturePattern['kind'][] = ['stripes', 'checks', 'ramp'];

/** p(x, y) of a pattern on a W×H image (pixel centres). */
export function texturePattern(t: TexturePattern, x: number, y: number, W: number, H: number): number {
  const c = Math.cos(t.angle);
  const s = Math.sin(t.angle);
  const u = (x + 0.5 - W / 2) * c + (y + 0.5 - H / 2) * s;
  if (t.kind === 'stripes') return 0.5 + 0.5 * Math.cos((2 * Math.PI * u) / t.period);
  if (t.kind === 'checks') {
    const v = -(x + 0.5 - W / 2) * s + (y + 0.5 - H / 2) * c;
    return (Math.floor(u / t.period) + Math.floor(v / t.period)) & 1;
  }
  const half = (W * Math.abs(c) + H * Math.abs(s)) / 2;
  return Math.min(1, Math.max(0, 0.5 + u / (2 * half)));
}

/** Mean R, G, B of the outermost pixel ring of an RGB image (H, W, 3). */
function borderColour(px: Uint8Array | Float32Array, W: number, H: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (y !== 0 && y !== H - 1 && x !== 0 && x !== W - 1) continue;
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) sum[c]! += px[o + c]!;
      n++;
    }
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
/** How far (largest channel difference) a pixel must be from the border colour to count as the object. */
const SILHOUETTE_THRESHOLD = 48;

/** Packs corpus images (RGB, H×W) as RGBA words for the preprocess kernel, one per batch slot. Plain loops over
 *  a float working copy: this runs on the host for every image of every step (≈ 2 ms for 128 images of 32×32). */
export function packBatch(c: Corpus, idx: ArrayLike<number>, B: number, pixels: Uint32Array, jitter?: readonly ColourJitter[]): void {
  const { width: W, height: H } = c.index.image;
  const per = W * H;
  const n = 3 * per;
  const px = new Float32Array(n); // (H, W, 3) working copy of one image
  const images = c.images;
  for (let b = 0; b < B; b++) {
    const i = idx[Math.min(b, idx.length - 1)]!;
    const o = i * n;
    for (let q = 0; q < n; q++) px[q] = images[o + q]!;
    const j = jitter?.[b];
    if (j?.silhouette) {
      const [br, bg, bb] = borderColour(px, W, H);
      const level = j.silhouette;
      for (let q = 0; q < n; q += 3) {
        const d = Math.max(Math.abs(px[q]! - br), Math.abs(px[q + 1]! - bg), Math.abs(px[q + 2]! - bb));
        const v = d > SILHOUETTE_THRESHOLD ? level : 0;
        px[q] = v;
        px[q + 1] = v;
        px[q + 2] = v;
      }
    }
    if (j?.texture) {
      const [br, bg, bb] = borderColour(px, W, H);
      const t = j.texture;
      for (let y = 0, q = 0; y < H; y++)
        for (let x = 0; x < W; x++, q += 3) {
          const d = Math.max(Math.abs(px[q]! - br), Math.abs(px[q + 1]! - bg), Math.abs(px[q + 2]! - bb));
          if (d <= SILHOUETTE_THRESHOLD) continue; // background
          const f = 1 - t.depth + t.depth * texturePattern(t, x, y, W, H);
          px[q] = px[q]! * f;
          px[q + 1] = px[q + 1]! * f;
          px[q + 2] = px[q + 2]! * f;
        }
    }
    if (j?.gray)
      for (let q = 0; q < n; q += 3) {
        const v = Math.round(luma(px[q]!, px[q + 1]!, px[q + 2]!));
        px[q] = v;
        px[q + 1] = v;
        px[q + 2] = v;
      }
    let flip = j?.invert ?? false;
    if (j?.darkBackground) {
      const bg = borderColour(px, W, H);
      if ((flip ? 255 - luma(...bg) : luma(...bg)) > 127.5) flip = !flip;
    }
    if (flip) for (let q = 0; q < n; q++) px[q] = 255 - px[q]!;
    if (j?.contrast !== undefined && j.contrast !== 1) {
      let mean = 0;
      for (let q = 0; q < n; q++) mean += px[q]!;
      mean /= n;
      const k = j.contrast;
      for (let q = 0; q < n; q++) px[q] = mean + k * (px[q]! - mean);
    }
    const base = b * per;
    for (let p = 0, q = 0; p < per; p++, q += 3) {
      const r = byte(px[q]!);
      const g = byte(px[q + 1]!);
      const bl = byte(px[q + 2]!);
      pixels[base + p] = (r | (g << 8) | (bl << 16) | 0xff000000) >>> 0;
    }
  }
}

/** Rounded (half up, as Math.round) and clamped to 0..255. */
function byte(x: number): number {
  const v = Math.floor(x + 0.5);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** A crop box [x0, y0, w, h] zoomed by a factor in [1 − a, 1 + a] about its centre and shifted by up to t·(w, h). */
export function jitterBox(box: readonly number[], [a, t]: readonly [number, number], r: () => number): [number, number, number, number] {
  const [x0, y0, w, h] = box as [number, number, number, number];
  const zoom = 1 + a * (2 * r() - 1);
  const nw = w / zoom;
  const nh = h / zoom;
  return [x0 + (w - nw) / 2 + t * w * (2 * r() - 1), y0 + (h - nh) / 2 + t * h * (2 * r() - 1), nw, nh];
}

/** Augmentation of one batch: crop box, jitter and flip on the GPU, colour changes on the host. */
export type BatchAugment = Pick<PretrainOptions, 'cropScale' | 'flip' | 'grayscale' | 'invert' | 'darkBackground' | 'silhouette' | 'texture' | 'contrast' | 'jitter'> & { r: () => number };

/** GPU input pipeline for corpus batches: pixels → crop/flip/resize/normalise → images (B, 3, S, S). */
export class CorpusBatcher {
  readonly images: GpuTensor;
  readonly labels: GpuTensor;
  private readonly pixels: GpuTensor;
  private readonly sources: GpuTensor;
  private readonly boxes: GpuTensor;
  private readonly hostPixels: Uint32Array;

  constructor(
    private readonly ctx: GpuContext,
    private readonly corpus: Corpus,
    private readonly config: ViTConfig,
    readonly batch: number,
    /** Applied to every image of an un-augmented load (evaluation): the recipe's always-on colour changes. */
    private readonly convention: Pick<ViTConfig, 'grayscale' | 'lightOnDark'> = {},
  ) {
    const { width: W, height: H } = corpus.index.image;
    const S = config.imageSize;
    this.images = ctx.tensor([batch, 3, S, S], 'pretrain.images');
    this.labels = ctx.tensor([batch], 'pretrain.labels', 'u32');
    this.pixels = ctx.tensor([batch * W * H], 'pretrain.pixels', 'u32');
    this.sources = ctx.tensor([batch, 4], 'pretrain.sources', 'u32');
    this.boxes = ctx.tensor([batch, 4], 'pretrain.boxes');
    this.hostPixels = new Uint32Array(batch * W * H);
  }

  /** Uploads images idx (≤ batch; the last repeats to fill), with augmentation when `r` is given. */
  load(idx: ArrayLike<number>, augment: BatchAugment | null): number[] {
    const { width: W, height: H } = this.corpus.index.image;
    const B = this.batch;
    const contrast = augment?.contrast ?? 1;
    // Older recipes (no silhouette / texture / contrast) draw exactly the random numbers they drew before.
    const jitter = augment && (augment.grayscale || augment.invert || augment.darkBackground || augment.silhouette || augment.texture || contrast !== 1)
      ? Array.from({ length: B }, (): ColourJitter => {
          const j: ColourJitter = {
            gray: augment.r() < (augment.grayscale ?? 0),
            invert: augment.r() < (augment.invert ?? 0),
            darkBackground: augment.r() < (augment.darkBackground ?? 0),
          };
          if (augment.silhouette) j.silhouette = augment.r() < augment.silhouette ? 96 + Math.floor(160 * augment.r()) : 0;
          if (contrast !== 1) j.contrast = contrast + (1 - contrast) * augment.r();
          if (augment.texture && augment.r() < augment.texture)
            j.texture = { kind: TEXTURE_KINDS[Math.floor(augment.r() * TEXTURE_KINDS.length)]!, angle: Math.PI * augment.r(), period: 2 + 6 * augment.r(), depth: 0.3 + 0.5 * augment.r() };
          return j;
        })
      : !augment && describeInputConvention(this.convention)
        ? Array.from({ length: B }, () => conventionJitter(this.convention))
        : undefined;
    packBatch(this.corpus, idx, B, this.hostPixels, jitter);
    const sources = new Uint32Array(B * 4); // (B, 4) [W, H, offset, flip]
    const boxes = new Float32Array(B * 4); // (B, 4) [x0, y0, w, h]
    const labels: number[] = [];
    for (let b = 0; b < B; b++) {
      const flip = augment?.flip ? augment.r() < 0.5 : false;
      sources.set([W, H, b * W * H, flip ? 1 : 0], b * 4);
      const box = augment ? randomResizedCrop(W, H, augment.cropScale, augment.r) : [0, 0, W, H];
      const jit = augment?.jitter;
      boxes.set(augment && jit && (jit[0] || jit[1]) ? jitterBox(box, jit, augment.r) : box, b * 4);
      labels.push(this.corpus.labels[idx[Math.min(b, idx.length - 1)]!]!);
    }
    this.ctx.write(this.pixels, this.hostPixels);
    this.ctx.write(this.sources, sources);
    this.ctx.write(this.boxes, boxes);
    this.ctx.write(this.labels, Uint32Array.from(labels));
    preprocess.forward(this.ctx, this.images, this.pixels, this.sources, this.boxes, { mean: this.config.mean, std: this.config.std });
    return labels;
  }

  destroy(): void {
    this.ctx.release(this.images, this.labels, this.pixels, this.sources, this.boxes);
  }
}

/** Top-1 accuracy of `vit` (its head) on corpus images idx, without augmentation. */
export async function evaluateCorpus(ctx: GpuContext, vit: GpuViT, batcher: CorpusBatcher, idx: Uint32Array): Promise<number> {
  const B = batcher.batch;
  let correct = 0;
  for (let s = 0; s < idx.length; s += B) {
    const part = idx.subarray(s, Math.min(idx.length, s + B));
    const labels = batcher.load(part, null);
    vit.forward(batcher.images);
    const preds = await ctx.readU32(vit.predict());
    for (let b = 0; b < part.length; b++) if (preds[b] === labels[b]) correct++;
  }
  return idx.length ? correct / idx.length : 0;
}

/**
 * Draws one training image: uniformly over all of them (mix null), or a kind by its weight, then uniformly within
 * that kind. One r() per draw without a mix (as older runs), two with one.
 */
export function trainingSampler(corpus: Corpus, train: Uint32Array, mix: Partial<Record<CorpusKind, number>> | null): (r: () => number) => number {
  if (!mix) return (r) => train[Math.floor(r() * train.length)]!;
  const byKind = CORPUS_KINDS.map((kind) => ({ kind, weight: mix[kind] ?? 0, idx: [] as number[] }));
  for (const i of train) byKind.find((k) => k.kind === corpus.index.classes[corpus.labels[i]!]!.kind)!.idx.push(i);
  const used = byKind.filter((k) => k.weight > 0);
  const empty = used.filter((k) => !k.idx.length).map((k) => k.kind);
  if (empty.length) throw new Error(`pretraining mix: the corpus has no training image of kind ${empty.join(', ')}; drop it from --mix`);
  if (!used.length) throw new Error('pretraining mix: every weight is 0');
  const total = used.reduce((a, k) => a + k.weight, 0);
  return (r) => {
    let u = r() * total;
    const k = used.find((x) => (u -= x.weight) < 0) ?? used[used.length - 1]!;
    return k.idx[Math.floor(r() * k.idx.length)]!;
  };
}

/** A model's input convention as the per-image colour changes of packBatch (what validation images get). */
export function conventionJitter(c: Pick<ViTConfig, 'grayscale' | 'lightOnDark'>): ColourJitter {
  return { gray: !!c.grayscale, invert: false, darkBackground: !!c.lightOnDark };
}

/**
 * Trains from `init` (step 0 with fresh weights, or a checkpoint) up to opts.steps. config.numClasses must equal
 * the corpus's class count. Returns the final state (weights read back to the host).
 */
export async function pretrain(ctx: GpuContext, corpus: Corpus, config: ViTConfig, init: TrainState, opts: PretrainOptions, hooks: PretrainHooks = {}): Promise<TrainState> {
  const K = corpus.index.classes.length;
  if (config.numClasses !== K) throw new Error(`pretrain: config has ${config.numClasses} classes, the corpus ${K}`);
  const B = opts.batch;
  const con = opts.contrastive ?? null;
  if (con && B % 2 !== 0) throw new Error(`pretrain: a contrastive recipe needs an even batch (two views per image), got ${B}`);
  const vit = new GpuViT(ctx, config, init.params, { batch: B, mode: 'full' });
  const opt = new Optimizer(ctx, vit.trainable, vit.grads, { kind: 'adam', learningRate: opts.learningRate, weightDecay: opts.weightDecay, decoupled: true });
  if (init.optimizer) opt.loadState(init.optimizer);
  const batcher = new CorpusBatcher(ctx, corpus, config, B, recipeInputConvention(opts));
  const { train, val } = corpusSplits(corpus);
  const draw = trainingSampler(corpus, train, opts.mix ?? null);
  const featureGrad = con ? ctx.tensor([B, config.width], 'pretrain.featureGrad') : null;
  const valIdx = val.subarray(0, Math.min(val.length, hooks.validationLimit ?? 0));
  const readState = async (step: number): Promise<TrainState> => {
    const params: ParamTable = new Map();
    for (const s of paramSpecs(config)) params.set(s.name, await vit.readParam(s.name));
    return { step, params, optimizer: await opt.readState() };
  };
  const checkpoint = async (step: number) => {
    const state = await readState(step);
    const validation = valIdx.length ? { accuracy: await evaluateCorpus(ctx, vit, batcher, valIdx), images: valIdx.length } : null;
    await hooks.onCheckpoint?.(state, validation);
    return state;
  };

  let step = init.step;
  let last: TrainState | null = null;
  try {
    while (step < opts.steps) {
      const t0 = performance.now();
      const r = rng(mixSeed(opts.seed >>> 0, step));
      const idx = new Uint32Array(B);
      // Contrastive: images b and b + B/2 are one draw, augmented independently (two views).
      const drawn = con ? B / 2 : B;
      for (let b = 0; b < drawn; b++) idx[b] = draw(r);
      if (con) idx.copyWithin(drawn, 0, drawn);
      const labels = batcher.load(idx, { ...opts, r });
      const lr = learningRateAt(opts, step);
      vit.forward(batcher.images);
      const { loss, dlogits } = vit.loss(batcher.labels, 0, K);
      const preds = vit.predict(); // from the logits, before the update
      let contrastive: number | undefined;
      if (con && featureGrad) {
        const c = contrastiveLoss(await ctx.read(vit.features), B, config.width, con, labels);
        contrastive = c.loss;
        ctx.write(featureGrad, c.grad.map((g) => con.weight * g));
      }
      vit.backward(dlogits, featureGrad ? { featureGrad } : {});
      opt.step(lr);
      const lossValue = (await ctx.read(loss))[0]!;
      const p = await ctx.readU32(preds);
      step++;
      if (!Number.isFinite(lossValue) || (contrastive !== undefined && !Number.isFinite(contrastive)))
        throw new Error(`pretraining diverged at step ${step} (loss ${lossValue}${contrastive !== undefined ? `, contrastive ${contrastive}` : ''}); lower the learning rate (now ${lr})`);
      let correct = 0;
      for (let b = 0; b < B; b++) if (p[b] === labels[b]) correct++;
      const ms = performance.now() - t0;
      hooks.onStep?.({ step, loss: lossValue, ...(contrastive !== undefined ? { contrastive } : {}), accuracy: correct / B, learningRate: lr, imagesPerSec: (1000 * B) / ms });
      const stop = hooks.shouldStop?.() ?? false;
      if (step === opts.steps || stop || hooks.wantCheckpoint?.(step)) last = await checkpoint(step);
      if (stop) break;
    }
    return last ?? (await readState(step));
  } finally {
    batcher.destroy();
    if (featureGrad) ctx.release(featureGrad);
    opt.destroy();
    vit.destroy();
  }
}
