import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/lora';
import * as lora from './lora';

interface Case {
  T: number;
  dIn: number;
  dOut: number;
  ranks: number[];
  comp: number;
  scales: number[];
  slice?: { width: number; offset: number }; // y/g are (T, width), the op owns columns [offset, offset + dOut)
  xScale?: number;
  dScale?: number;
  uScale?: number;
  zeroUt?: boolean; // task start: U_t = 0
}

const cases: Case[] = [
  { T: 1, dIn: 5, dOut: 6, ranks: [3, 1, 4], comp: 1, scales: [0.7, 1.3, -0.4] },
  // timm's fused qkv with C = 17: v is columns [2C, 3C) of a (T, 3C) tensor.
  { T: 7, dIn: 17, dOut: 17, ranks: [3, 1, 4], comp: 2, scales: [0.8, 0.5, 1.1], slice: { width: 51, offset: 34 } },
  { T: 197, dIn: 192, dOut: 192, ranks: [10, 10, 8, 6], comp: 3, scales: [0.9, 0.6, 1.2, 0.8], slice: { width: 576, offset: 0 } },
  { T: 37, dIn: 17, dOut: 5, ranks: [1], comp: 0, scales: [0.8], zeroUt: true },
  // Extreme range: large activations, tiny/huge factors and scales spanning 1e-3..50.
  { T: 33, dIn: 19, dOut: 23, ranks: [2, 7, 3], comp: 0, scales: [50, 1e-3, 2], xScale: 1e3, dScale: 1e-2, uScale: 1e2 },
];

