// Continual-learning methods behind one small interface. Each decides, per task, what the GpuViT trains
// and how its LoRA state looks, and folds the trained state back into host-side MethodState afterwards.
//   sdlora     SD-LoRA (ICLR 2025) as the authors' code runs it (spec §4–7): per task a new rank-r pair on q and v of
//              every block (U = 0, D Kaiming-uniform), earlier pairs frozen as directions U D/(‖U‖‖D‖) (or /‖UD‖ with
//              norm "product"), one α per task shared by all blocks and q, v; α reset to alphaInit each task (code) or
//              carried (paper's text). `targets` chooses the adapted maps (any of q, k, v, proj, fc1, fc2; default q, v)
//              for every LoRA method.
//   sdlora-rr  SD-LoRA with a rank schedule by task index (default 10 → 8 at task 4 → 6 at task 8).
//   sdlora-kd  SD-LoRA whose new direction, when the old ones explain it (relative least-squares residual ≤ τ), is
//              folded into their α's and dropped (spec §11; needs alphaMode "carry"). The fit runs on the GPU
//              (kdFit.ts) when createMethod gets a GpuContext (the runner passes one), else in float64 here.
//   seq-lora   one LoRA pair trained on every task in turn.   seq-full   every weight trained on every task.
//   ncm        no training: nearest class mean on the frozen backbone's features (a reference point).
//   Ablations of the paper's Table 4 (spec §12):
//   first-direction       W0 + α·norm(U_1 D_1): the first task's LoRA, then only its α (and the head) on later tasks.
//   fixed-magnitudes      W0 + Σ_{k<t} norm(U_k D_k) + α_t U_t D_t: previous directions fixed at α = 1, not re-scaled.
//   one-direction         W0 + α·norm(U D): one decoupled component whose direction and magnitude both train on every
//                         task; at each task boundary it is normalised (U D/n, so α is its magnitude) and α is reset
//                         to alphaInit (or carried as α·n, alphaMode "carry"), as SD-LoRA treats a finished component.
// Heads: the code's growing linear head, loss over the current task's logits only (spec §7), or class prototypes.

import type { GpuContext } from '../gpu/context';
import type { BankComponent, BankFactors } from '../io/loraBank';
import type { ViTConfig } from '../model/vit/config';
import { DEFAULT_TARGETS, parseTargets, sameTargets, targetSite, type LoraTarget } from '../model/vit/loraTargets';
import type { GpuViT, LoraSetup, TrainMode } from '../model/vit/gpuVit';
import type { ParamTable } from '../model/vit/params';
import { mulberry32 as rng } from '../data/random';
import type { ImageRef } from './experiment';
import { fitDirectionGpu } from './kdFit';

export const METHODS = ['sdlora', 'sdlora-rr', 'sdlora-kd', 'seq-lora', 'seq-full', 'ncm', 'first-direction', 'fixed-magnitudes', 'one-direction'] as const;
export type MethodName = (typeof METHODS)[number];

export interface RunConfig {
  method: MethodName;
  seed: number;
  tasks: number;
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  momentum: number;
  milestones: number[]; // epochs at which the learning rate is multiplied by gamma
  gamma: number;
  rank: number;
  /** The maps every LoRA component adapts in each block (canonical order; default q, v as the authors' code). */
  targets: LoraTarget[];
  /** SD-LoRA-RR: [task index, rank] pairs, the rank from that task on. */
  rankSchedule: [number, number][];
  alphaInit: number;
  alphaMode: 'reset' | 'carry';
  norm: 'factors' | 'product';
  kdThreshold: number;
  head: 'linear' | 'prototype';
  augment: boolean;
  cropScale: [number, number];
  flip: boolean;
  /** An explicit class order (order[k] = original label of new label k), e.g. edited in the playground; absent:
   *  the seeded order of the authors' code. Tasks are still equal consecutive slices of it. */
  classOrder?: number[];
}

export const DEFAULT_CONFIG: RunConfig = {
  method: 'sdlora',
  seed: 1,
  tasks: 5,
  epochs: 5,
  batchSize: 32,
  optimizer: 'sgd',
  learningRate: 0.01,
  momentum: 0.9,
  milestones: [],
  gamma: 0.1,
  rank: 10,
  targets: [...DEFAULT_TARGETS],
  rankSchedule: [
    [0, 10],
    [4, 8],
    [8, 6],
  ],
  alphaInit: 0.8,
  alphaMode: 'reset',
  norm: 'factors',
  kdThreshold: 0.69,
  head: 'linear',
  augment: true,
  cropScale: [0.7, 1],
  flip: true,
};

