// Launcher for shaders/matmulTexture.wgsl: the subgroup matmul of ./matmulSubgroup.ts with op(B) read from an
// rgba32float texture (GpuContext copies B's tensor into it; see the WGSL header for why it is faster on
// lavapipe). Call it through matmul.run, which checks shapes and picks this path when `textureOperand` says
// B qualifies. Reference: src/reference/matmulTexture.ts (= src/reference/matmul.ts).

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import * as ew from './elementwise';
import type { MatmulPlan } from './matmul';
import * as reduce from './reduce';

// Rows of C per workgroup (the WGSL's TM const and TM_A override); each of the SG lanes owns 4 adjacent columns.
const ROWS_PER_WORKGROUP = 8;
/** tileA's rows: 32 where the texture operands are read-only storage textures (lavapipe), whose cheaper loads moved
 *  the balance (matmulTexture.wgsl), else 16. */
const rowsA = (ctx: GpuContext) => (ctx.textureBinding === 'storage' ? 32 : 16);
const COLUMNS_PER_LANE = 4;
// The WGSL's LAYOUT codes (matmul.ts LAYOUT_CODE).
const LAYOUT_NN = 0;
const LAYOUT_NT = 1;
const LAYOUT_TN = 2;
// Products smaller than this (multiply-adds) keep their layout: the transpose's extra pass would not pay.
const MIN_MACS_AS_NN = 1 << 22;

/**
 * Why B cannot be the texture operand of this kernel on this context; null when it can. The texture holds B's
 * elements linearly, 4 per texel, so B's stored rows (NN/TN: (…, K, N); NT: (…, N, K)) must be whole texels:
 * a row length that is a multiple of 4.
 */
export function textureProblem(ctx: GpuContext, b: GpuTensor): string | null {
  const sg = ctx.subgroupSize;
  if (sg !== 4 && sg !== 8) return `the kernel needs subgroups of 4 or 8 lanes (this adapter: ${sg ?? 'none'})`;
  if (b.shape.length < 2) return `b has ${b.shape.length} dims`;
  const row = b.shape[b.shape.length - 1]!;
  if (row % 4 !== 0) return `its stored row length ${row} is not a multiple of 4`;
  return ctx.textureProblem(b);
}

/** Whether t's storage, seen as `shape` from offset 0 (a scratch copy of it), could be this kernel's texture. */
function fitsTexture(ctx: GpuContext, t: GpuTensor, shape: number[]): boolean {
  return textureProblem(ctx, { ...t, byteOffset: 0, shape }) === null;
}

/** K rounded up to tileA's K block (4·SG values of k). */
const paddedK = (ctx: GpuContext, K: number) => Math.ceil(K / (4 * ctx.subgroupSize!)) * (4 * ctx.subgroupSize!);

// Split-K: a TN product (a weight gradient) reduces over all B·T rows of the batch, K = 6304 for ViT-Tiny at B = 32;
// over such a K a workgroup streams its 16 rows of A and 4·SG columns of B (~1.2 MB) through the cache for each tile
// of C. Cut into chunks of about SPLIT_K values (1000: K = 1576 in 2 chunks, 6304 in 6), each chunk's product is a
// batch item of one dispatch (tileA with LDA4 and KTOTAL), written to scratch, and the chunks are summed
// (reduce.sumRows). Measured in bench/README.md (tenth session).
const SPLIT_K = 1000;

/**
 * How K is cut: Kp = K rounded up to tileA's K block (zero rows past K when that pads), S chunks of Kc (whole
 * blocks), the last one shorter when S·Kc > Kp (the kernel's KTOTAL stops it), so that splitting never copies an
 * operand the unsplit product would not; S = 1 when K is below 1.5 chunks.
 */
function splitK(ctx: GpuContext, K: number): { S: number; Kc: number; Kp: number } {
  const Kp = paddedK(ctx, K);
  const S0 = Math.max(1, Math.round(Kp / SPLIT_K));
  const Kc = paddedK(ctx, Math.ceil(Kp / S0));
  return { S: Math.ceil(Kp / Kc), Kc, Kp };
}

/**
 * An NN plan whose A is a transposed scratch copy (M, Kp) and B (Kp, N), cut into S chunks of Kc values of k
 * (batch items of one dispatch, the last stopped at Kp, writing partial products into scratch), and the step that
 * sums them into the plan's C with its ALPHA and BETA (0 or 1). The plan must have a plain epilogue (no bias,
 * residual, GELU or PRE).
 */
