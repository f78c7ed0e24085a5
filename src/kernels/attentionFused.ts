// Launcher for shaders/attentionFused.wgsl: the attention core of ./attention.ts for short sequences, one workgroup
// per (batch, head) holding the head in workgroup memory (one dispatch forward, one backward). Called through
// attention.forward / attention.backward, whose 'auto' path takes it wherever `fits`. Same inputs, outputs and
// maths as the other paths; reference: src/reference/attentionFused.ts (= src/reference/attention.ts).

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

// Workgroup memory of the shader (its ROWS_VEC4 and MAT_FLOATS): a head's q, k, v, dout as vec4s, and P and dS.
const ROWS_VEC4 = 640;
const MAT_FLOATS = 1536;
// Threads per workgroup: 32 beat 64 and 128 at N = 17, D = 32 on lavapipe (bench/README.md, eleventh session).
const WG = 32;

/** Why a head of N tokens × D does not fit the kernels' 16 KiB of workgroup memory (q, k, v, dout: N·D/4 vec4s
 *  each; P and dS: N² floats each), or null when it fits. */
export function unfit(N: number, D: number): string | null {
  if (D % 4 === 0 && N * D <= ROWS_VEC4 && 2 * N * N <= MAT_FLOATS) return null;
  return `the fused path holds at most N·D = ${ROWS_VEC4} and 2·N² = ${MAT_FLOATS} (D a multiple of 4); N = ${N}, D = ${D}`;
}

export const fits = (N: number, D: number): boolean => unfit(N, D) === null;

function run(ctx: GpuContext, entry: 'forward' | 'backward', bindings: Record<string, GpuTensor>, B: number, N: number, H: number, D: number): void {
  const why = unfit(N, D);
  if (why) throw new Error(`attentionFused: ${why}`);
  ctx.run('attentionFused', entry, {
    bindings,
    overrides: { WG, TOKENS: N, HEAD_DIM: D, HEADS: H, BATCH: B },
    workgroups: grid1d(ctx, B * H, 1),
  });
}

/** out (B, N, C) = per head softmax(q·kᵀ/√D)·v from qkv (B, N, 3C); saves probs (B, H, N, N) for backward. */
export function forward(ctx: GpuContext, out: GpuTensor, probs: GpuTensor, qkv: GpuTensor, B: number, N: number, H: number, D: number): void {
  run(ctx, 'forward', { qkv4: qkv, out4: out, probs }, B, N, H, D);
}

/** dqkv (B, N, 3C), overwritten, from dout (B, N, C), the forward's qkv and probs. */
export function backward(ctx: GpuContext, dqkv: GpuTensor, dout: GpuTensor, qkv: GpuTensor, probs: GpuTensor, B: number, N: number, H: number, D: number): void {
  run(ctx, 'backward', { qkv4: qkv, probs, dout4: dout, dqkv4: dqkv }, B, N, H, D);
}
