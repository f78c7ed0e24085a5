// Launchers for shaders/gelu.wgsl (exact GELU). Reference: src/reference/gelu.ts.

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 256;

/** y = gelu(x), elementwise. */
export function forward(ctx: GpuContext, y: GpuTensor, x: GpuTensor): void {
  const n = numel(x.shape);
  ctx.run('gelu', 'forward', { bindings: { y, x }, uniforms: { n }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** dx = dy · gelu'(x), elementwise. */
export function backward(ctx: GpuContext, dx: GpuTensor, dy: GpuTensor, x: GpuTensor): void {
  const n = numel(x.shape);
  ctx.run('gelu', 'backward', { bindings: { dx, dy, x }, uniforms: { n }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}
