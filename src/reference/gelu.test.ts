import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as gelu from './gelu';

describe('reference gelu', () => {
  it('erf matches known values', () => {
    expect(gelu.erf(0)).toBe(0);
    expect(gelu.erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(gelu.erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(gelu.erf(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(gelu.erf(-2)).toBeCloseTo(-0.9953222650189527, 14);
  });

  it('backward matches central differences', () => {
    const x = normal(257, 1, 3);
    const w = normal(257, 2);
    const analytic = gelu.backward(w, x);
    const numeric = numericGrad(() => dot(w, gelu.forward(x)), x);
    expect(gradError(analytic, numeric)).toBeLessThan(1e-7);
  });
});
