// Launchers for shaders/merge.wgsl: W = W0 + Σ_k s_k U_k D_k on a (row/column) block of a dense weight.
// Reference: src/reference/merge.ts. The component stack is lora.ts's LoraLayout (ranks + offsets tensor).

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import type { LoraLayout } from './lora';

// Must match the shader's tile constants TM and TN (sized here only for grids).
const TILE_ROWS = 8;
const COLUMNS_PER_LANE = 2;

/** Where the dOut×dIn block sits in the (row-major) weight tensor; default: the whole tensor. */
export interface WeightBlock {
  rowOffset: number;
  colOffset: number;
}

function lanes(ctx: GpuContext): number {
  if (!ctx.hasFeature('subgroups')) throw new Error('merge kernels need the WebGPU "subgroups" feature');
  const s = ctx.subgroupSize;
  return s !== null && s < 8 ? s : 8;
}

/** Checks shapes (scales: the number of scales given) and sizes the dispatch. */
function setup(ctx: GpuContext, w: GpuTensor, uCat: GpuTensor, dCat: GpuTensor, scales: number, lay: LoraLayout, block: WeightBlock) {
  const [dOut, R] = uCat.shape as [number, number];
  const [RD, dIn] = dCat.shape as [number, number];
  const [rows, wStride] = w.shape as [number, number];
  if (R !== lay.R || RD !== lay.R || scales !== lay.K) throw new Error(`merge: U_cat ${uCat.shape}, D_cat ${dCat.shape}, ${scales} scales do not fit ranks [${lay.ranks}]`);
  if (block.rowOffset + dOut > rows || block.colOffset + dIn > wStride) throw new Error(`merge: a ${dOut}×${dIn} block at (${block.rowOffset}, ${block.colOffset}) does not fit W ${w.shape}`);
  const SG = lanes(ctx);
  return {
    uniforms: { dOut, dIn, R, K: lay.K, wStride, rowOffset: block.rowOffset, colOffset: block.colOffset, wRows: rows },
    overrides: { SG },
    workgroups: [Math.ceil(dIn / (SG * COLUMNS_PER_LANE)), Math.ceil(dOut / TILE_ROWS)] as [number, number],
  };
}

/** w[block] = w0[block] + Σ_k s_k U_k D_k (w0 and w: same shape; only the block is written). */
export function forward(
  ctx: GpuContext,
  w: GpuTensor,
  w0: GpuTensor,
  uCat: GpuTensor,
  dCat: GpuTensor,
  scales: GpuTensor,
  lay: LoraLayout,
  block: WeightBlock = { rowOffset: 0, colOffset: 0 },
): void {
  if (w0.shape.join() !== w.shape.join()) throw new Error(`merge: w0 ${w0.shape} and w ${w.shape} differ`);
  ctx.run('merge', 'merge', { bindings: { w, w0, uCat, dCat, scales, offsets: lay.offsets }, ...setup(ctx, w, uCat, dCat, scales.shape[0]!, lay, block) });
}

/** w[block] += Σ_k s_k U_k D_k (negative scales unmerge). A weight kept with its transpose merges through
 *  planSites / inPlaceSites (one site or many). */
export function inPlace(
  ctx: GpuContext,
  w: GpuTensor,
  uCat: GpuTensor,
  dCat: GpuTensor,
  scales: GpuTensor,
  lay: LoraLayout,
  block: WeightBlock = { rowOffset: 0, colOffset: 0 },
): void {
  ctx.run('merge', 'mergeInPlace', { bindings: { w, uCat, dCat, scales, offsets: lay.offsets }, ...setup(ctx, w, uCat, dCat, scales.shape[0]!, lay, block) });
}

/** One site of a batched in-place merge: factors uCat (dOut, R), dCat (R, dIn), the weight w (rows, wStride) and its
 *  transpose wT, the block's first row, and where its K scales start in the scales tensor (default 0: shared). */
export interface MergeSite {
  w: GpuTensor;
  wT: GpuTensor;
  uCat: GpuTensor;
  dCat: GpuTensor;
  rowOffset: number;
  scalesOffset?: number;
}

/** Sites that one `inPlaceSites` dispatch merges: their table on the GPU and whole-buffer views of what they share. */
export interface MergeSites {
  count: number;
  table: GpuTensor; // (count, 6) u32: w, wT, U, D and scales element offsets, rowOffset
  /** Scales the dispatch reads: the largest scalesOffset + K. */
  scales: number;
  w: GpuTensor;
  wT: GpuTensor;
  uCat: GpuTensor;
  dCat: GpuTensor;
  uniforms: Record<string, number>;
  /** mergeSitesBoth4 (bit-identical, by vec4s) where every shape and offset is a multiple of 4, else mergeSitesBoth;
   *  workgroups is the chosen entry's grid. */
  entry: 'mergeSitesBoth' | 'mergeSitesBoth4';
  workgroups: [number, number, number];
}

/** The whole of t's buffer as a flat f32 tensor. */
function wholeBuffer(t: GpuTensor, label: string): GpuTensor {
  return { buffer: t.buffer, byteOffset: 0, shape: [t.buffer.size / 4], dtype: 'f32', label };
}

