import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import * as ls from './leastSquares';

describe('reference leastSquares', () => {
  const dim = 40, n = 6;
  const V = normal(dim * n, 1); // (dim, n)
  const t = normal(dim, 2); // (dim)

  it('the residual formula equals ‖t − V c‖ and c satisfies the normal equations', () => {
    const { G, b, targetSq } = ls.normalEquations(V, t, dim, n);
    const sol = ls.solve(G, b, targetSq, n);
    expect(sol.failed).toBe(false);
    let rr = 0;
    for (let e = 0; e < dim; e++) {
      let v = t[e]!;
      for (let k = 0; k < n; k++) v -= V[e * n + k]! * sol.c[k]!;
      rr += v * v;
    }
    expect(sol.residual).toBeCloseTo(Math.sqrt(rr), 8);
    expect(sol.relative).toBeCloseTo(Math.sqrt(rr / targetSq), 8);
    for (let j = 0; j < n; j++) {
      let g = -b[j]!;
      for (let k = 0; k < n; k++) g += G[j * n + k]! * sol.c[k]!;
      expect(Math.abs(g)).toBeLessThan(1e-7); // = λ·c_j with the default ridge λ ≈ 4e-9
    }
  });

  it('c is a stationary point of ‖t − V c‖² (central differences)', () => {
    const { G, b, targetSq } = ls.normalEquations(V, t, dim, n);
    const c = ls.solve(G, b, targetSq, n, 0).c;
    const f = (cc: Float64Array) => {
      let s = 0;
      for (let e = 0; e < dim; e++) {
        let v = t[e]!;
        for (let k = 0; k < n; k++) v -= V[e * n + k]! * cc[k]!;
        s += v * v;
      }
      return s;
    };
    const h = 1e-6;
    for (let k = 0; k < n; k++) {
      const p = c.slice(), m = c.slice();
      p[k]! += h;
      m[k]! -= h;
      expect(Math.abs((f(p) - f(m)) / (2 * h))).toBeLessThan(1e-6);
    }
  });

  it('a target in the span has zero residual; a duplicated direction is handled by the ridge', () => {
    const Vd = new Float64Array(dim * 3); // (dim, 3): columns d0, d1, d0 again
    for (let e = 0; e < dim; e++) {
      Vd[e * 3] = V[e * n]!;
      Vd[e * 3 + 1] = V[e * n + 1]!;
      Vd[e * 3 + 2] = V[e * n]!;
    }
    const tt = Float64Array.from({ length: dim }, (_, e) => 2 * V[e * n]! - 0.5 * V[e * n + 1]!); // (dim)
    const { G, b, targetSq } = ls.normalEquations(Vd, tt, dim, 3);
    const sol = ls.solve(G, b, targetSq, 3);
    expect(sol.failed).toBe(false);
    expect(sol.c[0]! + sol.c[2]!).toBeCloseTo(2, 5);
    expect(sol.c[1]).toBeCloseTo(-0.5, 5);
    expect(sol.relative).toBeLessThan(1e-4);
  });

  it('reports failure on an indefinite matrix', () => {
    const sol = ls.solve([1, 2, 2, 1], [1, 1], 1, 2);
    expect(sol.failed).toBe(true);
    expect(Array.from(sol.c)).toEqual([0, 0]);
  });
});
