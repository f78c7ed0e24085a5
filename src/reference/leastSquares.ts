// Float64 reference for shaders/leastSquares.wgsl: Cholesky solve of the ridge-regularised normal
// equations (G + λI) c = b of SD-LoRA-KD (spec §11.2), λ = ridgeAbs + ridgeRel·trace(G)/n,
// residual = sqrt(max(0, ‖target‖² − cᵀb)).

export interface Solution {
  c: Float64Array; // (n)
  residual: number;
  relative: number; // residual / ‖target‖
  failed: boolean; // a pivot ≤ 0 (G + λI not positive definite); c = 0 then
  ridge: number;
}

export const DEFAULT_RIDGE_REL = 1e-10;

export function solve(
  G: ArrayLike<number>, // (n, n) row-major, symmetric
  b: ArrayLike<number>, // (n)
  targetSq: number,
  n: number,
  ridgeRel = DEFAULT_RIDGE_REL,
  ridgeAbs = 0,
): Solution {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += G[i * n + i]!;
  const ridge = ridgeAbs + (ridgeRel * trace) / Math.max(n, 1);
  const L = new Float64Array(n * n); // (n, n) lower factor
  let failed = false;
  for (let i = 0; i < n && !failed; i++)
    for (let j = 0; j <= i; j++) {
      let s = G[i * n + j]!;
      for (let p = 0; p < j; p++) s -= L[i * n + p]! * L[j * n + p]!;
      if (i === j) {
        s += ridge;
        if (!(s > 0) || !Number.isFinite(s)) {
          failed = true;
          break;
        }
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  const c = new Float64Array(n); // (n)
  if (!failed) {
    for (let i = 0; i < n; i++) {
      let s = b[i]!;
      for (let p = 0; p < i; p++) s -= L[i * n + p]! * c[p]!;
      c[i] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = c[i]!;
      for (let p = i + 1; p < n; p++) s -= L[p * n + i]! * c[p]!;
      c[i] = s / L[i * n + i]!;
    }
  }
  let cb = 0;
  for (let i = 0; i < n; i++) cb += c[i]! * b[i]!;
  const residual = Math.sqrt(Math.max(0, targetSq - cb));
  return { c, residual, relative: targetSq > 0 ? residual / Math.sqrt(targetSq) : 0, failed, ridge };
}

/** Normal equations of explicit vectors: G = VᵀV (n, n), b = Vᵀt (n), ‖t‖². V: (dim, n) columns d_k. */
export function normalEquations(V: ArrayLike<number>, t: ArrayLike<number>, dim: number, n: number): { G: Float64Array; b: Float64Array; targetSq: number } {
  const G = new Float64Array(n * n); // (n, n)
  const b = new Float64Array(n); // (n)
  let targetSq = 0;
  for (let e = 0; e < dim; e++) {
    targetSq += t[e]! ** 2;
    for (let j = 0; j < n; j++) {
      b[j]! += V[e * n + j]! * t[e]!;
      for (let k = 0; k < n; k++) G[j * n + k]! += V[e * n + j]! * V[e * n + k]!;
    }
  }
  return { G, b, targetSq };
}
