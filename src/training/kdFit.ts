// SD-LoRA-KD's least-squares fit on the GPU (spec §11.2): after task t, the new update α_t·U_t·D_t of every
// (block, target) matrix is fitted jointly onto the old directions d_k = U_k·D_k / n_k, one coefficient per old
// task shared by all depth·targets matrices, so that α_k += c_k can absorb it.
// Same contract as the host float64 reference `fitDirection` (src/training/methods.ts).
//
// Maths (never forms a dOut×dIn product): stack, per matrix m, U_m = [U_0 … U_{n−1} U_t] (dOut, R) and
// D_m = [D_0; …; D_{n−1}; D_t] (R, dIn) with R = Σ ranks; then with P_m = U_mᵀU_m, Q_m = D_m D_mᵀ (R×R)
//   ⟨U_mj D_mj, U_mk D_mk⟩_F = Σ_{a∈j, b∈k} P_m[a][b]·Q_m[a][b],
// and the augmented (n+1)×(n+1) Gram  A[j][k] = Σ_m w_mj w_mk ⟨·,·⟩  with w_mk = 1/n_mk for old components
// and w_mt = α_t for the target holds G (top-left n×n), b (column n) and ‖target‖² (corner).
// Dispatches (one submit, one readback of n + 4 floats):
//   frobenius.grams  (P_m, Q_m for all M = depth·targets matrices; once per matrix shape, the R×R Grams copied
//                     side by side when fc1/fc2 make several shapes)  → frobenius.norms (‖U‖‖D‖ and ‖UD‖ per (m, k))
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

/** The matrices of one shape (dOut, dIn), components side by side: U (M, dOut, R), D (M, R, dIn). */
interface ShapeGroup {
  dOut: number;
  dIn: number;
  M: number;
  U: Float32Array;
  D: Float32Array;
}

/** Packs the factors of every (block, target) matrix, grouped by shape (the qkv slices and proj are C × C, fc1
 *  F × C, fc2 C × F): the Gram kernels take one shape per dispatch; the Grams themselves are R × R whatever the
 *  shape, so the groups' Grams are laid side by side for the rest of the fit. */
function stack(comps: BankComponent[]): { groups: ShapeGroup[]; M: number; R: number } {
  const depth = comps[0]!.blocks.length;
  const targets = sameTargets(comps.map((c) => c.targets), 'kdFit');
  const R = comps.reduce((s, c) => s + c.rank, 0);
  const r0 = comps[0]!.rank;
  const shapes = targets.map((_t, i) => ({ dOut: comps[0]!.blocks[0]![i]!.U.length / r0, dIn: comps[0]!.blocks[0]![i]!.D.length / r0 }));
  const groups: (ShapeGroup & { members: number[] })[] = [];
  shapes.forEach((sh, i) => {
    const g = groups.find((x) => x.dOut === sh.dOut && x.dIn === sh.dIn);
    if (g) g.members.push(i);
    else groups.push({ ...sh, M: 0, U: new Float32Array(0), D: new Float32Array(0), members: [i] });
  });
  for (const g of groups) {
    const { dOut, dIn } = g;
    g.M = g.members.length * depth;
    g.U = new Float32Array(g.M * dOut * R); // M × (dOut, R)
    g.D = new Float32Array(g.M * R * dIn); // M × (R, dIn)
    let off = 0;
    for (const comp of comps) {
      const r = comp.rank;
      if (comp.blocks.length !== depth) throw new Error(`kdFit: a component has ${comp.blocks.length} blocks, expected ${depth}`);
      comp.blocks.forEach((blk, l) =>
        g.members.forEach((i, j) => {
          const f = blk[i]!;
          const m = g.members.length * l + j;
          if (f.U.length !== dOut * r || f.D.length !== r * dIn) throw new Error(`kdFit: factors of block ${l} ${targets[i]} are not (${dOut}, ${r}) and (${r}, ${dIn})`);
          for (let c = 0; c < dOut; c++) for (let k = 0; k < r; k++) g.U[m * dOut * R + c * R + off + k] = f.U[c * r + k]!;
          g.D.set(f.D, m * R * dIn + off * dIn);
        }),
      );
      off += r;
    }
  }
  return { groups, M: groups.reduce((n, g) => n + g.M, 0), R };
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
  const { groups, M, R } = stack(all);
  const K = n + 1;
  const lay = lora.createLayout(ctx, all.map((c) => c.rank), 'kdFit.offsets');
  // The Grams of all M matrices; with one shape they are computed in place, with several per shape and copied in
  // (norms and blockGram read only the Grams).
  const single = groups.length === 1 ? groups[0]! : null;
  const ws = frobenius.createWorkspace(ctx, { M, dOut: single?.dOut ?? 1, dIn: single?.dIn ?? 1 }, lay, 'kdFit');
  const parts = groups.map((g, i) => ({
    ws: single ? ws : frobenius.createWorkspace(ctx, { M: g.M, dOut: g.dOut, dIn: g.dIn }, lay, `kdFit.${i}`),
    u: ctx.fromArray(g.U, [g.M * g.dOut, R], `kdFit.U${i}`),
    d: ctx.fromArray(g.D, [g.M * R, g.dIn], `kdFit.D${i}`),
  }));
  const weights = ctx.fromArray(Float32Array.from(all, (c, k) => (k < n ? 1 : c.alpha)), [K], 'kdFit.weights');
  const gram = ctx.tensor([K, K], 'kdFit.gram');
  const coef = ctx.tensor([n], 'kdFit.c');
  const info = ctx.tensor([4], 'kdFit.info');
  const out = ctx.tensor([n + 4], 'kdFit.out');
  try {
    let m0 = 0;
    parts.forEach((p, i) => {
      frobenius.grams(ctx, p.ws, p.u, p.d, lay);
      if (p.ws !== ws) {
        ctx.copyRange(ws.gramU, m0 * R * R, p.ws.gramU, 0, groups[i]!.M * R * R);
        ctx.copyRange(ws.gramD, m0 * R * R, p.ws.gramD, 0, groups[i]!.M * R * R);
      }
      m0 += groups[i]!.M;
    });
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
    for (const p of parts) {
      if (p.ws !== ws) frobenius.releaseWorkspace(ctx, p.ws);
      ctx.release(p.u, p.d);
    }
    ctx.release(lay.offsets, weights, gram, coef, info, out);
  }
}
