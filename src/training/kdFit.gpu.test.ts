// SD-LoRA-KD's least-squares fit on the GPU (src/training/kdFit.ts) against the float64 host fit
// (methods.ts fitDirection), and the KD fold through the real method (createMethod → endTask with a GpuViT).
//
// Tolerances. The GPU forms the augmented Gram in f32 (each entry: C-long dot products, then Σ over M matrices of
// r_j·r_k products, one division by a norm per weight) and solves it by an f32 Cholesky. Let
// tol = ULPS·ε32·√L with L = C + M·r_max² + n the longest chain of roundings behind an entry (as in
// src/kernels/frobenius.gpu.test.ts; ULPS = 32 as there for the Gram with its normalisation; the Cholesky of an
// n ≤ 5 system adds O(n·ε32), inside that; measured errors stay below 2 % of these bounds). Judged against the host's float64 system (G + λI) c = b, ‖target‖² = tt:
//   backward error  ‖(G + λI)ĉ − b‖_∞ ≤ tol·(‖G‖_∞‖ĉ‖_∞ + ‖b‖_∞)  (Cholesky is backward stable; no cond(G));
//   residual        the GPU's tt̂ − ĉᵀb̂ differs from the host's tt − cᵀb by at most Δtt + |ĉᵀΔb| + |(ĉ − c)ᵀb|,
//                   and (ĉ − c)ᵀb = ((G + λI)(ĉ − c))ᵀc is the backward error dotted with c, so
//                   |res²_gpu − res²_host| ≤ tol·(tt + ‖ĉ‖₁‖b‖_∞ + ‖c‖₁(‖G‖_∞‖ĉ‖_∞ + ‖b‖_∞)): again free of cond(G).
//   coefficients    forward error ≤ ‖(G + λI)⁻¹‖_∞ × that backward bound (computed here in float64).
import { expect, it } from 'vitest';
import type { BankComponent, BankFactors } from '../io/loraBank';
import { GpuViT } from '../model/vit/gpuVit';
import { presets, type ViTConfig } from '../model/vit/config';
import type { LoraTarget } from '../model/vit/loraTargets';
import { EPS32 } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, normal } from '../testing/rng';
import { randomParams } from '../testing/vitFixtures';
import { fitDirectionGpu } from './kdFit';
import { createMethod, directionSystem, fitDirection, parseRunConfig, type MethodState, type RunConfig } from './methods';

const ULPS = 32;

/** A component with random factors: per block and target, U (dOut, r), D (r, dIn), C × C unless `shapes` says
 *  otherwise (fc1 is F × C, fc2 C × F). `rows` zeroes rows of U outside it. */
function component(
  depth: number,
  C: number,
  rank: number,
  alpha: number,
  seed: number,
  normalized = true,
  rows?: (o: number) => boolean,
  targets: readonly LoraTarget[] = ['q', 'v'],
  shapes: (t: LoraTarget) => [number, number] = () => [C, C],
): BankComponent {
  const U = (dOut: number, s: number) => {
    const u = f32(normal(dOut * rank, s, 0.5));
    if (rows) for (let o = 0; o < dOut; o++) if (!rows(o)) u.fill(0, o * rank, (o + 1) * rank);
    return u;
  };
  return {
    rank,
    alpha,
    normalized,
    targets,
    blocks: Array.from({ length: depth }, (_, l) =>
      targets.map((t, i) => {
        const [dOut, dIn] = shapes(t);
        return { U: U(dOut, seed + 12 * l + 2 * i), D: f32(normal(rank * dIn, seed + 12 * l + 2 * i + 1, 0.5)) };
      }),
    ),
  };
}

const frob = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

