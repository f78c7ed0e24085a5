// Class-incremental experiment runner: tasks arrive one after another; each method decides what trains
// (src/training/methods.ts); after every task the model is evaluated on merged weights over the test images
// of every class seen so far. UI-agnostic: progress goes out as TrainingEvents; the CLI and the browser
// consume the same events. Images are decoded and preprocessed per batch and never all held in memory.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { writeLoraBank, type BankComponent } from '../io/loraBank';
import * as preprocess from '../kernels/preprocess';
import type { ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import type { ParamTable } from '../model/vit/params';
import { decodeImage, packImages, type RgbaImage } from '../data/decode';
import { classOrder, equalTaskSizes } from '../data/taskSplit';
import { mulberry32 as rng } from '../data/random';
import { continualMetrics, driftProbe, type ContinualMetrics, type TaskCounts } from './metrics';
import { createMethod, type MethodState, type RunConfig } from './methods';
import { Optimizer } from './optimizer';

/** One labelled image: its class id (index into classNames) and a way to get its encoded bytes. */
export interface ImageRef {
  label: number;
  bytes(): Promise<Uint8Array>;
  path: string;
}

export interface LabeledImages {
  classNames: string[];
  train: ImageRef[];
  test: ImageRef[];
}

export type TrainingEvent =
  | { type: 'runStarted'; classOrder: number[]; tasks: number[][]; totalSteps: number }
  | { type: 'taskStarted'; task: number; classes: number[] }
  | { type: 'stepCompleted'; task: number; step: number; globalStep: number; totalSteps: number; loss: number; alpha: number[]; imagesPerSec: number }
  | { type: 'taskFinished'; task: number; counts: TaskCounts[]; metrics: ContinualMetrics; lsResidual: number | null; seconds: number; imagesPerSec: number; trainableParams: number; featureDrift: number }
  | { type: 'imageSkipped'; path: string; reason: string }
  /** Training went on but looks unhealthy (e.g. the loss rose over a task): what happened and what to do. */
  | { type: 'trainingWarning'; task: number; message: string };

export interface ExperimentResult {
  config: RunConfig;
  classOrder: number[];
  tasks: number[][];
  counts: TaskCounts[][];
  metrics: ContinualMetrics;
  alpha: number[][][]; // [task][step][component]
  loss: number[][]; // [task][step]
  lsResidual: (number | null)[];
  trainableParams: number[];
  wallSeconds: number[];
  imagesPerSec: number[];
  /** Per task: mean 1 − cos between the features after it and the pretrained backbone's, on a fixed probe set of
   *  test images (representation drift; 0 for a frozen backbone). */
  featureDrift: number[];
  state: MethodState; // final LoRA bank, head, base weights
}

/** Class order as the authors' code makes it (numpy: np.random.seed(seed); np.random.permutation(K), see
 *  src/data/taskSplit.ts), or `explicit` when given (it must be a permutation of 0..K−1), and N equal tasks of
 *  consecutive positions in that order. */
export function classOrderAndTasks(numClasses: number, tasks: number, seed: number, explicit?: readonly number[]): { order: number[]; tasks: number[][] } {
  const sizes = equalTaskSizes(numClasses, tasks);
  if (explicit) {
    const ok = explicit.length === numClasses && new Set(explicit).size === numClasses && explicit.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses);
    if (!ok) throw new Error(`the class order must list each of the ${numClasses} classes (0..${numClasses - 1}) once; got [${explicit.join(', ')}]`);
  }
  const order = explicit ? [...explicit] : classOrder(numClasses, seed, 'numpy');
  const per = sizes[0]!;
  return { order, tasks: sizes.map((_, t) => order.slice(t * per, (t + 1) * per)) };
}

/** torchvision RandomResizedCrop box (area scale, aspect ratio in log space), with a centre fallback. */
export function randomResizedCrop(w: number, h: number, scale: [number, number], r: () => number): [number, number, number, number] {
  const area = w * h;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * r());
    const logRatio = Math.log(3 / 4) + (Math.log(4 / 3) - Math.log(3 / 4)) * r();
    const aspect = Math.exp(logRatio);
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && ch > 0 && cw <= w && ch <= h) return [Math.floor(r() * (w - cw + 1)), Math.floor(r() * (h - ch + 1)), cw, ch];
  }
  return [0, 0, w, h];
}

/** Decodes, packs and uploads one batch, then preprocesses it on the GPU into `images` (B, 3, S, S). */
class BatchLoader {
  private pixels: GpuTensor | null = null;
  private readonly sources: GpuTensor;
  private readonly boxes: GpuTensor;

