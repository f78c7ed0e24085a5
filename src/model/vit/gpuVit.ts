// The ViT on the GPU: forward and backward composed from the kernels in src/kernels, with SD-LoRA
// components on chosen linear maps of every block (LoraSetup.targets: the q, k, v slices of the fused qkv, the
// attention projection, fc1, fc2; default q and v; see loraTargets.ts). Mirrors src/reference/vit.ts (the float64
// oracle), which documents the maths; shapes: B images, N = Np + 1 tokens, T = B·N rows, C width,
// H heads, Dh = C/H, F mlp width, K classes, P patch.
//
// LoRA layout per (block, target): the previous tasks' components are one frozen stack (factors fixed,
// scale s_k = α_k/(‖U_k‖‖D_k‖) with the norms of that matrix), the current task's component is a stack of
// one (scale α_t, factors trainable). Both α vectors are trainable and shared by all blocks and targets.
// Every component is merged into its adapted weight once per step (W_eff = W0 + Σ_k s_k U_k D_k + α_t U_t D_t,
// dOut·dIn·R flops), so the forward and dx run on plain weights and pay nothing per component. The trainable
// component's gradients need only h = x·D_tᵀ (made in backward, with gu) and the LoRA backward without its dx; the
// frozen stack's α gradient is ⟨Gᵀ·X, U_k D_k⟩_F, from the (transposed) weight gradient through
// lora.innerProducts. A step thus costs about the same with 1 or 20 previous tasks (the official code's cost grows
// with every task). Sites that share buffers merge, and backpropagate, in one dispatch per group (merge.planSites,
// lora.planGroup). The loss reads only the final-LN CLS feature, so the last block computes, after its attention's
// keys and values, only the CLS rows (rowsAfterAttention).
// Memory is planned before anything is allocated (Arena); a batch that will not fit is refused with numbers.

import { Arena, defaultBudgetBytes, planMemory, type TensorRequest } from '../../gpu/arena';
import type { GpuContext } from '../../gpu/context';
import { headRows, reshape, type GpuTensor } from '../../gpu/tensor';
import * as attention from '../../kernels/attention';
import * as crossEntropy from '../../kernels/crossEntropy';
import * as ew from '../../kernels/elementwise';
import * as layerNorm from '../../kernels/layerNorm';
import * as lora from '../../kernels/lora';
import * as matmul from '../../kernels/matmul';
import * as merge from '../../kernels/merge';
import * as patchify from '../../kernels/patchify';
import * as reduce from '../../kernels/reduce';
import { headDim, mlpDim, numPatches, numTokens, validateConfig, type ViTConfig } from './config';
import { adaptedWeights, BLOCK_WEIGHTS, DEFAULT_TARGETS, parseTargets, targetSite, weightShape, type LoraTarget, type TargetSite, type TargetWeight } from './loraTargets';
import { paramSpecs, type ParamTable } from './params';

/** Which weights train: none (evaluation), the LoRA factors + α + head, or every weight. */
export type TrainMode = 'none' | 'lora' | 'full';

export interface LoraSetup {
  /** Ranks of the previous tasks' (frozen, normalised) components, oldest first. */
  frozenRanks: number[];
  /** Rank of the current task's component (trained, unnormalised); 0 = none. */
  trainableRank: number;
  /** The maps every component adapts, canonical order (default q, v). */
  targets?: readonly LoraTarget[];
}

export interface GpuVitOptions {
  batch: number;
  mode: TrainMode;
  lora?: LoraSetup;
  /** GPU memory the run may use, in bytes (default: 2 GiB). */
  budgetBytes?: number;
  /**
   * Run each block's forward products as NN through a transposed copy of its weights: in LoRA training every block's
   * W0ᵀ (made once) and W_effᵀ (merged with W_eff); otherwise one block's worth of scratch, refreshed from the current
   * weights at every forward. Default: where the engine's NN is faster (matmul.nnFaster: software GPUs).
   */
  transposedForward?: boolean;
  /**
   * How the previous tasks' α gradient is computed: per token (lora.alphaGroup: (dY U_k)·(D_k x) summed over the
   * rows, cheap for a few components) or through the weight gradient (dWᵀ = xᵀ·dY once per weight, then
   * lora.innerProducts: a cost that does not grow with the components). Default 'auto': the cheaper
   * (lora.alphaGroupAdvantage); the others for tests and measurements.
   */
  frozenAlpha?: 'auto' | 'perToken' | 'weightGradient';
}

interface ProjectionLora {
  site: TargetSite;
  /** dCatT = D_catᵀ (dIn, R_f), the h of lora.innerProducts. */
  frozen: { dCat: GpuTensor; uCat: GpuTensor; dCatT: GpuTensor; scales: GpuTensor } | null;
  /** partial: this site's α partial sums, a view into lora.partials. */
  trainable: { layout: lora.LoraLayout; U: GpuTensor; D: GpuTensor; dU: GpuTensor; dD: GpuTensor; partial: GpuTensor } | null;
}

/** Per-block activations kept from forward for backward. */
interface BlockActs {
  x: GpuTensor; // (T, C) block input
  ln1: GpuTensor; // (T, C)
  mean1: GpuTensor; // (T)
  rstd1: GpuTensor; // (T)
  qkv: GpuTensor; // (T, 3C) after LoRA
  probs: GpuTensor; // (B, H, N, N)
  att: GpuTensor; // (T, C) attention output (heads concatenated)
  mid: GpuTensor; // (T, C) after the attention residual
  ln2: GpuTensor; // (T, C)
  mean2: GpuTensor; // (T)
  rstd2: GpuTensor; // (T)
  pre: GpuTensor; // (T, F) fc1 output before GELU
  act: GpuTensor; // (T, F) GELU output
  /** The last block only (see `rowsAfterAttention`): the CLS rows of its attention output and of its input, (B, C);
   *  its mid, ln2, mean2, rstd2, pre and act then hold B rows, not T. `probs` (B·H, N): where the fused attention
   *  kernels run, the last block's attention computes the CLS query rows only, and these are their probabilities. */
  cls?: { att: GpuTensor; x: GpuTensor; probs: GpuTensor | null };
}

/**
 * Rows that block l's weight w sees: T = B·N, except after the last block's attention. The model's output is the
 * final-LN CLS feature, so the last block's projection, norm2 and MLP (and their backward) run on the B CLS rows
 * only: the same values for every quantity the loss depends on, and for a depth-4 ViT about a fifth fewer
 * weight-product flops in a training step.
 */
function rowsAfterAttention(c: ViTConfig, B: number, l: number, w: TargetWeight): number {
  return l === c.depth - 1 && w !== 'attn.qkv.weight' ? B : B * numTokens(c);
}

