// The α explorer and the weight walk of a finished run (issue 4 item 6), on the worker's GPU after training.
//   explore  every LoRA component's magnitude α_k multiplied by a factor s_k (0 … 2, 0 = off), the weights merged
//            by the run's own merge (src/training/mergedExport.ts mergedParams → methods.ts evalParams:
//            W0 + Σ_k s_k·α_k·U_k D_k / n_k) and each task's accuracy measured on a test subset.
//   walk     the backbone on the straight line θ(λ) = (1−λ)·θ_a + λ·θ_b between the merged weights after tasks a
//            and b (the paper's Fig. 4), scored on the old tasks (≤ a) and the new ones (a < j ≤ b). The classifier
//            is task b's at every λ: after task a the new classes' head rows are untrained, and the older rows do
//            not change later (the loss only covers the current task's logits), so λ = 1 is exactly the run.
// Evaluation is the runner's: same preprocessing (whole image, no crop or flip), same batch size, logits over the
// classes seen so far. The subset is the first `perClass` test images of each class; when that is the whole test
// set (small runs), 1× reproduces the run's last accuracy row. Pure helpers are exported for the unit tests.

import { decodeImage, packImages, type RgbaImage } from '../data/decode';
import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import * as preprocess from '../kernels/preprocess';
import type { ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import type { ParamTable } from '../model/vit/params';
import type { ExperimentResult, ImageRef, LabeledImages } from '../training/experiment';
import { mergedParams } from '../training/mergedExport';
import type { TaskCounts } from '../training/metrics';
import type { MethodName, MethodState, RunConfig } from '../training/methods';
import type { ExplorerComponent, ExplorerInfo, WalkPoint } from './protocol';

/** Test images per class the explorer evaluates on (every re-evaluation runs them all), and in all: a data set
 *  with many classes gets fewer per class, at least one. */
export const EXPLORE_PER_CLASS = 30;
export const EXPLORE_MAX_IMAGES = 600;

/** Images per class for a data set of `classes` classes. */
export const explorePerClass = (classes: number, most = EXPLORE_PER_CLASS) => Math.max(1, Math.min(most, Math.floor(EXPLORE_MAX_IMAGES / Math.max(1, classes))));

/** The first `perClass` test images of each class, in the data set's order. */
export function testSubset<T extends { label: number }>(test: readonly T[], perClass: number): T[] {
  const seen = new Map<number, number>();
  return test.filter((r) => {
    const n = seen.get(r.label) ?? 0;
    seen.set(r.label, n + 1);
    return n < perClass;
  });
}

/** The run's final magnitudes α_k, one per LoRA component (none for methods without magnitudes). */
export function finalAlphas(state: MethodState): number[] {
  if (state.seqLora) return [state.seqLora.alpha];
  return state.components.map((c) => c.alpha);
}

/**
 * Which task each component was learned on, as labels. SD-LoRA adds one per task; the first-direction ablation
 * keeps only task 1's; SD-LoRA-KD drops a new direction whose relative residual was ≤ τ (its α's were folded into
 * the old ones); sequential LoRA has one pair for every task. Falls back to plain numbering if the count disagrees.
 */
export function componentLabels(method: MethodName, count: number, lsResidual: readonly (number | null)[], kdThreshold: number): string[] {
  const plain = Array.from({ length: count }, (_, k) => `component ${k + 1}`);
  if (method === 'seq-lora' || method === 'one-direction') return count === 1 ? ['one pair for all tasks'] : plain;
  let tasks: number[];
  if (method === 'first-direction') tasks = [0];
  else if (method === 'sdlora-kd') tasks = lsResidual.map((_, t) => t).filter((t) => t === 0 || !(lsResidual[t] !== null && lsResidual[t]! <= kdThreshold));
  else tasks = Array.from({ length: count }, (_, k) => k);
  return tasks.length === count ? tasks.map((t) => `task ${t + 1}`) : plain;
}

/** The state with component k's α multiplied by scales[k] (missing scales: 1). Nothing else changes. */
export function scaledState(state: MethodState, scales: readonly number[]): MethodState {
  if (state.seqLora) return { ...state, seqLora: { ...state.seqLora, alpha: state.seqLora.alpha * (scales[0] ?? 1) } };
  return { ...state, components: state.components.map((c, k) => ({ ...c, alpha: c.alpha * (scales[k] ?? 1) })) };
}

/** (1−λ)·a + λ·b for every backbone weight; the head (head.*) is b's. */
export function interpolateBackbone(a: ParamTable, b: ParamTable, lambda: number): ParamTable {
  const out: ParamTable = new Map();
  for (const [name, wb] of b) {
    if (name.startsWith('head.')) {
      out.set(name, wb);
      continue;
    }
    const wa = a.get(name);
    if (!wa || wa.length !== wb.length) throw new Error(`the weights after the two tasks differ in ${name}`);
    const w = new Float32Array(wb.length);
    for (let i = 0; i < w.length; i++) w[i] = (1 - lambda) * wa[i]! + lambda * wb[i]!;
    out.set(name, w);
  }
  return out;
}

/**
 * Scores logits (rows of K) over the columns [0, hi) as the runner does: per task (classesPerTask consecutive
 * positions in the class order), correct and total; and each image's cross-entropy over those columns.
 */
export function scoreLogits(logits: Float32Array, ys: readonly number[], K: number, hi: number, classesPerTask: number): { counts: TaskCounts[]; losses: number[] } {
  const tasks = Math.ceil(hi / classesPerTask);
  const counts: TaskCounts[] = Array.from({ length: tasks }, () => ({ correct: 0, total: 0 }));
  const losses: number[] = [];
  ys.forEach((y, i) => {
    const row = logits.subarray(i * K, i * K + hi);
    let best = 0;
    let max = -Infinity;
    for (let k = 0; k < hi; k++)
      if (row[k]! > max) {
        max = row[k]!;
        best = k;
      }
    let sum = 0;
    for (let k = 0; k < hi; k++) sum += Math.exp(row[k]! - max);
    losses.push(Math.log(sum) + max - row[y]!);
    const c = counts[Math.floor(y / classesPerTask)]!;
    c.total++;
    if (best === y) c.correct++;
  });
  return { counts, losses };
}

const sumCounts = (cs: readonly TaskCounts[]): TaskCounts => cs.reduce((s, c) => ({ correct: s.correct + c.correct, total: s.total + c.total }), { correct: 0, total: 0 });
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

interface ExploreImage {
  image: RgbaImage;
  y: number; // position of its class in the run's class order
}

/** A finished run's final state and per-task snapshots, with its decoded test subset, ready to re-evaluate. */
export class RunExplorer {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly config: ViTConfig,
    private readonly run: RunConfig,
    private readonly final: MethodState,
    private readonly snapshots: ReadonlyMap<number, MethodState>,
    private readonly images: ExploreImage[],
    private readonly done: number,
    readonly info: ExplorerInfo,
  ) {}

  /**
   * config: the run's ViT (numClasses = the data set's classes). snapshots: the method state after task t (a
   * copy taken at that task's checkpoint); the final state is result.state. Images that do not decode are left
   * out, as the runner left them out of its counts.
   */
  static async create(
    ctx: GpuContext,
    config: ViTConfig,
    run: RunConfig,
    result: ExperimentResult,
    snapshots: ReadonlyMap<number, MethodState>,
    data: LabeledImages,
    perClass = explorePerClass(data.classNames.length),
  ): Promise<RunExplorer> {
    const position = new Map(result.classOrder.map((c, i) => [c, i]));
    const images: ExploreImage[] = [];
    for (const ref of testSubset<ImageRef>(data.test, perClass)) {
      try {
        images.push({ image: decodeImage(await ref.bytes()), y: position.get(ref.label)! });
      } catch {
        // Reported while the run evaluated; it counted nowhere there either.
      }
    }
    if (images.length === 0) throw new Error('no test image could be decoded');
    const done = result.counts.length;
    const alphas = run.method === 'seq-full' || run.method === 'ncm' ? [] : finalAlphas(result.state);
    const labels = componentLabels(run.method, alphas.length, result.lsResidual, run.kdThreshold);
    const components: ExplorerComponent[] = alphas.map((alpha, k) => ({ label: labels[k]!, alpha }));
    const info: ExplorerInfo = {
      method: run.method,
      components,
      tasks: done,
      snapshots: [...snapshots.keys()].filter((t) => t < done).sort((a, b) => a - b),
      images: images.length,
      perClass,
      testImages: data.test.length,
    };
    return new RunExplorer(ctx, config, run, result.state, snapshots, images, done, info);
  }

  private get classesPerTask(): number {
    return this.config.numClasses / this.run.tasks;
  }

  /** Each task's counts and mean cross-entropy on the subset with component k's α scaled by scales[k]. */
  async explore(scales: readonly number[]): Promise<{ counts: TaskCounts[]; loss: number[] }> {
    const params = mergedParams(this.run, this.config, scaledState(this.final, scales));
    const hi = this.done * this.classesPerTask;
    const items = this.images.filter((im) => im.y < hi);
    const ys = items.map((im) => im.y);
    const logits = await this.logits(params, items);
    const { counts, losses } = scoreLogits(logits, ys, this.config.numClasses, hi, this.classesPerTask);
    const taskOf = (i: number) => Math.floor(ys[i]! / this.classesPerTask);
    return { counts, loss: counts.map((_, j) => mean(losses.filter((_, i) => taskOf(i) === j))) };
  }

  /** The walk from the weights after task a to those after task b, at each λ. */
  async walk(a: number, b: number, lambdas: readonly number[]): Promise<WalkPoint[]> {
    const sa = this.snapshots.get(a);
    const sb = this.snapshots.get(b);
    if (!(a < b) || !sa || !sb) throw new Error(`the weights after tasks ${a + 1} and ${b + 1} were not both kept (kept: ${this.info.snapshots.map((t) => t + 1).join(', ') || 'none'})`);
    const pa = mergedParams(this.run, this.config, sa);
    const pb = mergedParams(this.run, this.config, sb);
    const hi = (b + 1) * this.classesPerTask;
    const oldHi = (a + 1) * this.classesPerTask;
    const items = this.images.filter((im) => im.y < hi);
    const ys = items.map((im) => im.y);
    const points: WalkPoint[] = [];
    for (const lambda of lambdas) {
      const logits = await this.logits(interpolateBackbone(pa, pb, lambda), items);
      const { counts, losses } = scoreLogits(logits, ys, this.config.numClasses, hi, this.classesPerTask);
      const isOld = (i: number) => ys[i]! < oldHi;
      points.push({
        lambda,
        old: sumCounts(counts.slice(0, a + 1)),
        new: sumCounts(counts.slice(a + 1, b + 1)),
        oldLoss: mean(losses.filter((_, i) => isOld(i))),
        newLoss: mean(losses.filter((_, i) => !isOld(i))),
      });
    }
    return points;
  }

  /** Logits (rows of K) of the merged `params` on `items`, preprocessed and batched as the runner evaluates. */
  private async logits(params: ParamTable, items: readonly ExploreImage[]): Promise<Float32Array> {
    const { ctx, config } = this;
    const K = config.numClasses;
    const B = Math.max(1, Math.min(this.run.batchSize, items.length));
    const S = config.imageSize;
    const out = new Float32Array(items.length * K);
    if (items.length === 0) return out;
    const vit = new GpuViT(ctx, config, params, { batch: B, mode: 'none' });
    const input = ctx.tensor([B, 3, S, S], 'explore.images');
    const sources = ctx.tensor([B, 4], 'explore.sources', 'u32');
    const boxes = ctx.tensor([B, 4], 'explore.boxes');
    let pixels: GpuTensor | null = null;
    try {
      for (let s = 0; s < items.length; s += B) {
        const n = Math.min(B, items.length - s);
        const chunk = items.slice(s, s + n).map((im) => im.image);
        while (chunk.length < B) chunk.push(chunk[chunk.length - 1]!);
        const packed = packImages(chunk, undefined, config);
        if (!pixels || pixels.shape[0]! < packed.pixels.length) {
          if (pixels) ctx.release(pixels);
          pixels = ctx.tensor([packed.pixels.length], 'explore.pixels', 'u32');
        }
        const box = new Float32Array(B * 4);
        chunk.forEach((im, b) => box.set([0, 0, im.width, im.height], b * 4));
        ctx.write({ ...pixels, shape: [packed.pixels.length] }, packed.pixels);
        ctx.write(sources, packed.sources);
        ctx.write(boxes, box);
        preprocess.forward(ctx, input, pixels, sources, boxes, { mean: config.mean, std: config.std });
        const logits = await ctx.read(vit.forward(input));
        out.set(logits.subarray(0, n * K), s * K);
      }
    } finally {
      vit.destroy();
      ctx.release(input, sources, boxes, ...(pixels ? [pixels] : []));
    }
    return out;
  }
}