  constructor(
    private readonly ctx: GpuContext,
    private readonly config: ViTConfig,
    readonly batch: number,
    readonly images: GpuTensor,
    private readonly onSkip: (path: string, reason: string) => void,
  ) {
    this.sources = ctx.tensor([batch, 4], 'batch.sources', 'u32');
    this.boxes = ctx.tensor([batch, 4], 'batch.boxes');
  }

  /** Loads refs (≤ batch). An image that fails to decode is reported and replaced by another image of the
   *  batch (its label too: `labels` says what was loaded); slots past refs.length repeat the last image.
   *  ok[b]: slot b holds refs[b] itself. augment: random resized crop + flip. */
  async load(refs: ImageRef[], augment: { scale: [number, number]; flip: boolean } | null, r: () => number): Promise<{ ok: boolean[]; labels: number[] }> {
    const decoded: (RgbaImage | null)[] = [];
    const ok: boolean[] = [];
    for (const ref of refs) {
      try {
        decoded.push(decodeImage(await ref.bytes()));
        ok.push(true);
      } catch (e) {
        this.onSkip(ref.path, (e as Error).message);
        decoded.push(null);
        ok.push(false);
      }
    }
    const firstOk = ok.indexOf(true);
    const blank: RgbaImage = { width: 1, height: 1, rgba: Uint8Array.of(255, 255, 255, 255) };
    const labels = refs.map((ref, b) => (ok[b] ? ref.label : firstOk >= 0 ? refs[firstOk]!.label : ref.label));
    const filled: RgbaImage[] = decoded.map((im) => im ?? (firstOk >= 0 ? decoded[firstOk]! : blank));
    while (filled.length < this.batch) filled.push(filled[filled.length - 1] ?? blank);
    const decodedAll = filled;
    const flips = decodedAll.map(() => (augment?.flip ? r() < 0.5 : false));
    const boxes = new Float32Array(this.batch * 4);
    decodedAll.forEach((im, b) => boxes.set(augment ? randomResizedCrop(im.width, im.height, augment.scale, r) : [0, 0, im.width, im.height], b * 4));
    const { pixels, sources } = packImages(decodedAll, flips, this.config);
    if (!this.pixels || this.pixels.shape[0]! < pixels.length) {
      if (this.pixels) this.ctx.release(this.pixels);
      this.pixels = this.ctx.tensor([Math.max(pixels.length, this.batch * 64 * 64)], 'batch.pixels', 'u32');
    }
    this.ctx.write({ ...this.pixels, shape: [pixels.length] }, pixels); // only this batch's pixels are read
    this.ctx.write(this.sources, sources);
    this.ctx.write(this.boxes, boxes);
    preprocess.forward(this.ctx, this.images, this.pixels, this.sources, this.boxes, { mean: this.config.mean, std: this.config.std });
    return { ok, labels };
  }

  destroy(): void {
    this.ctx.release(this.sources, this.boxes, ...(this.pixels ? [this.pixels] : []));
  }
}

/** Everything needed to resume after a task (what onCheckpoint receives). */
export type CheckpointData = Omit<ExperimentResult, 'metrics' | 'config' | 'classOrder' | 'tasks'>;

export interface ExperimentOptions {
  onEvent?: (e: TrainingEvent) => void;
  /** Resume: results of the tasks already done (from a checkpoint), and the method state after them. */
  resume?: { done: number; counts: TaskCounts[][]; state: MethodState; alpha: number[][][]; loss: number[][]; lsResidual: (number | null)[]; trainableParams: number[]; wallSeconds: number[]; imagesPerSec: number[]; featureDrift?: number[] };
  /** Called after every task with everything needed to resume from it. */
  onCheckpoint?: (done: number, r: CheckpointData) => Promise<void> | void;
  /** Stop after this many tasks (tests; the rest can be resumed). */
  stopAfter?: number;
  /** Checked before every step: when aborted, the run stops cleanly and returns the tasks it completed. */
  signal?: { readonly aborted: boolean };
  /** Awaited before every step (a UI's pause button resolves it when the user resumes). */
  beforeStep?: () => Promise<void> | void;
}

