// Launchers for shaders/lora.wgsl: the SD-LoRA low-rank path y += Σ_k s_k (x D_kᵀ) U_kᵀ with a K-component
// stack (ranks may differ), forward and backward. Reference: src/reference/lora.ts.
// A step runs forward (columnScales, project, expand) then backward (gradProject, which also leaves the
// α partial sums, then gradInput, gradU, gradD and alphaReduce); the workspace carries h, gu and the
// per-column scales from forward to backward, so `scales` must not change in between.

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';

const WG = 64;
// Must match the shader's tile constants TM and TN (fixed-size register tiles; sized here only for grids).
const TILE_ROWS = 8;
const COLUMNS_PER_LANE = 2;

/** Component stack: host ranks (grid sizes) and the offsets tensor (K+1, u32) the shader reads. */
export interface LoraLayout {
  ranks: readonly number[];
  K: number;
  R: number;
  offsets: GpuTensor; // (K+1) u32: component k owns rows/columns [offsets[k], offsets[k+1]) of D_cat/U_cat
  hostOffsets: readonly number[];
}

/** The op's columns inside a wider output/gradient tensor: row stride and first column (timm's fused qkv). */
export interface ColumnSlice {
  stride: number;
  offset: number;
}

/** Scratch carried from forward to backward. */
export interface LoraWorkspace {
  T: number;
  h: GpuTensor; // (T, R) x·D_catᵀ
  gu: GpuTensor; // (T, R) g·U_cat
  colScale: GpuTensor; // (R) s of each column's component
  partial: GpuTensor; // (ceil(T/TILE_ROWS), R) per-row-tile column sums of gu ⊙ h
  /** partial is the caller's (e.g. a view into one buffer of every site's partials); not released with the rest. */
  sharedPartial: boolean;
}

/** Shape of a workspace's α partial sums: (row tiles of gradProject, R). Their total over one component's columns
 *  is p_k, so a caller that wants Σ_k p_k over many sites can sum their partials at once instead of alphaReduce. */
export function partialShape(T: number, lay: Pick<LoraLayout, 'R'>): [number, number] {
  return [Math.ceil(T / TILE_ROWS), lay.R];
}

export function createLayout(ctx: GpuContext, ranks: readonly number[], label = 'lora.offsets'): LoraLayout {
  if (ranks.length === 0 || ranks.some((r) => !Number.isInteger(r) || r < 1)) throw new Error(`lora: ranks must be positive integers (got [${ranks.join(', ')}])`);
  const hostOffsets = [0];
  for (const r of ranks) hostOffsets.push(hostOffsets[hostOffsets.length - 1]! + r);
  const offsets = ctx.fromArray(Uint32Array.from(hostOffsets), [ranks.length + 1], label);
  return { ranks: [...ranks], K: ranks.length, R: hostOffsets[ranks.length]!, offsets, hostOffsets };
}

/** Allocates h, gu, colScale and the α partial sums for T rows (or takes `partial`, of partialShape, from the caller). */
export function createWorkspace(ctx: GpuContext, T: number, lay: LoraLayout, label = 'lora', partial?: GpuTensor): LoraWorkspace {
  const shape = partialShape(T, lay);
  if (partial && partial.shape.join() !== shape.join()) throw new Error(`lora: partial ${partial.label} is ${partial.shape.join('×')}, expected ${shape.join('×')}`);
  return {
    T,
    h: ctx.tensor([T, lay.R], `${label}.h`),
    gu: ctx.tensor([T, lay.R], `${label}.gu`),
    colScale: ctx.tensor([lay.R], `${label}.colScale`),
    partial: partial ?? ctx.tensor(shape, `${label}.partial`),
    sharedPartial: !!partial,
  };
}

export function releaseWorkspace(ctx: GpuContext, ws: LoraWorkspace): void {
  ctx.release(ws.h, ws.gu, ws.colScale, ...(ws.sharedPartial ? [] : [ws.partial]));
}

