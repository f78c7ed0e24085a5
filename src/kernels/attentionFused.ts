// Launcher for shaders/attentionFused.wgsl and shaders/attentionSubgroup.wgsl: the attention core of ./attention.ts for
// short sequences, q, k, v and dout read as texels: one dispatch forward, two backward. Two families of the same
// kernels: 'rows' (attentionFused: an invocation per RPL rows of a (batch, head), any adapter) and 'heads'
// (attentionSubgroup: the rows of a (batch, head) on the lanes of whole subgroups of 8, which share the rows they
// stream; see `family`). Called through attention.forward / attention.backward, whose 'auto' path takes it wherever
// `fits`. Same inputs, outputs and maths as the other paths; reference: src/reference/attentionFused.ts
// (= src/reference/attention.ts).

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import * as subgroup from './attentionSubgroup';
import { grid1d } from './grid';

// The shader's register arrays: MAXN tokens, MAXD4 vec4s of a head, MAXR rows per invocation.
const MAXN = 32;
const MAXD = 64;
// Rows per invocation and invocations per workgroup: at N = 17, D = 32, B = 32 on lavapipe the forward took
// 0.80 / 0.60 / 0.49 / 0.47 ms a dispatch at 1 / 2 / 3 / 4 rows (workgroups of 32 or 64 alike), the workgroup-memory
// kernel it replaced ~1.0 ms; backwardKey (two sets of accumulators) 0.70 / 0.67 / 0.56 / 1.45 ms: at 4 rows its
// 64 vec4 accumulators spill (bench/README.md, twelfth session). Since Dawn's shader robustness is off on lavapipe
// (platform/node.ts) one row is the fastest: forward and backward of one block 1.32 / 1.09 / 0.88 ms at 3 / 2 / 1 rows
// (sixteenth session).
const RPL = 1;
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

/** 'rows': shaders/attentionFused.wgsl; 'heads': shaders/attentionSubgroup.wgsl (subgroups of 8 lanes only). */
export type Family = 'rows' | 'heads';

/**
 * The family that runs Q query rows here: 'heads' on subgroups of 8 when there are at least 8 query rows (small32's
 * blocks, N = Q = 17, D = 32, B = 32 on lavapipe: forward 478 → 358 µs, backward 870 → 751 µs), else 'rows' (the CLS
 * row alone, Q = 1, would leave 7 of 8 lanes idle: forward 157 → 224 µs, backward 380 → 454 µs; seventeenth session).
 */
export function family(ctx: GpuContext, Q: number): Family {
  return subgroup.unfit(ctx) === null && Q >= subgroup.LANES ? 'heads' : 'rows';
}

interface Shape {
  B: number;
  N: number;
  H: number;
  D: number;
  /** Query rows: the first Q tokens of every (batch, head) (default N). */
  Q: number;
}

function run(ctx: GpuContext, entry: 'forward' | 'backwardQuery' | 'backwardKey', bindings: Record<string, GpuTensor>, s: Shape, fam: Family): void {
  const { B, N, H, D, Q } = s;
  const why = unfit(N, D, B * H);
  if (why) throw new Error(`attentionFused: ${why}`);
  if (!(Number.isInteger(Q) && Q >= 1 && Q <= N)) throw new Error(`attentionFused: ${Q} query rows of ${N} tokens`);
  const sizes: Record<string, number> = { out4: B * Q * H * D, tdout: B * Q * H * D, probs: B * H * Q * N, probsIn: B * H * Q * N, dscores: B * H * Q * N, dscoresIn: B * H * Q * N, tqkv: B * N * 3 * H * D, dqkv4: B * N * 3 * H * D };
  for (const [name, t] of Object.entries(bindings))
    if (numel(t.shape) !== sizes[name]) throw new Error(`attentionFused.${entry}: ${name} ${t.label} has ${numel(t.shape)} elements, expected ${sizes[name]} (B ${B}, N ${N}, Q ${Q}, H ${H}, D ${D})`);
  if (fam === 'heads') return subgroup.run(ctx, entry, bindings, s);
  const rows = entry === 'backwardKey' ? N : Q;
  ctx.run('attentionFused', entry, {
    bindings,
    overrides: { WG, RPL, TOKENS: N, QUERIES: Q, HEAD_DIM: D, HEADS: H, BATCH: B, TW: TEXTURE_ROW_TEXELS },
    workgroups: grid1d(ctx, B * H * Math.ceil(rows / RPL), WG),
  });
}

/** out (B, Q, C) = per head softmax(q·kᵀ/√D)·v for the first Q query rows (default all N) from qkv (B, N, 3C);
 *  saves probs (B, H, Q, N) for backward. */
export function forward(ctx: GpuContext, out: GpuTensor, probs: GpuTensor, qkv: GpuTensor, B: number, N: number, H: number, D: number, Q = N, fam = family(ctx, Q)): void {
  run(ctx, 'forward', { tqkv: qkv, out4: out, probs }, { B, N, H, D, Q }, fam);
}

/** dqkv (B, N, 3C), overwritten, from dout (B, Q, C) (default Q = N), the forward's qkv and probs; dScores (B, H, Q, N)
 *  is scratch (it receives dS = scale·P ⊙ (dP − rowD)). dq is 0 on rows ≥ Q. */
export function backward(ctx: GpuContext, dqkv: GpuTensor, dout: GpuTensor, qkv: GpuTensor, probs: GpuTensor, dScores: GpuTensor, B: number, N: number, H: number, D: number, Q = N, fam = family(ctx, Q)): void {
  run(ctx, 'backwardQuery', { tqkv: qkv, tdout: dout, probsIn: probs, dscores: dScores, dqkv4: dqkv }, { B, N, H, D, Q }, fam);
  run(ctx, 'backwardKey', { tqkv: qkv, tdout: dout, probsIn: probs, dscoresIn: dScores, dqkv4: dqkv }, { B, N, H, D, Q }, fam);
}
