import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as ew from './elementwise';

// Each backward is driven by a random linear functional loss = Σ w·out, so dL/dout = w.
const TOL = 1e-7;

describe('reference elementwise', () => {
  it('add: da = db = dy', () => {
    const a = normal(13, 1);
    const b = normal(13, 2);
    const w = normal(13, 3);
    const { da, db } = ew.addBackward(w);
    expect(gradError(da, numericGrad(() => dot(w, ew.add(a, b)), a))).toBeLessThan(TOL);
    expect(gradError(db, numericGrad(() => dot(w, ew.add(a, b)), b))).toBeLessThan(TOL);
  });

  it('mul and mulRow backward match central differences', () => {
    const a = normal(15, 21);
    const b = normal(15, 22);
    const w = normal(15, 23);
    expect(gradError(ew.mul(w, b), numericGrad(() => dot(w, ew.mul(a, b)), a))).toBeLessThan(TOL);
    const row = normal(5, 24);
    const { dx, drow } = ew.mulRowBackward(w, a, row);
    expect(gradError(dx, numericGrad(() => dot(w, ew.mulRow(a, row)), a))).toBeLessThan(TOL);
    expect(gradError(drow, numericGrad(() => dot(w, ew.mulRow(a, row)), row))).toBeLessThan(TOL);
  });

  it('selectRow backward matches central differences', () => {
    const [B, N, C] = [2, 3, 4];
    const x = normal(B * N * C, 31);
    const w = normal(B * C, 32);
    const analytic = ew.selectRowBackward(w, B, N, C, 1);
    expect(gradError(analytic, numericGrad(() => dot(w, ew.selectRow(x, B, N, C, 1)), x))).toBeLessThan(TOL);
  });

  it('axpy: d/dy = dout, d/dx = α·dout', () => {
    const y = normal(11, 4);
    const x = normal(11, 5);
    const w = normal(11, 6);
    const alpha = -0.7;
    const { dy, dx } = ew.axpyBackward(w, alpha);
    expect(gradError(dy, numericGrad(() => dot(w, ew.axpy(y, alpha, x)), y))).toBeLessThan(TOL);
    expect(gradError(dx, numericGrad(() => dot(w, ew.axpy(y, alpha, x)), x))).toBeLessThan(TOL);
  });

  it('scale: dx = α·dy', () => {
    const x = normal(9, 7);
    const w = normal(9, 8);
    expect(gradError(ew.scaleBackward(w, 3.5), numericGrad(() => dot(w, ew.scale(3.5, x)), x))).toBeLessThan(TOL);
  });

  it('transpose: out[j, i] = x[i, j], and twice is the identity', () => {
    const x = Float64Array.from({ length: 6 }, (_, i) => i + 1); // (2, 3)
    expect(Array.from(ew.transpose(x, 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(ew.transpose(ew.transpose(x, 2, 3), 3, 2))).toEqual(Array.from(x));
  });

  it('fill is constant', () => {
    expect([...ew.fill(3, -2.5)]).toEqual([-2.5, -2.5, -2.5]);
  });

  it('addRow: dx = dy, drow = Σ over rows (bias over (R, C) and position embedding over (B, N·C))', () => {
    for (const [R, L] of [[7, 5], [3, 4 * 6]] as const) {
      const x = normal(R * L, 9); // (R, L)
      const row = normal(L, 10); // (L)
      const w = normal(R * L, 11); // (R, L)
      const { dx, drow } = ew.addRowBackward(w, L);
      expect(gradError(dx, numericGrad(() => dot(w, ew.addRow(x, row)), x))).toBeLessThan(TOL);
      expect(gradError(drow, numericGrad(() => dot(w, ew.addRow(x, row)), row))).toBeLessThan(TOL);
    }
    // Semantics: element (r, j) gets row[j].
    expect([...ew.addRow(new Float64Array(6), new Float64Array([1, 2, 3]))]).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('concatCls: layout, dcls = Σ_b dout[b,0,:], dpatches = dout[:,1:,:]', () => {
    const [B, N, C] = [3, 4, 5];
    const cls = normal(C, 12); // (C)
    const patches = normal(B * N * C, 13); // (B, N, C)
    const out = ew.concatCls(cls, patches, B, N, C); // (B, N+1, C)
    expect(out[(1 * (N + 1) + 0) * C + 2]).toBe(cls[2]);
    expect(out[(2 * (N + 1) + 3) * C + 4]).toBe(patches[(2 * N + 2) * C + 4]);
    const w = normal(B * (N + 1) * C, 14);
    const { dcls, dpatches } = ew.concatClsBackward(w, B, N, C);
    expect(gradError(dcls, numericGrad(() => dot(w, ew.concatCls(cls, patches, B, N, C)), cls))).toBeLessThan(TOL);
    expect(gradError(dpatches, numericGrad(() => dot(w, ew.concatCls(cls, patches, B, N, C)), patches))).toBeLessThan(TOL);
  });

  it('gatherColumns: the blocks side by side, in the order given', () => {
    // x (2, 6): rows [0..5], [10..15]; blocks at 4 and 0, 2 wide.
    const x = Float64Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    expect(Array.from(ew.gatherColumns(x, 2, 6, [4, 0], 2))).toEqual([4, 5, 0, 1, 14, 15, 10, 11]);
  });
});