/** Lanes per workgroup: the device's subgroup size, at most 8 (the shader's register arrays hold 8). */
function subgroupLanes(ctx: GpuContext): number {
  if (!ctx.hasFeature('subgroups')) throw new Error('lora kernels need the WebGPU "subgroups" feature');
  const s = ctx.subgroupSize;
  // A workgroup of 8 is one (partial) subgroup on any device whose subgroups hold ≥ 8 lanes.
  return s !== null && s < 8 ? s : 8;
}

interface DimsArgs {
  T: number;
  dIn: number;
  dOut: number;
  lay: Pick<LoraLayout, 'R' | 'K' | 'ranks' | 'hostOffsets'>;
  slice?: ColumnSlice;
  comp?: number;
  accumulate?: boolean;
}

function dims(a: DimsArgs): Record<string, number> {
  const comp = a.comp ?? 0;
  return {
    T: a.T,
    dIn: a.dIn,
    dOut: a.dOut,
    R: a.lay.R,
    K: a.lay.K,
    outStride: a.slice?.stride ?? a.dOut,
    outOffset: a.slice?.offset ?? 0,
    comp,
    compOffset: a.lay.hostOffsets[comp]!,
    compRank: a.lay.ranks[comp]!,
    accumulate: a.accumulate ? 1 : 0,
  };
}

/** Grid of SG-lane workgroups covering a rows × cols output in TILE_ROWS × (SG·COLUMNS_PER_LANE) tiles. */
function tiles(rows: number, cols: number, sg: number): [number, number] {
  return [Math.ceil(cols / (sg * COLUMNS_PER_LANE)), Math.ceil(rows / TILE_ROWS)];
}

function check(
  x: GpuTensor,
  dCat: GpuTensor,
  uCat: GpuTensor,
  scales: GpuTensor,
  lay: LoraLayout,
  ws: LoraWorkspace,
): { T: number; dIn: number; dOut: number } {
  const [T, dIn] = x.shape as [number, number];
  const [R, dInD] = dCat.shape as [number, number];
  const [dOut, RU] = uCat.shape as [number, number];
  if (R !== lay.R || RU !== lay.R || dInD !== dIn || scales.shape[0] !== lay.K)
    throw new Error(`lora: shapes x ${x.shape}, D_cat ${dCat.shape}, U_cat ${uCat.shape}, scales ${scales.shape} do not fit ranks [${lay.ranks}]`);
  if (ws.T !== T || ws.h.shape[1] !== lay.R) throw new Error(`lora: workspace is for T=${ws.T}, R=${ws.h.shape[1]}, not T=${T}, R=${lay.R}`);
  return { T, dIn, dOut };
}

/** colScale[j] = scales[k] of the component owning column j. */
export function columnScales(ctx: GpuContext, colScale: GpuTensor, scales: GpuTensor, lay: LoraLayout): void {
  ctx.run('lora', 'columnScales', {
    bindings: { colScale, scales, offsets: lay.offsets },
    uniforms: dims({ T: 1, dIn: 1, dOut: 1, lay }),
    overrides: { WG },
    workgroups: [Math.ceil(lay.R / WG)],
  });
}

/** y[:, slice] += Σ_k s_k (x D_kᵀ) U_kᵀ; keeps h = x·D_catᵀ and colScale in ws for backward.
 *  x (T, dIn), dCat (R, dIn), uCat (dOut, R), scales (K), y (T, slice.stride) or (T, dOut). */