/** Validates a partial config against the defaults; errors list the valid choices. */
export function parseRunConfig(input: Record<string, unknown>): RunConfig {
  const c = { ...DEFAULT_CONFIG, ...input } as RunConfig;
  const errs: string[] = [];
  const known = new Set([...Object.keys(DEFAULT_CONFIG), 'classOrder']);
  for (const k of Object.keys(input)) if (!known.has(k)) errs.push(`unknown field '${k}' (fields: ${[...known].join(', ')})`);
  if (!METHODS.includes(c.method)) errs.push(`method must be one of: ${METHODS.join(', ')} (got '${c.method}')`);
  for (const k of ['tasks', 'epochs', 'batchSize', 'rank'] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1) errs.push(`${k} must be a positive integer (got ${String(c[k])})`);
  if (!Number.isInteger(c.seed) || c.seed < 0) errs.push(`seed must be an integer ≥ 0 (got ${String(c.seed)})`);
  if (!(c.learningRate > 0)) errs.push(`learningRate must be > 0`);
  if (!['sgd', 'adam'].includes(c.optimizer)) errs.push(`optimizer must be one of: sgd, adam`);
  if (!['reset', 'carry'].includes(c.alphaMode)) errs.push(`alphaMode must be one of: reset, carry`);
  if (!['factors', 'product'].includes(c.norm)) errs.push(`norm must be one of: factors, product`);
  if (!['linear', 'prototype'].includes(c.head)) errs.push(`head must be one of: linear, prototype`);
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!num(c.momentum) || c.momentum < 0 || c.momentum >= 1) errs.push(`momentum must be in [0, 1) (got ${String(c.momentum)})`);
  if (!num(c.gamma) || c.gamma <= 0) errs.push(`gamma must be > 0 (got ${String(c.gamma)})`);
  if (!num(c.alphaInit)) errs.push(`alphaInit must be a number (got ${String(c.alphaInit)})`);
  if (!num(c.kdThreshold) || c.kdThreshold < 0) errs.push(`kdThreshold must be ≥ 0 (got ${String(c.kdThreshold)})`);
  if (!Array.isArray(c.milestones) || !c.milestones.every((m) => Number.isInteger(m) && m >= 1)) errs.push('milestones must be a list of epochs (integers ≥ 1)');
  if (!Array.isArray(c.rankSchedule) || !c.rankSchedule.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && p[0] >= 0 && Number.isInteger(p[1]) && p[1] >= 1))
    errs.push('rankSchedule must be a list of [task index ≥ 0, rank ≥ 1] pairs');
  if (!Array.isArray(c.cropScale) || c.cropScale.length !== 2 || !c.cropScale.every(num) || !(c.cropScale[0] > 0 && c.cropScale[0] <= c.cropScale[1] && c.cropScale[1] <= 1))
    errs.push('cropScale must be [min, max] with 0 < min ≤ max ≤ 1');
  try {
    c.targets = parseTargets(c.targets);
  } catch (e) {
    errs.push((e as Error).message);
  }
  if (c.classOrder !== undefined) {
    const o: unknown = c.classOrder;
    if (!Array.isArray(o) || !o.every((x) => Number.isInteger(x) && x >= 0) || new Set(o).size !== o.length)
      errs.push('classOrder must be a list of distinct class ids (integers ≥ 0)');
  }
  if (c.method === 'sdlora-kd' && c.alphaMode !== 'carry') errs.push(`sdlora-kd needs alphaMode "carry" (a merged α would be reset at the next task)`);
  if (errs.length) throw new Error(`invalid run config: ${errs.join('; ')}`);
  if (c.method === 'ncm') c.head = 'prototype';
  return c;
}

/** Host-side state carried from task to task: everything a run needs to resume. */
export interface MethodState {
  base: ParamTable; // backbone weights (no head)
  head: { weight: Float32Array; bias: Float32Array } | null; // (K, C), (K)
  components: BankComponent[]; // SD-LoRA components; the last is un-normalised right after its task
  seqLora: BankComponent | null; // the single pair of seq-lora and one-direction
  prototypes: Float32Array | null; // (K, C) class means
  lastResidual: number | null; // relative least-squares residual of the newest direction (Fig. 3a)
  absResidual: number | null;
}

