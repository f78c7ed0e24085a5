// Supervised pretraining of the backbone on the corpus of src/data/pretrainCorpus.ts (CJK glyph and emoji
// identities): every weight trains (GpuViT mode 'full'), AdamW with linear warm-up then cosine decay, a
// random batch per step (seeded by (seed, step), so a resumed run draws the same batches as an uninterrupted
// one), random-resized-crop + horizontal flip done on the GPU by the preprocess kernel, and optional random
// grayscale and colour inversion done while packing the batch on the host (they move the corpus's mostly dark-on-
// light, coloured renderings toward the grey, light-on-dark photographs of benchmarks like Fashion-MNIST).
// UI-agnostic: progress goes out through callbacks; src/cli/pretrain.ts writes logs, checkpoints and the model.

import { StepClock } from './stepClock';
import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import * as preprocess from '../kernels/preprocess';
import type { Corpus } from '../data/pretrainCorpus';
import type { ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { paramSpecs, type ParamTable } from '../model/vit/params';
import { mixSeed, mulberry32 as rng } from '../data/random';
import { randomResizedCrop } from './experiment';
import { Optimizer } from './optimizer';

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
};

/** Learning rate before step `step` (0-based): linear warm-up to the peak, then cosine to minLearningRate. */
export function learningRateAt(o: Pick<PretrainOptions, 'steps' | 'learningRate' | 'warmupSteps' | 'minLearningRate'>, step: number): number {
  if (step < o.warmupSteps) return (o.learningRate * (step + 1)) / o.warmupSteps;
  const span = Math.max(1, o.steps - o.warmupSteps);
  const t = Math.min(1, (step - o.warmupSteps) / span);
  return o.minLearningRate + 0.5 * (o.learningRate - o.minLearningRate) * (1 + Math.cos(Math.PI * t));
}

export interface StepStats {
  step: number; // steps done (1-based after the update)
  loss: number;
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

/** Colour changes of one batch slot: gray (R = G = B = luma) and/or inverted (255 − v); darkBackground inverts
 *  (again) when the border's mean luma is above mid-grey, so the object ends light on dark. */
export interface ColourJitter {
  gray: boolean;
  invert: boolean;
  darkBackground?: boolean;
}

/** Mean Rec. 601 luma of the outermost pixel ring of image i. */
function borderLuma(c: Corpus, i: number): number {
  const { width: W, height: H } = c.index.image;
  const base = i * W * H * 3;
  let sum = 0;
  let n = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (y !== 0 && y !== H - 1 && x !== 0 && x !== W - 1) continue;
      const o = base + (y * W + x) * 3;
      sum += 0.299 * c.images[o]! + 0.587 * c.images[o + 1]! + 0.114 * c.images[o + 2]!;
      n++;
    }
  return sum / n;
}

