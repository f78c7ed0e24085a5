import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/merge';
import * as lora from './lora';
import * as merge from './merge';

interface Case {
  dOut: number;
  dIn: number;
  ranks: number[];
  scales: number[];
  rows: number; // rows of the wider weight
  stride: number;
  rowOffset: number;
  colOffset: number;
  uScale?: number;
}

const cases: Case[] = [
  { dOut: 1, dIn: 1, ranks: [1], scales: [0.8], rows: 1, stride: 1, rowOffset: 0, colOffset: 0 },
  // timm qkv weight (3C, C) with C = 17: v = rows [2C, 3C).
  { dOut: 17, dIn: 17, ranks: [3, 1, 4], scales: [0.8, -0.5, 1.1], rows: 51, stride: 17, rowOffset: 34, colOffset: 0 },
  { dOut: 5, dIn: 19, ranks: [2, 9], scales: [1, 2], rows: 9, stride: 23, rowOffset: 3, colOffset: 4 },
  { dOut: 192, dIn: 192, ranks: [10, 10, 6], scales: [0.9, 0.6, 1.2], rows: 576, stride: 192, rowOffset: 0, colOffset: 0 },
  // Extreme range: ΔW dominates W0 by ~1e4 and the scales span 1e-4..1e3.
  { dOut: 13, dIn: 11, ranks: [4, 3], scales: [1e3, 1e-4], rows: 13, stride: 11, rowOffset: 0, colOffset: 0, uScale: 30 },
];