function chunked(ctx: GpuContext, p: MatmulPlan, S: number, Kc: number): { plan: MatmulPlan; finish: () => void } {
  const { M, N, K: Kp } = p;
  const o = p.overrides;
  const c = p.bindings.c!;
  const parts = ctx.scratch('matmul.splitK', [S, M, N]);
  const overrides = { ...o, K: Kc, KTOTAL: Kp, LDA4: Kp / 4, BATCH_A: Kc, BATCH_B: Kc * N, BATCH_C: M * N, ALPHA: 1, BETA: 0 };
  return {
    plan: { ...p, K: Kc, batch: S, overrides, bindings: { ...p.bindings, c: parts } },
    finish: () => reduce.sumRows(ctx, { ...c, shape: [M * N] }, parts, S, M * N, { scale: o.ALPHA ?? 1, accumulate: (o.BETA ?? 0) !== 0 }),
  };
}

/** Whether a plan's epilogue is α·product + β·C only, β ∈ {0, 1} (what split-K and the swapped TN can finish). */
const plainEpilogue = (o: Record<string, number>) => !o.HAS_BIAS && !o.HAS_RESIDUAL && !o.GELU && !o.STORE_PRE && (!o.BETA || o.BETA === 1);

/** t (K, cols) itself, or when Kp > K a copy in scratch `slot` with zero rows K .. Kp−1 (a padded K of a product). */
function padRows(ctx: GpuContext, slot: string, t: GpuTensor, K: number, Kp: number, cols: number): GpuTensor {
  if (Kp === K) return t;
  const padded = ctx.scratch(slot, [Kp, cols]);
  ctx.copyRange(padded, 0, t, 0, K * cols);
  ctx.zero(padded, K * cols);
  return padded;
}

/**
 * An NT or TN plan rewritten as NN on an operand transposed into context scratch, so that tileA (both operands
 * textures, 16 rows per workgroup) takes it; null where that does not apply. NT: Bᵀ (K, N′) from B (N, K), N′ = N
 * rounded up to whole texels (the kernel's LDB4), one per batch item when B is not shared (attention's q·kᵀ and
 * dO·vᵀ). TN: Aᵀ (M, K′) from A (K, M), with K zero-padded to K′, a whole number of tileA's K blocks, and B copied
 * into (K′, N) with zero rows past K when K′ > K; A must be shared by the batch (or the batch 1): it is transposed
 * once. Measured on the ViT-Tiny training products, transposes included: NT 1.2–1.8×, TN 1.2×; attention's
 * per-head NT products 1.3× (bench/README.md).
 */
function asNN(ctx: GpuContext, p: MatmulPlan): { plan: MatmulPlan; finish?: () => void } | null {
  const { M, N, K, batch } = p;
  const o = p.overrides;
  const shared = (stride: number | undefined) => batch === 1 || stride === 0;
  if (M * N * K * batch < MIN_MACS_AS_NN) return null;
  const { a, b } = p.bindings as { a: GpuTensor; b: GpuTensor };
  if (o.LAYOUT === LAYOUT_NT) {
    // Bᵀ's rows zero-padded to whole texels (LDB4) when N % 4 ≠ 0; one Bᵀ per batch item unless B is shared.
    const Np = Math.ceil(N / 4) * 4;
    const count = shared(o.BATCH_B) ? 1 : o.BATCH_B === N * K ? batch : 0;
    const shape = count === 1 ? [K, Np] : [count, K, Np];
    if (!count || K !== paddedK(ctx, K) || textureProblem(ctx, a) !== null || !fitsTexture(ctx, b, shape)) return null;
    const bT = ctx.scratch('matmul.bT', shape);
    ew.transpose(ctx, bT, { ...b, shape: count === 1 ? [N, K] : [count, N, K] });
    const padded: Record<string, number> = Np !== N ? { LDB4: Np / 4 } : {};
    return { plan: { ...p, overrides: { ...o, LAYOUT: LAYOUT_NN, BATCH_B: count === 1 ? 0 : K * Np, ...padded }, bindings: { ...p.bindings, b: bT } } };
  }
  if (N % 4 !== 0) return null;
  if (o.LAYOUT === LAYOUT_TN) {
    const { S, Kc, Kp } = splitK(ctx, K);
    if (!shared(o.BATCH_A) || (Kp !== K && !shared(o.BATCH_B)) || !fitsTexture(ctx, a, [M, Kp]) || !fitsTexture(ctx, b, [Kp, N])) return null;
    const aT = ctx.scratch('matmul.aT', [M, Kp]);
    ew.transpose(ctx, aT, { ...a, shape: a.shape.slice(-2) }); // (K, M): the one A of the batch
    const bP = padRows(ctx, 'matmul.bPad', b, K, Kp, N);
    const nn = { ...p, K: Kp, overrides: { ...o, K: Kp, LAYOUT: LAYOUT_NN, BATCH_A: 0, BATCH_B: Kp !== K ? 0 : o.BATCH_B! }, bindings: { ...p.bindings, a: aT, b: bP } };
    return S > 1 && batch === 1 && plainEpilogue(o) ? chunked(ctx, nn, S, Kc) : { plan: nn };
  }
  return null;
}