export function forward(
  ctx: GpuContext,
  y: GpuTensor,
  x: GpuTensor,
  dCat: GpuTensor,
  uCat: GpuTensor,
  scales: GpuTensor,
  lay: LoraLayout,
  ws: LoraWorkspace,
  slice?: ColumnSlice,
): void {
  const { T, dIn, dOut } = check(x, dCat, uCat, scales, lay, ws);
  const SG = subgroupLanes(ctx);
  const u = dims({ T, dIn, dOut, lay, slice });
  columnScales(ctx, ws.colScale, scales, lay);
  project(ctx, x, dCat, uCat, scales, lay, ws);
  ctx.run('lora', 'expand', {
    bindings: { y, h: ws.h, uCat, colScale: ws.colScale },
    uniforms: u,
    overrides: { SG },
    workgroups: tiles(T, dOut, SG),
  });
}

/** h = x·D_catᵀ into ws, the part of forward() that backward() reads when the update itself is already in the
 *  weight (a model that merges its components into W every step); then backward() needs no dx (the merged W
 *  carried it), and so no column scales either. */
export function project(ctx: GpuContext, x: GpuTensor, dCat: GpuTensor, uCat: GpuTensor, scales: GpuTensor, lay: LoraLayout, ws: LoraWorkspace): void {
  const { T, dIn, dOut } = check(x, dCat, uCat, scales, lay, ws);
  const SG = subgroupLanes(ctx);
  ctx.run('lora', 'project', { bindings: { h: ws.h, x, dCat }, uniforms: dims({ T, dIn, dOut, lay }), overrides: { SG }, workgroups: tiles(T, lay.R, SG) });
}

export interface BackwardOutputs {
  dx?: GpuTensor; // (T, dIn), accumulated into (dx += …) unless accumulateInput is false
  dU?: GpuTensor; // (dOut, r_t)
  dD?: GpuTensor; // (r_t, dIn)
  p?: GpuTensor; // (K) p_k = ⟨g U_k, h_k⟩_F
}

export interface BackwardOptions {
  slice?: ColumnSlice;
  /** dx += … (default true: dx already holds g·W0 from the frozen projection). */
  accumulateInput?: boolean;
  /** dU += …, dD += … (default false). */
  accumulateFactors?: boolean;
}

/** Backward of forward() given g = dL/dy on the slice: gu = g·U_cat, then whichever of dx, dU_t, dD_t, p are
 *  requested. `comp` is the trainable component t. */
export function backward(
  ctx: GpuContext,
  out: BackwardOutputs,
  g: GpuTensor,
  x: GpuTensor,
  dCat: GpuTensor,
  uCat: GpuTensor,
  scales: GpuTensor,
  lay: LoraLayout,
  ws: LoraWorkspace,
  comp: number,
  opts: BackwardOptions = {},
): void {
  const { T, dIn, dOut } = check(x, dCat, uCat, scales, lay, ws);
  if (!(comp >= 0 && comp < lay.K)) throw new Error(`lora: trainable component ${comp} outside [0, ${lay.K})`);
  const SG = subgroupLanes(ctx);
  const base = { T, dIn, dOut, lay, slice: opts.slice, comp };
  const u = dims(base);
  const rt = lay.ranks[comp]!;
  ctx.run('lora', 'gradProject', {
    bindings: { gu: ws.gu, partial: ws.partial, g, uCat, h: ws.h },
    uniforms: u,
    overrides: { SG },
    workgroups: tiles(T, lay.R, SG),
  });
  if (out.dx)
    ctx.run('lora', 'gradInput', {
      bindings: { dx: out.dx, gu: ws.gu, dCat, colScale: ws.colScale },
      uniforms: dims({ ...base, accumulate: opts.accumulateInput ?? true }),
      overrides: { SG },
      workgroups: tiles(T, dIn, SG),
    });
  const uf = dims({ ...base, accumulate: opts.accumulateFactors ?? false });
  if (out.dU && out.dD) {
    // Both in one dispatch: dU's column tiles, then dD's.
    const [nU, rows] = tiles(rt, dOut, SG);
    ctx.run('lora', 'gradFactors', { bindings: { dU: out.dU, h: ws.h, g, scales, dD: out.dD, gu: ws.gu, x }, uniforms: uf, overrides: { SG }, workgroups: [nU + tiles(rt, dIn, SG)[0], rows] });
  } else if (out.dU)
    ctx.run('lora', 'gradU', { bindings: { dU: out.dU, h: ws.h, g, scales }, uniforms: uf, overrides: { SG }, workgroups: tiles(rt, dOut, SG) });
  else if (out.dD)
    ctx.run('lora', 'gradD', { bindings: { dD: out.dD, gu: ws.gu, x, scales }, uniforms: uf, overrides: { SG }, workgroups: tiles(rt, dIn, SG) });
  if (out.p)
    ctx.run('lora', 'alphaReduce', {
      bindings: { p: out.p, partial: ws.partial, offsets: lay.offsets },
      uniforms: u,
      overrides: { WG },
      workgroups: [Math.ceil(lay.K / WG)],
    });
}