export class GpuViT {
  readonly config: ViTConfig;
  readonly batch: number;
  readonly mode: TrainMode;
  readonly loraSetup: LoraSetup;
  readonly params = new Map<string, GpuTensor>();
  /** Gradients of trainable tensors, under the same names (base parameters, 'lora.alphaFrozen', 'lora.alphaTrainable', 'lora.<block>.<target>.U|D'). */
  readonly grads = new Map<string, GpuTensor>();
  /** Trainable tensors under the names of `grads`. */
  readonly trainable = new Map<string, GpuTensor>();
  readonly arena: Arena;
  private readonly ctx: GpuContext;
  /** See GpuVitOptions.transposedForward. */
  private readonly transposedForward: boolean;
  private readonly blocks: BlockActs[] = [];
  private readonly lora: ProjectionLora[][] = []; // [block][target]
  /** The adapted maps (LoraSetup.targets), canonical order. */
  readonly targets: readonly LoraTarget[];
  /** Layout of the frozen components and, per input width dIn of an adapted map, the α inner products'
   *  workspace of T = dIn rows. */
  private frozenStack: { layout: lora.LoraLayout; ws: Map<number, lora.LoraWorkspace> } | null = null;
  /** Per block: each adapted weight with every component merged (see refreshEffective); empty without LoRA. */
  private readonly effWeights: Map<TargetWeight, GpuTensor>[] = [];
  private readonly t: Record<string, GpuTensor> = {};
  /** The merges of every site kept with W_effᵀ, batched: sites whose W_eff, W_effᵀ and factors share buffers (the
   *  arena packs them) merge in one dispatch per group and kind (see planMerges, refreshEffective). */
  private readonly mergeGroups: { kind: 'frozen' | 'trainable'; plan: merge.MergeSites; layout: lora.LoraLayout }[] = [];
  /** Per block: the trainable component's backward groups, by weight (see buildLora). */
  private readonly loraGroups: Map<TargetWeight, lora.SiteGroup>[] = [];
  /** Per block: the previous tasks' α-gradient groups, by weight, where computing it per token is the cheaper way
   *  (lora.alphaGroupAdvantage; elsewhere the weight gradient's way, see loraBackward). */
  private readonly frozenGroups: Map<TargetWeight, lora.SiteGroup>[] = [];
  /** Weights (`${block}.${weight}`) whose W0ᵀ has been made (see baseT). */
  private readonly transposedDone = new Set<string>();

  static plan(config: ViTConfig, opts: GpuVitOptions): TensorRequest[] {
    return new Planner(config, opts).requests;
  }

  constructor(ctx: GpuContext, config: ViTConfig, weights: ParamTable, opts: GpuVitOptions) {
    this.ctx = ctx;
    this.config = validateConfig(config);
    this.batch = opts.batch;
    this.mode = opts.mode;
    this.loraSetup = opts.lora ?? { frozenRanks: [], trainableRank: 0 };
    this.targets = loraTargets(opts);
    opts = { ...opts, transposedForward: opts.transposedForward ?? matmul.nnFaster(ctx) };
    this.transposedForward = opts.transposedForward!;
    const planner = new Planner(config, opts);
    const plan = planMemory(planner.requests, ctx.limits, defaultBudgetBytes(opts.budgetBytes));
    this.arena = new Arena(ctx, 'vit', plan, `Use a smaller batch size (now ${opts.batch}) or a smaller model.`);
    const a = (n: string) => this.arena.get(n);

    for (const s of paramSpecs(config)) {
      const w = weights.get(s.name);
      const n = s.shape.reduce((x, y) => x * y, 1);
      if (!w) throw new Error(`GpuViT: weight ${s.name} missing`);
      if (w.length !== n) throw new Error(`GpuViT: weight ${s.name} has ${w.length} values, expected ${n} (${s.shape.join('×')})`);
      const t = a(`param.${s.name}`);
      ctx.write(t, w);
      this.params.set(s.name, t);
      if (planner.trainsBase(s.name)) {
        this.trainable.set(s.name, t);
        this.grads.set(s.name, a(`grad.${s.name}`));
      }
    }
    for (const name of planner.activationNames()) this.t[name] = a(name);
    for (let l = 0; l < config.depth; l++) {
      // In evaluation every block shares block 0's buffers; the last block's tail takes their first B rows.
      const R = rowsAfterAttention(config, opts.batch, l, 'mlp.fc1.weight');
      const blk = (n: string) => a(planner.blockName(l, n));
      const tail = (n: string) => headRows(blk(n), R);
      this.blocks.push({
        x: blk('x'), ln1: blk('ln1'), mean1: blk('mean1'), rstd1: blk('rstd1'), qkv: blk('qkv'), probs: blk('probs'), att: blk('att'),
        mid: tail('mid'), ln2: tail('ln2'), mean2: tail('mean2'), rstd2: tail('rstd2'), pre: tail('pre'), act: tail('act'),
        ...(l === config.depth - 1 ? { cls: { att: a('clsAtt'), x: a('clsX'), probs: this.clsQueryRows(blk('probs')) } } : {}),
      });
    }
    this.buildLora(planner, opts.frozenAlpha ?? 'auto');
  }

  private buildLora(planner: Planner, frozenAlpha: NonNullable<GpuVitOptions['frozenAlpha']>): void {
    const { frozenRanks, trainableRank } = this.loraSetup;
    const T = planner.T;
    const a = (n: string) => this.arena.get(n);
    if (frozenRanks.length) {
      const layout = lora.createLayout(this.ctx, frozenRanks, 'lora.frozen.offsets');
      const ws = new Map<number, lora.LoraWorkspace>();
      for (const t of this.targets) {
        const { dIn } = targetSite(this.config, t);
        if (!ws.has(dIn)) ws.set(dIn, lora.createWorkspace(this.ctx, dIn, layout, `lora.frozen.${dIn}`));
      }
      this.frozenStack = { layout, ws };
      this.trainable.set('lora.alphaFrozen', a('lora.alphaFrozen'));
      this.grads.set('lora.alphaFrozen', a('grad.lora.alphaFrozen'));
    }
    if (frozenRanks.length || trainableRank)
      for (let l = 0; l < this.config.depth; l++) this.effWeights.push(new Map(adaptedWeights(this.config, this.targets).map((w) => [w, a(`lora.${l}.eff.${w}`)])));
    if (trainableRank) {
      this.trainable.set('lora.alphaTrainable', a('lora.alphaTrainable'));
      this.grads.set('lora.alphaTrainable', a('grad.lora.alphaTrainable'));
    }
    for (let l = 0; l < this.config.depth; l++) {
      const row: ProjectionLora[] = [];
      for (const p of this.targets) {
        const key = `lora.${l}.${p}`;
        let frozen: ProjectionLora['frozen'] = null;
        let trainable: ProjectionLora['trainable'] = null;
        if (frozenRanks.length)
          frozen = { dCat: a(`${key}.frozen.D`), uCat: a(`${key}.frozen.U`), dCatT: a(`${key}.frozen.DT`), scales: a(`${key}.frozen.scales`) };
        if (trainableRank) {
          const layout = lora.createLayout(this.ctx, [trainableRank], `${key}.offsets`);
          const stride = partialStride(T, trainableRank);
          const all = a('lora.partials');
          const site = this.targets.length * l + row.length;
          const rows = rowsAfterAttention(this.config, this.batch, l, targetSite(this.config, p).weight);
          const partial = { ...all, byteOffset: all.byteOffset + 4 * stride * site, shape: lora.partialShape(rows, layout), label: `${key}.partial` };
          trainable = {
            layout,
            partial,
            U: a(`${key}.U`),
            D: a(`${key}.D`),
            dU: a(`grad.${key}.U`),
            dD: a(`grad.${key}.D`),
          };
          this.trainable.set(`${key}.U`, trainable.U);
          this.trainable.set(`${key}.D`, trainable.D);
          this.grads.set(`${key}.U`, trainable.dU);
          this.grads.set(`${key}.D`, trainable.dD);
        }
        row.push({ site: targetSite(this.config, p), frozen, trainable });
      }
      this.lora.push(row);
    }
    this.planMerges();
    // The trainable component's backward: the sites of one weight share x and dY, so each weight's run in one
    // dispatch per kernel (lora.planGroup; a group of one for proj, fc1 or fc2). Likewise the previous tasks' α
    // gradient, where per token is cheaper than through the weight gradient (few previous components).
    const Rf = frozenRanks.reduce((x, y) => x + y, 0);
    const frozenPartials = frozenRanks.length && this.mode !== 'none' ? a('lora.frozenPartials') : null;
    for (let l = 0; l < this.config.depth; l++) {
      const trainable = new Map<TargetWeight, lora.GroupSite[]>();
      const frozen = new Map<TargetWeight, lora.GroupSite[]>();
      this.lora[l]!.forEach(({ site, trainable: tr, frozen: f }, i) => {
        const add = (m: Map<TargetWeight, lora.GroupSite[]>, s: lora.GroupSite) => m.set(site.weight, [...(m.get(site.weight) ?? []), s]);
        if (tr) add(trainable, { U: tr.U, D: tr.D, dU: tr.dU, dD: tr.dD, partial: tr.partial, outOffset: site.rowOffset });
        if (f && frozenPartials) {
          const row = this.targets.length * l + i;
          const rows = rowsAfterAttention(this.config, this.batch, l, site.weight);
          const stride = partialStride(T, Rf);
          const partial = { ...frozenPartials, byteOffset: frozenPartials.byteOffset + 4 * stride * row, shape: lora.partialShape(rows, { R: Rf }), label: `lora.${l}.${this.targets[i]}.frozenPartial` };
          add(frozen, { U: f.uCat, D: f.dCat, partial, outOffset: site.rowOffset, pRow: row });
        }
      });
      const plan = (w: TargetWeight, sites: lora.GroupSite[], kind: string) =>
        lora.planGroup(this.ctx, sites, rowsAfterAttention(this.config, this.batch, l, w), weightShape(this.config, w)[0], `lora.${l}.${w}.${kind}`);
      this.loraGroups.push(new Map([...trainable].map(([w, sites]) => [w, plan(w, sites, 'trainable')])));
      const cheaper = [...frozen].filter(([w, sites]) => {
        if (frozenAlpha !== 'auto') return frozenAlpha === 'perToken';
        const [rows, dIn] = weightShape(this.config, w);
        return lora.alphaGroupAdvantage(this.ctx, sites.length, rowsAfterAttention(this.config, this.batch, l, w), dIn, sites[0]!.U.shape[0]!, rows, Rf) < 0;
      });
      this.frozenGroups.push(new Map(cheaper.map(([w, sites]) => [w, plan(w, sites, 'frozen')])));
    }
  }

