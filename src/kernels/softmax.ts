// Launchers for shaders/softmax.wgsl (row-wise, stable, optional input scale). Reference: src/reference/softmax.ts.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 64;

/** y (R, K) = softmax(scale·x) row by row. */
export function forward(ctx: GpuContext, y: GpuTensor, x: GpuTensor, R: number, K: number, scale = 1): void {
  ctx.run('softmax', 'forward', { bindings: { y, x }, uniforms: { R, K, scale }, overrides: { WG }, workgroups: grid1d(ctx, R, WG) });
}

/** dx (R, K) = scale·y·(dy − Σ dy·y), from the forward's output y. */
export function backward(ctx: GpuContext, dx: GpuTensor, dy: GpuTensor, y: GpuTensor, R: number, K: number, scale = 1): void {
  ctx.run('softmax', 'backward', { bindings: { dx, dy, y }, uniforms: { R, K, scale }, overrides: { WG }, workgroups: grid1d(ctx, R, WG) });
}
