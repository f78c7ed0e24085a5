// Launchers for shaders/gelu.wgsl (exact GELU). Reference: src/reference/gelu.ts.
// When n is a multiple of 4 (every ViT activation: the MLP width is 4·C) the vec4 entry points run, a quarter of
// the invocations: 1.4–1.75× faster on lavapipe, same results bit for bit.

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 256;

/** y = gelu(x), elementwise. */
export function forward(ctx: GpuContext, y: GpuTensor, x: GpuTensor): void {
  const n = numel(x.shape);
  if (n % 4 === 0) ctx.run('gelu', 'forward4', { bindings: { y4: y, x4: x }, uniforms: { n: n / 4 }, overrides: { WG }, workgroups: grid1d(ctx, n / 4, WG) });
  else ctx.run('gelu', 'forward', { bindings: { y, x }, uniforms: { n }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** dx = dy · gelu'(x), elementwise. */
export function backward(ctx: GpuContext, dx: GpuTensor, dy: GpuTensor, x: GpuTensor): void {
  const n = numel(x.shape);
  if (n % 4 === 0) ctx.run('gelu', 'backward4', { bindings: { dx4: dx, dy4: dy, x4: x }, uniforms: { n: n / 4 }, overrides: { WG }, workgroups: grid1d(ctx, n / 4, WG) });
  else ctx.run('gelu', 'backward', { bindings: { dx, dy, x }, uniforms: { n }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}
