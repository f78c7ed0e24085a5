import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as softmax from './softmax';

describe('reference softmax', () => {
  it('rows sum to 1 and survive ±1000 inputs', () => {
    const x = Float64Array.from([1000, -1000, 999, 0, 0, 0]); // (2, 3)
    const y = softmax.forward(x, 2, 3);
    expect(y[0]! + y[1]! + y[2]!).toBeCloseTo(1, 14);
    expect(y[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 14);
    expect(y[3]).toBeCloseTo(1 / 3, 14);
  });

  for (const scale of [1, 0.125]) {
    it(`backward matches central differences (scale ${scale})`, () => {
      const R = 3;
      const K = 6;
      const x = normal(R * K, 1, 2); // (R, K)
      const w = normal(R * K, 2); // (R, K)
      const y = softmax.forward(x, R, K, scale);
      const analytic = softmax.backward(w, y, R, K, scale);
      const numeric = numericGrad(() => dot(w, softmax.forward(x, R, K, scale)), x);
      expect(gradError(analytic, numeric)).toBeLessThan(1e-7);
    });
  }
});
