// Launcher for shaders/leastSquares.wgsl: Cholesky solve of (G + λI) c = b with residuals, for SD-LoRA-KD.
// Reference: src/reference/leastSquares.ts.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';

/** Largest system the single-invocation kernel holds (its private arrays are MAXN × MAXN). */
export const MAX_N = 32;

export interface SolveOptions {
  ridgeRel?: number; // λ = ridgeAbs + ridgeRel·trace(G)/n; default 1e-10 (spec §11.2)
  ridgeAbs?: number;
}

/** Where G (n, n), b (n) and ‖target‖² live: G[i][j] = gram[gOffset + i·ldG + j], b_k = rhs[bOffset + k·bStride],
 *  ‖target‖² = rhs[tOffset]. */
export interface SystemLayout {
  n: number;
  ldG: number;
  gOffset: number;
  bOffset: number;
  bStride: number;
  tOffset: number;
}

/** Layout for an augmented (K, K) Gram: basis components 0..n−1 and the target component `target`. */
export function augmented(K: number, n: number, target = n): SystemLayout {
  return { n, ldG: K, gOffset: 0, bOffset: target, bStride: K, tOffset: target * K + target };
}

/** Layout for a packed G (n, n) and rhs = [b…, ‖target‖²]. */
export function packed(n: number): SystemLayout {
  return { n, ldG: n, gOffset: 0, bOffset: 0, bStride: 1, tOffset: n };
}

/** c (n) and info (4) = [residual, relative residual, failed (0/1), λ]. `gram` and `rhs` may be the same tensor. */
export function solve(ctx: GpuContext, c: GpuTensor, info: GpuTensor, gram: GpuTensor, rhs: GpuTensor, sys: SystemLayout, opts: SolveOptions = {}): void {
  if (sys.n < 1 || sys.n > MAX_N) throw new Error(`leastSquares: n = ${sys.n} outside [1, ${MAX_N}]`);
  if (c.shape.reduce((a, b) => a * b, 1) < sys.n) throw new Error(`leastSquares: c ${c.shape} holds fewer than ${sys.n} values`);
  ctx.run('leastSquares', 'solve', {
    bindings: { c, info, gram, rhs },
    uniforms: { ...sys, ridgeAbs: opts.ridgeAbs ?? 0, ridgeRel: opts.ridgeRel ?? 1e-10 },
    workgroups: [1],
  });
}
