import { describe, expect, it } from 'vitest';
import { normal, uniform } from '../testing/rng';
import { dot, gradError, numericGrad } from './gradcheck';
import * as lora from './lora';

describe('reference lora', () => {
  // Mixed ranks (SD-LoRA-RR) and a trainable component in the middle of the stack.
  const shape: lora.LoraShape = { T: 7, dIn: 5, dOut: 6, ranks: [3, 1, 4] };
  const R = 8;
  const comp = 1;
  const x = normal(shape.T * shape.dIn, 1); // (T, dIn)
  const dCat = normal(R * shape.dIn, 2); // (R, dIn)
  const uCat = normal(shape.dOut * R, 3); // (dOut, R)
  const w = normal(shape.T * shape.dOut, 4); // (T, dOut): loss = Σ w ⊙ y, so g = w
  // s_k = α_k / n_k for previous components (n_k = ‖U_k‖‖D_k‖, a constant), s_t = α_t (spec §4.3).
  const alpha = uniform(3, 5, 0.5, 1.5); // (K)
  const norms = [2.5, 1, 0.7]; // n_t is unused: the trainable component is not normalised
  const scalesOf = (a: Float64Array) => Float64Array.from(a, (v, k) => (k === comp ? v : v / norms[k]!));
  const loss = () => dot(w, lora.forward(shape, x, dCat, uCat, scalesOf(alpha)).y);

  it('forward equals x·(Σ s_k U_k D_k)ᵀ formed densely', () => {
    const s = scalesOf(alpha);
    const { y } = lora.forward(shape, x, dCat, uCat, s);
    const off = lora.offsetsOf(shape.ranks);
    for (let t = 0; t < shape.T; t++)
      for (let o = 0; o < shape.dOut; o++) {
        let want = 0;
        for (let i = 0; i < shape.dIn; i++) {
          let wOI = 0; // (Σ_k s_k U_k D_k)[o][i]
          for (let k = 0; k < 3; k++)
            for (let j = off[k]!; j < off[k + 1]!; j++) wOI += s[k]! * uCat[o * R + j]! * dCat[j * shape.dIn + i]!;
          want += wOI * x[t * shape.dIn + i]!;
        }
        expect(y[t * shape.dOut + o]).toBeCloseTo(want, 12);
      }
  });

  it('backward (dx, dU_t, dD_t, dα via p_k) matches central differences', () => {
    const s = scalesOf(alpha);
    const { h } = lora.forward(shape, x, dCat, uCat, s);
    const gr = lora.backward(shape, w, x, h, dCat, uCat, s, comp);
    expect(gradError(gr.dx, numericGrad(loss, x))).toBeLessThan(1e-7);

    const off = lora.offsetsOf(shape.ranks);
    const rt = shape.ranks[comp]!;
    const nU = numericGrad(loss, uCat); // (dOut, R): keep component t's columns
    const nUt = new Float64Array(shape.dOut * rt); // (dOut, r_t)
    for (let o = 0; o < shape.dOut; o++) for (let a = 0; a < rt; a++) nUt[o * rt + a] = nU[o * R + off[comp]! + a]!;
    expect(gradError(gr.dU, nUt)).toBeLessThan(1e-7);

    const nD = numericGrad(loss, dCat); // (R, dIn): keep component t's rows
    const nDt = nD.slice(off[comp]! * shape.dIn, (off[comp]! + rt) * shape.dIn); // (r_t, dIn)
    expect(gradError(gr.dD, nDt)).toBeLessThan(1e-7);

    // dα_k = p_k · ∂s_k/∂α_k
    const dAlpha = Float64Array.from(gr.p, (pk, k) => (k === comp ? pk : pk / norms[k]!)); // (K)
    expect(gradError(dAlpha, numericGrad(loss, alpha))).toBeLessThan(1e-7);
  });

  it('a zero U_t contributes nothing but still receives a gradient (task start)', () => {
    const u0 = uCat.slice(); // (dOut, R)
    const off = lora.offsetsOf(shape.ranks);
    for (let o = 0; o < shape.dOut; o++) for (let j = off[comp]!; j < off[comp + 1]!; j++) u0[o * R + j] = 0;
    const s = scalesOf(alpha);
    const a = lora.forward(shape, x, dCat, u0, s);
    const only = lora.forward({ ...shape }, x, dCat, u0, Float64Array.from(s, (v, k) => (k === comp ? 0 : v)));
    for (let i = 0; i < a.y.length; i++) expect(a.y[i]).toBeCloseTo(only.y[i]!, 14);
    const gr = lora.backward(shape, w, x, a.h, dCat, u0, s, comp);
    expect(Math.max(...Array.from(gr.dU, Math.abs))).toBeGreaterThan(0);
    expect(gr.dD.every((v) => v === 0)).toBe(true); // g·U_t = 0
  });
});
