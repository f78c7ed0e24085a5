// Launchers for shaders/merge.wgsl: W = W0 + Σ_k s_k U_k D_k on a (row/column) block of a dense weight.
// Reference: src/reference/merge.ts. The component stack is lora.ts's LoraLayout (ranks + offsets tensor).

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
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

function setup(ctx: GpuContext, w: GpuTensor, uCat: GpuTensor, dCat: GpuTensor, scales: GpuTensor, lay: LoraLayout, block: WeightBlock) {
  const [dOut, R] = uCat.shape as [number, number];
  const [RD, dIn] = dCat.shape as [number, number];
  const [rows, wStride] = w.shape as [number, number];
  if (R !== lay.R || RD !== lay.R || scales.shape[0] !== lay.K) throw new Error(`merge: U_cat ${uCat.shape}, D_cat ${dCat.shape}, scales ${scales.shape} do not fit ranks [${lay.ranks}]`);
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
  ctx.run('merge', 'merge', { bindings: { w, w0, uCat, dCat, scales, offsets: lay.offsets }, ...setup(ctx, w, uCat, dCat, scales, lay, block) });
}

/** w[block] += Σ_k s_k U_k D_k (negative scales unmerge); with `transposed` (w's transpose, (columns, rows)), the
 *  same ΔW lands there too, transposed, in the same dispatch. */
export function inPlace(
  ctx: GpuContext,
  w: GpuTensor,
  uCat: GpuTensor,
  dCat: GpuTensor,
  scales: GpuTensor,
  lay: LoraLayout,
  block: WeightBlock = { rowOffset: 0, colOffset: 0 },
  transposed?: GpuTensor,
): void {
  const run = setup(ctx, w, uCat, dCat, scales, lay, block);
  if (!transposed) return ctx.run('merge', 'mergeInPlace', { bindings: { w, uCat, dCat, scales, offsets: lay.offsets }, ...run });
  if (transposed.shape.join() !== [...w.shape].reverse().join()) throw new Error(`merge: transposed ${transposed.shape} is not the transpose of w ${w.shape}`);
  ctx.run('merge', 'mergeInPlaceBoth', { bindings: { w, wT: transposed, uCat, dCat, scales, offsets: lay.offsets }, ...run });
}