await describeGpu('merge kernel', (ctx) => {
  for (const cs of cases) {
    it(`dOut=${cs.dOut} dIn=${cs.dIn} ranks=[${cs.ranks}] block (${cs.rowOffset}, ${cs.colOffset}) of ${cs.rows}×${cs.stride}`, async () => {
      const c = ctx();
      const { dOut, dIn, ranks } = cs;
      const R = ranks.reduce((a, b) => a + b, 0);
      const seed = dOut * 100 + dIn;
      const w0 = f32(normal(cs.rows * cs.stride, seed)); // (rows, stride)
      const uCat = f32(normal(dOut * R, seed + 1, cs.uScale ?? 1)); // (dOut, R)
      const dCat = f32(normal(R * dIn, seed + 2, cs.uScale ?? 1)); // (R, dIn)
      const scales = f32(cs.scales); // (K)
      const block = { stride: cs.stride, rowOffset: cs.rowOffset, colOffset: cs.colOffset };
      const want = ref.forward(f64(w0), f64(uCat), f64(dCat), f64(scales), ranks, dOut, dIn, block);
      const lay = lora.createLayout(c, ranks);
      const tw0 = c.fromArray(w0, [cs.rows, cs.stride], 'w0');
      const tw = c.tensor([cs.rows, cs.stride], 'w');
      const tw2 = c.fromArray(w0, [cs.rows, cs.stride], 'w2');
      const tU = c.fromArray(uCat, [dOut, R], 'uCat');
      const tD = c.fromArray(dCat, [R, dIn], 'dCat');
      const ts = c.fromArray(scales, [ranks.length], 'scales');
      c.copy(tw, tw0); // rows outside the block must survive
      merge.forward(c, tw, tw0, tU, tD, ts, lay, block);
      merge.inPlace(c, tw2, tU, tD, ts, lay, block);
      // Both layouts in one dispatch (mergeSitesBoth, one site): w3 and its transpose w3T (stride × rows), from w0 and w0ᵀ.
      const w0T = new Float32Array(w0.length);
      for (let r = 0; r < cs.rows; r++) for (let s = 0; s < cs.stride; s++) w0T[s * cs.rows + r] = w0[r * cs.stride + s]!;
      const tw3 = c.fromArray(w0, [cs.rows, cs.stride], 'w3');
      const tw3T = c.fromArray(w0T, [cs.stride, cs.rows], 'w3T');
      const plan = merge.planSites(c, [{ w: tw3, wT: tw3T, uCat: tU, dCat: tD, rowOffset: cs.rowOffset }], lay, cs.colOffset);
      // Shapes and offsets all multiples of 4 take the vec4 entry (dOut = dIn = 192 here), the others the scalar one.
      const whole4 = [dOut, dIn, cs.rows, cs.stride, cs.rowOffset, cs.colOffset].every((n) => n % 4 === 0);
      expect(plan.entry).toBe(whole4 ? 'mergeSitesBoth4' : 'mergeSitesBoth');
      merge.inPlaceSites(c, plan, ts, lay);
      const wantT = new Float64Array(want.length);
      for (let r = 0; r < cs.rows; r++) for (let s = 0; s < cs.stride; s++) wantT[s * cs.rows + r] = want[r * cs.stride + s]!;
      // Reduction R per component sum plus one add of W0 (ulps 32 for the extra rounding of w0 + ΔW).
      assertClose(await c.read(tw), want, { reduction: R, ulps: 32, label: 'merge' });
      assertClose(await c.read(tw2), want, { reduction: R, ulps: 32, label: 'mergeInPlace' });
      expect(Array.from(await c.read(tw3))).toEqual(Array.from(await c.read(tw2))); // the same ΔW, the same sums
      assertClose(await c.read(tw3T), wantT, { reduction: R, ulps: 32, label: 'mergeSitesBoth, transposed' });
      assertClose(await c.read(tw0), w0, { ulps: 0.001, label: 'w0 untouched' });
      merge.releaseSites(c, plan);
      c.release(lay.offsets, tw0, tw, tw2, tw3, tw3T, tU, tD, ts);
    });
  }

  it('mergeSitesBoth: three sites in packed buffers (q and v of one qkv weight, v of another), each with its own scale, equal per-site merges bit for bit, transposes included', async () => {
    const c = ctx();
    const C = 12;
    const ranks = [3];
    const [rows, stride, dOut, dIn, R] = [3 * C, C, C, C, 3];
    const align = 64; // floats: 256 bytes, as the arena packs
    const at = (n: number) => Math.ceil(n / align) * align;
    // Packed layouts: two weights (rows, stride) and their transposes, three (U, D) pairs.
    const wSize = at(rows * stride);
    const [uSize, dSize] = [at(dOut * R), at(R * dIn)];
    const wAll = c.tensor([2 * wSize], 'weights');
    const wTAll = c.tensor([2 * wSize], 'transposes');
    const fAll = c.tensor([3 * (uSize + dSize)], 'factors');
    const view = (whole: typeof wAll, offset: number, shape: number[], label: string) => ({ ...whole, byteOffset: 4 * offset, shape, label });
    const sites = [
      { weight: 0, rowOffset: 0 },
      { weight: 0, rowOffset: 2 * C },
      { weight: 1, rowOffset: 2 * C },
    ].map((s, i) => ({
      w: view(wAll, s.weight * wSize, [rows, stride], `w${s.weight}`),
      wT: view(wTAll, s.weight * wSize, [stride, rows], `wT${s.weight}`),
      uCat: view(fAll, i * (uSize + dSize), [dOut, R], `U${i}`),
      dCat: view(fAll, i * (uSize + dSize) + uSize, [R, dIn], `D${i}`),
      rowOffset: s.rowOffset,
      scalesOffset: i,
    }));
    const w0 = [0, 1].map((k) => f32(normal(rows * stride, 40 + k)));
    const transpose = (w: Float32Array) => {
      const t = new Float32Array(w.length);
      for (let r = 0; r < rows; r++) for (let q = 0; q < stride; q++) t[q * rows + r] = w[r * stride + q]!;
      return t;
    };
    for (const k of [0, 1]) {
      c.write(sites[2 * k]!.w, w0[k]!);
      c.write(sites[2 * k]!.wT, transpose(w0[k]!));
    }
    sites.forEach((s, i) => {
      c.write(s.uCat, f32(normal(dOut * R, 50 + i)));
      c.write(s.dCat, f32(normal(R * dIn, 60 + i)));
    });
    const lay = lora.createLayout(c, ranks);
    const scales = [0.7, 1.3, -0.4];
    const ts = c.fromArray(f32(scales), [3], 'scales'); // site i's scale at offset i
    const tsEach = scales.map((v, i) => c.fromArray(f32([v]), [1], `scale ${i}`));
    // Per site (mergeInPlace), into separate copies of the weights; wᵀ must then be exactly their transposes (the same
    // ΔW added to w0ᵀ).
    const single = [0, 1].map((k) => c.fromArray(w0[k]!, [rows, stride], `single w${k}`));
    sites.forEach((s, i) => merge.inPlace(c, single[i < 2 ? 0 : 1]!, s.uCat, s.dCat, tsEach[i]!, lay, { rowOffset: s.rowOffset, colOffset: 0 }));
    const plan = merge.planSites(c, sites, lay);
    expect(plan.entry).toBe('mergeSitesBoth4'); // C = 12, offsets at 256-byte boundaries
    expect(() => merge.inPlaceSites(c, plan, tsEach[0]!, lay)).toThrow(/3 needed/);
    merge.inPlaceSites(c, plan, ts, lay);
    for (const k of [0, 1]) {
      const want = await c.read(single[k]!);
      expect(Array.from(await c.read(sites[2 * k]!.w)), `w${k}`).toEqual(Array.from(want));
      expect(Array.from(await c.read(sites[2 * k]!.wT)), `wT${k}`).toEqual(Array.from(transpose(want)));
    }
    // Sites that cannot share a dispatch are refused with the reason.
    expect(() => merge.planSites(c, [sites[0]!, { ...sites[1]!, w: single[0]! }], lay)).toThrow(/w buffers differ/);
    merge.releaseSites(c, plan);
    c.release(lay.offsets, wAll, wTAll, fAll, ts, ...tsEach, ...single);
  });
});
