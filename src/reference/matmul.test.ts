import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as mm from './matmul';

const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
};

describe('reference matmul', () => {
  it('NN on a known 2×3·3×2 product, with α, bias, β and residual', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6]); // (2, 3)
    const b = Float64Array.from([1, 0, 0, 1, 1, 1]); // (3, 2)
    const spec: mm.MatmulSpec = { layout: 'NN', M: 2, N: 2, K: 3, batch: 1, alpha: 2, beta: 0.5 };
    const out = mm.forward(spec, {
      a,
      b,
      bias: Float64Array.from([10, 20]),
      c0: Float64Array.from([2, 2, 2, 2]),
      residual: Float64Array.from([1, 1, 1, 1]),
    });
    // A·B = [[4, 5], [10, 11]] → 2·AB + bias + 0.5·2 + 1
    expect([...out.c]).toEqual([20, 32, 32, 44]);
  });

  it('NT and TN equal NN on transposed copies (batched, one operand broadcast)', () => {
    const [batch, M, N, K] = [3, 5, 4, 7];
    const a = normal(batch * M * K, 1); // (batch, M, K)
    const b = normal(K * N, 2); // (K, N), shared by all batch items
    const nn = mm.forward({ layout: 'NN', M, N, K, batch, strideB: 0 }, { a, b }).c;
    const nt = mm.forward({ layout: 'NT', M, N, K, batch, strideB: 0 }, { a, b: mm.transpose(b, 1, K, N) }).c;
    const tn = mm.forward({ layout: 'TN', M, N, K, batch, strideB: 0 }, { a: mm.transpose(a, batch, M, K), b }).c;
    expect(maxAbsDiff(nt, nn)).toBeLessThan(1e-12);
    expect(maxAbsDiff(tn, nn)).toBeLessThan(1e-12);
  });

  // Every input's gradient against central differences of loss = Σ w ⊙ C, for each layout and epilogue.
  const cases: [string, mm.MatmulSpec][] = [
    ['NN + bias + gelu + residual', { layout: 'NN', M: 3, N: 4, K: 5, batch: 2, gelu: true }],
    ['NT + α, β', { layout: 'NT', M: 4, N: 3, K: 2, batch: 2, alpha: 0.7, beta: 1.3 }],
    ['TN, broadcast A and residual', { layout: 'TN', M: 3, N: 2, K: 4, batch: 3, strideA: 0, strideR: 0, gelu: true }],
  ];
  for (const [name, spec] of cases) {
    it(`backward matches central differences: ${name}`, () => {
      const { M, N, K, batch } = spec;
      const nA = spec.strideA === 0 ? M * K : batch * M * K;
      const nR = spec.strideR === 0 ? M * N : batch * M * N;
      const x: mm.MatmulInputs = {
        a: normal(nA, 3),
        b: normal(batch * K * N, 4),
        bias: normal(N, 5),
        c0: normal(batch * M * N, 6),
        residual: normal(nR, 7),
      };
      const w = normal(batch * M * N, 8);
      const { pre } = mm.forward(spec, x);
      const g = mm.backward(spec, x, w, pre);
      const loss = () => dot(w, mm.forward(spec, x).c);
      for (const key of ['a', 'b', 'bias', 'c0', 'residual'] as const) {
        const numeric = numericGrad(loss, x[key]!);
        const err = gradError(g[key], numeric);
        expect(err, `d${key}`).toBeLessThan(1e-6);
      }
    });
  }
});
