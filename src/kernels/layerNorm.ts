// Launchers for shaders/layerNorm.wgsl (layer normalisation over the last dim). Reference: src/reference/layerNorm.ts.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';
import { scratch, view } from './reduce';

const WG = 64;
const ROW_CHUNK = 64; // rows per partial dγ/dβ sum
const MAX_GROUPS = 1024;

/** y (R, C) = layerNorm(x) with weight, bias (C); saves mean, rstd (R) for backward. */
export function forward(
  ctx: GpuContext,
  y: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor,
  R: number,
  C: number,
  eps = 1e-6,
): void {
  // Rows of whole vec4s (every ViT width): the vec4 entry points, ~1.3× faster on lavapipe.
  const v4 = C % 4 === 0;
  ctx.run('layerNorm', v4 ? 'forward4' : 'forward', {
    bindings: v4 ? { y4: y, mean, rstd, x4: x, weight4: weight, bias4: bias } : { y, mean, rstd, x, weight, bias },
    uniforms: { R, C, eps },
    overrides: { WG },
    workgroups: grid1d(ctx, R, WG),
  });
}

export interface LayerNormBackwardOptions {
  /** Add dweight and dbias to what those tensors hold (gradient accumulation); dx is always overwritten. */
  accumulate?: boolean;
  /** dx = residual + the layer norm's dx (the gradient of a residual branch that skips it), in the same pass. */
  residual?: GpuTensor;
}

/** dx (R, C), dweight, dbias (C) from dy (R, C) and the forward's x, weight, mean, rstd. With dweight and dbias
 *  null (a frozen layer norm) only dx is computed. */
export function backward(
  ctx: GpuContext,
  dx: GpuTensor,
  dweight: GpuTensor | null,
  dbias: GpuTensor | null,
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  R: number,
  C: number,
  opts: LayerNormBackwardOptions = {},
): void {
  const v4 = C % 4 === 0;
  const entry = opts.residual ? (v4 ? 'backwardResidual4' : 'backwardResidual') : v4 ? 'backward4' : 'backward';
  ctx.run('layerNorm', entry, {
    bindings: v4
      ? { dx4: dx, dy4: dy, x4: x, weight4: weight, mean, rstd, ...(opts.residual ? { res4: opts.residual } : {}) }
      : { dx, dy, x, weight, mean, rstd, ...(opts.residual ? { res: opts.residual } : {}) },
    uniforms: { R, C, eps: 0 },
    overrides: { WG },
    workgroups: grid1d(ctx, R, WG),
  });
  if (!dweight || !dbias) {
    if (dweight || dbias) throw new Error('layerNorm.backward: dweight and dbias are both given or both null');
    return;
  }
  const chunk = Math.max(ROW_CHUNK, Math.ceil(R / MAX_GROUPS));
  const groups = Math.ceil(R / chunk);
  const partial = view(scratch(ctx, groups * 2 * C), [groups, 2 * C]);
  const pdims = { rows: R, cols: C, chunk, groups, accumulate: opts.accumulate ? 1 : 0 };
  ctx.run('layerNorm', 'backwardParams', {
    bindings: { partial, dy, x, mean, rstd },
    uniforms: pdims,
    overrides: { WG },
    workgroups: [Math.ceil(C / WG), groups],
  });
  ctx.run('layerNorm', 'paramsFinal', {
    bindings: { dweight, dbias, partial },
    uniforms: pdims,
    overrides: { WG },
    workgroups: [Math.ceil(C / WG)],
  });
}