/** p_k = Σ_t Σ_{j∈k} (g·U_cat)[t, j] · h[t, j] for every component k: the α inner products of backward()
 *  with an explicit h (T, R) instead of the forward's. With g = (Gᵀ·X)ᵀ (a weight gradient, transposed) and
 *  h = D_catᵀ this gives ⟨Gᵀ·X, U_k·D_k⟩_F, the α gradient of components merged into a dense weight.
 *  g (T, dOut) or a column slice; h, ws.gu (T, R); p (K). */
export function innerProducts(
  ctx: GpuContext,
  p: GpuTensor,
  g: GpuTensor,
  h: GpuTensor,
  uCat: GpuTensor,
  lay: LoraLayout,
  ws: LoraWorkspace,
  slice?: ColumnSlice,
): void {
  const [T, R] = h.shape as [number, number];
  const [dOut, RU] = uCat.shape as [number, number];
  if (R !== lay.R || RU !== lay.R || p.shape[0] !== lay.K) throw new Error(`lora.innerProducts: h ${h.shape}, U_cat ${uCat.shape}, p ${p.shape} do not fit ranks [${lay.ranks}]`);
  if (ws.T !== T || ws.gu.shape[1] !== lay.R) throw new Error(`lora.innerProducts: workspace is for T=${ws.T}, R=${ws.gu.shape[1]}, not T=${T}, R=${lay.R}`);
  const SG = subgroupLanes(ctx);
  const u = dims({ T, dIn: 1, dOut, lay, slice });
  ctx.run('lora', 'gradProject', { bindings: { gu: ws.gu, partial: ws.partial, g, uCat, h }, uniforms: u, overrides: { SG }, workgroups: tiles(T, lay.R, SG) });
  ctx.run('lora', 'alphaReduce', { bindings: { p, partial: ws.partial, offsets: lay.offsets }, uniforms: u, overrides: { WG }, workgroups: [Math.ceil(lay.K / WG)] });
}

/** One site of a backward group: its factors U (dOut, R), D (R, dIn), their gradients (a trainable component;
 *  backwardGroup), its α partials (partialShape(T, R)), the first column of its slice of g, and the row of p its
 *  inner products go to (a frozen stack; alphaGroup). */
export interface GroupSite {
  U: GpuTensor;
  D: GpuTensor;
  dU?: GpuTensor;
  dD?: GpuTensor;
  partial: GpuTensor;
  outOffset: number;
  pRow?: number;
}

/** Sites whose LoRA backward runs in one dispatch per kernel (projectGradSites, then gradFactorsSites or
 *  alphaReduceSites): one input x (T, dIn), one output gradient g (T, outStride), factors of total rank R each (one
 *  trainable component, or a frozen stack). */