/** ‖U D‖_F in float64 (for the paper's "product" normaliser); U (dOut, r), D (r, dIn). */
function normUD(U: Float32Array, D: Float32Array, r: number): number {
  const dOut = U.length / r;
  const dIn = D.length / r;
  let s = 0;
  for (let o = 0; o < dOut; o++)
    for (let i = 0; i < dIn; i++) {
      let a = 0;
      for (let j = 0; j < r; j++) a += U[o * r + j]! * D[j * dIn + i]!;
      s += a * a;
    }
  return Math.sqrt(s);
}

/** A new, unnormalised component (α = 1) whose update is exactly Σ_k coef_k·d_k in every matrix: the old factors
 *  side by side, U columns scaled by coef_k / n_k. */
function combination(old: BankComponent[], coef: number[], norm: RunConfig['norm']): BankComponent {
  const rank = old.reduce((s, c) => s + c.rank, 0);
  return {
    rank,
    alpha: 1,
    normalized: false,
    targets: old[0]!.targets,
    blocks: old[0]!.blocks.map((blk, l) => {
      const mk = (p: number) => {
        const dOut = blk[p]!.U.length / old[0]!.rank;
        const dIn = blk[p]!.D.length / old[0]!.rank;
        const U = new Float32Array(dOut * rank);
        const D = new Float32Array(rank * dIn);
        let off = 0;
        old.forEach((comp, k) => {
          const f = comp.blocks[l]![p]!;
          const n = norm === 'factors' ? frob(f.U) * frob(f.D) : normUD(f.U, f.D, comp.rank);
          const s = coef[k]! / n;
          for (let o = 0; o < dOut; o++) for (let j = 0; j < comp.rank; j++) U[o * rank + off + j] = s * f.U[o * comp.rank + j]!;
          D.set(f.D, off * dIn);
          off += comp.rank;
        });
        return { U, D };
      };
      return blk.map((_f, p) => mk(p));
    }),
  };
}

/** The component whose update is U_a D_a + U_b D_b in every matrix (factors side by side, α = 1). */
function concat(a: BankComponent, b: BankComponent): BankComponent {
  const rank = a.rank + b.rank;
  const join = (fa: BankFactors, fb: BankFactors): BankFactors => {
    const dOut = fa.U.length / a.rank;
    const U = new Float32Array(dOut * rank);
    for (let o = 0; o < dOut; o++) {
      U.set(fa.U.subarray(o * a.rank, (o + 1) * a.rank), o * rank);
      U.set(fb.U.subarray(o * b.rank, (o + 1) * b.rank), o * rank + a.rank);
    }
    const D = new Float32Array(fa.D.length + fb.D.length);
    D.set(fa.D, 0);
    D.set(fb.D, fa.D.length);
    return { U, D };
  };
  return { rank, alpha: 1, normalized: false, targets: a.targets, blocks: a.blocks.map((blk, l) => blk.map((f, i) => join(f, b.blocks[l]![i]!))) };
}

const infNorm = (v: number[]) => Math.max(0, ...v.map(Math.abs));
const oneNorm = (v: number[]) => v.reduce((s, x) => s + Math.abs(x), 0);
const matInf = (G: number[][]) => Math.max(...G.map((r) => oneNorm(r)));

/** ‖A⁻¹‖_∞ of a small SPD matrix by Gauss–Jordan in float64. */
function invInfNorm(A: number[][]): number {
  const n = A.length;
  const M = A.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let i = 0; i < n; i++) {
    const p = M[i]![i]!;
    for (let j = 0; j < 2 * n; j++) M[i]![j]! /= p;
    for (let k = 0; k < n; k++)
      if (k !== i) {
        const f = M[k]![i]!;
        for (let j = 0; j < 2 * n; j++) M[k]![j]! -= f * M[i]![j]!;
      }
  }
  return Math.max(...M.map((r) => oneNorm(r.slice(n))));
}

