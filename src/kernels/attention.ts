// Launchers for shaders/attention.wgsl: timm multi-head self-attention core, forward and backward.
// Reference: src/reference/attention.ts. qkv (B, N, 3C) packed [q | k | v], C = H·D; out (B, N, C).
// Three paths with the same results (see the WGSL headers for the maths):
//   'matmul': q, k, v copied head-major (B, H, N, D), the six products run through the batched matmul
//            (src/kernels/matmul.ts, B·H matrices per call), softmax and dS in this shader. Needs four (B, H, N, D)
//            scratch tensors (three in forward), i.e. 4·B·N·C floats.
//   'tiled':  this shader's own 4×4-tile kernels, reading qkv and dout in place; no extra memory.
//   'fused':  shaders/attentionFused.wgsl (./attentionFused.ts), one invocation per 3 rows of a (batch, head),
//            reading q, k, v and dout as texels: one dispatch forward, two backward, dScores the only scratch; only
//            for short sequences (`fusedFits`).
// 'auto' takes 'fused' wherever it fits, else 'matmul' where head buffers are given, else 'tiled'.
// Measured in one process at B=8, N=197, H=3, D=64 (medians, shared 2-core machine): the matmul path is
// ~2.4× faster forward and ~2.0× backward than 'tiled' on lavapipe (process CPU time ×2.6 / ×1.7), ×1.2 / ×1.7
// on SwiftShader; ~80% of its time is the matmuls, the rest the memory-bound layout changes and dS (on hardware
// GPUs it gets the workgroup-memory matmul, which the register-tile kernels, tuned for llvmpipe, are not expected
// to beat). Cost: the matmul pipelines are specialised per shape, so a new shape compiles ~6 more pipelines
// (lavapipe caches them on disk). At N = 17, D = 32 (the embedded default, B = 32, lavapipe) 'fused' takes
// ~1.6 ms of a block's training step in 3 dispatches where 'matmul' took ~3.9 ms in 14 (most of it per-dispatch
// cost) (`npx tsx bench/profile.ts --preset small32 --batch 32 --mode lora`).

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import * as fused from './attentionFused';
import { grid1d } from './grid';
import * as matmul from './matmul';

const WG = 64;
const TILE = 4; // the shader's TM = TN: output rows and columns per thread

export type AttentionPath = 'auto' | 'matmul' | 'tiled' | 'fused';

/** Whether the fused kernels take a head of N tokens × D (then backward needs only dScores as scratch). */
export const fusedFits = fused.fits;

/** The path 'auto' takes: fused where it fits, else the matmul path where its head buffers exist, else tiled.
 *  BH = batch × heads (the fused path's texture bounds it). */
export function resolvePath(path: AttentionPath, haveHeads: boolean, N: number, D: number, BH = 1): 'matmul' | 'tiled' | 'fused' {
  if (path === 'fused') {
    const why = fused.unfit(N, D, BH);
    if (why) throw new Error(`attention: ${why}`);
    return 'fused';
  }
  if (path === 'auto' && fused.fits(N, D, BH)) return 'fused';
  if (path === 'tiled') return 'tiled';
  if (!haveHeads) {
    if (path === 'matmul') throw new Error('attention: the matmul path needs head buffers (scratchShapes(…).heads)');
    return 'tiled';
  }
  return 'matmul';
}

/** Head-major (B, H, N, D) work buffers of the matmul path; forward uses q, k, v; backward all four. */
export interface HeadBuffers {
  q: GpuTensor; // (B, H, N, D)
  k: GpuTensor; // (B, H, N, D)
  v: GpuTensor; // (B, H, N, D)
}

/** Shapes of the tensors attention needs besides its inputs and outputs (`heads`: each of q, k, v, g). */
export function scratchShapes(
  B: number,
  N: number,
  H: number,
  D: number,
): { probs: number[]; dScores: number[]; rowDot: number[]; heads: number[] } {
  return { probs: [B, H, N, N], dScores: [B, H, N, N], rowDot: [B, H, N], heads: [B, H, N, D] };
}

function checkHeads(heads: Record<string, GpuTensor>, B: number, N: number, H: number, D: number): void {
  for (const [name, t] of Object.entries(heads))
    if (t.shape.join() !== [B, H, N, D].join())
      throw new Error(`attention: head buffer ${name} (${t.label}) is ${t.shape.join('×')}, expected ${B}×${H}×${N}×${D}`);
}

// Scalar and vec4 entry points of each layout copy.
const LAYOUT_ENTRIES = {
  splitQkv: ['splitQkv', 'splitQkv4'],
  splitOut: ['splitOut', 'splitOut4'],
  mergeOut: ['mergeOut', 'mergeOut4'],
  mergeQkv: ['mergeQkv', 'mergeQkv4'],
} as const;
type LayoutKernel = keyof typeof LAYOUT_ENTRIES;

/** The head-major ↔ token-major copies of the matmul path, on vec4s when the head size allows (a quarter of the
 *  invocations: their index arithmetic is most of the cost on software GPUs). Bindings are named as in the scalar
 *  kernels; the vec4 entry points see the same buffers under the same names with a "4". */
