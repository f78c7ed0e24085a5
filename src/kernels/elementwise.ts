// Launchers for shaders/elementwise.wgsl: add, mul, mulRow, axpy, scale, fill, row-broadcast add and its row reduction,
// CLS-token concatenation and its backward. Reference: src/reference/elementwise.ts.

import type { GpuContext } from '../gpu/context';
import { numel, shapeString, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 256;

function sameSize(what: string, ...ts: GpuTensor[]): number {
  const n = numel(ts[0]!.shape);
  for (const t of ts) if (numel(t.shape) !== n) throw new Error(`elementwise.${what}: ${t.label} ${shapeString(t.shape)} has ${numel(t.shape)} elements, expected ${n}`);
  return n;
}

function rowPeriod(what: string, n: number, row: GpuTensor): number {
  const period = numel(row.shape);
  if (period === 0 || n % period !== 0) throw new Error(`elementwise.${what}: ${n} elements are not whole rows of ${row.label} ${shapeString(row.shape)}`);
  return period;
}

/** y = a + b. a, b, y: (n) */
export function add(ctx: GpuContext, y: GpuTensor, a: GpuTensor, b: GpuTensor): void {
  const n = sameSize('add', y, a, b);
  ctx.run('elementwise', 'add', { bindings: { y, a, b }, uniforms: { n }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** y = a ⊙ b. a, b, y: (n) */
export function mul(ctx: GpuContext, y: GpuTensor, a: GpuTensor, b: GpuTensor): void {
  const n = sameSize('mul', y, a, b);
  ctx.run('elementwise', 'mul', { bindings: { y, a, b }, uniforms: { n }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** y = x ⊙ row repeated every numel(row) elements. x, y: (R, L), row: (L) */
export function mulRow(ctx: GpuContext, y: GpuTensor, x: GpuTensor, row: GpuTensor): void {
  const n = sameSize('mulRow', y, x);
  const period = rowPeriod('mulRow', n, row);
  ctx.run('elementwise', 'mulRow', { bindings: { y, x, row }, uniforms: { n, period }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** y ← y + alpha·x. x, y: (n) */
export function axpy(ctx: GpuContext, y: GpuTensor, alpha: number, x: GpuTensor): void {
  const n = sameSize('axpy', y, x);
  ctx.run('elementwise', 'axpy', { bindings: { y, x }, uniforms: { n, alpha }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** y = alpha·x, or y ← alpha·y when x is omitted. x, y: (n) */
export function scale(ctx: GpuContext, y: GpuTensor, alpha: number, x?: GpuTensor): void {
  if (x === undefined || x.buffer === y.buffer) {
    if (x !== undefined && x.byteOffset !== y.byteOffset)
      throw new Error('elementwise.scale: x and y are different views of one buffer; WebGPU cannot read and write one buffer in a dispatch');
    const n = numel(y.shape);
    ctx.run('elementwise', 'scaleInPlace', { bindings: { y }, uniforms: { n, alpha }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
    return;
  }
  const n = sameSize('scale', y, x);
  ctx.run('elementwise', 'scale', { bindings: { y, x }, uniforms: { n, alpha }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** y = value everywhere. y: (n) */
export function fill(ctx: GpuContext, y: GpuTensor, value: number): void {
  const n = numel(y.shape);
  ctx.run('elementwise', 'fill', { bindings: { y }, uniforms: { n, value }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** y = x + row repeated every numel(row) elements (y ← y + row when x is omitted). x, y: (R, L), row: (L) */
export function addRow(ctx: GpuContext, y: GpuTensor, row: GpuTensor, x?: GpuTensor): void {
  if (x === undefined) {
    const n = numel(y.shape);
    const period = rowPeriod('addRowInPlace', n, row);
    ctx.run('elementwise', 'addRowInPlace', { bindings: { y, row }, uniforms: { n, period }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
    return;
  }
  const n = sameSize('addRow', y, x);
  const period = rowPeriod('addRow', n, row);
  ctx.run('elementwise', 'addRow', { bindings: { y, x, row }, uniforms: { n, period }, overrides: { WG }, workgroups: grid1d(ctx, n, WG) });
}

/** out = [cls; patches] along tokens, plus pos (N+1, C) on every image when given (a ViT's embedding in one pass).
 *  cls: (C), patches: (B, N, C), out: (B, N+1, C) */
export function concatCls(ctx: GpuContext, out: GpuTensor, cls: GpuTensor, patches: GpuTensor, pos?: GpuTensor): void {
  const [B, N, C] = patches.shape as [number, number, number];
  if (patches.shape.length !== 3 || numel(cls.shape) !== C || numel(out.shape) !== B * (N + 1) * C || (pos && numel(pos.shape) !== (N + 1) * C))
    throw new Error(
      `elementwise.concatCls: cls ${shapeString(cls.shape)}, patches ${shapeString(patches.shape)}, out ${shapeString(out.shape)}${pos ? `, pos ${shapeString(pos.shape)}` : ''} do not fit (C), (B, N, C), (B, N+1, C), (N+1, C)`,
    );
  // By vec4s when rows are whole vec4s (every ViT width): a quarter of the invocations, 1.5× faster on lavapipe.
  if (pos && C % 4 === 0)
    ctx.run('elementwise', 'concatClsPos4', {
      bindings: { out4: out, cls4: cls, patches4: patches, pos4: pos },
      overrides: { WG, SB: B, SN: N, SC: C },
      workgroups: grid1d(ctx, (B * (N + 1) * C) / 4, WG),
    });
  else
    ctx.run('elementwise', pos ? 'concatClsPos' : 'concatCls', {
      bindings: { out, cls, patches, ...(pos ? { pos } : {}) },
      overrides: { WG, SB: B, SN: N, SC: C },
      workgroups: grid1d(ctx, B * (N + 1) * C, WG),
    });
}

/** dpatches = dout[:, 1:, :], dcls = Σ_b dout[b, 0, :] (dcls += … when accumulate). dout: (B, N+1, C) */
export function concatClsBackward(ctx: GpuContext, dcls: GpuTensor, dpatches: GpuTensor, dout: GpuTensor, accumulate = false): void {
  const [B, N, C] = dpatches.shape as [number, number, number];
  if (dpatches.shape.length !== 3 || numel(dcls.shape) !== C || numel(dout.shape) !== B * (N + 1) * C)
    throw new Error(`elementwise.concatClsBackward: dcls ${shapeString(dcls.shape)}, dpatches ${shapeString(dpatches.shape)}, dout ${shapeString(dout.shape)} do not fit (C), (B, N, C), (B, N+1, C)`);
  ctx.run('elementwise', 'concatClsBackward', {
    bindings: { dcls, dpatches, dout },
    uniforms: { B, N, C, accumulate: accumulate ? 1 : 0 },
    overrides: { WG },
    workgroups: grid1d(ctx, B * N * C + C, WG),
  });
}

/** out (B, C) = x[:, index, :] for x (B, N, C) (index 0: the CLS token). */
export function selectRow(ctx: GpuContext, out: GpuTensor, x: GpuTensor, B: number, N: number, C: number, index: number): void {
  if (numel(x.shape) !== B * N * C || numel(out.shape) !== B * C || !(index >= 0 && index < N))
    throw new Error(`elementwise.selectRow: x ${shapeString(x.shape)}, out ${shapeString(out.shape)}, row ${index} do not fit (B=${B}, N=${N}, C=${C})`);
  ctx.run('elementwise', 'selectRow', { bindings: { out, x }, overrides: { WG, SB: B, SN: N, SC: C, SINDEX: index }, workgroups: grid1d(ctx, B * C, WG) });
}

/** dx (B, N, C) = dy (B, C) at row `index`, 0 elsewhere (every element written). */
export function selectRowBackward(ctx: GpuContext, dx: GpuTensor, dy: GpuTensor, B: number, N: number, C: number, index: number): void {
  if (numel(dx.shape) !== B * N * C || numel(dy.shape) !== B * C || !(index >= 0 && index < N))
    throw new Error(`elementwise.selectRowBackward: dx ${shapeString(dx.shape)}, dy ${shapeString(dy.shape)}, row ${index} do not fit`);
  const n = B * N * C;
  const overrides = { WG, SB: B, SN: N, SC: C, SINDEX: index };
  if (C % 4 === 0) ctx.run('elementwise', 'selectRowBackward4', { bindings: { dx4: dx, dy4: dy }, overrides, workgroups: grid1d(ctx, n / 4, WG) });
  else ctx.run('elementwise', 'selectRowBackward', { bindings: { dx, dy }, overrides, workgroups: grid1d(ctx, n, WG) });
}

/**
 * out (C, P) = xᵀ for x (R, C), each row of xᵀ zero-padded from R to P ≥ R values (out (C, R): a plain transpose);
 * with leading (batch) dims, every matrix of x (…, R, C) into out (…, C, P). The padding lets a matmul read a K that
 * is a whole number of its blocks, or a B whose rows are whole texels (kernels/matmulTexture.ts).
 */
export function transpose(ctx: GpuContext, out: GpuTensor, x: GpuTensor): void {
  const lead = (t: GpuTensor) => t.shape.slice(0, -2);
  const [R, C] = x.shape.slice(-2) as [number, number];
  const P = out.shape[out.shape.length - 1]!;
  if (x.shape.length < 2 || out.shape.length !== x.shape.length || lead(out).join() !== lead(x).join() || out.shape[out.shape.length - 2] !== C || P < R)
    throw new Error(`elementwise.transpose: out ${shapeString(out.shape)} is not x ${shapeString(x.shape)} transposed (rows may be zero-padded, not cut)`);
  const batch = lead(x).reduce((n, d) => n * d, 1);
  if (R === 0 || batch === 0) return;
  const uniforms = { R, C, P, batch };
  if (C % 4 === 0 && P % 4 === 0)
    ctx.run('elementwise', 'transpose4', { bindings: { out4: out, x4: x }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, (batch * P * C) / 16, WG) });
  else ctx.run('elementwise', 'transpose', { bindings: { out, x }, uniforms, overrides: { WG }, workgroups: grid1d(ctx, batch * P * C, WG) });
}

/** Whether gatherColumns takes these: up to 4 blocks, every width, offset and row length a multiple of 4. */
export const gatherFits = (ld: number, offsets: readonly number[], width: number): boolean =>
  offsets.length >= 1 && offsets.length <= 4 && [ld, width, ...offsets].every((n) => n % 4 === 0) && offsets.every((o) => o + width <= ld);

/** out (rows, k·width) = the column blocks [offsets[s], offsets[s] + width) of every row of x (rows, ld), side by side
 *  (k = offsets.length ≤ 4; see gatherFits). */
export function gatherColumns(ctx: GpuContext, out: GpuTensor, x: GpuTensor, offsets: readonly number[], width: number): void {
  const ld = x.shape[x.shape.length - 1]!;
  const rows = numel(x.shape) / ld;
  if (!gatherFits(ld, offsets, width) || numel(out.shape) !== rows * offsets.length * width)
    throw new Error(`elementwise.gatherColumns: x ${shapeString(x.shape)}, out ${shapeString(out.shape)}, blocks [${offsets}] of ${width} do not fit (≤ 4 blocks, multiples of 4)`);
  const o = [...offsets, 0, 0, 0].map((v) => v / 4);
  const n = (rows * offsets.length * width) / 4;
  ctx.run('elementwise', 'gatherColumns4', {
    bindings: { out4: out, x4: x },
    uniforms: { rows, ld4: ld / 4, width4: width / 4, count: offsets.length, off0: o[0]!, off1: o[1]!, off2: o[2]!, off3: o[3]! },
    overrides: { WG },
    workgroups: grid1d(ctx, n, WG),
  });
}