export interface SiteGroup {
  count: number;
  T: number;
  dIn: number;
  dOut: number;
  R: number;
  outStride: number;
  table: GpuTensor; // (count, 8) u32: D, U, outOffset, h/gu, partial, dU, dD offsets (elements)
  h: GpuTensor; // (count, T, R)
  gu: GpuTensor; // (count, T, R)
  factors: GpuTensor; // the buffer holding every U and D
  grads: GpuTensor | null; // the buffer holding every dU and dD (a trainable component's group)
  partials: GpuTensor; // the buffer holding every site's α partials
  /** Whether projectGradRows and gradFactorsRows fit (see planGroup); they also need x and g bindable as textures. */
  rowKernels: boolean;
}

function whole(t: GpuTensor, label: string): GpuTensor {
  return { buffer: t.buffer, byteOffset: 0, shape: [t.buffer.size / 4], dtype: 'f32', label };
}

/**
 * Plans the group: every U and D in one buffer (a model's trainable pack), every dU and dD in another, every α
 * partial in a third; same shapes; allocates h and gu for all sites and uploads the offsets. Throws when the sites
 * cannot share dispatches. Release with `releaseGroup`.
 */
export function planGroup(ctx: GpuContext, sites: readonly GroupSite[], T: number, outStride: number, label = 'lora.group'): SiteGroup {
  const first = sites[0];
  if (!first) throw new Error('lora.planGroup: no sites');
  const [dOut, R] = first.U.shape as [number, number];
  const dIn = first.D.shape[1]!;
  const grads = !!first.dU;
  for (const s of sites) {
    if (s.U.shape.join() !== `${dOut},${R}` || s.D.shape.join() !== `${R},${dIn}` || !!s.dU !== grads || !!s.dD !== grads || (grads && (s.dU!.shape.join() !== s.U.shape.join() || s.dD!.shape.join() !== s.D.shape.join())))
      throw new Error(`lora.planGroup: site shapes differ (U ${s.U.shape}, D ${s.D.shape}, dU ${s.dU?.shape}, dD ${s.dD?.shape}; the first site's U ${first.U.shape}, D ${first.D.shape})`);
    if (s.partial.shape.join() !== partialShape(T, { R }).join()) throw new Error(`lora.planGroup: partial ${s.partial.shape} is not ${partialShape(T, { R })}`);
    if (s.outOffset + dOut > outStride) throw new Error(`lora.planGroup: columns [${s.outOffset}, ${s.outOffset + dOut}) do not fit g's ${outStride}`);
    const buffers: [GpuTensor | undefined, GpuTensor | undefined, string][] = [[s.U, first.U, 'U'], [s.D, first.U, 'D'], [s.dU, first.dU, 'dU'], [s.dD, first.dU, 'dD'], [s.partial, first.partial, 'partial']];
    for (const [t, ref, what] of buffers)
      if (t && t.buffer !== ref!.buffer) throw new Error(`lora.planGroup: ${what} ${t.label} is not in the buffer the group shares (${ref!.label}'s)`);
  }
  const distinct = [first.U, first.partial, ...(first.dU ? [first.dU] : [])].map((t) => t.buffer);
  if (new Set(distinct).size !== distinct.length) throw new Error('lora.planGroup: the factors, their gradients and the partials need separate buffers');
  const stride = Math.ceil((T * R) / 64) * 64; // each site's h and gu block at a 256-byte boundary
  const table = Uint32Array.from(
    sites.flatMap((s, i) => [s.D.byteOffset / 4, s.U.byteOffset / 4, s.outOffset, i * stride, s.partial.byteOffset / 4, (s.dU?.byteOffset ?? 0) / 4, (s.dD?.byteOffset ?? 0) / 4, s.pRow ?? 0]),
  );
  return {
    count: sites.length,
    T,
    dIn,
    dOut,
    R,
    outStride,
    table: ctx.fromArray(table, [sites.length, 8], `${label}.sites`),
    h: ctx.tensor([sites.length * stride], `${label}.h`),
    gu: ctx.tensor([sites.length * stride], `${label}.gu`),
    factors: whole(first.U, `${label}.factors`),
    grads: first.dU ? whole(first.dU, `${label}.grads`) : null,
    partials: whole(first.partial, `${label}.partials`),
    // Rows per lane need subgroups of TILE_ROWS lanes (8 rows make one α-partial tile) and R ≤ ROWS_MAX_R; x's rows,
    // g's rows and every site's slice of them are read as whole texels.
    rowKernels: ctx.subgroupSize === TILE_ROWS && R <= ROWS_MAX_R && [dIn, dOut, outStride, ...sites.map((s) => s.outOffset)].every((n) => n % 4 === 0),
  };
}

