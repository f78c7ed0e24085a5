import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as attention from './attention';

describe('reference attention', () => {
  it('a single token attends to itself: out = v', () => {
    const qkv = Float64Array.from([1, 2, 3, 4, 5, 6]); // (1, 1, 3·1·2): q=(1,2) k=(3,4) v=(5,6)
    const { out, probs } = attention.forward(qkv, 1, 1, 1, 2);
    expect([...probs]).toEqual([1]);
    expect([...out]).toEqual([5, 6]);
  });

  for (const [B, N, H, D] of [[1, 4, 1, 3], [2, 3, 2, 2]] as const) {
    it(`backward matches central differences (B=${B}, N=${N}, H=${H}, D=${D})`, () => {
      const C = H * D;
      const qkv = normal(B * N * 3 * C, 1); // (B, N, 3C)
      const w = normal(B * N * C, 2); // (B, N, C): dL/dout
      const { probs } = attention.forward(qkv, B, N, H, D);
      const analytic = attention.backward(w, qkv, probs, B, N, H, D);
      const numeric = numericGrad(() => dot(w, attention.forward(qkv, B, N, H, D).out), qkv);
      expect(gradError(analytic, numeric)).toBeLessThan(1e-7);
    });
  }
});