  /** Groups the sites whose merges can share a dispatch, per kind (the previous tasks' stack, the trainable
   *  component): same shapes, W_eff and W_effᵀ each in one packed buffer, the kind's factors in one pack
   *  (merge.planSites). Every site of a weight kept with W_effᵀ (LoRA training with transposedForward) goes into a
   *  group, one of its own if need be; elsewhere each site merges on its own (mergeInPlace). */
  private planMerges(): void {
    const groups = new Map<string, { kind: 'frozen' | 'trainable'; layout: lora.LoraLayout; sites: merge.MergeSite[] }>();
    const ids = new Map<GPUBuffer, number>();
    const id = (b: GPUBuffer) => ids.get(b) ?? (ids.set(b, ids.size), ids.size - 1);
    const Kf = this.loraSetup.frozenRanks.length;
    for (let l = 0; l < this.config.depth; l++)
      this.lora[l]!.forEach((pl, i) => {
        const wT = this.effectiveT(l, pl.site.weight);
        if (!wT) return;
        const w = this.effWeights[l]!.get(pl.site.weight)!;
        const kinds = [
          ...(pl.frozen ? [{ kind: 'frozen' as const, layout: this.frozenStack!.layout, uCat: pl.frozen.uCat, dCat: pl.frozen.dCat, scalesOffset: (this.targets.length * l + i) * Kf }] : []),
          ...(pl.trainable ? [{ kind: 'trainable' as const, layout: pl.trainable.layout, uCat: pl.trainable.U, dCat: pl.trainable.D, scalesOffset: 0 }] : []),
        ];
        for (const k of kinds) {
          const site = { w, wT, uCat: k.uCat, dCat: k.dCat, rowOffset: pl.site.rowOffset, scalesOffset: k.scalesOffset };
          const key = [k.kind, w.shape, k.uCat.shape, k.dCat.shape, id(w.buffer), id(wT.buffer), id(k.uCat.buffer), id(k.dCat.buffer)].join('|');
          const g = groups.get(key) ?? { kind: k.kind, layout: k.layout, sites: [] };
          g.sites.push(site);
          groups.set(key, g);
        }
      });
    // Frozen groups first: each element of W_eff gets W0, then the previous tasks, then the current one.
    for (const g of [...groups.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'frozen' ? -1 : 1)))
      this.mergeGroups.push({ kind: g.kind, plan: merge.planSites(this.ctx, g.sites, g.layout), layout: g.layout });
  }

  // ------------------------------------------------------------------ LoRA state

  /** Uploads the LoRA state. factors[l][i] (block l, i-th target): frozen stack (U_cat (dOut, R), D_cat (R, dIn))
   *  and the trainable pair. */
  setLora(state: {
    alphaFrozen?: Float32Array; // (Kf)
    alphaTrainable?: number;
    /** 1/(‖U_k‖‖D_k‖) per (block, target) and frozen component: (depth·targets, Kf), row l·targets + i. */
    invNorms?: Float32Array;
    frozen?: { U: Float32Array; D: Float32Array }[][]; // [block][target]
    trainable?: { U: Float32Array; D: Float32Array }[][];
  }): void {
    const ctx = this.ctx;
    const { frozenRanks, trainableRank } = this.loraSetup;
    if (state.alphaFrozen && frozenRanks.length) ctx.write(this.arena.get('lora.alphaFrozen'), state.alphaFrozen);
    if (state.alphaTrainable !== undefined && trainableRank) ctx.write(this.arena.get('lora.alphaTrainable'), [state.alphaTrainable]);
    if (state.invNorms && frozenRanks.length) ctx.write(this.arena.get('lora.invNorms'), state.invNorms);
    for (let l = 0; l < this.config.depth; l++)
      for (let i = 0; i < this.targets.length; i++) {
        const pl = this.lora[l]![i]!;
        const f = state.frozen?.[l]?.[i];
        if (f && pl.frozen) {
          ctx.write(pl.frozen.uCat, f.U);
          ctx.write(pl.frozen.dCat, f.D);
          const dIn = pl.site.dIn;
          const R = f.D.length / dIn;
          const dT = new Float32Array(dIn * R); // (dIn, R) = D_catᵀ
          for (let r = 0; r < R; r++) for (let c = 0; c < dIn; c++) dT[c * R + r] = f.D[r * dIn + c]!;
          ctx.write(pl.frozen.dCatT, dT);
        }
        const t = state.trainable?.[l]?.[i];
        if (t && pl.trainable) {
          ctx.write(pl.trainable.U, t.U);
          ctx.write(pl.trainable.D, t.D);
        }
      }
  }

  /**
   * W_eff = W0 + Σ_k s_k U_k D_k + α_t U_t D_t on the targets' rows, every component merged (frozen: scales_lp =
   * α_frozen ⊙ invNorm_lp), before every forward: the forward and dx then run on plain weights, and the LoRA kernels
   * are left with what the gradients need (h = x·D_tᵀ, gu, dU, dD and the α inner products, all in backward).
   * Merging the trainable component too replaced its columnScales, expand and gradInput kernels (4 % of a ViT-Tiny
   * LoRA step's GPU time; 22 of a small32 step's 226 dispatches) with one merge per target (0.6 %; bench/README.md).
   */
  private refreshEffective(): void {
    if (!this.effWeights.length) return;
    const { ctx } = this;
    const Kf = this.loraSetup.frozenRanks.length;
    const all = Kf ? this.arena.get('lora.scalesAll') : null;
    if (all) ew.mulRow(ctx, all, this.arena.get('lora.invNorms'), this.arena.get('lora.alphaFrozen'));
    const alphaT = this.loraSetup.trainableRank ? this.arena.get('lora.alphaTrainable') : null;
    for (let l = 0; l < this.config.depth; l++) {
      for (const [w, eff] of this.effWeights[l]!) {
        ctx.copy(eff, this.params.get(`blocks.${l}.${w}`)!);
        const effT = this.effectiveT(l, w);
        if (effT) ctx.copy(effT, this.baseT(l, w));
      }
      this.targets.forEach((_p, i) => {
        const { site, frozen: f, trainable: tr } = this.lora[l]![i]!;
        // A weight kept with its transpose merges in mergeGroups (planMerges), every site of it.
        if (this.effectiveT(l, site.weight)) return;
        const eff = this.effWeights[l]!.get(site.weight)!;
        const block = { rowOffset: site.rowOffset, colOffset: 0 };
        if (f && all) {
          ctx.copyRange(f.scales, 0, all, (this.targets.length * l + i) * Kf, Kf);
          merge.inPlace(ctx, eff, f.uCat, f.dCat, f.scales, this.frozenStack!.layout, block);
        }
        if (tr && alphaT) merge.inPlace(ctx, eff, tr.U, tr.D, alphaT, tr.layout, block);
      });
    }
    // The sites kept with W_effᵀ: one dispatch per group, frozen groups first (each element of W_eff still gets W0, then the
    // frozen stack, then α_t U_t D_t, as when merged site by site); a frozen site's scales are its row of scalesAll.
    for (const g of this.mergeGroups) merge.inPlaceSites(ctx, g.plan, g.kind === 'frozen' ? all! : alphaT!, g.layout);
  }

  /** The first B·H rows of a (B, H, N, N) scores buffer as (B·H, N): the scores of the CLS query rows, when the fused
   *  attention kernels run (they take a subset of query rows); else null. */
  private clsQueryRows(scores: GpuTensor | undefined): GpuTensor | null {
    const c = this.config;
    const [N, BH] = [numTokens(c), this.batch * c.heads];
    if (!scores || !attention.fusedFits(N, headDim(c), BH)) return null;
    return headRows(reshape(scores, [BH * N, N]), BH);
  }

  /** Head-major (B, H, N, Dh) work buffers of the matmul attention path, shared by every block (none when the
   *  sequence is short enough for the fused path, which needs only dScores). */
  private attentionHeads(): attention.HeadBuffers | undefined {
    return this.t.attnQ ? { q: this.t.attnQ, k: this.t.attnK!, v: this.t.attnV! } : undefined;
  }

  /**
   * y = x·Wᵀ (+ the epilogue in `args`) for block l's weight w (stored (out, in)): NT, or with transposedForward NN
   * on Wᵀ (bit-identical sums, same order of k): the kept W0ᵀ / W_effᵀ in LoRA training, else a transpose into scratch.
   */
  private linearForward(l: number, w: TargetWeight, args: Omit<matmul.MatmulArgs, 'b' | 'layout'>): void {
    const W = this.weight(l, w);
    if (!this.transposedForward) return matmul.nt(this.ctx, { ...args, b: W });
    if (this.mode === 'lora') return matmul.nn(this.ctx, { ...args, b: this.effectiveT(l, w) ?? this.baseT(l, w) });
    const WT = this.t[`forwardWT.${w}`]!;
    ew.transpose(this.ctx, WT, W);
    matmul.nn(this.ctx, { ...args, b: WT });
  }

  /** W0ᵀ of block l's weight w in LoRA training with transposedForward (made at its first use; base weights do not
   *  change in LoRA training). */
  private baseT(l: number, w: TargetWeight): GpuTensor {
    const t = this.arena.get(`forwardWT.${l}.${w}`);
    if (!this.transposedDone.has(`${l}.${w}`)) {
      ew.transpose(this.ctx, t, this.params.get(`blocks.${l}.${w}`)!);
      this.transposedDone.add(`${l}.${w}`);
    }
    return t;
  }

  /** W_effᵀ of an adapted weight in LoRA training with transposedForward, else null. */
  private effectiveT(l: number, w: TargetWeight): GpuTensor | null {
    return this.transposedForward && this.mode === 'lora' && this.effWeights[l]?.has(w) ? this.arena.get(`lora.${l}.effT.${w}`) : null;
  }

  /** The weight the forward and dx use: W0, or W_eff with every component merged. */
  private weight(l: number, w: TargetWeight): GpuTensor {
    return this.effWeights[l]?.get(w) ?? this.params.get(`blocks.${l}.${w}`)!;
  }

  // ------------------------------------------------------------------ forward

  /** logits (B, K) for images (B, channels, S, S) (already normalised). Keeps what backward needs. */
  forward(images: GpuTensor): GpuTensor {
    const { ctx, config: c } = this;
    const B = this.batch;
    const N = numTokens(c);
    const T = B * N;
    const C = c.width;
    const P = c.patchSize;
    const prm = (n: string) => this.params.get(n)!;
    if (images.shape.join() !== [B, c.channels, c.imageSize, c.imageSize].join())
      throw new Error(`GpuViT.forward: images ${images.shape.join('×')}, expected ${B}×${c.channels}×${c.imageSize}×${c.imageSize}`);
    this.refreshEffective();
    patchify.forward(ctx, this.t.cols!, images, P);
    const w = prm('patch_embed.proj.weight');
    matmul.nt(ctx, { c: this.t.patches!, a: reshape(this.t.cols!, [B * numPatches(c), c.channels * P * P]), b: reshape(w, [C, c.channels * P * P]), bias: prm('patch_embed.proj.bias') });
    const x0 = this.blocks[0]!.x;
    ew.concatCls(ctx, reshape(x0, [B, N, C]), reshape(prm('cls_token'), [C]), reshape(this.t.patches!, [B, N - 1, C]), prm('pos_embed'));

    for (let l = 0; l < c.depth; l++) {
      const a = this.blocks[l]!;
      // The last block writes only its CLS rows (rowsAfterAttention).
      const next = l + 1 < c.depth ? this.blocks[l + 1]!.x : this.t.clsOut!;
      const b = (n: string) => prm(`blocks.${l}.${n}`);
      layerNorm.forward(ctx, a.ln1, a.mean1, a.rstd1, a.x, b('norm1.weight'), b('norm1.bias'), T, C, c.layerNormEps);
      this.linearForward(l, 'attn.qkv.weight', { c: a.qkv, a: a.ln1, bias: c.qkvBias ? b('attn.qkv.bias') : undefined });
      if (a.cls?.probs) attention.forward(ctx, a.cls.att, a.cls.probs, a.qkv, B, N, c.heads, headDim(c), { queries: 1 });
      else attention.forward(ctx, a.att, a.probs, a.qkv, B, N, c.heads, headDim(c), { heads: this.attentionHeads() });
      if (a.cls) {
        if (!a.cls.probs) ew.selectRow(ctx, a.cls.att, a.att, B, N, C, 0);
        ew.selectRow(ctx, a.cls.x, a.x, B, N, C, 0);
      }
      const att = a.cls?.att ?? a.att;
      const R = att.shape[0]!;
      this.linearForward(l, 'attn.proj.weight', { c: a.mid, a: att, bias: b('attn.proj.bias'), residual: a.cls?.x ?? a.x });
      layerNorm.forward(ctx, a.ln2, a.mean2, a.rstd2, a.mid, b('norm2.weight'), b('norm2.bias'), R, C, c.layerNormEps);
      this.linearForward(l, 'mlp.fc1.weight', { c: a.act, a: a.ln2, bias: b('mlp.fc1.bias'), activation: 'gelu', pre: a.pre });
      this.linearForward(l, 'mlp.fc2.weight', { c: next, a: a.act, bias: b('mlp.fc2.bias'), residual: a.mid });
    }
    layerNorm.forward(ctx, this.t.features!, this.t.meanF!, this.t.rstdF!, this.t.clsOut!, prm('norm.weight'), prm('norm.bias'), B, C, c.layerNormEps);
    if (c.numClasses > 0)
      matmul.nt(ctx, { c: this.t.logits!, a: this.t.features!, b: prm('head.weight'), bias: prm('head.bias') });
    return this.t.logits!;
  }

  /** (B, C): the final-LN CLS features of the last forward. */
  get features(): GpuTensor {
    return this.t.features!;
  }

  /** Mean cross-entropy over the logit columns [lo, hi) and dlogits; labels: u32 (B), absolute class ids. */
  loss(labels: GpuTensor, lo: number, hi: number): { loss: GpuTensor; dlogits: GpuTensor } {
    const B = this.batch;
    const K = this.config.numClasses;
    crossEntropy.forward(this.ctx, this.t.lossRows!, this.t.dlogits!, this.t.logits!, labels, B, K, lo, hi, { lossMean: this.t.lossMean! });
    return { loss: this.t.lossMean!, dlogits: this.t.dlogits! };
  }

  /** Predicted class ids (u32, B) over columns [lo, hi) of the last forward's logits. */
  predict(lo = 0, hi = this.config.numClasses): GpuTensor {
    crossEntropy.argmax(this.ctx, this.t.preds!, this.t.logits!, this.batch, this.config.numClasses, lo, hi);
    return this.t.preds!;
  }

  // ------------------------------------------------------------------ backward

  /** Gradients of every trainable tensor (into `grads`, overwritten) from dlogits (B, K), plus featureGrad (B, width)
   *  at the final-LN features when given; returns dImages if asked. */
  backward(dlogits: GpuTensor, opts: { inputGrad?: boolean; featureGrad?: GpuTensor } = {}): GpuTensor | null {
    if (this.mode === 'none') throw new Error('GpuViT.backward: this model was built for evaluation (mode "none")');
    const { ctx, config: c } = this;
    const B = this.batch;
    const N = numTokens(c);
    const T = B * N;
    const C = c.width;
    const P = c.patchSize;
    const full = this.mode === 'full';
    const prm = (n: string) => this.params.get(n)!;
    const grad = (n: string) => this.grads.get(n);
    const t = this.t;
    // Where the gradient must flow. Full fine-tuning and an input gradient need it everywhere; LoRA training only
    // down to the lowest adapted weight of block 0, so the rest of block 0 (and the embedding) is skipped.
    const needAll = full || !!opts.inputGrad;
    const { frozenRanks, trainableRank } = this.loraSetup;
    const adapted = new Set(trainableRank || frozenRanks.length ? adaptedWeights(c, this.targets) : []);
    const TOP_DOWN: readonly TargetWeight[] = ['mlp.fc2.weight', 'mlp.fc1.weight', 'attn.proj.weight', 'attn.qkv.weight'];
    /** Does anything below weight w of block l need a gradient? */
    const below = (l: number, w: TargetWeight) => needAll || (l > 0 && adapted.size > 0) || TOP_DOWN.slice(TOP_DOWN.indexOf(w) + 1).some((x) => adapted.has(x));

    // Head and final norm.
    if (c.numClasses > 0) {
      matmul.tn(ctx, { c: grad('head.weight')!, a: dlogits, b: t.features! });
      reduce.sumRows(ctx, grad('head.bias')!, dlogits, B, c.numClasses);
    }
    // Nothing below the head trains (no LoRA component, no input gradient): the backward pass ends here.
    if (!needAll && adapted.size === 0) return null;
    const dFeatures = c.numClasses > 0 ? t.dFeatures! : dlogits;
    // A loss on the features themselves (e.g. pretraining's contrastive term) adds its gradient here.
    if (opts.featureGrad && c.numClasses === 0) throw new Error('GpuViT.backward: featureGrad needs a head (dlogits is then the features gradient)');
    if (opts.featureGrad) ctx.copy(dFeatures, opts.featureGrad);
    if (c.numClasses > 0) matmul.nn(ctx, { c: dFeatures, a: dlogits, b: prm('head.weight'), beta: opts.featureGrad ? 1 : 0 });
    layerNorm.backward(ctx, t.dCls!, full ? grad('norm.weight')! : null, full ? grad('norm.bias')! : null, dFeatures, t.clsOut!, prm('norm.weight'), t.meanF!, t.rstdF!, B, C);
    let dx = t.dxA!; // (T, C) gradient flowing into the current block's output (the last block's: dCls, B rows)
    let dxOther = t.dxB!;

    /** Backward through linear map w of block l (y = x·Wᵀ + b plus its LoRA terms) from dY: dW and db in full
     *  fine-tuning, dIn = dY·W when anything below needs it (times gelu'(geluPre) when x came out of a GELU: fc1's
     *  activation backward fused into fc2's product), the LoRA gradients. False when nothing below needs dIn. */
    const linear = (l: number, w: TargetWeight, dY: GpuTensor, x: GpuTensor, dIn: GpuTensor, geluPre?: GpuTensor): boolean => {
      if (full) {
        matmul.tn(ctx, { c: grad(`blocks.${l}.${w}`)!, a: dY, b: x });
        const dBias = grad(`blocks.${l}.${w.replace(/weight$/, 'bias')}`); // absent for a qkv without bias
        if (dBias) reduce.sumRows(ctx, dBias, dY, dY.shape[0]!, weightShape(c, w)[0]);
      }
      const go = below(l, w);
      if (go) matmul.nn(ctx, { c: dIn, a: dY, b: this.weight(l, w), ...(geluPre ? { activation: 'geluBackward', pre: geluPre } : {}) });
      this.loraBackward(l, w, dY, x);
      return go;
    };

    for (let l = c.depth - 1; l >= 0; l--) {
      const a = this.blocks[l]!;
      const b = (n: string) => prm(`blocks.${l}.${n}`);
      const g = (n: string) => grad(`blocks.${l}.${n}`);
      // The last block's MLP and projection ran on its B CLS rows (a.cls), the others' on all T.
      const R = a.mid.shape[0]!;
      const dOut = a.cls ? t.dCls! : dx;
      const [dPre, dLn, dMid] = [headRows(t.dPre!, R), headRows(t.dLn!, R), headRows(t.dMid!, R)];
      // MLP: out = mid + fc2(gelu(fc1(ln2(mid)))).
      if (!linear(l, 'mlp.fc2.weight', dOut, a.act, dPre, a.pre)) break;
      if (!linear(l, 'mlp.fc1.weight', dPre, a.ln2, dLn)) break;
      // dMid = dOut (the residual path) + the MLP path's gradient through norm2, in one pass.
      layerNorm.backward(ctx, dMid, full ? g('norm2.weight')! : null, full ? g('norm2.bias')! : null, dLn, a.mid, b('norm2.weight'), a.mean2, a.rstd2, R, C, { residual: dOut });
      // Attention: mid = x + proj(attn(qkv(ln1(x)))).
      if (!linear(l, 'attn.proj.weight', dMid, a.cls?.att ?? a.att, a.cls ? dLn : t.dAtt!)) break;
      // Back to all T rows: the CLS rows' gradients, zeros elsewhere (dx is free here: the last block's came as dCls).
      // The CLS-query attention takes its dout as it is (B, C).
      let dMidAll = dMid;
      if (a.cls) {
        if (!a.cls.probs) ew.selectRowBackward(ctx, t.dAtt!, dLn, B, N, C, 0);
        ew.selectRowBackward(ctx, dx, dMid, B, N, C, 0);
        dMidAll = dx;
      }
      if (a.cls?.probs)
        attention.backward(ctx, t.dQkv!, dLn, a.qkv, a.cls.att, a.cls.probs, { dScores: this.clsQueryRows(t.dScores)! }, B, N, c.heads, headDim(c), 'fused', 1);
      else {
        const heads = this.attentionHeads();
        const scratch = { dScores: t.dScores, rowDot: t.rowDot, heads: heads && { ...heads, g: t.attnG! } };
        attention.backward(ctx, t.dQkv!, t.dAtt!, a.qkv, a.att, a.probs, scratch, B, N, c.heads, headDim(c));
      }
      if (!linear(l, 'attn.qkv.weight', t.dQkv!, a.ln1, t.dLn!)) break;
      layerNorm.backward(ctx, dxOther, full ? g('norm1.weight')! : null, full ? g('norm1.bias')! : null, t.dLn!, a.x, b('norm1.weight'), a.mean1, a.rstd1, T, C, { residual: dMidAll });
      [dx, dxOther] = [dxOther, dx];
    }
    this.finishAlphaGrads();

    // Embedding: x0 = [cls; patches·Wᵀ + b] + pos.
    const needPatchGrad = full || opts.inputGrad;
    if (full) {
      reduce.sumRows(ctx, grad('pos_embed')!, dx, B, N * C);
    }
    if (needPatchGrad)
      ew.concatClsBackward(ctx, reshape(full ? grad('cls_token')! : t.dClsTok!, [C]), reshape(t.dPatches!, [B, N - 1, C]), reshape(dx, [B, N, C]));
    if (full) {
      const gw = grad('patch_embed.proj.weight')!;
      matmul.tn(ctx, { c: reshape(gw, [C, c.channels * P * P]), a: t.dPatches!, b: reshape(t.cols!, [B * numPatches(c), c.channels * P * P]) });
      reduce.sumRows(ctx, grad('patch_embed.proj.bias')!, t.dPatches!, B * numPatches(c), C);
    }
    if (!opts.inputGrad) return null;
    const w = prm('patch_embed.proj.weight');
    matmul.nn(ctx, { c: reshape(t.dCols!, [B * numPatches(c), c.channels * P * P]), a: t.dPatches!, b: reshape(w, [C, c.channels * P * P]) });
    patchify.backward(ctx, t.dImages!, t.dCols!, P);
    return t.dImages!;
  }

  /** LoRA backward of the targets on weight w of block l, given dY (T, rows of w) and their input x (T, dIn): writes
   *  dU/dD and collects the α partials. The input gradient needs nothing from here: dY·W_eff carried every component. */
  private loraBackward(l: number, w: TargetWeight, dY: GpuTensor, x: GpuTensor): void {
    const ctx = this.ctx;
    const t = this.t;
    const sites = this.lora[l]!.map((pl, i) => ({ pl, i })).filter(({ pl }) => pl.site.weight === w);
    if (!sites.length) return;
    const [rows, dIn] = weightShape(this.config, w);
    const frozenGroup = this.frozenGroups[l]?.get(w);
    if (frozenGroup) {
      // Few previous components: p_k = Σ_t (dY U_k)·(D_k x) per token, every site of w at once, into pFrozenAll.
      lora.alphaGroup(ctx, frozenGroup, dY, x, this.frozenStack!.layout, t.pFrozenAll!);
    } else if (this.frozenStack) {
      // dx needs nothing for the frozen stack (the merged W_eff carried it); p_k = ⟨(dW)_rows, U_k D_k⟩_F from
      // dWᵀ = xᵀ·dY (dIn, rows), once per weight; where the targets cover part of w's rows (q and v of qkv), from their
      // columns of dY only, gathered side by side (the product shrinks by the rows no target has).
      const gradT = this.arena.get(`lora.gradT.${w}`);
      const g = siteColumns(this.config, this.targets, w);
      let place = (rowOffset: number) => ({ stride: rows, offset: rowOffset });
      if (g) {
        const T = dY.shape[0]!;
        const sel = this.arena.get(`lora.dYSites.${w}`);
        const width = g.offsets.length * g.width;
        const dYSites = { ...sel, shape: [T, width] };
        ew.gatherColumns(ctx, dYSites, dY, g.offsets, g.width);
        matmul.tn(ctx, { c: gradT, a: x, b: dYSites });
        place = (rowOffset) => ({ stride: width, offset: g.offsets.indexOf(rowOffset) * g.width });
      } else matmul.tn(ctx, { c: gradT, a: x, b: dY });
      const stack = this.frozenStack;
      const Kf = stack.layout.K;
      for (const { pl, i } of sites) {
        lora.innerProducts(ctx, t.pFrozen!, gradT, pl.frozen!.dCatT, pl.frozen!.uCat, stack.layout, stack.ws.get(dIn)!, place(pl.site.rowOffset));
        ctx.copyRange(t.pFrozenAll!, (this.targets.length * l + i) * Kf, t.pFrozen!, 0, Kf);
      }
    }
    // The trainable component of every site on w, at once. No dx: W_eff holds this component too, so linear()'s
    // dY·W_eff carried it. h = x·D_tᵀ is made here, with gu: the forward never needs it (W_eff carries α_t U_t D_t).
    // p_t is left in each site's α partials (views into lora.partials), summed over every site at the end.
    const group = this.loraGroups[l]?.get(w);
    if (group) lora.backwardGroup(ctx, group, dY, x, this.arena.get('lora.alphaTrainable'));
  }

  /** dα_frozen = Σ_lp p_lp ⊙ invNorm_lp; dα_t = Σ_lp p_lp (the trainable scale is α_t itself). */
  private finishAlphaGrads(): void {
    const { ctx, t } = this;
    const { frozenRanks, trainableRank } = this.loraSetup;
    const rows = this.targets.length * this.config.depth;
    if (frozenRanks.length) {
      ew.mul(ctx, t.pScaled!, t.pFrozenAll!, this.arena.get('lora.invNorms'));
      reduce.sumRows(ctx, this.grads.get('lora.alphaFrozen')!, t.pScaled!, rows, frozenRanks.length);
    }
    // The trainable layout is one component, so every entry of every site's partials belongs to p_t (the padding
    // between sites is never written and stays 0).
    if (trainableRank) reduce.sumAll(ctx, this.grads.get('lora.alphaTrainable')!, this.arena.get('lora.partials'));
  }

  // ------------------------------------------------------------------ weights out

  /** Plain weights with every LoRA component merged into its targets' rows (W0 + Σ_k s_k U_k D_k), for evaluation
   *  at no extra cost per component and for export (ONNX, safetensors). */
  async mergedParams(): Promise<ParamTable> {
    const { ctx } = this;
    this.refreshEffective();
    const out: ParamTable = new Map();
    for (const [name, t] of this.params) out.set(name, await ctx.read(t));
    for (let l = 0; l < this.config.depth; l++)
      for (const w of adaptedWeights(this.config, this.targets)) out.set(`blocks.${l}.${w}`, await ctx.read(this.weight(l, w)));
    return out;
  }

  /** One base parameter (or head) back on the host. */
  async readParam(name: string): Promise<Float32Array> {
    const t = this.params.get(name);
    if (!t) throw new Error(`GpuViT: no parameter ${name}`);
    return this.ctx.read(t);
  }

  /** The α tensors in component order (frozen components, then the trainable one), for per-step monitoring. */
  alphaTensors(): GpuTensor[] {
    const { frozenRanks, trainableRank } = this.loraSetup;
    return [...(frozenRanks.length ? [this.arena.get('lora.alphaFrozen')] : []), ...(trainableRank ? [this.arena.get('lora.alphaTrainable')] : [])];
  }

  /** The LoRA state as host arrays: α's and the trainable component's factors per [block][target]. */
  async readLora(): Promise<{ alphaFrozen: Float32Array; alphaTrainable: number; trainable: { U: Float32Array; D: Float32Array }[][] }> {
    const { ctx } = this;
    const { frozenRanks, trainableRank } = this.loraSetup;
    const alphaFrozen = frozenRanks.length ? await ctx.read(this.arena.get('lora.alphaFrozen')) : new Float32Array(0);
    const alphaTrainable = trainableRank ? (await ctx.read(this.arena.get('lora.alphaTrainable')))[0]! : 0;
    const trainable: { U: Float32Array; D: Float32Array }[][] = [];
    if (trainableRank)
      for (let l = 0; l < this.config.depth; l++) {
        const row: { U: Float32Array; D: Float32Array }[] = [];
        for (let i = 0; i < this.targets.length; i++) {
          const tr = this.lora[l]![i]!.trainable!;
          row.push({ U: await ctx.read(tr.U), D: await ctx.read(tr.D) });
        }
        trainable.push(row);
      }
    return { alphaFrozen, alphaTrainable, trainable };
  }

  destroy(): void {
    if (this.frozenStack) {
      for (const ws of this.frozenStack.ws.values()) lora.releaseWorkspace(this.ctx, ws);
      this.ctx.release(this.frozenStack.layout.offsets);
    }
    for (const g of this.mergeGroups) merge.releaseSites(this.ctx, g.plan);
    for (const groups of [...this.loraGroups, ...this.frozenGroups]) for (const g of groups.values()) lora.releaseGroup(this.ctx, g);
    for (const row of this.lora) for (const pl of row) if (pl.trainable) this.ctx.release(pl.trainable.layout.offsets);
    this.arena.destroy();
  }
}

