// Launchers for shaders/attention.wgsl: timm multi-head self-attention core, forward and backward.
// Reference: src/reference/attention.ts. qkv (B, N, 3C) packed [q | k | v], C = H·D; out (B, N, C).

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 64;
const TILE = 4; // the shader's TM = TN: output rows and columns per thread

/** Shapes of the tensors attention needs besides its inputs and outputs. */
export function scratchShapes(B: number, N: number, H: number): { probs: number[]; dScores: number[]; rowDot: number[] } {
  return { probs: [B, H, N, N], dScores: [B, H, N, N], rowDot: [B, H, N] };
}

function checkFits(ctx: GpuContext, t: GpuTensor, what: string): void {
  const bytes = numel(t.shape) * 4;
  const limit = ctx.limits.maxStorageBufferBindingSize;
  if (bytes > limit)
    throw new Error(`attention: ${what} needs ${bytes} bytes in one binding, over this device's ${limit}; run the batch in chunks`);
}

function tileGrid(B: number, N: number, H: number, cols: number): [number, number] {
  return [Math.ceil((Math.ceil(N / TILE) * Math.ceil(cols / TILE)) / WG), B * H];
}

/** out (B, N, C) = per head softmax(q·kᵀ/√D)·v; saves probs (B, H, N, N) for backward. */
export function forward(ctx: GpuContext, out: GpuTensor, probs: GpuTensor, qkv: GpuTensor, B: number, N: number, H: number, D: number): void {
  checkFits(ctx, probs, 'probs (B, H, N, N)');
  const uniforms = { B, N, H, D };
  ctx.run('attention', 'scores', { bindings: { probs, qkv }, uniforms, overrides: { WG }, workgroups: tileGrid(B, N, H, N) });
  ctx.run('attention', 'softmaxRows', { bindings: { probs }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, B * H * N, WG) });
  ctx.run('attention', 'context', { bindings: { out, probs, qkv }, uniforms, overrides: { WG }, workgroups: tileGrid(B, N, H, D) });
}

export interface AttentionScratch {
  dScores: GpuTensor; // (B, H, N, N)
  rowDot: GpuTensor; // (B, H, N)
}

/** dqkv (B, N, 3C) from dout (B, N, C) and the forward's qkv, out and probs. dqkv is overwritten. */
export function backward(
  ctx: GpuContext,
  dqkv: GpuTensor,
  dout: GpuTensor,
  qkv: GpuTensor,
  out: GpuTensor,
  probs: GpuTensor,
  scratch: AttentionScratch,
  B: number,
  N: number,
  H: number,
  D: number,
): void {
  const { dScores, rowDot: rowD } = scratch;
  checkFits(ctx, dScores, 'dScores (B, H, N, N)');
  const uniforms = { B, N, H, D };
  ctx.run('attention', 'rowDot', { bindings: { rowD, dout, out }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, B * H * N, WG) });
  ctx.run('attention', 'scoresGrad', {
    bindings: { dScores, probs, qkv, dout, rowD },
    uniforms,
    overrides: { WG },
    workgroups: tileGrid(B, N, H, N),
  });
  const grid = tileGrid(B, N, H, D);
  ctx.run('attention', 'dq', { bindings: { dqkv, dScores, qkv }, uniforms, overrides: { WG }, workgroups: grid });
  ctx.run('attention', 'dk', { bindings: { dqkv, dScores, qkv }, uniforms, overrides: { WG }, workgroups: grid });
  ctx.run('attention', 'dv', { bindings: { dqkv, probs, dout }, uniforms, overrides: { WG }, workgroups: grid });
}