/** Checks a GPU fit against the float64 system with the bounds of the header; returns the forward bound on c. */
function checkAgainstHost(old: BankComponent[], fresh: BankComponent, C: number, norm: RunConfig['norm'], gpu: { coefficients: number[]; absolute: number; relative: number }, label: string): number {
  const { G, b, tt } = directionSystem(old, fresh, norm);
  const host = fitDirection(old, fresh, norm);
  const n = old.length;
  const M = old[0]!.targets.length * old[0]!.blocks.length;
  const rMax = Math.max(fresh.rank, ...old.map((c) => c.rank));
  const tol = ULPS * EPS32 * Math.sqrt(C + M * rMax * rMax + n);
  const ridge = (1e-10 * G.reduce((s, r, i) => s + r[i]!, 0)) / n;
  const Gr = G.map((r, i) => r.map((x, j) => x + (i === j ? ridge : 0)));
  const c = gpu.coefficients;
  const backward = infNorm(Gr.map((r, i) => r.reduce((s, x, j) => s + x * c[j]!, 0) - b[i]!));
  const backBound = tol * (matInf(G) * infNorm(c) + infNorm(b));
  expect(backward, `${label}: backward error`).toBeLessThanOrEqual(backBound);
  const fwdBound = invInfNorm(Gr) * backBound;
  const fwd = infNorm(c.map((x, k) => x - host.coefficients[k]!));
  expect(fwd, `${label}: coefficients vs host (bound ${fwdBound.toExponential(2)})`).toBeLessThanOrEqual(fwdBound);
  const resBound = tol * (tt + oneNorm(c) * infNorm(b) + oneNorm(host.coefficients) * (matInf(G) * infNorm(c) + infNorm(b)));
  expect(Math.abs(gpu.absolute ** 2 - host.absolute ** 2), `${label}: residual² vs host`).toBeLessThanOrEqual(resBound);
  expect(Math.abs(gpu.relative ** 2 - host.relative ** 2), `${label}: relative residual² vs host`).toBeLessThanOrEqual(resBound / tt);
  return fwdBound;
}

interface Case {
  depth: number;
  C: number;
  ranks: number[]; // old components
  freshRank: number;
  norm: RunConfig['norm'];
  targets?: readonly LoraTarget[];
  /** (dOut, dIn) per target (default C × C). */
  shapes?: (t: LoraTarget) => [number, number];
}

const cases: Case[] = [
  { depth: 1, C: 7, ranks: [1], freshRank: 1, norm: 'factors' },
  { depth: 2, C: 13, ranks: [3, 2], freshRank: 4, norm: 'factors' },
  { depth: 3, C: 17, ranks: [2, 5, 1], freshRank: 3, norm: 'product' },
  { depth: 2, C: 33, ranks: [4, 4, 2, 3], freshRank: 5, norm: 'factors' },
  { depth: 4, C: 48, ranks: [10, 8, 6, 6, 10], freshRank: 10, norm: 'product' },
  { depth: 2, C: 19, ranks: [3, 2], freshRank: 4, norm: 'factors', targets: ['q', 'k', 'v'] },
  // fc1 (F × C) and fc2 (C × F) next to C × C maps: three matrix shapes in one fit.
  { depth: 2, C: 12, ranks: [3, 2, 4], freshRank: 3, norm: 'product', targets: ['v', 'proj', 'fc1', 'fc2'], shapes: (t) => (t === 'fc1' ? [48, 12] : t === 'fc2' ? [12, 48] : [12, 12]) },
];