/**
 * Prepares `inPlaceSites` for sites of one shape (dOut, dIn, ranks of `lay`) and one weight layout, whose weights
 * share one buffer, their transposes another, and their factors a third (a model's packed tensors); throws when they
 * do not. The table is uploaded once; release it with `releaseSites`.
 */
export function planSites(ctx: GpuContext, sites: readonly MergeSite[], lay: LoraLayout, colOffset = 0): MergeSites {
  const first = sites[0];
  if (!first) throw new Error('merge.planSites: no sites');
  const same = (f: (s: MergeSite) => unknown, what: string) => {
    if (sites.some((s) => f(s) !== f(first))) throw new Error(`merge.planSites: the sites' ${what} differ; merge them one by one (inPlace)`);
  };
  same((s) => s.w.shape.join(), 'weight shapes');
  same((s) => s.uCat.shape.join(), 'U shapes');
  same((s) => s.dCat.shape.join(), 'D shapes');
  for (const k of ['w', 'wT', 'uCat', 'dCat'] as const) same((s) => s[k].buffer, `${k} buffers`);
  if (sites.some((s) => s.uCat.buffer === s.w.buffer || s.uCat.buffer === s.wT.buffer || s.w.buffer === s.wT.buffer))
    throw new Error('merge.planSites: the weights, their transposes and the factors need three separate buffers');
  for (const s of sites) {
    setup(ctx, s.w, s.uCat, s.dCat, lay.K, lay, { rowOffset: s.rowOffset, colOffset }); // shape checks
    if (s.wT.shape.join() !== [...s.w.shape].reverse().join()) throw new Error(`merge.planSites: ${s.wT.label} ${s.wT.shape} is not the transpose of w ${s.w.shape}`);
  }
  const run = setup(ctx, first.w, first.uCat, first.dCat, lay.K, lay, { rowOffset: 0, colOffset });
  const table = Uint32Array.from(sites.flatMap((s) => [s.w.byteOffset / 4, s.wT.byteOffset / 4, s.uCat.byteOffset / 4, s.dCat.byteOffset / 4, s.scalesOffset ?? 0, s.rowOffset]));
  const { dOut, dIn, wStride, wRows } = run.uniforms;
  // The vec4 entry's accesses stay whole vec4s: every row length, column and row offset and element offset divisible by 4.
  const vec4 = [dOut, dIn, wStride, wRows, colOffset, ...sites.flatMap((s) => [s.w.byteOffset / 4, s.wT.byteOffset / 4, s.dCat.byteOffset / 4, s.rowOffset])].every((n) => n % 4 === 0);
  const dCat = wholeBuffer(first.dCat, 'merge.sites.D');
  // The vec4 entry also reads D_cat as a texture.
  const v4 = vec4 && ctx.canBindAsTexture(dCat);
  const columnBlocks = v4 ? Math.ceil(dIn / (4 * lanes(ctx))) : run.workgroups[0];
  return {
    count: sites.length,
    table: ctx.fromArray(table, [sites.length, 6], 'merge.sites'),
    scales: Math.max(...sites.map((s) => s.scalesOffset ?? 0)) + lay.K,
    w: wholeBuffer(first.w, 'merge.sites.w'),
    wT: wholeBuffer(first.wT, 'merge.sites.wT'),
    uCat: wholeBuffer(first.uCat, 'merge.sites.U'),
    dCat,
    uniforms: { ...run.uniforms, rowOffset: 0 },
    entry: v4 ? 'mergeSitesBoth4' : 'mergeSitesBoth',
    workgroups: [columnBlocks, run.workgroups[1], sites.length],
  };
}

/** Every planned site's w[block] += Σ_k s_k U_k D_k and its wT[blockᵀ] += the same, transposed: one dispatch. The
 *  sites' scales from `scales` at their offsets. */
export function inPlaceSites(ctx: GpuContext, plan: MergeSites, scales: GpuTensor, lay: LoraLayout): void {
  if (numel(scales.shape) < plan.scales || plan.uniforms.K !== lay.K || plan.uniforms.R !== lay.R)
    throw new Error(`merge.inPlaceSites: scales ${scales.shape} (${plan.scales} needed) and ranks [${lay.ranks}] do not fit the plan`);
  const bindings: Record<string, GpuTensor> =
    plan.entry === 'mergeSitesBoth4'
      ? { w4: plan.w, wT4: plan.wT, uCat: plan.uCat, tdCat: plan.dCat, scales, offsets: lay.offsets, sites: plan.table }
      : { w: plan.w, wT: plan.wT, uCat: plan.uCat, dCat: plan.dCat, scales, offsets: lay.offsets, sites: plan.table };
  const overrides: Record<string, number> = plan.entry === 'mergeSitesBoth4' ? { SG: lanes(ctx), TW: TEXTURE_ROW_TEXELS } : { SG: lanes(ctx) };
  ctx.run('merge', plan.entry, { bindings, uniforms: plan.uniforms, overrides, workgroups: plan.workgroups });
}

export function releaseSites(ctx: GpuContext, plan: MergeSites): void {
  ctx.release(plan.table);
}