function layoutKernels(ctx: GpuContext, B: number, N: number, H: number, D: number) {
  const vec4 = D % 4 === 0;
  const overrides = { WG, BATCH: B, TOKENS: N, HEADS: H, HEAD_DIM: D };
  const workgroups = grid1d(ctx, (B * H * N * D) / (vec4 ? 4 : 1), WG);
  return {
    /** The shape overrides, shared with the other matmul-path kernels. */
    overrides,
    run(kernel: LayoutKernel, bindings: Record<string, GpuTensor>): void {
      const named = vec4 ? Object.fromEntries(Object.entries(bindings).map(([k, t]) => [`${k}4`, t])) : bindings;
      ctx.run('attention', LAYOUT_ENTRIES[kernel][vec4 ? 1 : 0], { bindings: named, overrides, workgroups });
    },
  };
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

export interface ForwardOptions {
  /** Work buffers of the matmul path; without them the tiled kernels run. */
  heads?: HeadBuffers;
  path?: AttentionPath;
  /** Only the first Q query rows (default all N): out (B, Q, C), probs (B, H, Q, N). The fused path only. */
  queries?: number;
}

/** out (B, N, C) = per head softmax(q·kᵀ/√D)·v; saves probs (B, H, N, N) for backward. */
export function forward(
  ctx: GpuContext,
  out: GpuTensor,
  probs: GpuTensor,
  qkv: GpuTensor,
  B: number,
  N: number,
  H: number,
  D: number,
  opts: ForwardOptions = {},
): void {
  checkFits(ctx, probs, 'probs (B, H, N, N)');
  const uniforms = { B, N, H, D };
  const path = resolvePath(opts.path ?? 'auto', !!opts.heads, N, D, B * H);
  if (path === 'fused') return fused.forward(ctx, out, probs, qkv, B, N, H, D, opts.queries ?? N);
  checkAllQueries(path, N, opts.queries);
  if (path === 'matmul') {
    const { q, k, v } = opts.heads!;
    checkHeads({ q, k, v }, B, N, H, D);
    const lay = layoutKernels(ctx, B, N, H, D);
    lay.run('splitQkv', { qkv, hq: q, hk: k, hv: v });
    matmul.nt(ctx, { c: probs, a: q, b: k, alpha: 1 / Math.sqrt(D) });
    ctx.run('attention', 'softmaxRows', { bindings: { probs }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, B * H * N, WG) });
    // q is dead once the scores exist: o = P·v (B, H, N, D) goes there.
    matmul.nn(ctx, { c: q, a: probs, b: v });
    lay.run('mergeOut', { out, ho: q });
    return;
  }
  ctx.run('attention', 'scores', { bindings: { probs, qkv }, uniforms, overrides: { WG }, workgroups: tileGrid(B, N, H, N) });
  ctx.run('attention', 'softmaxRows', { bindings: { probs }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, B * H * N, WG) });
  ctx.run('attention', 'context', { bindings: { out, probs, qkv }, uniforms, overrides: { WG }, workgroups: tileGrid(B, N, H, D) });
}

function checkAllQueries(path: string, N: number, queries?: number): void {
  if (queries !== undefined && queries !== N) throw new Error(`attention: only the fused path takes a subset of query rows (${queries} of ${N}); this one is '${path}'`);
}

/** Backward's scratch; the fused path needs dScores only. */
export interface AttentionScratch {
  dScores?: GpuTensor; // (B, H, N, N)
  rowDot?: GpuTensor; // (B, H, N)
  /** Work buffers of the matmul path (g receives dout head-major); without them the tiled kernels run. */
  heads?: HeadBuffers & { g: GpuTensor };
}

/** dqkv (B, N, 3C) from dout (B, N, C) and the forward's qkv, out and probs. dqkv is overwritten. With `queries`
 *  (the fused path only) dout is (B, Q, C), probs and dScores (B, H, Q, N), and dq is 0 past the first Q rows. */
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
  path: AttentionPath = 'auto',
  queries?: number,
): void {
  const resolved = resolvePath(path, !!scratch.heads, N, D, B * H);
  const { dScores, rowDot: rowD } = scratch;
  if (resolved === 'fused') {
    if (!dScores) throw new Error('attention: the fused backward path needs dScores scratch (scratchShapes)');
    checkFits(ctx, dScores, 'dScores (B, H, N, N)');
    return fused.backward(ctx, dqkv, dout, qkv, probs, dScores, B, N, H, D, queries ?? N);
  }
  checkAllQueries(resolved, N, queries);
  if (!dScores || !rowD) throw new Error('attention: the matmul and tiled backward paths need dScores and rowDot scratch (scratchShapes)');
  checkFits(ctx, dScores, 'dScores (B, H, N, N)');
  const uniforms = { B, N, H, D };
  if (resolved === 'matmul') {
    const { q, k, v, g } = scratch.heads!;
    checkHeads({ q, k, v, g }, B, N, H, D);
    const scale = 1 / Math.sqrt(D);
    const lay = layoutKernels(ctx, B, N, H, D);
    lay.run('splitQkv', { qkv, hq: q, hk: k, hv: v });
    lay.run('splitOut', { dout, hg: g });
    ctx.run('attention', 'rowDot', { bindings: { rowD, dout, out }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, B * H * N, WG) });
    matmul.nt(ctx, { c: dScores, a: g, b: v }); // dP = dO·vᵀ
    ctx.run('attention', 'gradScores', {
      bindings: { dScores, probs, rowD },
      overrides: lay.overrides,
      workgroups: grid1d(ctx, B * H * N * N, WG),
    });
    // Each product overwrites an operand no later product reads: v after dP, dO after dV, k after dq.
    matmul.tn(ctx, { c: v, a: probs, b: g }); // dv = Pᵀ·dO
    matmul.nn(ctx, { c: g, a: dScores, b: k, alpha: scale }); // dq = scale·dS·k
    matmul.tn(ctx, { c: k, a: dScores, b: q, alpha: scale }); // dk = scale·dSᵀ·q
    lay.run('mergeQkv', { dqkv, hq: g, hk: k, hv: v });
    return;
  }
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
