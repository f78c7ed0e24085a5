// The finished run as one plain ViT, shared by the CLI (model.onnx) and the browser worker (the merged-model
// download): every LoRA component folded into the base weights on the host (W = W0 + Σ_k α_k U_k D_k / n_k on the
// q and v rows, src/training/methods.ts evalParams) plus the head, written as ONNX (src/io/onnx/exportVit.ts)
// with the class names in head order as metadata.
// A prototype head (ncm, head "prototype") becomes the linear head that ranks classes exactly as nearest-class-mean
// does: argmin_k ‖f − p_k‖² = argmax_k (2 p_k·f − ‖p_k‖²), so W = 2P, b = −‖p_k‖² (the f-only term is common to all k).
// Before the browser offers the file it is checked: ONNX Runtime's logits on a few test images against the
// project's own GPU forward of the same merged weights on the same preprocessed pixels (checkOnnx).

import type { GpuContext } from '../gpu/context';
import { exportVitOnnx } from '../io/onnx/exportVit';
import * as preprocess from '../kernels/preprocess';
import { describeInputConvention, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import type { ParamTable } from '../model/vit/params';
import { packImages, type RgbaImage } from '../data/decode';
import { createMethod, type MethodState, type RunConfig } from './methods';

/** Largest |ONNX Runtime − GPU| logit difference a download may have (float32 through two different engines). */
export const ONNX_CHECK_TOLERANCE = 1e-3;

/** The merged weights of a run's final state: backbone with every LoRA component folded in, and a linear head. */
export function mergedParams(run: RunConfig, config: ViTConfig, state: MethodState): ParamTable {
  const params = createMethod(run, config, state.base).evalParams(state);
  if (run.head !== 'prototype') return params;
  if (!state.prototypes) throw new Error('the run has no class prototypes yet: finish at least one task before exporting');
  const C = config.width;
  const K = config.numClasses;
  const weight = new Float32Array(K * C);
  const bias = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let sq = 0;
    for (let c = 0; c < C; c++) {
      const p = state.prototypes[k * C + c]!;
      weight[k * C + c] = 2 * p;
      sq += p * p;
    }
    bias[k] = -sq;
  }
  const out: ParamTable = new Map(params);
  out.set('head.weight', weight);
  out.set('head.bias', bias);
  return out;
}

/** The merged model as ONNX bytes. labels: class names in head order (row k is the k-th class of the run's order). */
export function mergedOnnx(run: RunConfig, config: ViTConfig, params: ParamTable, labels: readonly string[]): Uint8Array {
  return exportVitOnnx(config, params, {
    metadata: { 'sdlora.method': run.method, 'sdlora.seed': String(run.seed), 'sdlora.labels': JSON.stringify(labels) },
    docString: `SD-LoRA Playground: ${run.method} (seed ${run.seed}), every LoRA component merged into the weights; input pixel_values normalised with mean ${JSON.stringify(config.mean)}, std ${JSON.stringify(config.std)}${describeInputConvention(config) ? `, from images made ${describeInputConvention(config)} first (preprocessor_config.json do_grayscale / do_light_on_dark)` : ''}.`,
  });
}

/**
 * The project's own logits for `images`: resized and normalised on the GPU exactly as evaluation does (no
 * crop, no flip), then the merged ViT's forward. Returns the preprocessed pixels too, to feed the same input
 * to another runtime.
 */
export async function gpuLogits(ctx: GpuContext, config: ViTConfig, params: ParamTable, images: readonly RgbaImage[]): Promise<{ pixels: Float32Array; logits: Float32Array }> {
  const B = images.length;
  if (B === 0) throw new Error('no images to compute logits on');
  const S = config.imageSize;
  const packed = packImages(images, undefined, config);
  const boxes = new Float32Array(B * 4);
  images.forEach((im, b) => boxes.set([0, 0, im.width, im.height], b * 4));
  const pixelsIn = ctx.fromArray(packed.pixels, [packed.pixels.length], 'check.pixels');
  const sources = ctx.fromArray(packed.sources, [B, 4], 'check.sources');
  const boxT = ctx.fromArray(boxes, [B, 4], 'check.boxes');
  const input = ctx.tensor([B, 3, S, S], 'check.images');
  const vit = new GpuViT(ctx, config, params, { batch: B, mode: 'none' });
  try {
    preprocess.forward(ctx, input, pixelsIn, sources, boxT, { mean: config.mean, std: config.std });
    const logits = await ctx.read(vit.forward(input));
    const pixels = await ctx.read(input);
    return { pixels, logits };
  } finally {
    vit.destroy();
    ctx.release(pixelsIn, sources, boxT, input);
  }
}

/** Runs an ONNX model on (B, 3, S, S) pixels and returns its logits (B, K), flattened. */
export type OnnxRunner = (onnx: Uint8Array, pixels: Float32Array, dims: readonly number[]) => Promise<Float32Array>;

export interface OnnxCheckResult {
  ok: boolean;
  images: number;
  classes: number;
  maxAbsDiff: number;
  maxAbsLogit: number;
  tolerance: number;
  /** Why the file is refused (ok = false). */
  message: string | null;
}

/** max |a − b|; Infinity when a value is not finite or the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]! - b[i]!);
    if (!Number.isFinite(x)) return Infinity;
    d = Math.max(d, x);
  }
  return d;
}

/** Compares another runtime's logits with ours; refuses when they differ by more than `tolerance`. */
export function compareLogits(ours: Float32Array, theirs: Float32Array, images: number, classes: number, tolerance = ONNX_CHECK_TOLERANCE): OnnxCheckResult {
  const maxAbsLogit = ours.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const base = { images, classes, maxAbsLogit, tolerance };
  if (theirs.length !== ours.length)
    return { ...base, ok: false, maxAbsDiff: Infinity, message: `ONNX Runtime returned ${theirs.length} logits for ${images} images × ${classes} classes (expected ${ours.length})` };
  const d = maxAbsDiff(ours, theirs);
  if (d <= tolerance) return { ...base, ok: true, maxAbsDiff: d, message: null };
  return {
    ...base,
    ok: false,
    maxAbsDiff: d,
    message: `ONNX Runtime's logits differ from the playground's by ${Number.isFinite(d) ? d.toExponential(2) : 'a non-finite amount'} (allowed ${tolerance.toExponential(0)}) on ${images} test image(s)`,
  };
}

/** Our GPU logits vs `run`'s on the same pixels, for the merged ONNX model. */
export async function checkOnnx(
  ctx: GpuContext,
  config: ViTConfig,
  params: ParamTable,
  onnx: Uint8Array,
  images: readonly RgbaImage[],
  run: OnnxRunner,
  tolerance = ONNX_CHECK_TOLERANCE,
): Promise<OnnxCheckResult> {
  const { pixels, logits } = await gpuLogits(ctx, config, params, images);
  const S = config.imageSize;
  const theirs = await run(onnx, pixels, [images.length, 3, S, S]);
  return compareLogits(logits, theirs, images.length, config.numClasses, tolerance);
}