/** project() then backward() with dU and dD, for every site of the group, in two dispatches: h = x·Dᵀ, gu = g·U and
 *  the α partials, then dU = s·gᵀ·h and dD = s·guᵀ·x (overwritten). g (T, outStride), x (T, dIn), scale (1) = α_t. */
export function backwardGroup(ctx: GpuContext, grp: SiteGroup, g: GpuTensor, x: GpuTensor, scale: GpuTensor): void {
  const { T, dIn, dOut, R } = grp;
  if (!grp.grads) throw new Error('lora.backwardGroup: the group was planned without gradients (dU, dD)');
  if (x.shape.join() !== `${T},${dIn}` || numel(g.shape) !== T * grp.outStride || numel(scale.shape) !== 1)
    throw new Error(`lora.backwardGroup: x ${x.shape}, g ${g.shape}, scale ${scale.shape} do not fit T=${T}, dIn=${dIn}, g's width ${grp.outStride}`);
  const SG = subgroupLanes(ctx);
  const u = projectSites(ctx, grp, g, x, { R, K: 1, ranks: [R], hostOffsets: [0, R] });
  if (rowsFit(ctx, grp, g, x)) {
    const blocks = (n: number) => Math.ceil(n / (4 * SG));
    ctx.run('lora', 'gradFactorsRows', {
      bindings: { dF: grp.grads, h: grp.h, scales: scale, gu: grp.gu, sites: grp.table, tx: x, tg: g },
      uniforms: u,
      overrides: { SG, TW: TEXTURE_ROW_TEXELS, ...fixedShape(grp) },
      workgroups: [blocks(dOut) + blocks(dIn), 1, grp.count],
    });
    return;
  }
  const [nU, rows] = tiles(R, dOut, SG);
  ctx.run('lora', 'gradFactorsSites', {
    bindings: { dF: grp.grads, h: grp.h, g, scales: scale, gu: grp.gu, x, sites: grp.table },
    uniforms: u,
    overrides: { SG, ...fixedShape(grp) },
    workgroups: [nU + tiles(R, dIn, SG)[0], rows, grp.count],
  });
}

/**
 * The α inner products of every site's component stack (`lay`, R = its total rank) at once: h = x·D_catᵀ, gu = g·U_cat
 * and their per-column partial sums (projectGradSites), then p[pRow·K + k] = Σ_{t, j∈k} gu ⊙ h (alphaReduceSites):
 * p_k = ⟨g_sliceᵀ·x, U_k D_k⟩_F, the frozen stack's α gradient before its norms, in two dispatches for the group.
 * p (rows, K) with rows > every site's pRow.
 */
export function alphaGroup(ctx: GpuContext, grp: SiteGroup, g: GpuTensor, x: GpuTensor, lay: LoraLayout, p: GpuTensor): void {
  const { T, dIn, R } = grp;
  if (lay.R !== R || x.shape.join() !== `${T},${dIn}` || numel(g.shape) !== T * grp.outStride)
    throw new Error(`lora.alphaGroup: ranks [${lay.ranks}], x ${x.shape}, g ${g.shape} do not fit R=${R}, T=${T}, dIn=${dIn}, g's width ${grp.outStride}`);
  const u = projectSites(ctx, grp, g, x, lay);
  ctx.run('lora', 'alphaReduceSites', {
    bindings: { p, partial: grp.partials, offsets: lay.offsets, sites: grp.table },
    uniforms: u,
    overrides: { WG },
    workgroups: [Math.ceil((grp.count * lay.K) / WG)],
  });
}