/**
 * Records the texture kernel for a checked plan; throws (with the reason) when B cannot be a texture. A is a
 * texture as well (entry point tileA) for NN when K is a whole number of its K blocks (4·SG) and A can be one; else
 * it stays a buffer.
 */
export function run(ctx: GpuContext, plan: MatmulPlan): void {
  const nn = swappedTN(ctx, plan) ?? asNN(ctx, plan);
  record(ctx, nn?.plan ?? plan);
  nn?.finish?.();
}

/**
 * A TN product with M > N and a plain epilogue (α only) as Cᵀ = Bᵀ·A: the smaller operand, B, is the one
 * transposed (into scratch, K zero-padded; A copied with zero rows when K was padded), the NN product writes Cᵀ into
 * scratch, and `finish` transposes it into C. On the fc2 dW product at B = 32 (768×192×6304) 1.24× asNN's way
 * (which transposes A, 4× larger); with M ≤ N no faster, so not used there (bench/README.md). null where it does
 * not apply.
 */
function swappedTN(ctx: GpuContext, p: MatmulPlan): { plan: MatmulPlan; finish: () => void } | null {
  const { M, N, K, batch } = p;
  const o = p.overrides;
  if (o.LAYOUT !== LAYOUT_TN || batch !== 1 || M <= N || M % 4 !== 0 || M * N * K < MIN_MACS_AS_NN) return null;
  if (!plainEpilogue(o) || o.BETA !== 0) return null;
  const { S, Kc, Kp } = splitK(ctx, K);
  const { a, b, c } = p.bindings as { a: GpuTensor; b: GpuTensor; c: GpuTensor };
  if (!fitsTexture(ctx, b, [N, Kp]) || !fitsTexture(ctx, a, [Kp, M])) return null;
  const bT = ctx.scratch('matmul.bT', [N, Kp]);
  ew.transpose(ctx, bT, { ...b, shape: b.shape.slice(-2) }); // (K, N) → (N, K′)
  const aP = padRows(ctx, 'matmul.aPad', a, K, Kp, M);
  const cT = ctx.scratch('matmul.cT', [N, M]);
  const overrides = { ...o, M: N, N: M, K: Kp, LAYOUT: LAYOUT_NN, BATCH_A: 0, BATCH_B: 0, BATCH_C: N * M };
  const nn = { ...p, M: N, N: M, K: Kp, overrides, bindings: { ...p.bindings, c: cT, a: bT, b: aP } };
  const parts = S > 1 ? chunked(ctx, nn, S, Kc) : null;
  return {
    plan: parts?.plan ?? nn,
    finish: () => {
      parts?.finish();
      ew.transpose(ctx, { ...c, shape: [M, N] }, cT);
    },
  };
}

/** Records the kernel for a plan (NN with both operands textures when tileA can take it). */
function record(ctx: GpuContext, p: MatmulPlan): void {
  const { c, pre, a, b, bias, resid } = p.bindings;
  const problem = textureProblem(ctx, b!);
  if (problem) throw new Error(`matmul: the texture kernel cannot take b ${b!.label}: ${problem}; use path 'subgroup' or 'portable'`);
  const overrides: Record<string, number> = { ...p.overrides, SG: ctx.subgroupSize!, TW: TEXTURE_ROW_TEXELS };
  const grid = (rows: number) => [Math.ceil(p.N / (COLUMNS_PER_LANE * ctx.subgroupSize!)), Math.ceil(p.M / rows), p.batch] as const;
  if (p.overrides.LAYOUT === LAYOUT_NN && p.K === paddedK(ctx, p.K) && textureProblem(ctx, a!) === null) {
    const rows = rowsA(ctx);
    const args = { overrides: { ...overrides, TM_A: rows }, workgroups: grid(rows) };
    // A lane's 4 columns are one aligned vec4 of C's rows when N % 4 == 0 (tileA4's vec4 epilogue), else not.
    if (p.N % 4 === 0) ctx.run('matmulTexture', 'tileA4', { bindings: { c4: c!, pre4: pre!, ta: a!, tb: b!, bias4: bias!, resid4: resid! }, ...args });
    else ctx.run('matmulTexture', 'tileA', { bindings: { c: c!, pre: pre!, ta: a!, tb: b!, bias: bias!, resid: resid! }, ...args });
  }
  else ctx.run('matmulTexture', 'tile', { bindings: { c: c!, pre: pre!, a: a!, tb: b!, bias: bias!, resid: resid! }, overrides, workgroups: grid(ROWS_PER_WORKGROUP) });
}
