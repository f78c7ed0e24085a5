// Float64 reference for the batched matmul with fused epilogue (shaders/matmul.wgsl states the maths):
//   z = α·op(A)·op(B) + bias + β·C_old,  pre = z,  C = act(z) + R,  act ∈ {identity, exact GELU}.
// Layouts: NN A (M, K)·B (K, N); NT A (M, K)·B (N, K)ᵀ; TN A (K, M)ᵀ·B (K, N). Batch strides in elements,
// 0 = one operand for every batch item. Backward: dZ = dC ⊙ act'(pre); dA, dB by the transposed products.

import { cdf, pdf } from './gelu';

export type Layout = 'NN' | 'NT' | 'TN';

export interface MatmulSpec {
  layout: Layout;
  M: number;
  N: number;
  K: number;
  batch: number;
  /** Element strides between batch items (0 broadcasts). Defaults: the operand's own size. */
  strideA?: number;
  strideB?: number;
  strideR?: number;
  alpha?: number;
  beta?: number;
  gelu?: boolean;
}

export interface MatmulInputs {
  a: Float64Array; // (batchA, M, K) or (batchA, K, M) for TN
  b: Float64Array; // (batchB, K, N) or (batchB, N, K) for NT
  bias?: Float64Array; // (N)
  c0?: Float64Array; // (batch, M, N): C before the call, read when β ≠ 0
  residual?: Float64Array; // (batchR, M, N)
}

const strides = (s: MatmulSpec) => ({
  sa: s.strideA ?? s.M * s.K,
  sb: s.strideB ?? s.K * s.N,
  sr: s.strideR ?? s.M * s.N,
});

/** op(A)[m, k] of batch item z. */
function opA(a: Float64Array, s: MatmulSpec, z: number, m: number, k: number): number {
  const base = z * strides(s).sa;
  return s.layout === 'TN' ? a[base + k * s.M + m]! : a[base + m * s.K + k]!;
}

/** op(B)[k, n] of batch item z. */
function opB(b: Float64Array, s: MatmulSpec, z: number, k: number, n: number): number {
  const base = z * strides(s).sb;
  return s.layout === 'NT' ? b[base + n * s.K + k]! : b[base + k * s.N + n]!;
}

export const gelu = (x: number) => x * cdf(x);
export const geluGrad = (x: number) => cdf(x) + x * pdf(x);

/** Forward: returns c (batch, M, N) and pre (batch, M, N), the value before the activation. */
export function forward(spec: MatmulSpec, x: MatmulInputs): { c: Float64Array; pre: Float64Array } {
  const { M, N, K, batch } = spec;
  const alpha = spec.alpha ?? 1;
  const beta = spec.beta ?? 0;
  const { sr } = strides(spec);
  const c = new Float64Array(batch * M * N); // (batch, M, N)
  const pre = new Float64Array(batch * M * N); // (batch, M, N)
  for (let z = 0; z < batch; z++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += opA(x.a, spec, z, m, k) * opB(x.b, spec, z, k, n);
        const i = (z * M + m) * N + n;
        let v = alpha * acc;
        if (x.bias) v += x.bias[n]!;
        if (beta !== 0) v += beta * x.c0![i]!;
        pre[i] = v;
        if (spec.gelu) v = gelu(v);
        if (x.residual) v += x.residual[z * sr + m * N + n]!;
        c[i] = v;
      }
  return { c, pre };
}

export interface MatmulGrads {
  a: Float64Array; // same layout as the input a
  b: Float64Array; // same layout as the input b
  bias: Float64Array; // (N)
  c0: Float64Array; // (batch, M, N)
  residual: Float64Array; // same size as the input residual (broadcast items summed)
}

/** Backward of forward() for the upstream gradient dc (batch, M, N); pre from forward() when gelu. */
export function backward(spec: MatmulSpec, x: MatmulInputs, dc: Float64Array, pre: Float64Array): MatmulGrads {
  const { M, N, K, batch, layout } = spec;
  const alpha = spec.alpha ?? 1;
  const beta = spec.beta ?? 0;
  const { sa, sb, sr } = strides(spec);
  const dz = new Float64Array(dc.length); // (batch, M, N)
  for (let i = 0; i < dc.length; i++) dz[i] = spec.gelu ? dc[i]! * geluGrad(pre[i]!) : dc[i]!;
  const g: MatmulGrads = {
    a: new Float64Array(x.a.length),
    b: new Float64Array(x.b.length),
    bias: new Float64Array(N),
    c0: new Float64Array(dc.length),
    residual: new Float64Array(x.residual?.length ?? 0),
  };
  for (let z = 0; z < batch; z++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        const i = (z * M + m) * N + n;
        g.bias[n]! += dz[i]!;
        g.c0[i] = beta * dz[i]!;
        if (x.residual) g.residual[z * sr + m * N + n]! += dc[i]!;
        // dA[m,k] += α·dZ[m,n]·op(B)[k,n];  dB[k,n] += α·op(A)[m,k]·dZ[m,n]  (stored in each operand's layout).
        for (let k = 0; k < K; k++) {
          const ia = z * sa + (layout === 'TN' ? k * M + m : m * K + k);
          const ib = z * sb + (layout === 'NT' ? n * K + k : k * N + n);
          g.a[ia]! += alpha * dz[i]! * x.b[ib]!;
          g.b[ib]! += alpha * x.a[ia]! * dz[i]!;
        }
      }
  return g;
}

/** Transposes each of `batch` (rows, cols) matrices stored back to back. */
export function transpose(x: Float64Array, batch: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(batch * rows * cols); // (batch, cols, rows)
  for (let z = 0; z < batch; z++)
    for (let r = 0; r < rows; r++)
      for (let q = 0; q < cols; q++) out[z * rows * cols + q * rows + r] = x[z * rows * cols + r * cols + q]!;
  return out;
}