// Every trainable tensor in one pack and its gradient in a second, in the same order (so at the same offsets): the
// optimizer updates each run of them in one dispatch (gpu/arena.ts TensorRequest.pack, training/optimizer.ts).
const TRAINABLE = { pack: 'trainable' } as const;
const GRADIENT = { pack: 'gradients' } as const;
// The merged weights W_eff and their transposes, each kind in one pack: the trainable component merges into all of
// them in one dispatch (merge.planSites).
const EFFECTIVE = { pack: 'effective' } as const;
const EFFECTIVE_T = { pack: 'effectiveT' } as const;
// The previous tasks' factors, all in one pack, for the same batched merge.
const FROZEN = { pack: 'frozen' } as const;

/** Floats from one site's α partials to the next in lora.partials: the partials rounded up to 256 bytes. */
function partialStride(T: number, rank: number): number {
  const [tiles, R] = lora.partialShape(T, { R: rank });
  return Math.ceil((tiles * R) / 64) * 64;
}

/** Names and shapes of everything a GpuViT allocates (parameters, gradients, activations, LoRA state). */
class Planner {
  readonly requests: TensorRequest[] = [];
  readonly T: number;
  private readonly activations: string[] = [];

  constructor(
    private readonly c: ViTConfig,
    private readonly opts: GpuVitOptions,
  ) {
    const B = opts.batch;
    if (!Number.isInteger(B) || B < 1) throw new Error(`GpuViT: batch must be a positive integer (got ${B})`);
    const N = numTokens(c);
    const T = (this.T = B * N);
    const C = c.width;
    const F = mlpDim(c);
    const K = c.numClasses;
    const P = c.patchSize;
    const Np = numPatches(c);
    const H = c.heads;
    const train = opts.mode !== 'none';
    for (const s of paramSpecs(c)) {
      const trains = this.trainsBase(s.name);
      this.requests.push({ name: `param.${s.name}`, shape: s.shape, ...(trains ? TRAINABLE : {}) });
      if (trains) this.requests.push({ name: `grad.${s.name}`, shape: s.shape, ...GRADIENT });
    }
    const act = (name: string, shape: number[]) => {
      this.activations.push(name);
      this.requests.push({ name, shape });
    };
    act('cols', [B, Np, c.channels * P * P]);
    act('patches', [B * Np, C]);
    act('clsAtt', [B, C]);
    act('clsX', [B, C]);
    act('clsOut', [B, C]);
    act('features', [B, C]);
    act('meanF', [B]);
    act('rstdF', [B]);
    act('logits', [B, Math.max(1, K)]);
    act('preds', [B]);
    act('lossRows', [B]);
    act('lossMean', [1]);
    act('dlogits', [B, Math.max(1, K)]);
    // Blocks: all activations kept when training; in evaluation every block shares block 0's.
    for (let l = 0; l < c.depth; l++) {
      if (!train && l > 0) continue;
      const blk = (n: string, shape: number[]) => this.requests.push({ name: this.blockName(l, n), shape });
      const R = train ? rowsAfterAttention(c, B, l, 'mlp.fc1.weight') : T; // evaluation: block 0's serve every block
      blk('x', [T, C]);
      blk('ln1', [T, C]);
      blk('mean1', [T]);
      blk('rstd1', [T]);
      blk('qkv', [T, 3 * C]);
      blk('probs', attention.scratchShapes(B, N, H, headDim(c)).probs);
      blk('att', [T, C]);
      blk('mid', [R, C]);
      blk('ln2', [R, C]);
      blk('mean2', [R]);
      blk('rstd2', [R]);
      blk('pre', [R, F]);
      blk('act', [R, F]);
    }
    // Attention's head-major work buffers (shared by all blocks, forward and backward; see kernels/attention.ts);
    // a sequence short enough for the fused kernels needs none (its backward uses dScores, below).
    const sc = attention.scratchShapes(B, N, H, headDim(c));
    const attnScratch = !attention.fusedFits(N, headDim(c), B * H);
    if (attnScratch) {
      act('attnQ', sc.heads);
      act('attnK', sc.heads);
      act('attnV', sc.heads);
    }
    // The transposed weights, (in, out); GpuViT decides before planning, a plan made without a context
    // (GpuViT.plan) counts them, so a pre-flight estimate is never short. In LoRA training the base weights never
    // change: each keeps its own transposed copy W0ᵀ, made once, and a weight with components merged in has a
    // transposed W_effᵀ next to W_eff, reset from W0ᵀ and merged into by the same dispatches (merge.inPlace's
    // `transposed`). Elsewhere (full fine-tuning, evaluation) a weight is transposed at every forward into one scratch
    // per kind, so that a large model's weights are not held twice. On a small model the per-forward transposes
    // were 16 of a LoRA step's ~150 dispatches.
    if (opts.transposedForward ?? true)
      for (const w of BLOCK_WEIGHTS) {
        const shape = [...weightShape(c, w)].reverse();
        if (opts.mode !== 'lora') act(`forwardWT.${w}`, shape);
        else
          for (let l = 0; l < c.depth; l++) {
            this.requests.push({ name: `forwardWT.${l}.${w}`, shape });
            if (this.adapted().includes(w)) this.requests.push({ name: `lora.${l}.effT.${w}`, shape, ...EFFECTIVE_T });
          }
      }
    if (train) {
      act('dFeatures', [B, C]);
      act('dCls', [B, C]);
      act('dxA', [T, C]);
      act('dxB', [T, C]);
      act('dPre', [T, F]);
      act('dLn', [T, C]);
      act('dMid', [T, C]);
      act('dAtt', [T, C]);
      act('dQkv', [T, 3 * C]);
      act('dScores', sc.dScores);
      if (attnScratch) {
        act('rowDot', sc.rowDot);
        act('attnG', sc.heads);
      }
      act('dClsTok', [C]);
      act('dPatches', [B * Np, C]);
      act('dCols', [B, Np, c.channels * P * P]);
      act('dImages', [B, c.channels, c.imageSize, c.imageSize]);
    }
    const lo = opts.lora ?? { frozenRanks: [], trainableRank: 0 };
    const Kf = lo.frozenRanks.length;
    const Rf = lo.frozenRanks.reduce((x, y) => x + y, 0);
    const targets = loraTargets(opts);
    const rows = targets.length * c.depth;
    const weights = adaptedWeights(c, targets);
    if (Kf) {
      this.requests.push({ name: 'lora.alphaFrozen', shape: [Kf], ...TRAINABLE }, { name: 'grad.lora.alphaFrozen', shape: [Kf], ...GRADIENT });
      this.requests.push({ name: 'lora.invNorms', shape: [rows, Kf] }, { name: 'lora.scalesAll', shape: [rows, Kf] });
      act('pFrozen', [Kf]);
      if (train)
        for (const w of weights) {
          // dWᵀ (dIn, rows), or only the targets' columns of it (and dY's, gathered) where they are fewer.
          const [rows, dIn] = weightShape(c, w);
          const g = siteColumns(c, targets, w);
          this.requests.push({ name: `lora.gradT.${w}`, shape: [dIn, g ? g.offsets.length * g.width : rows] });
          if (g) this.requests.push({ name: `lora.dYSites.${w}`, shape: [T, g.offsets.length * g.width] });
        }
      act('pFrozenAll', [rows, Kf]);
      // Every site's partial sums for the per-token α gradient (lora.alphaGroup), each at a 256-byte boundary.
      if (train) this.requests.push({ name: 'lora.frozenPartials', shape: [rows, partialStride(T, Rf)] });
      act('pScaled', [rows, Kf]);
    }
    if (lo.trainableRank) {
      this.requests.push({ name: 'lora.alphaTrainable', shape: [1], ...TRAINABLE }, { name: 'grad.lora.alphaTrainable', shape: [1], ...GRADIENT });
      // Every site's α partial sums (lora.partialShape) in one buffer, each at a 256-byte boundary (a binding
      // offset), so that one reduction gives dα_t.
      this.requests.push({ name: 'lora.partials', shape: [rows, partialStride(T, lo.trainableRank)] });
    }
    for (let l = 0; l < c.depth; l++) {
      if (Kf || lo.trainableRank) for (const w of weights) this.requests.push({ name: `lora.${l}.eff.${w}`, shape: weightShape(c, w), ...EFFECTIVE });
      for (const p of targets) {
        const key = `lora.${l}.${p}`;
        const { dOut, dIn } = targetSite(c, p);
        if (Kf)
          this.requests.push(
            { name: `${key}.frozen.D`, shape: [Rf, dIn], ...FROZEN },
            { name: `${key}.frozen.DT`, shape: [dIn, Rf] },
            { name: `${key}.frozen.U`, shape: [dOut, Rf], ...FROZEN },
            { name: `${key}.frozen.scales`, shape: [Kf] },
          );
        if (lo.trainableRank) {
          const r = lo.trainableRank;
          this.requests.push(
            { name: `${key}.U`, shape: [dOut, r], ...TRAINABLE },
            { name: `${key}.D`, shape: [r, dIn], ...TRAINABLE },
            { name: `grad.${key}.U`, shape: [dOut, r], ...GRADIENT },
            { name: `grad.${key}.D`, shape: [r, dIn], ...GRADIENT },
          );
        }
      }
    }
  }

