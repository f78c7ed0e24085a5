import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as patchify from './patchify';

describe('reference patchify', () => {
  it('is a permutation: every input lands exactly once', () => {
    const [B, Ch, S, P] = [2, 3, 6, 3];
    const x = Float64Array.from({ length: B * Ch * S * S }, (_, i) => i);
    const cols = patchify.forward(x, B, Ch, S, P);
    expect([...cols].sort((a, b) => a - b)).toEqual([...x]);
    // patch (py=1, px=0) of image 1, channel 2, (ky, kx) = (2, 1) comes from row 5, column 1
    const G = S / P;
    expect(cols[(1 * G * G + 1 * G + 0) * Ch * P * P + 2 * P * P + 2 * P + 1]).toBe(((1 * Ch + 2) * S + 5) * S + 1);
  });

  it('backward matches central differences', () => {
    const [B, Ch, S, P] = [2, 2, 4, 2];
    const x = normal(B * Ch * S * S, 3);
    const w = normal(x.length, 4);
    const analytic = patchify.backward(w, B, Ch, S, P);
    const numeric = numericGrad(() => dot(w, patchify.forward(x, B, Ch, S, P)), x);
    expect(gradError(analytic, numeric)).toBeLessThan(1e-8);
  });
});
