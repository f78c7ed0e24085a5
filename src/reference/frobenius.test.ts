import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import * as frob from './frobenius';

describe('reference frobenius', () => {
  const s: frob.Stack = { M: 3, dOut: 6, dIn: 5, ranks: [3, 1, 4] };
  const R = 8;
  const u = normal(s.M * s.dOut * R, 1); // M × (dOut, R)
  const d = normal(s.M * R * s.dIn, 2); // M × (R, dIn)

  it('the Gram route equals dense inner products', () => {
    const { P, Q } = frob.grams(s, u, d);
    for (let m = 0; m < s.M; m++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++) {
          const a = frob.product(s, u, d, m, j);
          const b = frob.product(s, u, d, m, k);
          let dense = 0;
          for (let i = 0; i < a.length; i++) dense += a[i]! * b[i]!;
          expect(frob.blockInner(s, P, Q, m, j, k)).toBeCloseTo(dense, 10);
        }
  });

  it('‖UD‖ ≤ ‖U‖‖D‖, a normalised Gram has ‖d_k‖² ≤ M on its diagonal, and it is symmetric PSD', () => {
    const { normProd, normUD } = frob.norms(s, u, d);
    for (let i = 0; i < normProd.length; i++) expect(normUD[i]!).toBeLessThanOrEqual(normProd[i]! * (1 + 1e-12));
    const G = frob.blockGram(s, u, d, [1, 1, 1], 0b111);
    for (let k = 0; k < 3; k++) {
      let want = 0;
      for (let m = 0; m < s.M; m++) want += (normUD[m * 3 + k]! / normProd[m * 3 + k]!) ** 2;
      expect(G[k * 3 + k]).toBeCloseTo(want, 12);
      for (let j = 0; j < 3; j++) expect(G[j * 3 + k]).toBeCloseTo(G[k * 3 + j]!, 12);
    }
    // PSD: vᵀGv = ‖Σ v_k d_k‖² ≥ 0 for a few v
    for (let t = 0; t < 5; t++) {
      const v = normal(3, 10 + t);
      let q = 0;
      for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) q += v[j]! * G[j * 3 + k]! * v[k]!;
      expect(q).toBeGreaterThanOrEqual(-1e-12);
    }
  });

  it('weights and the mask select normalised basis vs raw weighted target', () => {
    const G = frob.blockGram(s, u, d, [1, 1, 0.8], 0b011);
    const { normProd } = frob.norms(s, u, d);
    let want = 0; // ⟨d_0, 0.8·U_2 D_2⟩ summed over m
    for (let m = 0; m < s.M; m++) {
      const a = frob.product(s, u, d, m, 0);
      const b = frob.product(s, u, d, m, 2);
      let ip = 0;
      for (let i = 0; i < a.length; i++) ip += a[i]! * b[i]!;
      want += (ip / normProd[m * 3]!) * 0.8;
    }
    expect(G[2]).toBeCloseTo(want, 10);
  });
});