await describeGpu('SD-LoRA-KD least-squares fit on the GPU', (ctx) => {
  for (const cs of cases) {
    const name = `depth ${cs.depth}, C ${cs.C}, old ranks [${cs.ranks}], new rank ${cs.freshRank}, norm ${cs.norm}, targets ${(cs.targets ?? ['q', 'v']).join('')}`;
    // The longest Gram reduction (the tolerance grows with it): fc1/fc2 sum over F.
    const longest = Math.max(cs.C, ...(cs.targets ?? []).flatMap((t) => cs.shapes?.(t) ?? [cs.C]));
    const mk = (rank: number, alpha: number, seed: number, normalized = true, rows?: (o: number) => boolean) => component(cs.depth, cs.C, rank, alpha, seed, normalized, rows, cs.targets, cs.shapes);
    it(`random bank: ${name}`, async () => {
      const old = cs.ranks.map((r, k) => mk(r, 0.5 + 0.3 * k, 100 * k + cs.C));
      // Partly in the span (so the coefficients are not all ~0): fresh = random + combination.
      // U·D of N(0, 0.25) factors has ‖·‖_F ≈ 0.25·C·√r while a normalised direction has ≤ 1: scale it to ~1.
      const rnd = mk(cs.freshRank, 0.9, 7777 + cs.C, false);
      for (const blk of rnd.blocks) for (const f of blk) f.U.forEach((x, i) => (f.U[i] = x / (0.25 * cs.C * Math.sqrt(cs.freshRank))));
      const comb = combination(old, old.map((_, k) => (k % 2 ? -0.4 : 0.6)), cs.norm);
      const fresh = { ...concat(rnd, comb), alpha: 0.9 };
      const gpu = await fitDirectionGpu(ctx(), old, fresh, cs.norm);
      expect(gpu.on).toBe('gpu');
      checkAgainstHost(old, fresh, longest, cs.norm, gpu, name);
      expect(gpu.relative).toBeGreaterThan(0.1);
      expect(gpu.relative).toBeLessThan(0.95);
    });

    it(`exact combination → residual ≈ 0, coefficients recovered: ${name}`, async () => {
      const old = cs.ranks.map((r, k) => mk(r, 1, 300 * k + cs.C + 1));
      const want = old.map((_, k) => [0.7, -0.3, 1.2, -0.05, 0.4][k]!);
      const fresh = combination(old, want, cs.norm);
      const gpu = await fitDirectionGpu(ctx(), old, fresh, cs.norm);
      expect(gpu.on).toBe('gpu');
      const fwdBound = checkAgainstHost(old, fresh, longest, cs.norm, gpu, name);
      // The host solution differs from `want` only by the f32 rounding of the scaled U columns (≤ ε32·cond).
      const host = fitDirection(old, fresh, cs.norm);
      for (let k = 0; k < want.length; k++) {
        expect(Math.abs(host.coefficients[k]! - want[k]!), `host c_${k}`).toBeLessThan(1e-5);
        expect(Math.abs(gpu.coefficients[k]! - want[k]!), `gpu c_${k}`).toBeLessThanOrEqual(fwdBound + 1e-5);
      }
      // tt − cᵀb cancels in f32: its noise is ~tol·tt, so the relative residual is ~√tol (≈ 1e-2 at most here).
      expect(gpu.relative).toBeLessThan(0.03);
    });

    it(`near-orthogonal new direction → relative residual ≈ 1: ${name}`, async () => {
      // Old U's live in the first half of the output rows, the new one in the second half: ⟨U_k D_k, U_t D_t⟩_F =
      // tr(D_kᵀ U_kᵀ U_t D_t) = 0 exactly; a 1e-3 leak of U_t into the first half makes it "near".
      const half = Math.floor(cs.C / 2);
      const old = cs.ranks.map((r, k) => mk(r, 1, 500 * k + cs.C, true, (o) => o < half));
      const fresh = mk(cs.freshRank, 0.8, 4242 + cs.C, false);
      for (const blk of fresh.blocks) for (const f of blk) for (let i = 0; i < half * cs.freshRank; i++) f.U[i]! *= 1e-3;
      const gpu = await fitDirectionGpu(ctx(), old, fresh, cs.norm);
      expect(gpu.on).toBe('gpu');
      checkAgainstHost(old, fresh, longest, cs.norm, gpu, name);
      expect(gpu.relative).toBeGreaterThan(0.999);
      expect(gpu.relative).toBeLessThanOrEqual(1 + 1e-4);
    });
  }

  // The KD fold through the real method: a GpuViT holds the trained (here: constructed) new component, endTask
  // fits it on the GPU and folds it; the merged weights must not change.
  const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
  const C = config.width;
  const base = new Map([...randomParams(config, 3)].filter(([k]) => !k.startsWith('head.')));

  async function endTaskWith(fresh: BankComponent, old: BankComponent[]): Promise<{ before: MethodState; after: MethodState }> {
    const cfg = parseRunConfig({ method: 'sdlora-kd', alphaMode: 'carry', rank: fresh.rank });
    const method = createMethod(cfg, config, base, { ctx: ctx() });
    const state: MethodState = { ...method.initialState(), components: old };
    const plan = method.beginTask(state, old.length, 2, 4);
    const vit = new GpuViT(ctx(), config, plan.params, { batch: 1, mode: plan.mode, lora: plan.lora });
    try {
      vit.setLora({ ...plan.loraState, alphaTrainable: fresh.alpha, trainable: fresh.blocks });
      const after = await method.endTask(state, old.length, vit);
      const before: MethodState = { ...state, head: after.head, components: [...state.components, fresh] };
      return { before, after };
    } finally {
      vit.destroy();
    }
  }

  it('KD fold of an exactly representable update preserves the merged weights', async () => {
    const old = [component(config.depth, C, 3, 1.1, 10), component(config.depth, C, 2, 0.6, 20)];
    const want = [0.7, -0.3];
    const fresh = combination(old, want, 'factors');
    const { before, after } = await endTaskWith(fresh, old);
    expect(after.components.length, 'folded: no new direction').toBe(2);
    expect(after.lastResidual!).toBeLessThan(0.03);
    const alphaErr = after.components.map((c, k) => Math.abs(c.alpha - (old[k]!.alpha + want[k]!)));
    expect(Math.max(...alphaErr), 'α_k += c_k').toBeLessThan(1e-4);
    const cfg = parseRunConfig({ method: 'sdlora-kd', alphaMode: 'carry' });
    const method = createMethod(cfg, config, base);
    const a = method.evalParams(before);
    const b = method.evalParams(after);
    for (let l = 0; l < config.depth; l++) {
      const name = `blocks.${l}.attn.qkv.weight`;
      const wa = a.get(name)!;
      const wb = b.get(name)!;
      // |ΔW| ≤ Σ_k |Δα_k|·max|d_k| + f32 rounding of the merge (R-long sums of |W|-sized terms).
      let maxD = 0;
      let maxW = 0;
      for (const comp of old)
        for (const f of comp.blocks[l]!) {
          const n = frob(f.U) * frob(f.D);
          for (let o = 0; o < C; o++)
            for (let i = 0; i < C; i++) {
              let s = 0;
              for (let j = 0; j < comp.rank; j++) s += f.U[o * comp.rank + j]! * f.D[j * C + i]!;
              maxD = Math.max(maxD, Math.abs(s / n));
            }
        }
      for (let i = 0; i < wa.length; i++) maxW = Math.max(maxW, Math.abs(wa[i]!));
      const tolW = alphaErr.reduce((s, e) => s + e, 0) * maxD + 64 * EPS32 * Math.sqrt(fresh.rank) * maxW;
      let worst = 0;
      for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!));
      expect(worst, `block ${l}: max |ΔW| (tolerance ${tolW.toExponential(2)})`).toBeLessThanOrEqual(tolW);
    }
  });

  it('an unrelated new direction is kept (relative residual above τ = 0.69)', async () => {
    const old = [component(config.depth, C, 2, 1, 30)];
    const fresh = component(config.depth, C, 2, 0.8, 40, false);
    const { after } = await endTaskWith(fresh, old);
    expect(after.lastResidual!).toBeGreaterThan(0.69);
    expect(after.components.length).toBe(2);
    expect(after.components[1]!.normalized).toBe(false);
    expect(after.components[0]!.alpha).toBe(old[0]!.alpha);
  });
});
