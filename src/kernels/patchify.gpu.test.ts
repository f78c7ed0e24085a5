import { expect, it } from 'vitest';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/patchify';
import * as patchify from './patchify';

await describeGpu('patchify kernel', (ctx) => {
  for (const [B, Ch, S, P] of [
    [1, 1, 1, 1],
    [2, 3, 8, 4],
    [3, 3, 15, 5],
    [1, 3, 224, 16],
  ] as const) {
    it(`forward and backward are exact, B=${B} Ch=${Ch} S=${S} P=${P}`, async () => {
      const c = ctx();
      const n = B * Ch * S * S;
      const x = f32(normal(n, S, 10));
      const g = f32(normal(n, S + 1));
      const tx = c.fromArray(x, [B, Ch, S, S], 'x');
      const G = S / P;
      const tcols = c.tensor([B, G * G, Ch * P * P], 'cols');
      const tg = c.fromArray(g, [B, G * G, Ch * P * P], 'dcols');
      const tdx = c.tensor([B, Ch, S, S], 'dx');
      patchify.forward(c, tcols, tx, P);
      patchify.backward(c, tdx, tg, P);
      // A permutation moves float32 values unchanged: exact equality.
      expect(Array.from(await c.read(tcols))).toEqual(Array.from(f32(ref.forward(f64(x), B, Ch, S, P))));
      expect(Array.from(await c.read(tdx))).toEqual(Array.from(f32(ref.backward(f64(g), B, Ch, S, P))));
      c.release(tx, tcols, tg, tdx);
    });
  }
});