  blockName(l: number, n: string): string {
    const train = this.opts.mode !== 'none';
    return `block${train ? l : 0}.${n}`;
  }

  activationNames(): string[] {
    return this.activations;
  }

  /** The block weights that LoRA components are merged into (none without components). */
  adapted(): readonly TargetWeight[] {
    const lo = this.opts.lora ?? { frozenRanks: [], trainableRank: 0 };
    return lo.frozenRanks.length || lo.trainableRank ? adaptedWeights(this.c, loraTargets(this.opts)) : [];
  }

  trainsBase(name: string): boolean {
    if (this.opts.mode === 'full') return true;
    if (this.opts.mode === 'lora') return name.startsWith('head.');
    return false;
  }
}

/** The validated target list of a model's options (default q, v). */
/** The row blocks of weight w that the targets adapt (their offsets, one width), when gathering them is possible
 *  (ew.gatherFits) and leaves rows out; null otherwise (then the weight gradient is taken whole). */
function siteColumns(c: ViTConfig, targets: readonly LoraTarget[], w: TargetWeight): { offsets: number[]; width: number } | null {
  const sites = targets.map((t) => targetSite(c, t)).filter((s) => s.weight === w);
  const rows = weightShape(c, w)[0];
  const width = sites[0]?.dOut ?? 0;
  const offsets = sites.map((s) => s.rowOffset);
  if (!sites.length || sites.some((s) => s.dOut !== width) || offsets.length * width >= rows || !ew.gatherFits(rows, offsets, width)) return null;
  return { offsets, width };
}

function loraTargets(opts: GpuVitOptions): readonly LoraTarget[] {
  return opts.lora?.targets ? parseTargets(opts.lora.targets) : DEFAULT_TARGETS;
}