/** Most columns (R) projectGradRows keeps in registers per row (its RMAX). */
const ROWS_MAX_R = 16;

/** Whether projectGradRows and gradFactorsRows take the group with these x and g (the tiles otherwise). */
function rowsFit(ctx: GpuContext, grp: SiteGroup, g: GpuTensor, x: GpuTensor): boolean {
  return grp.rowKernels && ctx.canBindAsTexture(x) && ctx.canBindAsTexture(g);
}

/** A group's shape as pipeline constants (lora.wgsl FIX_*): a model's group keeps it for every step. */
const fixedShape = (grp: SiteGroup) => ({ FIX_T: grp.T, FIX_IN: grp.dIn, FIX_OUT: grp.dOut, FIX_R: grp.R, FIX_STRIDE: grp.outStride });

/** h, gu and their per-column partial sums for every site of the group (projectGradSites); returns the uniforms. */
function projectSites(ctx: GpuContext, grp: SiteGroup, g: GpuTensor, x: GpuTensor, lay: DimsArgs['lay']): Record<string, number> {
  const SG = subgroupLanes(ctx);
  const u = dims({ T: grp.T, dIn: grp.dIn, dOut: grp.dOut, lay, slice: { stride: grp.outStride, offset: 0 } });
  if (rowsFit(ctx, grp, g, x)) {
    ctx.run('lora', 'projectGradRows', {
      bindings: { gu: grp.gu, partial: grp.partials, h: grp.h, dCat: grp.factors, sites: grp.table, tx: x, tg: g },
      uniforms: u,
      overrides: { SG, TW: TEXTURE_ROW_TEXELS, ...fixedShape(grp) },
      workgroups: [1, Math.ceil(grp.T / (2 * TILE_ROWS)), grp.count],
    });
    return u;
  }
  const [tx, ty] = tiles(grp.T, grp.R, SG);
  ctx.run('lora', 'projectGradSites', {
    bindings: { gu: grp.gu, partial: grp.partials, h: grp.h, g, uCat: grp.factors, x, dCat: grp.factors, sites: grp.table },
    uniforms: u,
    overrides: { SG, ...fixedShape(grp) },
    workgroups: [tx, ty, grp.count],
  });
  return u;
}

export function releaseGroup(ctx: GpuContext, grp: SiteGroup): void {
  ctx.release(grp.table, grp.h, grp.gu);
}

/**
 * Relative cost of alphaGroup on `sites` sites of T rows (dIn → dOut, R = the stack's total rank) against the
 * weight-gradient way (dWᵀ = xᵀ·g, T·dIn·rows multiply-adds by the matmul, then innerProducts on dIn rows per site),
 * both in multiply-adds weighted by what the kernels sustain here: the row kernels pay for whole column tiles
 * (SG·2 columns), at about a third of the matmul's rate on lavapipe (a small32 step: ~9 against ~28 GFLOP/s). That
 * is the tiles' cost (projectGradSites); where projectGradRows runs (R ≤ 16, 8-lane subgroups) the per-token way is
 * cheaper than this says, so the choice errs towards the weight gradient there.
 * Negative: alphaGroup is the cheaper way.
 */
export function alphaGroupAdvantage(ctx: GpuContext, sites: number, T: number, dIn: number, dOut: number, rows: number, R: number): number {
  const cols = tiles(1, R, subgroupLanes(ctx))[0] * subgroupLanes(ctx) * COLUMNS_PER_LANE;
  const rowKernels = 3 * sites * T * (dIn + dOut) * cols;
  const viaGradient = T * dIn * rows + sites * dIn * dOut * R;
  return rowKernels - viaGradient;
}