export interface TaskPlan {
  train: boolean;
  /** Train the previous components' magnitudes (SD-LoRA: yes; the fixed-magnitudes ablation: no). */
  trainAlphaFrozen: boolean;
  mode: TrainMode;
  lora: LoraSetup;
  loraState: Parameters<GpuViT['setLora']>[0];
  params: ParamTable; // backbone + head for this task
}

export interface Method {
  initialState(): MethodState;
  beginTask(state: MethodState, t: number, lo: number, hi: number): TaskPlan;
  endTask(state: MethodState, t: number, vit: GpuViT | null): Promise<MethodState>;
  evalParams(state: MethodState): ParamTable;
  updatePrototypes(
    state: MethodState,
    t: number,
    features: (refs: ImageRef[]) => Promise<Float32Array[]>,
    train: ImageRef[],
    newLabel: Map<number, number>,
  ): Promise<MethodState>;
}

const frob = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

/** ⟨U_a D_a, U_b D_b⟩_F through r×r Grams: Σ_ij (U_aᵀU_b)_ij (D_a D_bᵀ)_ij (never forms the full matrix).
 *  U (dOut, r), D (r, dIn); the dimensions come from the factors' lengths. */
export function lowRankInner(a: BankFactors, ra: number, b: BankFactors, rb: number): number {
  const dOut = a.U.length / ra;
  const dIn = a.D.length / ra;
  let s = 0;
  for (let i = 0; i < ra; i++)
    for (let j = 0; j < rb; j++) {
      let uu = 0;
      let dd = 0;
      for (let c = 0; c < dOut; c++) uu += a.U[c * ra + i]! * b.U[c * rb + j]!;
      for (let c = 0; c < dIn; c++) dd += a.D[i * dIn + c]! * b.D[j * dIn + c]!;
      s += uu * dd;
    }
  return s;
}

/** The normaliser n of one matrix's factors: ‖U‖‖D‖ (code) or ‖UD‖ (paper). */
function normOf(f: BankFactors, rank: number, norm: RunConfig['norm']): number {
  const n = norm === 'factors' ? frob(f.U) * frob(f.D) : Math.sqrt(Math.max(0, lowRankInner(f, rank, f, rank)));
  return Math.max(n, 1e-12);
}

/** Solves the small SPD system (G + ridge I) c = b by Cholesky in float64. */
function solveSpd(G: number[][], b: number[]): number[] {
  const n = b.length;
  const tr = G.reduce((s, r, i) => s + r[i]!, 0);
  const ridge = (1e-10 * tr) / Math.max(1, n);
  const L = G.map((r) => r.map(() => 0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = G[i]![j]! + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j]![j]!;
    }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!;
    y[i] = s / L[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k]![i]! * x[k]!;
    x[i] = s / L[i]![i]!;
  }
  return x;
}

/** Result of the SD-LoRA-KD fit: α_k += coefficients[k] folds the new update into the old directions. */
export interface DirectionFit {
  coefficients: number[];
  absolute: number; // ‖α_t U_t D_t − Σ_k c_k d_k‖_F over all matrices
  relative: number; // absolute / ‖α_t U_t D_t‖_F
}

/** The normal equations of the joint fit in float64 (spec §11.2): G[j][k] = ⟨d_j, d_k⟩, b[k] = ⟨d_k, target⟩,
 *  tt = ‖target‖², each summed over all (block, projection) matrices; d_k = U_k D_k / n_k, target α_t U_t D_t. */
export function directionSystem(
  comps: BankComponent[],
  fresh: BankComponent,
  norm: RunConfig['norm'],
): { G: number[][]; b: number[]; tt: number } {
  const mats = (comp: BankComponent) => comp.blocks.flat();
  const basis = comps.map((c) => mats(c).map((f) => ({ f, rank: c.rank, scale: 1 / normOf(f, c.rank, norm) })));
  const target = mats(fresh).map((f) => ({ f, rank: fresh.rank, scale: fresh.alpha }));
  type Term = (typeof target)[number];
  const inner = (a: Term[], b: Term[]) => a.reduce((s, x, m) => s + x.scale * b[m]!.scale * lowRankInner(x.f, x.rank, b[m]!.f, b[m]!.rank), 0);
  return { G: basis.map((a) => basis.map((b) => inner(a, b))), b: basis.map((a) => inner(a, target)), tt: inner(target, target) };
}

