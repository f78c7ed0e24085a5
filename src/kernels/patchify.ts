// Launchers for shaders/patchify.wgsl (images → patch columns and back). Reference: src/reference/patchify.ts.

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 256;

function dimsOf(x: GpuTensor, patch: number) {
  const [batch, channels, size, size2] = x.shape as [number, number, number, number];
  if (x.shape.length !== 4 || size !== size2) throw new Error(`patchify: images must be (B, C, S, S), got [${x.shape}]`);
  if (size % patch !== 0) throw new Error(`patchify: image size ${size} is not a multiple of patch ${patch}`);
  return { BATCH: batch, CHANNELS: channels, SIZE: size, PATCH: patch };
}

/** cols (B, Np, Ch·P²) ← patches of x (B, Ch, S, S). */
export function forward(ctx: GpuContext, cols: GpuTensor, x: GpuTensor, patch: number): void {
  const dims = dimsOf(x, patch);
  const n = numel(x.shape);
  if (numel(cols.shape) !== n) throw new Error(`patchify: cols has ${numel(cols.shape)} elements, images ${n}`);
  // With P % 4 == 0 a patch row's 4 adjacent columns are 4 adjacent pixels: moved by vec4s, 2× faster on lavapipe.
  if (patch % 4 === 0) ctx.run('patchify', 'forward4', { bindings: { cols4: cols, x4: x }, overrides: { WG, ...dims }, workgroups: grid1d(ctx, n / 4, WG) });
  else ctx.run('patchify', 'forward', { bindings: { cols, x }, overrides: { WG, ...dims }, workgroups: grid1d(ctx, n, WG) });
}

/** dx (B, Ch, S, S) ← dcols (B, Np, Ch·P²) (a permutation). `x` only gives the image shape. */
export function backward(ctx: GpuContext, dx: GpuTensor, dcols: GpuTensor, patch: number): void {
  const dims = dimsOf(dx, patch);
  const n = numel(dx.shape);
  ctx.run('patchify', 'backward', { bindings: { dx, dcols }, overrides: { WG, ...dims }, workgroups: grid1d(ctx, n, WG) });
}