/** Packs corpus images (RGB, H×W) as RGBA words for the preprocess kernel, one per batch slot. */
export function packBatch(c: Corpus, idx: ArrayLike<number>, B: number, pixels: Uint32Array, jitter?: readonly ColourJitter[]): void {
  const { width: W, height: H } = c.index.image;
  const per = W * H;
  for (let b = 0; b < B; b++) {
    const i = idx[Math.min(b, idx.length - 1)]!;
    const src = i * per * 3;
    const j = jitter?.[b];
    const flipBits = (j?.invert ? 255 : 0) ^ (j?.darkBackground && borderLuma(c, i) > 127.5 ? 255 : 0);
    for (let p = 0; p < per; p++) {
      let r = c.images[src + 3 * p]!;
      let g = c.images[src + 3 * p + 1]!;
      let bl = c.images[src + 3 * p + 2]!;
      if (j?.gray) r = g = bl = Math.round(0.299 * r + 0.587 * g + 0.114 * bl);
      pixels[b * per + p] = ((r ^ flipBits) | ((g ^ flipBits) << 8) | ((bl ^ flipBits) << 16) | (255 << 24)) >>> 0;
    }
  }
}

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
  load(
    idx: ArrayLike<number>,
    augment: { cropScale: [number, number]; flip: boolean; grayscale?: number; invert?: number; darkBackground?: number; r: () => number } | null,
  ): number[] {
    const { width: W, height: H } = this.corpus.index.image;
    const B = this.batch;
    const jitter = augment && (augment.grayscale || augment.invert || augment.darkBackground)
      ? Array.from({ length: B }, () => ({
          gray: augment.r() < (augment.grayscale ?? 0),
          invert: augment.r() < (augment.invert ?? 0),
          darkBackground: augment.r() < (augment.darkBackground ?? 0),
        }))
      : undefined;
    packBatch(this.corpus, idx, B, this.hostPixels, jitter);
    const sources = new Uint32Array(B * 4); // (B, 4) [W, H, offset, flip]
    const boxes = new Float32Array(B * 4); // (B, 4) [x0, y0, w, h]
    const labels: number[] = [];
    for (let b = 0; b < B; b++) {
      const flip = augment?.flip ? augment.r() < 0.5 : false;
      sources.set([W, H, b * W * H, flip ? 1 : 0], b * 4);
      boxes.set(augment ? randomResizedCrop(W, H, augment.cropScale, augment.r) : [0, 0, W, H], b * 4);
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
 * Trains from `init` (step 0 with fresh weights, or a checkpoint) up to opts.steps. config.numClasses must equal
 * the corpus's class count. Returns the final state (weights read back to the host).
 */
export async function pretrain(ctx: GpuContext, corpus: Corpus, config: ViTConfig, init: TrainState, opts: PretrainOptions, hooks: PretrainHooks = {}): Promise<TrainState> {
  const K = corpus.index.classes.length;
  if (config.numClasses !== K) throw new Error(`pretrain: config has ${config.numClasses} classes, the corpus ${K}`);
  const B = opts.batch;
  const vit = new GpuViT(ctx, config, init.params, { batch: B, mode: 'full' });
  const opt = new Optimizer(ctx, vit.trainable, vit.grads, { kind: 'adam', learningRate: opts.learningRate, weightDecay: opts.weightDecay, decoupled: true });
  if (init.optimizer) opt.loadState(init.optimizer);
  const batcher = new CorpusBatcher(ctx, corpus, config, B);
  const { train, val } = corpusSplits(corpus);
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
  const clock = new StepClock();
  let last: TrainState | null = null;
  try {
    while (step < opts.steps) {
      const t0 = performance.now();
      const r = rng(mixSeed(opts.seed >>> 0, step));
      const idx = new Uint32Array(B);
      for (let b = 0; b < B; b++) idx[b] = train[Math.floor(r() * train.length)]!;
      const labels = batcher.load(idx, { cropScale: opts.cropScale, flip: opts.flip, grayscale: opts.grayscale, invert: opts.invert, darkBackground: opts.darkBackground, r });
      const lr = learningRateAt(opts, step);
      vit.forward(batcher.images);
      const { loss, dlogits } = vit.loss(batcher.labels, 0, K);
      const preds = vit.predict(); // from the logits, before the update
      vit.backward(dlogits);
      opt.step(lr);
      const lossValue = (await ctx.read(loss, clock.sleepMs))[0]!;
      const p = await ctx.readU32(preds);
      step++;
      if (!Number.isFinite(lossValue)) throw new Error(`pretraining diverged at step ${step} (loss ${lossValue}); lower the learning rate (now ${lr})`);
      let correct = 0;
      for (let b = 0; b < B; b++) if (p[b] === labels[b]) correct++;
      const ms = performance.now() - t0;
      clock.record(ms);
      hooks.onStep?.({ step, loss: lossValue, accuracy: correct / B, learningRate: lr, imagesPerSec: (1000 * B) / ms });
      const stop = hooks.shouldStop?.() ?? false;
      if (step === opts.steps || stop || hooks.wantCheckpoint?.(step)) last = await checkpoint(step);
      if (stop) break;
    }
    return last ?? (await readState(step));
  } finally {
    batcher.destroy();
    opt.destroy();
    vit.destroy();
  }
}
