import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as reduce from './reduce';

describe('reference reduce', () => {
  it('sums rows, all elements and squares on a small known matrix', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]); // (2, 3)
    expect([...reduce.sumRows(x, 2, 3)]).toEqual([5, 7, 9]);
    expect([...reduce.sumRows(x, 2, 3, 0.5, Float64Array.from([1, 1, 1]))]).toEqual([3.5, 4.5, 5.5]);
    expect(reduce.sumAll(x)).toBe(21);
    expect(reduce.sumAll(x, 2, 1)).toBe(43);
    expect(reduce.sumSquares(x)).toBe(91);
  });

  it('sumRows is linear: its backward (broadcast over rows) matches central differences', () => {
    const R = 5;
    const C = 7;
    const x = normal(R * C, 1); // (R, C)
    const w = normal(C, 2); // (C) upstream gradient
    const analytic = new Float64Array(R * C); // (R, C): dx[r, c] = scale · w[c]
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) analytic[r * C + c] = 0.3 * w[c]!;
    const numeric = numericGrad(() => dot(w, reduce.sumRows(x, R, C, 0.3)), x);
    expect(gradError(analytic, numeric)).toBeLessThan(1e-7);
  });

  it('sumSquares gradient 2·scale·x matches central differences', () => {
    const x = normal(33, 3, 2); // (n)
    const analytic = x.map((v) => 2 * 0.7 * v);
    const numeric = numericGrad(() => reduce.sumSquares(x, 0.7), x);
    expect(gradError(analytic, numeric)).toBeLessThan(1e-7);
  });
});