/** Runs the whole class-incremental sequence. `model.params` has no head; one is grown here. */
export async function runExperiment(
  ctx: GpuContext,
  model: { config: ViTConfig; params: ParamTable },
  data: LabeledImages,
  cfg: RunConfig,
  opts: ExperimentOptions = {},
): Promise<ExperimentResult> {
  const emit = opts.onEvent ?? (() => {});
  const K = data.classNames.length;
  const { order, tasks } = classOrderAndTasks(K, cfg.tasks, cfg.seed, cfg.classOrder);
  const newLabel = new Map(order.map((c, i) => [c, i])); // original class id → position in the order
  const config: ViTConfig = { ...model.config, numClasses: K };
  const method = createMethod(cfg, config, model.params, { ctx }); // ctx: the KD least-squares fit runs on the GPU
  let state: MethodState = opts.resume?.state ?? method.initialState();
  const B = cfg.batchSize;
  const S = config.imageSize;
  const counts = opts.resume?.counts.slice() ?? [];
  const alphaLog = opts.resume?.alpha.slice() ?? [];
  const lossLog = opts.resume?.loss.slice() ?? [];
  const lsResidual = opts.resume?.lsResidual.slice() ?? [];
  const trainableParams = opts.resume?.trainableParams.slice() ?? [];
  const wallSeconds = opts.resume?.wallSeconds.slice() ?? [];
  const imagesPerSecLog = opts.resume?.imagesPerSec.slice() ?? [];
  const featureDrift = opts.resume?.featureDrift?.slice() ?? [];
  const trainOf = (t: number) => data.train.filter((im) => tasks[t]!.includes(im.label));
  const stepsPerTask = tasks.map((_, t) => cfg.epochs * Math.floor(trainOf(t).length / B));
  const totalSteps = stepsPerTask.reduce((a, b) => a + b, 0);
  emit({ type: 'runStarted', classOrder: order, tasks, totalSteps });
  const skip = (path: string, reason: string) => emit({ type: 'imageSkipped', path, reason });
  let globalStep = stepsPerTask.slice(0, opts.resume?.done ?? 0).reduce((a, b) => a + b, 0);
  const probe = driftProbe(data.test);
  /** Final-LN CLS features (one Float32Array per image) of refs, through an evaluation model and its loader. */
  const featuresWith = async (vit: GpuViT, loader: BatchLoader, refs: ImageRef[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let s = 0; s < refs.length; s += B) {
      const part = refs.slice(s, s + B);
      await loader.load(part, null, Math.random);
      vit.forward(loader.images);
      const f = await ctx.read(vit.features);
      for (let b = 0; b < part.length; b++) out.push(f.slice(b * config.width, (b + 1) * config.width));
    }
    return out;
  };
  /** The same under params, with a model built (and freed) for it. */
  const featuresOf = async (params: ParamTable, refs: ImageRef[]): Promise<Float32Array[]> => {
    const vit = new GpuViT(ctx, config, params, { batch: B, mode: 'none' });
    const images = ctx.tensor([B, 3, S, S], 'probe.images');
    const loader = new BatchLoader(ctx, config, B, images, skip);
    try {
      return await featuresWith(vit, loader, refs);
    } finally {
      loader.destroy();
      ctx.release(images);
      vit.destroy();
    }
  };
  const baseFeatures = await featuresOf(method.evalParams(method.initialState()), probe);

  const lastTask = Math.min(tasks.length, opts.stopAfter ?? tasks.length);
  for (let t = opts.resume?.done ?? 0; t < lastTask; t++) {
    const t0 = performance.now();
    const lo = t * (K / cfg.tasks);
    const hi = lo + K / cfg.tasks;
    emit({ type: 'taskStarted', task: t, classes: tasks[t]! });
    const plan = method.beginTask(state, t, lo, hi);
    let alphaSteps: number[][] = [];
    const losses: number[] = [];
    let trained = 0;
    let trainMs = 0;
    if (plan.train) {
      const vit = new GpuViT(ctx, config, plan.params, { batch: B, mode: plan.mode, lora: plan.lora });
      vit.setLora(plan.loraState);
      const images = ctx.tensor([B, 3, S, S], 'train.images');
      const labels = ctx.tensor([B], 'train.labels', 'u32');
      const loader = new BatchLoader(ctx, config, B, images, skip);
      const trainable = new Map([...vit.trainable].filter(([name]) => plan.trainAlphaFrozen || name !== 'lora.alphaFrozen'));
      const opt = new Optimizer(ctx, trainable, vit.grads, cfg.optimizer === 'sgd'
        ? { kind: 'sgd', learningRate: cfg.learningRate, momentum: cfg.momentum }
        : { kind: 'adam', learningRate: cfg.learningRate });
      const train = trainOf(t);
      // One readback per step: the loss and every α copied into a small monitor tensor.
      const alphaTensors = vit.alphaTensors();
      const monitor = ctx.tensor([1 + alphaTensors.reduce((n, a) => n + a.shape[0]!, 0)], 'train.monitor');
      for (let epoch = 0; epoch < cfg.epochs && !opts.signal?.aborted; epoch++) {
        const r = rng((cfg.seed * 1000003 + t * 1009 + epoch) >>> 0);
        const idx = train.map((_, i) => i);
        for (let i = idx.length - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [idx[i], idx[j]] = [idx[j]!, idx[i]!];
        }
        const lr = cfg.learningRate * cfg.gamma ** cfg.milestones.filter((m) => epoch >= m).length;
        for (let s = 0; s + B <= idx.length; s += B) {
          await opts.beforeStep?.();
          if (opts.signal?.aborted) break;
          const ts = performance.now();
          const refs = idx.slice(s, s + B).map((i) => train[i]!);
          const loaded = await loader.load(refs, cfg.augment ? { scale: cfg.cropScale, flip: cfg.flip } : null, r);
          ctx.write(labels, Uint32Array.from(loaded.labels, (y) => newLabel.get(y)!));
          vit.forward(images);
          const { loss, dlogits } = vit.loss(labels, lo, hi);
          vit.backward(dlogits);
          opt.step(lr);
          ctx.copyRange(monitor, 0, loss, 0, 1);
          let at = 1;
          for (const a of alphaTensors) {
            ctx.copyRange(monitor, at, a, 0, a.shape[0]!);
            at += a.shape[0]!;
          }
          const values = await ctx.read(monitor);
          const lossValue = values[0]!;
          const alpha = Array.from(values.subarray(1));
          const ms = performance.now() - ts;
          trainMs += ms;
          trained += B;
          if (!Number.isFinite(lossValue))
            throw new Error(`training diverged at task ${t + 1}, step ${losses.length + 1} (loss ${lossValue}); lower the learning rate (now ${lr})`);
          losses.push(lossValue);
          alphaSteps.push(alpha);
          globalStep++;
          emit({ type: 'stepCompleted', task: t, step: losses.length, globalStep, totalSteps, loss: lossValue, alpha, imagesPerSec: (1000 * B) / ms });
        }
      }
      if (opts.signal?.aborted) {
        opt.destroy();
        loader.destroy();
        ctx.release(images, labels, monitor);
        vit.destroy();
        break; // the interrupted task is neither evaluated nor checkpointed
      }
      const warning = lossRoseWarning(losses, K / cfg.tasks, cfg.learningRate);
      if (warning) emit({ type: 'trainingWarning', task: t, message: `task ${t + 1}: ${warning}` });
      state = await method.endTask(state, t, vit);
      trainableParams.push([...trainable.values()].reduce((n, x) => n + x.shape.reduce((a, b) => a * b, 1), 0));
      opt.destroy();
      loader.destroy();
      ctx.release(images, labels, monitor);
      vit.destroy();
    } else {
      state = await method.endTask(state, t, null);
      trainableParams.push(0);
    }

    // Evaluation on merged weights over the test images of every task so far.
    const evalParams = method.evalParams(state);
    const evalVit = new GpuViT(ctx, config, evalParams, { batch: B, mode: 'none' });
    const evalImages = ctx.tensor([B, 3, S, S], 'eval.images');
    const evalLoader = new BatchLoader(ctx, config, B, evalImages, skip);
    let prototypes: Float32Array | null = null;
    if (cfg.head === 'prototype') {
      state = await method.updatePrototypes(state, t, (refs) => featuresWith(evalVit, evalLoader, refs), trainOf(t), newLabel);
      prototypes = state.prototypes;
    }
    const row: TaskCounts[] = Array.from({ length: t + 1 }, () => ({ correct: 0, total: 0, taskAware: 0, predictedTask: new Array<number>(t + 1).fill(0) }));
    const test = data.test.filter((im) => newLabel.get(im.label)! < hi);
    const perTask = K / cfg.tasks;
    for (let s = 0; s < test.length; s += B) {
      const refs = test.slice(s, s + B);
      const { ok } = await evalLoader.load(refs, null, Math.random);
      const out = evalVit.forward(evalImages);
      // One readback per batch: the features (prototype head) or the logits (B, K).
      const scores = await ctx.read(prototypes ? evalVit.features : out);
      // The best class in [from, to) for image b: largest logit, or nearest class prototype.
      const best = (b: number, from: number, to: number) =>
        prototypes ? nearestPrototype(scores.subarray(b * config.width, (b + 1) * config.width), prototypes, from, to, config.width) : argmaxRange(scores, b * K, from, to);
      refs.forEach((im, b) => {
        if (!ok[b]) return;
        const y = newLabel.get(im.label)!;
        const task = Math.floor(y / perTask);
        const c = row[task]!;
        const pred = best(b, 0, hi);
        c.total++;
        if (pred === y) c.correct++;
        if (best(b, task * perTask, (task + 1) * perTask) === y) c.taskAware!++;
        c.predictedTask![Math.floor(pred / perTask)]!++;
      });
    }
    const after = await featuresWith(evalVit, evalLoader, probe); // the same evaluation model: no second upload
    evalLoader.destroy();
    ctx.release(evalImages);
    evalVit.destroy();
    featureDrift.push(after.length ? after.reduce((sum, a, i) => sum + 1 - cosine(a, baseFeatures[i]!), 0) / after.length : 0);
    counts.push(row);
    alphaLog.push(alphaSteps);
    lossLog.push(losses);
    lsResidual.push(state.lastResidual);
    const seconds = (performance.now() - t0) / 1000;
    wallSeconds.push(seconds);
    imagesPerSecLog.push(trainMs ? (1000 * trained) / trainMs : 0);
    const metrics = continualMetrics(counts);
    emit({ type: 'taskFinished', task: t, counts: row, metrics, lsResidual: state.lastResidual, seconds, imagesPerSec: imagesPerSecLog[t]!, trainableParams: trainableParams[t]!, featureDrift: featureDrift[t]! });
    alphaSteps = [];
    await opts.onCheckpoint?.(t + 1, { counts, alpha: alphaLog, loss: lossLog, lsResidual, trainableParams, wallSeconds, imagesPerSec: imagesPerSecLog, featureDrift, state });
  }
  return {
    config: cfg,
    classOrder: order,
    tasks,
    counts,
    metrics: continualMetrics(counts),
    alpha: alphaLog,
    loss: lossLog,
    lsResidual,
    trainableParams,
    wallSeconds,
    imagesPerSec: imagesPerSecLog,
    featureDrift,
    state,
  };
}

