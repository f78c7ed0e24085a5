// Launcher for shaders/attentionFused.wgsl: the attention core of ./attention.ts for short sequences, one invocation
// per RPL rows of a (batch, head), q, k, v and dout read as texels: one dispatch forward, two backward. Called
// through attention.forward / attention.backward, whose 'auto' path takes it wherever `fits`. Same inputs, outputs
// and maths as the other paths; reference: src/reference/attentionFused.ts (= src/reference/attention.ts).

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

// The shader's register arrays: MAXN tokens, MAXD4 vec4s of a head, MAXR rows per invocation.
const MAXN = 32;
const MAXD = 64;
// Rows per invocation and invocations per workgroup: at N = 17, D = 32, B = 32 on lavapipe the forward took
// 0.80 / 0.60 / 0.49 / 0.47 ms a dispatch at 1 / 2 / 3 / 4 rows (workgroups of 32 or 64 alike), the workgroup-memory
// kernel it replaced ~1.0 ms; backwardKey (two sets of accumulators) 0.70 / 0.67 / 0.56 / 1.45 ms: at 4 rows its
// 64 vec4 accumulators spill (bench/README.md, twelfth session).
const RPL = 3;
const WG = 64;

// qkv is read as a texture of TEXTURE_ROW_TEXELS-texel rows; WebGPU's default maxTextureDimension2D bounds the rows.
const MAX_TEXTURE_ROWS = 8192;

/** Why heads of N tokens × D (BH of them: batch × heads) do not fit the kernels' register arrays or qkv's texture,
 *  or null when they fit. */
export function unfit(N: number, D: number, BH = 1): string | null {
  if (!(D % 4 === 0 && D <= MAXD && N <= MAXN && N >= 1))
    return `the fused path holds at most N = ${MAXN} tokens and a head of D = ${MAXD} (a multiple of 4); N = ${N}, D = ${D}`;
  const rows = Math.ceil((BH * N * 3 * D) / 4 / TEXTURE_ROW_TEXELS);
  if (rows > MAX_TEXTURE_ROWS) return `the fused path reads qkv as a texture of at most ${MAX_TEXTURE_ROWS} rows; this batch needs ${rows} (use a smaller batch)`;
  return null;
}

export const fits = (N: number, D: number, BH = 1): boolean => unfit(N, D, BH) === null;

function run(ctx: GpuContext, entry: 'forward' | 'backwardQuery' | 'backwardKey', bindings: Record<string, GpuTensor>, B: number, N: number, H: number, D: number): void {
  const why = unfit(N, D, B * H);
  if (why) throw new Error(`attentionFused: ${why}`);
  ctx.run('attentionFused', entry, {
    bindings,
    overrides: { WG, RPL, TOKENS: N, HEAD_DIM: D, HEADS: H, BATCH: B, TW: TEXTURE_ROW_TEXELS },
    workgroups: grid1d(ctx, B * H * Math.ceil(N / RPL), WG),
  });
}

/** out (B, N, C) = per head softmax(q·kᵀ/√D)·v from qkv (B, N, 3C); saves probs (B, H, N, N) for backward. */
export function forward(ctx: GpuContext, out: GpuTensor, probs: GpuTensor, qkv: GpuTensor, B: number, N: number, H: number, D: number): void {
  run(ctx, 'forward', { tqkv: qkv, out4: out, probs }, B, N, H, D);
}

/** dqkv (B, N, 3C), overwritten, from dout (B, N, C), the forward's qkv and probs; dScores (B, H, N, N) is scratch
 *  (it receives dS = scale·P ⊙ (dP − rowD)). */
export function backward(ctx: GpuContext, dqkv: GpuTensor, dout: GpuTensor, qkv: GpuTensor, probs: GpuTensor, dScores: GpuTensor, B: number, N: number, H: number, D: number): void {
  run(ctx, 'backwardQuery', { tqkv: qkv, tdout: dout, probsIn: probs, dscores: dScores, dqkv4: dqkv }, B, N, H, D);
  run(ctx, 'backwardKey', { tqkv: qkv, tdout: dout, probsIn: probs, dscoresIn: dScores, dqkv4: dqkv }, B, N, H, D);
}
