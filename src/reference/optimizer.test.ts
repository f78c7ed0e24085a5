// The optimizer reference has no backward; it is checked against closed forms of PyTorch's update rules that do not
// share its loop structure (unrolled momentum sums, the bias-corrected fixed point of Adam, pure decay).
import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import * as opt from './optimizer';

const sgdBase: opt.SgdOptions = {
  learningRate: 0.1,
  momentum: 0.9,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
  gradScale: 1,
  firstStep: true,
};
const adamBase: opt.AdamOptions = {
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  decoupled: false,
  step: 1,
  gradScale: 1,
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('reference optimizer: SGD', () => {
  const n = 7;
  const steps = 5;
  const grads = Array.from({ length: steps }, (_, k) => normal(n, 100 + k)); // steps × (n)
  const p0 = normal(n, 1); // (n)

  it('heavy-ball momentum equals the unrolled sum  p_k = p_0 − η Σ_j Σ_{i≤j} μ^(j−i) g_i', () => {
    const p = p0.slice();
    const buf = new Float64Array(n).fill(Number.NaN); // first step must ignore it
    for (let k = 0; k < steps; k++) opt.sgd(p, buf, grads[k]!, { ...sgdBase, firstStep: k === 0 });
    const want = p0.slice();
    for (let j = 0; j < steps; j++)
      for (let i = 0; i <= j; i++)
        for (let e = 0; e < n; e++) want[e]! -= sgdBase.learningRate * sgdBase.momentum ** (j - i) * grads[i]![e]!;
    expect(maxDiff(p, want)).toBeLessThan(1e-12);
  });

  it('nesterov looks ahead: step uses g_k + μ·buf_k', () => {
    const p = p0.slice();
    const buf = new Float64Array(n);
    const o = { ...sgdBase, nesterov: true };
    opt.sgd(p, buf, grads[0]!, o);
    opt.sgd(p, buf, grads[1]!, { ...o, firstStep: false });
    for (let e = 0; e < n; e++) {
      const b1 = grads[0]![e]!;
      const b2 = 0.9 * b1 + grads[1]![e]!;
      const want = p0[e]! - 0.1 * (b1 + 0.9 * b1) - 0.1 * (grads[1]![e]! + 0.9 * b2);
      expect(p[e]).toBeCloseTo(want, 13);
    }
  });

  it('dampening, weight decay and gradScale enter as PyTorch has them', () => {
    const p = p0.slice();
    const buf = normal(n, 9);
    const buf0 = buf.slice();
    const o = { ...sgdBase, dampening: 0.25, weightDecay: 0.01, gradScale: 0.5, firstStep: false };
    opt.sgd(p, buf, grads[0]!, o);
    for (let e = 0; e < n; e++) {
      const g = 0.5 * grads[0]![e]! + 0.01 * p0[e]!;
      const b = 0.9 * buf0[e]! + 0.75 * g;
      expect(buf[e]).toBeCloseTo(b, 14);
      expect(p[e]).toBeCloseTo(p0[e]! - 0.1 * b, 14);
    }
  });

  it('momentum 0 is plain SGD and leaves the buffer alone', () => {
    const p = p0.slice();
    const buf = normal(n, 3);
    const before = buf.slice();
    opt.sgd(p, buf, grads[0]!, { ...sgdBase, momentum: 0, weightDecay: 0.1 });
    for (let e = 0; e < n; e++) expect(p[e]).toBeCloseTo(p0[e]! * (1 - 0.01) - 0.1 * grads[0]![e]!, 14);
    expect([...buf]).toEqual([...before]);
  });
});

describe('reference optimizer: Adam', () => {
  const n = 9;
  const p0 = normal(n, 2);

  it('first step moves each parameter by η·g/(|g| + ε) (bias correction undoes the EMA start)', () => {
    const g = normal(n, 4, 1e-3);
    const p = p0.slice();
    opt.adam(p, new Float64Array(n), new Float64Array(n), g, { ...adamBase, eps: 1e-4 });
    for (let e = 0; e < n; e++) expect(p[e]).toBeCloseTo(p0[e]! - (1e-3 * g[e]!) / (Math.abs(g[e]!) + 1e-4), 14);
  });

  it('a constant gradient keeps m̂ = g and v̂ = g², so every step is the same size', () => {
    const g = normal(n, 5);
    const p = p0.slice();
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    const steps = 20;
    for (let t = 1; t <= steps; t++) opt.adam(p, m, v, g, { ...adamBase, step: t });
    for (let e = 0; e < n; e++) expect(p[e]).toBeCloseTo(p0[e]! - (steps * 1e-3 * g[e]!) / (Math.abs(g[e]!) + 1e-8), 12);
  });

  it('AdamW with zero gradient is pure decay p·(1 − ηλ)^t; Adam (L2) equals Adam on g + λp', () => {
    const p = p0.slice();
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    for (let t = 1; t <= 3; t++) opt.adam(p, m, v, new Float64Array(n), { ...adamBase, decoupled: true, weightDecay: 0.05, learningRate: 0.1, step: t });
    for (let e = 0; e < n; e++) expect(p[e]).toBeCloseTo(p0[e]! * (1 - 0.005) ** 3, 14);

    const g = normal(n, 6);
    const a = p0.slice();
    const b = p0.slice();
    const gl2 = g.map((x, e) => 2 * x + 0.05 * p0[e]!);
    opt.adam(a, new Float64Array(n), new Float64Array(n), g, { ...adamBase, weightDecay: 0.05, gradScale: 2 });
    opt.adam(b, new Float64Array(n), new Float64Array(n), gl2, adamBase);
    expect(maxDiff(a, b)).toBeLessThan(1e-15);
  });

  it('matches a hand-worked two-step example', () => {
    // g1 = 1, g2 = −2, β = (0.5, 0.75), η = 1, ε = 0:
    // m1 = 0.5, v1 = 0.25, m̂ = 1, v̂ = 1 → p1 = −1;  m2 = 0.25 − 1 = −0.75, v2 = 0.1875 + 1 = 1.1875,
    // m̂2 = −0.75/0.75 = −1, v̂2 = 1.1875/0.4375 → p2 = −1 + 1/√(1.1875/0.4375).
    const p = new Float64Array([0]);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    const o = { ...adamBase, beta1: 0.5, beta2: 0.75, learningRate: 1, eps: 0 };
    opt.adam(p, m, v, new Float64Array([1]), o);
    expect(p[0]).toBeCloseTo(-1, 15);
    opt.adam(p, m, v, new Float64Array([-2]), { ...o, step: 2 });
    expect(m[0]).toBeCloseTo(-0.75, 15);
    expect(v[0]).toBeCloseTo(1.1875, 15);
    expect(p[0]).toBeCloseTo(-1 + 1 / Math.sqrt(1.1875 / 0.4375), 14);
  });
});
