import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as layerNorm from './layerNorm';

describe('reference layerNorm', () => {
  const R = 4;
  const C = 7;
  const eps = 1e-6;
  const x = normal(R * C, 1, 2); // (R, C)
  const weight = normal(C, 2); // (C)
  const bias = normal(C, 3); // (C)
  const w = normal(R * C, 4); // (R, C): dL/dy of the test loss L = Σ w·y

  it('normalises each row to mean 0, variance 1 (γ=1, β=0)', () => {
    const { y } = layerNorm.forward(x, new Float64Array(C).fill(1), new Float64Array(C), R, C, 0);
    for (let r = 0; r < R; r++) {
      const row = y.subarray(r * C, (r + 1) * C);
      const m = row.reduce((a, b) => a + b, 0) / C;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / C;
      expect(m).toBeCloseTo(0, 12);
      expect(v).toBeCloseTo(1, 12);
    }
  });

  it('backward matches central differences for x, γ and β', () => {
    const loss = () => dot(w, layerNorm.forward(x, weight, bias, R, C, eps).y);
    const { mean, rstd } = layerNorm.forward(x, weight, bias, R, C, eps);
    const g = layerNorm.backward(w, x, weight, mean, rstd, R, C);
    expect(gradError(g.dx, numericGrad(loss, x))).toBeLessThan(1e-6);
    expect(gradError(g.dweight, numericGrad(loss, weight))).toBeLessThan(1e-7);
    expect(gradError(g.dbias, numericGrad(loss, bias))).toBeLessThan(1e-7);
  });
});