await describeGpu('lora kernel', (ctx) => {
  for (const cs of cases) {
    const name = `T=${cs.T} dIn=${cs.dIn} dOut=${cs.dOut} ranks=[${cs.ranks}] t=${cs.comp}${cs.slice ? ` slice ${cs.slice.offset}/${cs.slice.width}` : ''}${cs.zeroUt ? ' U_t=0' : ''}${cs.xScale ? ' extreme' : ''}`;
    it(`forward and backward, ${name}`, async () => {
      const c = ctx();
      const { T, dIn, dOut, ranks, comp } = cs;
      const R = ranks.reduce((a, b) => a + b, 0);
      const K = ranks.length;
      const width = cs.slice?.width ?? dOut;
      const colOff = cs.slice?.offset ?? 0;
      const seed = T * 1000 + dIn;
      const x = f32(normal(T * dIn, seed, cs.xScale ?? 1)); // (T, dIn)
      const dCat = f32(normal(R * dIn, seed + 1, cs.dScale ?? 1 / Math.sqrt(dIn))); // (R, dIn)
      const uCat = f32(normal(dOut * R, seed + 2, cs.uScale ?? 0.5)); // (dOut, R)
      const off = ref.offsetsOf(ranks);
      if (cs.zeroUt) for (let o = 0; o < dOut; o++) for (let j = off[comp]!; j < off[comp + 1]!; j++) uCat[o * R + j] = 0;
      const scales = f32(cs.scales); // (K)
      const y0 = f32(normal(T * width, seed + 3)); // (T, width): stands for x W0ᵀ + b
      const gWide = f32(normal(T * width, seed + 4)); // (T, width): dL/dy of the fused output
      const dx0 = f32(normal(T * dIn, seed + 5)); // (T, dIn): stands for g W0
      const g = new Float64Array(T * dOut); // (T, dOut): the op's slice of gWide
      for (let t = 0; t < T; t++) for (let o = 0; o < dOut; o++) g[t * dOut + o] = gWide[t * width + colOff + o]!;

      const shape = { T, dIn, dOut, ranks };
      const fw = ref.forward(shape, f64(x), f64(dCat), f64(uCat), f64(scales));
      const bw = ref.backward(shape, g, f64(x), fw.h, f64(dCat), f64(uCat), f64(scales), comp);

      const lay = lora.createLayout(c, ranks);
      const ws = lora.createWorkspace(c, T, lay);
      const tx = c.fromArray(x, [T, dIn], 'x');
      const tD = c.fromArray(dCat, [R, dIn], 'dCat');
      const tU = c.fromArray(uCat, [dOut, R], 'uCat');
      const ts = c.fromArray(scales, [K], 'scales');
      const ty = c.fromArray(y0, [T, width], 'y');
      const tg = c.fromArray(gWide, [T, width], 'g');
      const tdx = c.fromArray(dx0, [T, dIn], 'dx');
      const tdU = c.tensor([dOut, ranks[comp]!], 'dU');
      const tdD = c.tensor([ranks[comp]!, dIn], 'dD');
      const tp = c.tensor([K], 'p');
      const slice = cs.slice ? { stride: width, offset: colOff } : undefined;
      lora.forward(c, ty, tx, tD, tU, ts, lay, ws, slice);
      lora.backward(c, { dx: tdx, dU: tdU, dD: tdD, p: tp }, tg, tx, tD, tU, ts, lay, ws, comp, { slice });

      // Tolerance: each output is a chain of two sums (e.g. y: dIn-term h, then an R-term sum), so the
      // reduction length is the sum of the chain's lengths; mag = rms of the reference (default).
      assertClose(await c.read(ws.h), fw.h, { reduction: dIn, label: 'h' });
      const yGpu = await c.read(ty);
      const yWant = Float64Array.from(y0); // (T, width): untouched outside the slice
      for (let t = 0; t < T; t++) for (let o = 0; o < dOut; o++) yWant[t * width + colOff + o]! += fw.y[t * dOut + o]!;
      const yDelta = Float64Array.from(yGpu, (v, i) => v - y0[i]!); // judge the LoRA part at its own scale
      const yDeltaWant = Float64Array.from(yWant, (v, i) => v - y0[i]!);
      assertClose(yDelta, yDeltaWant, { reduction: dIn + R, ulps: 32, label: 'y − y0' }); // 32: y0 + Δ rounds once more
      assertClose(await c.read(ws.gu), bw.gu, { reduction: dOut, label: 'gu' });
      const dxDelta = Float64Array.from(await c.read(tdx), (v, i) => v - dx0[i]!);
      assertClose(dxDelta, bw.dx, { reduction: dOut + R, ulps: 32, label: 'dx − dx0' });
      assertClose(await c.read(tdU), bw.dU, { reduction: T + dIn, label: 'dU_t' });
      if (cs.zeroUt) expect(Array.from(await c.read(tdD)).every((v) => v === 0)).toBe(true);
      else assertClose(await c.read(tdD), bw.dD, { reduction: T + dOut, label: 'dD_t' });
      assertClose(await c.read(tp), bw.p, { reduction: T * Math.max(...ranks) + dIn + dOut, label: 'p' });
      // dU alone and dD alone take their own kernels (both together share one dispatch): the same values.
      const dUAlone = c.tensor([dOut, ranks[comp]!], 'dU alone');
      const dDAlone = c.tensor([ranks[comp]!, dIn], 'dD alone');
      lora.backward(c, { dU: dUAlone }, tg, tx, tD, tU, ts, lay, ws, comp, { slice });
      lora.backward(c, { dD: dDAlone }, tg, tx, tD, tU, ts, lay, ws, comp, { slice });
      expect(Array.from(await c.read(dUAlone))).toEqual(Array.from(await c.read(tdU)));
      expect(Array.from(await c.read(dDAlone))).toEqual(Array.from(await c.read(tdD)));

      lora.releaseWorkspace(c, ws);
      c.release(lay.offsets, tx, tD, tU, ts, ty, tg, tdx, tdU, tdD, tp, dUAlone, dDAlone);
    });
  }

  // Rank 3: one row per lane (projectGradRows, gradFactorsRows, where subgroups have 8 lanes); rank 18: the tiles
  // (projectGradSites, gradFactorsSites), as for stacks above 16 columns and on other subgroup sizes.
  for (const r of [3, 18]) {
    it(`backwardGroup (rank ${r}): the q and v sites of a fused qkv (factors, gradients and partials packed) equal per-site backward bit for bit`, async () => {
      const c = ctx();
      const [T, C] = [37, 12];
      const width = 3 * C;
      const at = (n: number) => Math.ceil(n / 64) * 64; // 256-byte boundaries, as the arena packs
      const [uSize, dSize] = [at(C * r), at(r * C)];
      const pShape = lora.partialShape(T, { R: r });
      const pSize = at(pShape[0] * pShape[1]);
      const factors = c.tensor([2 * (uSize + dSize)], 'factors');
      const grads = c.tensor([2 * (uSize + dSize)], 'grads');
      const partials = c.tensor([2 * pSize], 'partials');
      const view = (whole: typeof factors, offset: number, shape: number[], label: string) => ({ ...whole, byteOffset: 4 * offset, shape, label });
      const sites = [0, 2 * C].map((outOffset, i) => ({
        U: view(factors, i * (uSize + dSize), [C, r], `U${i}`),
        D: view(factors, i * (uSize + dSize) + uSize, [r, C], `D${i}`),
        dU: view(grads, i * (uSize + dSize), [C, r], `dU${i}`),
        dD: view(grads, i * (uSize + dSize) + uSize, [r, C], `dD${i}`),
        partial: view(partials, i * pSize, pShape, `partial${i}`),
        outOffset,
      }));
      sites.forEach((st, i) => {
        c.write(st.U, f32(normal(C * r, 70 + i, 0.5)));
        c.write(st.D, f32(normal(r * C, 80 + i, 0.3)));
      });
      const x = c.fromArray(f32(normal(T * C, 90)), [T, C], 'x');
      const g = c.fromArray(f32(normal(T * width, 91)), [T, width], 'g');
      const alpha = c.fromArray(f32([0.6]), [1], 'alpha');
      const grp = lora.planGroup(c, sites, T, width);
      lora.backwardGroup(c, grp, g, x, alpha);
      // Per site, the one-site path (project, then gradProject and gradFactors) with its own workspace and outputs.
      const lay = lora.createLayout(c, [r]);
      for (const [i, st] of sites.entries()) {
        const ws = lora.createWorkspace(c, T, lay);
        const [dU, dD] = [c.tensor([C, r], 'dU single'), c.tensor([r, C], 'dD single')];
        lora.project(c, x, st.D, st.U, alpha, lay, ws);
        lora.backward(c, { dU, dD }, g, x, st.D, st.U, alpha, lay, ws, 0, { slice: { stride: width, offset: st.outOffset } });
        const stride = at(T * r);
        const hOf = async (t: typeof grp.h) => Array.from(await c.read(t)).slice(i * stride, i * stride + T * r);
        expect(await hOf(grp.h), `h ${i}`).toEqual(Array.from(await c.read(ws.h)));
        expect(await hOf(grp.gu), `gu ${i}`).toEqual(Array.from(await c.read(ws.gu)));
        expect(Array.from(await c.read(st.partial)), `partial ${i}`).toEqual(Array.from(await c.read(ws.partial)));
        expect(Array.from(await c.read(st.dU)), `dU ${i}`).toEqual(Array.from(await c.read(dU)));
        expect(Array.from(await c.read(st.dD)), `dD ${i}`).toEqual(Array.from(await c.read(dD)));
        lora.releaseWorkspace(c, ws);
        c.release(dU, dD);
      }
      // Sites whose tensors do not share the group's buffers are refused with the reason.
      const stray = c.tensor([C, r], 'stray U');
      expect(() => lora.planGroup(c, [sites[0]!, { ...sites[1]!, U: stray }], T, width)).toThrow(/not in the buffer the group shares/);
      lora.releaseGroup(c, grp);
      c.release(factors, grads, partials, x, g, alpha, stray, lay.offsets);
    });
  }

  for (const ranks of [[3, 2], [10, 9]]) {
    it(`alphaGroup (ranks ${ranks}): the α inner products of two sites' component stacks in one group equal the float64 ⟨g_sliceᵀ·x, U_k D_k⟩_F`, async () => {
      const c = ctx();
      const [T, C] = [29, 12];
      const R = ranks[0]! + ranks[1]!;
      const width = 3 * C;
      const at = (n: number) => Math.ceil(n / 64) * 64;
      const [uSize, dSize] = [at(C * R), at(R * C)];
      const pShape = lora.partialShape(T, { R });
      const pSize = at(pShape[0] * pShape[1]);
      const factors = c.tensor([2 * (uSize + dSize)], 'factors');
      const partials = c.tensor([2 * pSize], 'partials');
      const view = (whole: typeof factors, offset: number, shape: number[], label: string) => ({ ...whole, byteOffset: 4 * offset, shape, label });
      const U = [0, 1].map((i) => f32(normal(C * R, 40 + i, 0.5)));
      const D = [0, 1].map((i) => f32(normal(R * C, 50 + i, 0.3)));
      const sites = [0, 2 * C].map((outOffset, i) => ({
        U: view(factors, i * (uSize + dSize), [C, R], `U${i}`),
        D: view(factors, i * (uSize + dSize) + uSize, [R, C], `D${i}`),
        partial: view(partials, i * pSize, pShape, `partial${i}`),
        outOffset,
        pRow: 1 - i, // rows of p in the other order than the sites
      }));
      sites.forEach((st, i) => {
        c.write(st.U, U[i]!);
        c.write(st.D, D[i]!);
      });
      const x = f32(normal(T * C, 60));
      const g = f32(normal(T * width, 61));
      const tx = c.fromArray(x, [T, C], 'x');
      const tg = c.fromArray(g, [T, width], 'g');
      const lay = lora.createLayout(c, ranks);
      const p = c.tensor([2, ranks.length], 'p');
      const grp = lora.planGroup(c, sites, T, width);
      lora.alphaGroup(c, grp, tg, tx, lay, p);
      const want = new Float64Array(2 * ranks.length);
      sites.forEach((st, i) => {
        for (let t = 0; t < T; t++)
          for (let j = 0; j < R; j++) {
            let h = 0;
            let gu = 0;
            for (let k = 0; k < C; k++) h += x[t * C + k]! * D[i]![j * C + k]!;
            for (let o = 0; o < C; o++) gu += g[t * width + st.outOffset + o]! * U[i]![o * R + j]!;
            want[st.pRow * ranks.length + (j < ranks[0]! ? 0 : 1)]! += h * gu;
          }
      });
      assertClose(await c.read(p), want, { reduction: T * R + C, label: 'p' });
      const alpha = c.fromArray(f32([1]), [1], 'alpha');
      expect(() => lora.backwardGroup(c, grp, tg, tx, alpha)).toThrow(/without gradients/);
      lora.releaseGroup(c, grp);
      c.release(factors, partials, tx, tg, p, alpha, lay.offsets);
    });
  }

  it('accumulates dU/dD and can overwrite dx', async () => {
    const c = ctx();
    const T = 9, dIn = 6, dOut = 7, ranks = [2, 3];
    const R = 5;
    const x = f32(normal(T * dIn, 1)), dCat = f32(normal(R * dIn, 2)), uCat = f32(normal(dOut * R, 3));
    const scales = f32([0.5, 2]), g = f32(normal(T * dOut, 4));
    const fw = ref.forward({ T, dIn, dOut, ranks }, f64(x), f64(dCat), f64(uCat), f64(scales));
    const bw = ref.backward({ T, dIn, dOut, ranks }, f64(g), f64(x), fw.h, f64(dCat), f64(uCat), f64(scales), 1);
    const lay = lora.createLayout(c, ranks);
    const ws = lora.createWorkspace(c, T, lay);
    const tx = c.fromArray(x, [T, dIn]), tD = c.fromArray(dCat, [R, dIn]), tU = c.fromArray(uCat, [dOut, R]);
    const ts = c.fromArray(scales, [2]), tg = c.fromArray(g, [T, dOut]), ty = c.tensor([T, dOut]);
    const tdx = c.fromArray(f32(normal(T * dIn, 9)), [T, dIn]); // garbage: must be overwritten
    const tdU = c.tensor([dOut, 3]), tdD = c.tensor([3, dIn]);
    lora.forward(c, ty, tx, tD, tU, ts, lay, ws);
    for (let rep = 0; rep < 2; rep++)
      lora.backward(c, { dx: tdx, dU: tdU, dD: tdD }, tg, tx, tD, tU, ts, lay, ws, 1, { accumulateInput: false, accumulateFactors: true });
    assertClose(await c.read(tdx), bw.dx, { reduction: dOut + R, label: 'dx' });
    assertClose(await c.read(tdU), bw.dU.map((v) => 2 * v), { reduction: T + dIn, label: '2 dU' });
    assertClose(await c.read(tdD), bw.dD.map((v) => 2 * v), { reduction: T + dOut, label: '2 dD' });
    lora.releaseWorkspace(c, ws);
    c.release(lay.offsets, tx, tD, tU, ts, tg, ty, tdx, tdU, tdD);
  });

  it('innerProducts gives ⟨Gᵀ·X, U_k·D_k⟩_F for components merged into a dense weight (v slice of a qkv gradient)', async () => {
    const c = ctx();
    const T = 13, C = 11, ranks = [3, 1, 4];
    const R = 8;
    const x = f64(f32(normal(T * C, 21))), dCat = f64(f32(normal(R * C, 22))), uCat = f64(f32(normal(C * R, 23)));
    const g3 = f64(f32(normal(T * 3 * C, 24))); // (T, 3C): the v slice is columns [2C, 3C)
    // Reference: p_k = Σ_t ⟨(g_v·U_k)[t], (x·D_kᵀ)[t]⟩ (backward's p with s = 1).
    const gv = new Float64Array(T * C);
    for (let t = 0; t < T; t++) for (let o = 0; o < C; o++) gv[t * C + o] = g3[t * 3 * C + 2 * C + o]!;
    const fw = ref.forward({ T, dIn: C, dOut: C, ranks }, x, dCat, uCat, [1, 1, 1]);
    const want = ref.backward({ T, dIn: C, dOut: C, ranks }, gv, x, fw.h, dCat, uCat, [1, 1, 1], 0).p;
    // GPU: mT = (g3ᵀ·x)ᵀ = xᵀ·g3 (C, 3C) on the host; h = D_catᵀ (C, R).
    const mT = new Float32Array(C * 3 * C);
    for (let a = 0; a < C; a++) for (let o = 0; o < 3 * C; o++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += x[t * C + a]! * g3[t * 3 * C + o]!;
      mT[a * 3 * C + o] = s;
    }
    const dT = new Float32Array(C * R);
    for (let i = 0; i < R; i++) for (let a = 0; a < C; a++) dT[a * R + i] = dCat[i * C + a]!;
    const lay = lora.createLayout(c, ranks);
    const ws = lora.createWorkspace(c, C, lay);
    const tg = c.fromArray(mT, [C, 3 * C]), th = c.fromArray(dT, [C, R]), tU = c.fromArray(f32(uCat), [C, R]), tp = c.tensor([3]);
    lora.innerProducts(c, tp, tg, th, tU, lay, ws, { stride: 3 * C, offset: 2 * C });
    assertClose(await c.read(tp), want, { reduction: T * C, label: 'p' });
    lora.releaseWorkspace(c, ws);
    c.release(lay.offsets, tg, th, tU, tp);
  });
});
