import { it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/frobenius';
import * as frobenius from './frobenius';
import * as lora from './lora';

interface Case {
  M: number;
  dOut: number;
  dIn: number;
  ranks: number[];
  weights: number[];
  mask: number;
  uScale?: number;
  dScale?: number;
}

const cases: Case[] = [
  { M: 1, dOut: 1, dIn: 1, ranks: [1], weights: [1], mask: 0 },
  { M: 3, dOut: 17, dIn: 5, ranks: [3, 1, 4], weights: [1, 1, 0.8], mask: 0b011 },
  { M: 24, dOut: 192, dIn: 192, ranks: [10, 10, 8, 6], weights: [1, 1, 1, 1], mask: 0b1111 },
  // Extreme range: factor magnitudes 1e±3 (products ~1e6..1e-6 apart) with normalisation on.
  { M: 2, dOut: 13, dIn: 7, ranks: [2, 5], weights: [1, 1], mask: 0b11, uScale: 1e3, dScale: 1e-3 },
];

await describeGpu('frobenius kernel', (ctx) => {
  for (const cs of cases) {
    it(`M=${cs.M} dOut=${cs.dOut} dIn=${cs.dIn} ranks=[${cs.ranks}] mask=${cs.mask.toString(2)}`, async () => {
      const c = ctx();
      const { M, dOut, dIn, ranks } = cs;
      const R = ranks.reduce((a, b) => a + b, 0);
      const K = ranks.length;
      const u = f32(normal(M * dOut * R, M + dOut, cs.uScale ?? 1)); // M × (dOut, R)
      const d = f32(normal(M * R * dIn, M + dIn + 1, cs.dScale ?? 1)); // M × (R, dIn)
      const s = { M, dOut, dIn, ranks };
      const { P, Q } = ref.grams(s, f64(u), f64(d));
      const want = ref.norms(s, f64(u), f64(d));
      const G = ref.blockGram(s, f64(u), f64(d), cs.weights, cs.mask);

      const lay = lora.createLayout(c, ranks);
      const ws = frobenius.createWorkspace(c, { M, dOut, dIn }, lay);
      const tu = c.fromArray(u, [M * dOut, R], 'u');
      const td = c.fromArray(d, [M * R, dIn], 'd');
      const tw = c.fromArray(f32(cs.weights), [K], 'weights');
      const tg = c.tensor([K, K], 'gram');
      frobenius.forward(c, tg, ws, tu, td, tw, lay, cs.mask);
      assertClose(await c.read(ws.gramU), P, { reduction: dOut, label: 'UᵀU' });
      assertClose(await c.read(ws.gramD), Q, { reduction: dIn, label: 'DDᵀ' });
      assertClose(await c.read(ws.normProd), want.normProd, { reduction: Math.max(dOut, dIn), label: '‖U‖‖D‖' });
      // ‖UD‖² = Σ P⊙Q over r² terms, each from a d-long sum.
      const r2 = Math.max(...ranks) ** 2;
      assertClose(await c.read(ws.normUD), want.normUD, { reduction: Math.max(dOut, dIn) + r2, label: '‖UD‖' });
      // 32 ulps: the normalisation adds a division and a sqrt per weight.
      assertClose(await c.read(tg), G, { reduction: Math.max(dOut, dIn) + M * r2, ulps: 32, label: 'Gram' });
      frobenius.releaseWorkspace(c, ws);
      c.release(lay.offsets, tu, td, tw, tg);
    });
  }
});
