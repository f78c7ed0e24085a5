// Launchers for shaders/frobenius.wgsl: ‖U‖‖D‖, ‖UD‖ and the K×K Gram of components summed over M stacked
// matrices, all through r×r Gram matrices. Reference: src/reference/frobenius.ts.
// Order: grams (P = UᵀU, Q = DDᵀ per matrix) → norms → blockGram; `forward` runs all three.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import type { LoraLayout } from './lora';

const WG = 64;
// Must match the shader's tile constants TM and TN (sized here only for grids).
const TILE_ROWS = 8;
const COLUMNS_PER_LANE = 2;

/** M stacked component stacks: U_m (dOut, R) at m·uStride, D_m (R, dIn) at m·dStride (defaults: packed). */
export interface StackShape {
  M: number;
  dOut: number;
  dIn: number;
  uStride?: number;
  dStride?: number;
}

export interface FrobeniusWorkspace {
  shape: Required<StackShape>;
  gramU: GpuTensor; // (M, R, R) U_mᵀU_m
  gramD: GpuTensor; // (M, R, R) D_m D_mᵀ
  normProd: GpuTensor; // (M, K) ‖U_mk‖_F‖D_mk‖_F
  normUD: GpuTensor; // (M, K) ‖U_mk D_mk‖_F
}

export function createWorkspace(ctx: GpuContext, shape: StackShape, lay: LoraLayout, label = 'frobenius'): FrobeniusWorkspace {
  if (lay.K > 32) throw new Error(`frobenius: at most 32 components (normalizeMask is a u32), got ${lay.K}`);
  const full = { ...shape, uStride: shape.uStride ?? shape.dOut * lay.R, dStride: shape.dStride ?? lay.R * shape.dIn };
  return {
    shape: full,
    gramU: ctx.tensor([shape.M, lay.R, lay.R], `${label}.gramU`),
    gramD: ctx.tensor([shape.M, lay.R, lay.R], `${label}.gramD`),
    normProd: ctx.tensor([shape.M, lay.K], `${label}.normProd`),
    normUD: ctx.tensor([shape.M, lay.K], `${label}.normUD`),
  };
}

export function releaseWorkspace(ctx: GpuContext, ws: FrobeniusWorkspace): void {
  ctx.release(ws.gramU, ws.gramD, ws.normProd, ws.normUD);
}

function uniforms(ws: FrobeniusWorkspace, lay: LoraLayout, normalizeMask = 0): Record<string, number> {
  const s = ws.shape;
  return { M: s.M, dOut: s.dOut, dIn: s.dIn, R: lay.R, K: lay.K, uStride: s.uStride, dStride: s.dStride, normalizeMask };
}

/** P_m = U_mᵀU_m, Q_m = D_m D_mᵀ into ws.gramU / ws.gramD. */
export function grams(ctx: GpuContext, ws: FrobeniusWorkspace, u: GpuTensor, d: GpuTensor, lay: LoraLayout): void {
  if (!ctx.hasFeature('subgroups')) throw new Error('frobenius kernels need the WebGPU "subgroups" feature');
  const s = ctx.subgroupSize;
  const SG = s !== null && s < 8 ? s : 8;
  const { M, dOut, dIn, uStride, dStride } = ws.shape;
  const uNeed = (M - 1) * uStride + dOut * lay.R;
  const dNeed = (M - 1) * dStride + lay.R * dIn;
  const size = (t: GpuTensor) => t.shape.reduce((a, b) => a * b, 1);
  if (size(u) < uNeed || size(d) < dNeed) throw new Error(`frobenius: u (${u.shape}) or d (${d.shape}) too small for ${M} stacks of R=${lay.R}`);
  ctx.run('frobenius', 'grams', {
    bindings: { gramU: ws.gramU, gramD: ws.gramD, u, d },
    uniforms: uniforms(ws, lay),
    overrides: { SG },
    workgroups: [Math.ceil(lay.R / (SG * COLUMNS_PER_LANE)), Math.ceil(lay.R / TILE_ROWS), 2 * M],
  });
}

/** ws.normProd = ‖U_mk‖‖D_mk‖, ws.normUD = ‖U_mk D_mk‖ (needs grams). */
export function norms(ctx: GpuContext, ws: FrobeniusWorkspace, lay: LoraLayout): void {
  ctx.run('frobenius', 'norms', {
    bindings: { normProd: ws.normProd, normUD: ws.normUD, gramU: ws.gramU, gramD: ws.gramD, offsets: lay.offsets },
    uniforms: uniforms(ws, lay),
    overrides: { WG },
    workgroups: [Math.ceil((ws.shape.M * lay.K) / WG)],
  });
}

/** gram (K, K) = Σ_m w_mj w_mk ⟨U_mj D_mj, U_mk D_mk⟩, w_mk = weights[k]·(bit k of normalizeMask ?
 *  1/(‖U_mk‖‖D_mk‖) : 1) (needs grams and norms). */
export function blockGram(
  ctx: GpuContext,
  gram: GpuTensor,
  ws: FrobeniusWorkspace,
  weights: GpuTensor,
  lay: LoraLayout,
  normalizeMask: number,
): void {
  ctx.run('frobenius', 'blockGram', {
    bindings: { gram, gramU: ws.gramU, gramD: ws.gramD, normProd: ws.normProd, offsets: lay.offsets, weights },
    uniforms: uniforms(ws, lay, normalizeMask >>> 0),
    overrides: { WG },
    workgroups: [Math.ceil((lay.K * lay.K) / WG)],
  });
}

/** grams → norms → blockGram. */
export function forward(
  ctx: GpuContext,
  gram: GpuTensor,
  ws: FrobeniusWorkspace,
  u: GpuTensor,
  d: GpuTensor,
  weights: GpuTensor,
  lay: LoraLayout,
  normalizeMask: number,
): void {
  grams(ctx, ws, u, d, lay);
  norms(ctx, ws, lay);
  blockGram(ctx, gram, ws, weights, lay, normalizeMask);
}