/** Joint least squares over all (block, projection) matrices of the new component's update α_t·U_t D_t on the
 *  old components' directions U_k D_k / n_k (spec §11.2, kdMerge "function"): coefficients c (α_k += c_k
 *  preserves the function in the least-squares sense), absolute and relative residual. Low-rank Grams only,
 *  float64 on the host: the reference for the GPU fit (src/training/kdFit.ts), which the runner uses. */
export function fitDirection(comps: BankComponent[], fresh: BankComponent, norm: RunConfig['norm']): DirectionFit {
  const { G, b: bvec, tt } = directionSystem(comps, fresh, norm);
  const c = solveSpd(G, bvec);
  const absolute = Math.sqrt(Math.max(0, tt - c.reduce((s, x, k) => s + x * bvec[k]!, 0)));
  return { coefficients: c, absolute, relative: tt > 0 ? absolute / Math.sqrt(tt) : 0 };
}

/** Optional engine access: with a GpuContext the KD fit runs on the GPU (kdFit.ts), without it on the host. */
export interface MethodOptions {
  ctx?: GpuContext;
}

export function createMethod(cfg: RunConfig, config: ViTConfig, base: ParamTable, opts: MethodOptions = {}): Method {
  const C = config.width;
  const K = config.numClasses;
  const depth = config.depth;
  const isSd = cfg.method.startsWith('sdlora') || cfg.method === 'first-direction' || cfg.method === 'fixed-magnitudes';
  const rankFor = (t: number) => {
    if (cfg.method !== 'sdlora-rr') return cfg.rank;
    let r = cfg.rank;
    for (const [from, rank] of cfg.rankSchedule) if (t >= from) r = rank;
    return r;
  };
  const kaiming = (n: number, fanIn: number, seed: number) => {
    const bound = 1 / Math.sqrt(fanIn); // kaiming_uniform_(a=√5): gain·√(3/fan_in) = 1/√fan_in
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => (2 * r() - 1) * bound);
  };
  const targets = cfg.targets;
  const P = targets.length;
  /** A fresh component's factors [block][target]: U = 0, D Kaiming-uniform with its own seed per matrix. */
  const newPair = (rank: number, seed: number): BankFactors[][] =>
    Array.from({ length: depth }, (_, l) =>
      targets.map((t, i) => {
        const { dOut, dIn } = targetSite(config, t);
        return { U: new Float32Array(dOut * rank), D: kaiming(rank * dIn, dIn, seed + P * l + i) };
      }),
    );
  const component = (rank: number, alpha: number, normalized: boolean, blocks: BankFactors[][]): BankComponent => ({ rank, alpha, normalized, targets, blocks });
  const matrices = (comp: BankComponent) => comp.blocks.flat();
  /** one-direction at a task boundary: every matrix's factors scaled to n(U, D) = 1 (U D → U D/n), α reset or carried. */
  const normalizedPair = (pair: BankComponent): BankComponent => {
    const scaled = (f: BankFactors): BankFactors => {
      const n = normOf(f, pair.rank, cfg.norm);
      if (cfg.norm === 'product') return { U: f.U.map((x) => x / n), D: Float32Array.from(f.D) };
      const nu = Math.max(frob(f.U), 1e-12);
      const nd = Math.max(frob(f.D), 1e-12);
      return { U: f.U.map((x) => x / nu), D: f.D.map((x) => x / nd) };
    };
    const ns = matrices(pair).map((f) => normOf(f, pair.rank, cfg.norm));
    const alpha = cfg.alphaMode === 'carry' ? pair.alpha * (ns.reduce((a, b) => a + b, 0) / ns.length) : cfg.alphaInit;
    return { ...pair, alpha, blocks: pair.blocks.map((b) => b.map(scaled)) };
  };

  /** Host merge: every component's s·U·D into its targets' rows of each block's weights. */
  const merged = (state: MethodState, comps: BankComponent[]): ParamTable => {
    const out: ParamTable = new Map(state.base);
    for (let l = 0; l < depth; l++)
      for (const comp of comps)
        comp.targets.forEach((p, i) => {
          const { weight, rowOffset, dOut, dIn } = targetSite(config, p);
          const name = `blocks.${l}.${weight}`;
          if (out.get(name) === state.base.get(name)) out.set(name, Float32Array.from(state.base.get(name)!)); // copy once
          const w = out.get(name)!;
          const f = comp.blocks[l]![i]!;
          const s = comp.normalized ? comp.alpha / normOf(f, comp.rank, cfg.norm) : comp.alpha;
          for (let o = 0; o < dOut; o++)
            for (let a = 0; a < dIn; a++) {
              let acc = 0;
              for (let r = 0; r < comp.rank; r++) acc += f.U[o * comp.rank + r]! * f.D[r * dIn + a]!;
              w[(rowOffset + o) * dIn + a] += s * acc;
            }
        });
    return out;
  };

  const withHead = (params: ParamTable, state: MethodState): ParamTable => {
    const out: ParamTable = new Map(params);
    out.set('head.weight', state.head!.weight);
    out.set('head.bias', state.head!.bias);
    return out;
  };

  return {
    initialState: () => ({
      base,
      head: { weight: new Float32Array(K * C), bias: new Float32Array(K) },
      components: [],
      seqLora: null,
      prototypes: null,
      lastResidual: null,
      absResidual: null,
    }),

    beginTask(state, t, lo, hi) {
      // Grow the head: rows [lo, hi) get kaiming_uniform(linear) U(±√(3/C)), bias 0; older rows stay as trained.
      const head = { weight: Float32Array.from(state.head!.weight), bias: Float32Array.from(state.head!.bias) };
      const r = rng(cfg.seed * 7919 + t);
      const bound = Math.sqrt(3 / C);
      for (let k = lo; k < hi; k++) for (let c = 0; c < C; c++) head.weight[k * C + c] = (2 * r() - 1) * bound;
      head.bias.fill(0, lo, hi);
      state.head = head;
      if (cfg.method === 'ncm') return { train: false, trainAlphaFrozen: false, mode: 'none', lora: { frozenRanks: [], trainableRank: 0 }, loraState: {}, params: withHead(state.base, state) };
      if (cfg.method === 'seq-full') return { train: true, trainAlphaFrozen: false, mode: 'full', lora: { frozenRanks: [], trainableRank: 0 }, loraState: {}, params: withHead(state.base, state) };
      if (cfg.method === 'seq-lora' || cfg.method === 'one-direction') {
        let pair = state.seqLora ?? component(cfg.rank, cfg.alphaInit, false, newPair(cfg.rank, cfg.seed * 31 + 1));
        if (cfg.method === 'one-direction' && state.seqLora) pair = normalizedPair(pair);
        return {
          train: true,
          trainAlphaFrozen: false,
          mode: 'lora',
          lora: { frozenRanks: [], trainableRank: pair.rank, targets },
          loraState: { alphaTrainable: pair.alpha, trainable: pair.blocks },
          params: withHead(state.base, state),
        };
      }
      // SD-LoRA family: the previous task's component becomes a normalised frozen direction.
      sameTargets([targets, ...state.components.map((c) => c.targets)], 'SD-LoRA');
      const comps = state.components.map((c) => ({ ...c }));
      const prev = comps[comps.length - 1];
      if (prev && !prev.normalized) {
        prev.normalized = true;
        if (cfg.alphaMode === 'carry') {
          // Continuity at the boundary (spec §5): α_i := α_t · mean over matrices of n(U, D).
          const ns = matrices(prev).map((f) => normOf(f, prev.rank, cfg.norm));
          prev.alpha = prev.alpha * (ns.reduce((a, b) => a + b, 0) / ns.length);
        }
      }
      if (cfg.method === 'fixed-magnitudes') for (const c of comps) c.alpha = 1;
      else if (cfg.alphaMode === 'reset') for (const c of comps) c.alpha = cfg.alphaInit;
      state.components = comps;
      // first-direction: after task 1 no new component, only the first one's α (and the head) train.
      const rank = cfg.method === 'first-direction' && t > 0 ? 0 : rankFor(t);
      const invNorms = new Float32Array(P * depth * comps.length); // (depth·P, K_f), row l·P + target
      comps.forEach((comp, k) => comp.blocks.forEach((b, l) => b.forEach((f, i) => (invNorms[(P * l + i) * comps.length + k] = 1 / normOf(f, comp.rank, cfg.norm)))));
      const Rf = comps.reduce((s, c) => s + c.rank, 0);
      const frozen = comps.length
        ? Array.from({ length: depth }, (_, l) =>
            targets.map((p, i) => {
              // Concatenate: U_cat (dOut, R_f) column blocks, D_cat (R_f, dIn) row blocks, component order.
              const { dOut, dIn } = targetSite(config, p);
              const U = new Float32Array(dOut * Rf);
              const D = new Float32Array(Rf * dIn);
              let off = 0;
              for (const comp of comps) {
                const f = comp.blocks[l]![i]!;
                for (let c = 0; c < dOut; c++) for (let j = 0; j < comp.rank; j++) U[c * Rf + off + j] = f.U[c * comp.rank + j]!;
                D.set(f.D, off * dIn);
                off += comp.rank;
              }
              return { U, D };
            }),
          )
        : undefined;
      const fresh = rank ? newPair(rank, cfg.seed * 104729 + t * 7 + 3) : [];
      return {
        train: true,
        trainAlphaFrozen: cfg.method !== 'fixed-magnitudes',
        mode: 'lora',
        lora: { frozenRanks: comps.map((c) => c.rank), trainableRank: rank, targets },
        loraState: {
          alphaFrozen: Float32Array.from(comps, (c) => c.alpha),
          alphaTrainable: rank ? cfg.alphaInit : undefined,
          invNorms,
          frozen,
          trainable: rank ? fresh : undefined,
        },
        params: withHead(state.base, state),
      };
    },

    async endTask(state, t, vit) {
      const next: MethodState = { ...state };
      if (!vit) return next;
      next.head = { weight: await vit.readParam('head.weight'), bias: await vit.readParam('head.bias') };
      if (cfg.method === 'seq-full') {
        const base: ParamTable = new Map();
        for (const name of state.base.keys()) base.set(name, await vit.readParam(name));
        next.base = base;
        return next;
      }
      const lora = await vit.readLora();
      const blocks = lora.trainable;
      if (cfg.method === 'seq-lora' || cfg.method === 'one-direction') {
        next.seqLora = component(cfg.rank, lora.alphaTrainable, false, blocks);
        return next;
      }
      const comps = state.components.map((c, k) => ({ ...c, alpha: lora.alphaFrozen[k]! }));
      if (!vit.loraSetup.trainableRank) {
        next.components = comps;
        next.lastResidual = null;
        next.absResidual = null;
        return next;
      }
      const fresh = component(rankFor(t), lora.alphaTrainable, false, blocks);
      // Least squares of the new update (function-preserving target α_t·U_t D_t) on the old directions (spec §11.2).
      next.lastResidual = null;
      next.absResidual = null;
      if (comps.length) {
        const fit = opts.ctx ? await fitDirectionGpu(opts.ctx, comps, fresh, cfg.norm) : fitDirection(comps, fresh, cfg.norm);
        next.absResidual = fit.absolute;
        next.lastResidual = fit.relative;
        if (cfg.method === 'sdlora-kd' && fit.relative <= cfg.kdThreshold) {
          comps.forEach((comp, k) => (comp.alpha += fit.coefficients[k]!));
          next.components = comps;
          return next; // the new direction is folded into the old ones' magnitudes and dropped
        }
      }
      next.components = [...comps, fresh];
      return next;
    },

    evalParams(state) {
      const comps = isSd ? state.components : state.seqLora ? [state.seqLora] : [];
      return withHead(comps.length ? merged(state, comps) : state.base, state);
    },

    async updatePrototypes(state, t, features, train, newLabel) {
      const protos = state.prototypes ? Float32Array.from(state.prototypes) : new Float32Array(K * C);
      const feats = await features(train);
      const sums = new Map<number, { sum: Float64Array; n: number }>();
      train.forEach((im, i) => {
        const y = newLabel.get(im.label)!;
        const e = sums.get(y) ?? { sum: new Float64Array(C), n: 0 };
        for (let c = 0; c < C; c++) e.sum[c] += feats[i]![c]!;
        e.n++;
        sums.set(y, e);
      });
      for (const [y, e] of sums) for (let c = 0; c < C; c++) protos[y * C + c] = e.sum[c]! / e.n;
      void t;
      return { ...state, prototypes: protos };
    },
  };
}