/**
 * A finite run can still be diverging: the loss over the task's last tenth of steps well above its first tenth and
 * above chance level (ln of the classes in the task). Returns the message, or null when the task looks healthy.
 */
export function lossRoseWarning(losses: readonly number[], classesPerTask: number, learningRate: number): string | null {
  const n = Math.max(1, Math.floor(losses.length / 10));
  if (losses.length < 4) return null;
  const avg = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = avg(losses.slice(0, n));
  const last = avg(losses.slice(-n));
  const chance = Math.log(Math.max(2, classesPerTask));
  if (!(last > 1.5 * first && last > chance)) return null;
  return (
    `the training loss rose from ${first.toFixed(3)} to ${last.toFixed(3)} (chance level ${chance.toFixed(3)}): training is diverging and the ` +
    `results after this task are not trustworthy. Lower the learning rate (now ${learningRate}) and run again.`
  );
}

/** argmax over columns [lo, hi) of the row of `scores` that starts at `offset` (the first of equal maxima). */
function argmaxRange(scores: Float32Array, offset: number, lo: number, hi: number): number {
  let best = lo;
  for (let k = lo + 1; k < hi; k++) if (scores[offset + k]! > scores[offset + best]!) best = k;
  return best;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa && bb ? ab / Math.sqrt(aa * bb) : 1;
}

/** argmin_k ‖f − p_k‖² over prototypes [lo, hi) (rows of protos, width C). */
function nearestPrototype(f: Float32Array, protos: Float32Array, lo: number, hi: number, C: number): number {
  let best = lo;
  let bestD = Infinity;
  for (let k = lo; k < hi; k++) {
    let d = 0;
    for (let c = 0; c < C; c++) {
      const x = f[c]! - protos[k * C + c]!;
      d += x * x;
    }
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** The LoRA bank of a finished run, as a safetensors file. */
export function bankFile(r: ExperimentResult, config: ViTConfig): Uint8Array {
  const comps: BankComponent[] = r.state.components;
  return writeLoraBank({
    config,
    components: comps,
    head: r.state.head ? { weight: r.state.head.weight, bias: r.state.head.bias, classes: r.state.head.bias.length } : undefined,
    meta: { method: r.config.method, seed: String(r.config.seed), classOrder: JSON.stringify(r.classOrder) },
  });
}
