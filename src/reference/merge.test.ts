import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import * as lora from './lora';
import * as merge from './merge';

describe('reference merge', () => {
  it('x·Wᵀ of the merged block equals x·W0ᵀ plus the LoRA path', () => {
    const T = 4, C = 5, ranks = [2, 3, 1];
    const R = 6;
    const w0 = normal(3 * C * C, 1); // (3C, C) fused qkv weight, (out, in)
    const uCat = normal(C * R, 2); // (C, R)
    const dCat = normal(R * C, 3); // (R, C)
    const scales = [0.5, -1.5, 2]; // (K)
    const x = normal(T * C, 4); // (T, C)
    const w = merge.forward(w0, uCat, dCat, scales, ranks, C, C, { stride: C, rowOffset: 2 * C, colOffset: 0 }); // v rows
    const { y } = lora.forward({ T, dIn: C, dOut: C, ranks }, x, dCat, uCat, scales);
    for (let t = 0; t < T; t++)
      for (let o = 0; o < 3 * C; o++) {
        let merged = 0, frozen = 0;
        for (let i = 0; i < C; i++) {
          merged += w[o * C + i]! * x[t * C + i]!;
          frozen += w0[o * C + i]! * x[t * C + i]!;
        }
        const lo = o >= 2 * C ? y[t * C + o - 2 * C]! : 0; // only v rows change
        expect(merged).toBeCloseTo(frozen + lo, 12);
      }
  });
});
