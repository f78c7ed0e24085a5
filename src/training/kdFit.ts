// SD-LoRA-KD's least-squares fit on the GPU (spec §11.2): after task t, the new update α_t·U_t·D_t of every
// (block, target) matrix is fitted jointly onto the old directions d_k = U_k·D_k / n_k, one coefficient per old
// task shared by all depth·targets matrices, so that α_k += c_k can absorb it.
// Same contract as the host float64 reference `fitDirection` (src/training/methods.ts).
//
// Maths (never forms a C×C product): stack, per matrix m, U_m = [U_0 … U_{n−1} U_t] (C, R) and
// D_m = [D_0; …; D_{n−1}; D_t] (R, C) with R = Σ ranks; then with P_m = U_mᵀU_m, Q_m = D_m D_mᵀ (R×R)
//   ⟨U_mj D_mj, U_mk D_mk⟩_F = Σ_{a∈j, b∈k} P_m[a][b]·Q_m[a][b],
// and the augmented (n+1)×(n+1) Gram  A[j][k] = Σ_m w_mj w_mk ⟨·,·⟩  with w_mk = 1/n_mk for old components
// and w_mt = α_t for the target holds G (top-left n×n), b (column n) and ‖target‖² (corner).
// Dispatches (5, one submit, one readback of n + 4 floats):
//   frobenius.grams  (P_m, Q_m for all M = depth·targets matrices)  → frobenius.norms (‖U‖‖D‖ and ‖UD‖ per (m, k))
//   → [norm "product": copy ‖UD‖ over the ‖U‖‖D‖ normaliser] → frobenius.blockGram (A)
//   → leastSquares.solve (Cholesky of G + λI, λ = 1e-10·tr(G)/n as on the host) → copy c and info into one tensor.
// Precision: f32 Grams (C-long sums) and an f32 Cholesky; c is accurate to ~cond(G)·ε32, the residual comes from
// ‖target‖² − cᵀb, so relative residuals below ~√(ε32·C) are noise. That is far below the KD threshold (0.69).
// Falls back to the float64 host fit when the kernels cannot take the system (more than 31 old components: the
// kernels hold ≤ 32 components) or the f32 Cholesky reports a non-positive pivot (old directions linearly
// dependent to f32 precision), and says so in `on`/`reason`.

import type { GpuContext } from '../gpu/context';
import type { BankComponent } from '../io/loraBank';
import * as frobenius from '../kernels/frobenius';
import * as leastSquares from '../kernels/leastSquares';
import * as lora from '../kernels/lora';
import { sameTargets } from '../model/vit/loraTargets';
import { fitDirection, type DirectionFit, type RunConfig } from './methods';

export interface GpuDirectionFit extends DirectionFit {
  /** Where it was computed: 'host' when the GPU path could not take this system (see reason). */
  on: 'gpu' | 'host';
  reason?: string;
}

/** Packs the factors of every (block, target) matrix, components side by side: U (M, C, R), D (M, R, C). */
function stack(comps: BankComponent[]): { U: Float32Array; D: Float32Array; M: number; R: number; C: number } {
  const depth = comps[0]!.blocks.length;
  const P = sameTargets(comps.map((c) => c.targets), 'kdFit').length;
  const M = P * depth;
  const C = comps[0]!.blocks[0]![0]!.D.length / comps[0]!.rank; // every target is a C × C slice of qkv
  const R = comps.reduce((s, c) => s + c.rank, 0);
  const U = new Float32Array(M * C * R); // M × (C, R)
  const D = new Float32Array(M * R * C); // M × (R, C)
  let off = 0;
  for (const comp of comps) {
    const r = comp.rank;
    if (comp.blocks.length !== depth) throw new Error(`kdFit: a component has ${comp.blocks.length} blocks, expected ${depth}`);
    comp.blocks.forEach((blk, l) =>
      blk.forEach((f, p) => {
        const m = P * l + p;
        if (f.U.length !== C * r || f.D.length !== r * C) throw new Error(`kdFit: factors of block ${l} are not (${C}, ${r}) and (${r}, ${C})`);
        for (let c = 0; c < C; c++) for (let j = 0; j < r; j++) U[m * C * R + c * R + off + j] = f.U[c * r + j]!;
        D.set(f.D, m * R * C + off * C);
      }),
    );
    off += r;
  }
  return { U, D, M, R, C };
}

/** GPU version of `fitDirection`: coefficients c (α_k += c_k), absolute and relative residual of α_t U_t D_t
 *  against span{U_k D_k / n_k} jointly over all (block, projection) matrices. */
export async function fitDirectionGpu(
  ctx: GpuContext,
  comps: BankComponent[],
  fresh: BankComponent,
  norm: RunConfig['norm'],
): Promise<GpuDirectionFit> {
  const n = comps.length;
  if (n === 0) throw new Error('kdFit: no previous component to fit onto');
  if (n + 1 > leastSquares.MAX_N)
    return { ...fitDirection(comps, fresh, norm), on: 'host', reason: `${n} old components: the GPU kernels take at most ${leastSquares.MAX_N - 1}` };
  const all = [...comps, fresh];
  const { U, D, M, R, C } = stack(all);
  const K = n + 1;
  const lay = lora.createLayout(ctx, all.map((c) => c.rank), 'kdFit.offsets');
  const ws = frobenius.createWorkspace(ctx, { M, dOut: C, dIn: C }, lay, 'kdFit');
  const u = ctx.fromArray(U, [M * C, R], 'kdFit.U');
  const d = ctx.fromArray(D, [M * R, C], 'kdFit.D');
  const weights = ctx.fromArray(Float32Array.from(all, (c, k) => (k < n ? 1 : c.alpha)), [K], 'kdFit.weights');
  const gram = ctx.tensor([K, K], 'kdFit.gram');
  const coef = ctx.tensor([n], 'kdFit.c');
  const info = ctx.tensor([4], 'kdFit.info');
  const out = ctx.tensor([n + 4], 'kdFit.out');
  try {
    frobenius.grams(ctx, ws, u, d, lay);
    frobenius.norms(ctx, ws, lay);
    // blockGram normalises by ws.normProd; the paper's ‖UD‖ normaliser is the sibling output of `norms`.
    if (norm === 'product') ctx.copy(ws.normProd, ws.normUD);
    frobenius.blockGram(ctx, gram, ws, weights, lay, (2 ** n - 1) >>> 0);
    leastSquares.solve(ctx, coef, info, gram, gram, leastSquares.augmented(K, n));
    ctx.copyRange(out, 0, coef, 0, n);
    ctx.copyRange(out, n, info, 0, 4);
    const v = await ctx.read(out);
    const [absolute, relative, failed] = [v[n]!, v[n + 1]!, v[n + 2]!];
    if (failed !== 0 || !Number.isFinite(absolute) || !Number.isFinite(relative))
      return { ...fitDirection(comps, fresh, norm), on: 'host', reason: 'the f32 Cholesky met a non-positive pivot (old directions nearly dependent)' };
    return { coefficients: Array.from(v.subarray(0, n)), absolute, relative, on: 'gpu' };
  } finally {
    frobenius.releaseWorkspace(ctx, ws);
    ctx.release(lay.offsets, u, d, weights, gram, coef, info, out);
  }
}
