import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/elementwise';
import * as ew from './elementwise';

await describeGpu('elementwise kernel', (ctx) => {
  // Odd sizes exercise the bounds guards; scale 1e20 is the extreme-range case (nothing may overflow or flush).
  for (const [n, s] of [[1, 1], [1000, 1], [4099, 1e20]] as const) {
    it(`add, axpy, scale, scaleInPlace, fill, n=${n}, scale=${s}`, async () => {
      const c = ctx();
      const a = f32(normal(n, 1, s));
      const b = f32(normal(n, 2, s));
      const alpha = Math.fround(-0.37);
      const ta = c.fromArray(a, [n], 'a');
      const tb = c.fromArray(b, [n], 'b');
      const ty = c.tensor([n], 'y');
      ew.add(c, ty, ta, tb);
      // One rounding per element: the default tolerance is generous.
      assertClose(await c.read(ty), ref.add(f64(a), f64(b)), { label: 'add' });

      ew.axpy(c, ta, alpha, tb); // a ← a + α·b
      assertClose(await c.read(ta), ref.axpy(f64(a), alpha, f64(b)), { label: 'axpy' });

      ew.scale(c, ty, alpha, tb);
      assertClose(await c.read(ty), ref.scale(alpha, f64(b)), { label: 'scale' });
      ew.scale(c, tb, 4); // in place, a power of two: exact
      expect([...(await c.read(tb))]).toEqual([...b].map((v) => 4 * v));

      ew.fill(c, ty, Math.fround(0.1));
      assertClose(await c.read(ty), ref.fill(n, Math.fround(0.1)), { ulps: 1, label: 'fill' });
      c.release(ta, tb, ty);
    });
  }

  // (R, L): a bias over tokens (ViT-Tiny B=8 tokens × C), a position embedding (N·C) over a batch, odd shapes.
  for (const [R, L, s] of [[1, 1, 1], [7, 13, 1], [1576, 192, 1], [3, 197 * 5, 1e15]] as const) {
    it(`addRow, addRowInPlace, mulRow, mul, R=${R}, L=${L}`, async () => {
      const c = ctx();
      const x = f32(normal(R * L, R + L, s)); // (R, L)
      const row = f32(normal(L, L, s)); // (L)
      const tx = c.fromArray(x, [R, L], 'x');
      const trow = c.fromArray(row, [L], 'row');
      const ty = c.tensor([R, L], 'y');
      ew.addRow(c, ty, trow, tx);
      const want = ref.addRow(f64(x), f64(row));
      assertClose(await c.read(ty), want, { label: 'addRow' });
      const tm = c.tensor([R, L], 'mulRow');
      ew.mulRow(c, tm, tx, trow);
      assertClose(await c.read(tm), ref.mulRow(f64(x), f64(row)), { label: 'mulRow' });
      ew.mul(c, tm, tx, ty);
      assertClose(await c.read(tm), ref.mul(f64(x), f64(await c.read(ty))), { label: 'mul' });
      c.release(tm);
      ew.addRow(c, tx, trow); // in place
      assertClose(await c.read(tx), want, { label: 'addRowInPlace' });

      c.release(tx, trow, ty);
    });
  }

  for (const [B, N, C] of [[1, 1, 1], [3, 7, 5], [2, 196, 192]] as const) {
    it(`concatCls forward and backward, B=${B}, N=${N}, C=${C}`, async () => {
      const c = ctx();
      const cls = f32(normal(C, 1)); // (C)
      const patches = f32(normal(B * N * C, 2)); // (B, N, C)
      const tcls = c.fromArray(cls, [C], 'cls');
      const tpatches = c.fromArray(patches, [B, N, C], 'patches');
      const tout = c.tensor([B, N + 1, C], 'out');
      ew.concatCls(c, tout, tcls, tpatches);
      // A pure copy: exact.
      expect([...(await c.read(tout))]).toEqual([...ref.concatCls(f64(cls), f64(patches), B, N, C)]);
      // With the position embedding added in the same pass: one f32 add per element, so exact against the rounded sum.
      const pos = f32(normal((N + 1) * C, 5)); // (N+1, C)
      const tpos = c.fromArray(pos, [N + 1, C], 'pos');
      ew.concatCls(c, tout, tcls, tpatches, tpos);
      const withPos = ref.concatCls(f64(cls), f64(patches), B, N, C).map((v, i) => v + pos[i % ((N + 1) * C)]!);
      expect([...(await c.read(tout))]).toEqual([...f32(withPos)]);
      c.release(tpos);

      const dout = f32(normal(B * (N + 1) * C, 3, 1e10)); // (B, N+1, C)
      const tdout = c.fromArray(dout, [B, N + 1, C], 'dout');
      const tdcls = c.fromArray(f32(normal(C, 4)), [C], 'dcls');
      const dcls0 = f64(await c.read(tdcls));
      const tdpatches = c.tensor([B, N, C], 'dpatches');
      ew.concatClsBackward(c, tdcls, tdpatches, tdout, true);
      const { dcls, dpatches } = ref.concatClsBackward(f64(dout), B, N, C);
      expect([...(await c.read(tdpatches))]).toEqual([...dpatches]);
      assertClose(await c.read(tdcls), dcls.map((v, i) => v + dcls0[i]!), { reduction: B + 1, label: 'dcls accumulate' });
      ew.concatClsBackward(c, tdcls, tdpatches, tdout);
      assertClose(await c.read(tdcls), dcls, { reduction: B, label: 'dcls' });
      c.release(tcls, tpatches, tout, tdout, tdcls, tdpatches);
    });
  }

  for (const [rows, ld, offsets, width] of [[7, 12, [0, 8], 4], [33, 576, [0, 384], 192], [5, 16, [12, 4, 0, 8], 4]] as const) {
    it(`gatherColumns is exact: ${rows} rows of ${ld}, blocks [${offsets}] of ${width}`, async () => {
      const c = ctx();
      const x = f32(normal(rows * ld, 43));
      const tx = c.fromArray(x, [rows, ld], 'x');
      const tout = c.fromArray(new Float32Array(rows * offsets.length * width).fill(Number.NaN), [rows, offsets.length * width], 'out');
      ew.gatherColumns(c, tout, tx, offsets, width);
      expect(Array.from(await c.read(tout))).toEqual(Array.from(f32(ref.gatherColumns(f64(x), rows, ld, offsets, width))));
      expect(() => ew.gatherColumns(c, tout, tx, [2], width)).toThrow(/multiples of 4/);
      c.release(tx, tout);
    });
  }

  for (const [B, N, C, index] of [[1, 1, 1, 0], [3, 7, 5, 0], [2, 197, 192, 4]] as const) {
    it(`selectRow and its backward are exact, B=${B}, N=${N}, C=${C}, row ${index}`, async () => {
      const c = ctx();
      const x = f32(normal(B * N * C, 41));
      const dy = f32(normal(B * C, 42));
      const tx = c.fromArray(x, [B, N, C], 'x');
      const tdy = c.fromArray(dy, [B, C], 'dy');
      const tout = c.tensor([B, C], 'out');
      const tdx = c.fromArray(new Float32Array(B * N * C).fill(Number.NaN), [B, N, C], 'dx'); // every element overwritten
      ew.selectRow(c, tout, tx, B, N, C, index);
      ew.selectRowBackward(c, tdx, tdy, B, N, C, index);
      expect(Array.from(await c.read(tout))).toEqual(Array.from(f32(ref.selectRow(f64(x), B, N, C, index))));
      expect(Array.from(await c.read(tdx))).toEqual(Array.from(f32(ref.selectRowBackward(f64(dy), B, N, C, index))));
      c.release(tx, tdy, tout, tdx);
    });
  }

  for (const [R, C, P] of [[1, 1, 1], [3, 5, 3], [3, 5, 8], [4, 8, 4], [8, 4, 16], [192, 576, 192], [768, 192, 768], [197, 64, 224], [1576, 192, 1600]] as const) {
    it(`transpose is exact, ${R}×${C}${P > R ? `, rows zero-padded to ${P}` : ''}`, async () => {
      const c = ctx();
      const x = f32(normal(R * C, 43));
      const tx = c.fromArray(x, [R, C], 'x');
      const tout = c.fromArray(new Float32Array(P * C).fill(Number.NaN), [C, P], 'out'); // every element overwritten
      ew.transpose(c, tout, tx);
      expect(Array.from(await c.read(tout))).toEqual(Array.from(f32(ref.transpose(f64(x), R, C, P))));
      if (R > 1) expect(() => ew.transpose(c, c.tensor([C, R - 1]), tx)).toThrow(/is not x .* transposed/);
      if (R !== C) expect(() => ew.transpose(c, c.tensor([R, C]), tx)).toThrow(/is not x .* transposed/);
      c.release(tx, tout);
    });
  }

  // Batched: every matrix of x (batch, R, C) into out (batch, C, P) (attention's per-head K into Kᵀ, padded rows).
  for (const [batch, R, C, P] of [[4, 3, 5, 8], [2, 8, 4, 16], [3, 197, 64, 200], [2, 12, 8, 12]] as const) {
    it(`batched transpose is exact, ${batch}× ${R}×${C}${P > R ? `, rows zero-padded to ${P}` : ''}`, async () => {
      const c = ctx();
      const x = f32(normal(batch * R * C, 47));
      const tx = c.fromArray(x, [batch, R, C], 'x');
      const tout = c.fromArray(new Float32Array(batch * P * C).fill(Number.NaN), [batch, C, P], 'out');
      ew.transpose(c, tout, tx);
      expect(Array.from(await c.read(tout))).toEqual(Array.from(f32(ref.transpose(f64(x), R, C, P, batch))));
      expect(() => ew.transpose(c, c.tensor([batch + 1, C, P]), tx)).toThrow(/is not x .* transposed/);
      c.release(tx, tout);
    });
  }

  it('rejects a row that does not tile the tensor', () => {
    const c = ctx();
    const y = c.tensor([10]);
    const row = c.tensor([3]);
    expect(() => ew.addRow(c, y, row)).toThrow(/not whole rows/);
    c.release(y, row);
  });
});
