// Launchers for shaders/crossEntropy.wgsl: masked (class-range) softmax cross-entropy and argmax predictions.
// Reference: src/reference/crossEntropy.ts. Labels are absolute class indices in [lo, hi).

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 64;

export interface CrossEntropyOptions {
  /** Multiplies dlogits; default 1/B (gradient of the mean loss). */
  gradScale?: number;
  /** If given, (1) receives the mean loss. */
  lossMean?: GpuTensor;
}

/** loss (B) and dlogits (B, K) for logits (B, K) and u32 labels (B) over the column range [lo, hi). */
export function forward(
  ctx: GpuContext,
  loss: GpuTensor,
  dlogits: GpuTensor,
  logits: GpuTensor,
  labels: GpuTensor,
  B: number,
  K: number,
  lo: number,
  hi: number,
  opts: CrossEntropyOptions = {},
): void {
  if (!(lo >= 0 && lo < hi && hi <= K)) throw new Error(`crossEntropy: class range [${lo}, ${hi}) must be non-empty and inside [0, ${K})`);
  if (labels.dtype !== 'u32') throw new Error(`crossEntropy: labels must be a u32 tensor (got ${labels.dtype})`);
  const uniforms = { B, K, lo, hi, gradScale: opts.gradScale ?? 1 / B };
  ctx.run('crossEntropy', 'forward', { bindings: { loss, dlogits, logits, labels }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, B, WG) });
  if (opts.lossMean) ctx.run('crossEntropy', 'mean', { bindings: { lossMean: opts.lossMean, loss }, uniforms, workgroups: [1] });
}

/** preds (B, u32) = absolute index of the largest logit in [lo, hi) per row (first of ties). */
export function argmax(ctx: GpuContext, preds: GpuTensor, logits: GpuTensor, B: number, K: number, lo: number, hi: number): void {
  if (!(lo >= 0 && lo < hi && hi <= K)) throw new Error(`crossEntropy.argmax: class range [${lo}, ${hi}) must be non-empty and inside [0, ${K})`);
  ctx.run('crossEntropy', 'argmax', {
    bindings: { preds, logits },
    uniforms: { B, K, lo, hi, gradScale: 0 },
    overrides: { WG },
    workgroups: grid1d(ctx, B, WG),
  });
}
