// Method logic that runs on the host: the SD-LoRA-KD least-squares fold preserves the merged function,
// an unrelated direction is not folded, and config parsing lists the valid choices.
import { describe, expect, it } from 'vitest';
import type { BankComponent } from '../io/loraBank';
import { presets, type ViTConfig } from '../model/vit/config';
import { LORA_TARGETS, targetSite, type LoraTarget } from '../model/vit/loraTargets';
import { normal } from '../testing/rng';
import { randomParams } from '../testing/vitFixtures';
import { createMethod, fitDirection, parseRunConfig, type MethodState } from './methods';

const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
const C = config.width;
const f = (n: number, seed: number) => Float32Array.from(normal(n, seed, 0.5));

function component(rank: number, alpha: number, seed: number, normalized = true, targets: readonly LoraTarget[] = ['q', 'v']): BankComponent {
  return {
    rank,
    alpha,
    normalized,
    targets,
    blocks: Array.from({ length: config.depth }, (_, l) =>
      targets.map((t, i) => {
        const { dOut, dIn } = targetSite(config, t);
        return { U: f(dOut * rank, seed + 12 * l + 2 * i), D: f(rank * dIn, seed + 12 * l + 2 * i + 1) };
      }),
    ),
  };
}

const frob = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

/** A new component whose update is exactly a·d_0 + b·d_1 (d_k = U_k D_k/(‖U_k‖‖D_k‖)) in every matrix. */
function combination(c0: BankComponent, c1: BankComponent, a: number, b: number): BankComponent {
  const rank = c0.rank + c1.rank;
  return {
    rank,
    alpha: 1,
    normalized: false,
    targets: c0.targets,
    blocks: c0.blocks.map((b0, l) => {
      const mk = (p: number) => {
        const f0 = b0[p]!;
        const f1 = c1.blocks[l]![p]!;
        const s0 = a / (frob(f0.U) * frob(f0.D));
        const s1 = b / (frob(f1.U) * frob(f1.D));
        const dOut = f0.U.length / c0.rank;
        const U = new Float32Array(dOut * rank);
        for (let o = 0; o < dOut; o++) {
          for (let j = 0; j < c0.rank; j++) U[o * rank + j] = s0 * f0.U[o * c0.rank + j]!;
          for (let j = 0; j < c1.rank; j++) U[o * rank + c0.rank + j] = s1 * f1.U[o * c1.rank + j]!;
        }
        const D = new Float32Array(f0.D.length + f1.D.length);
        D.set(f0.D, 0);
        D.set(f1.D, f0.D.length);
        return { U, D };
      };
      return b0.map((_f, p) => mk(p));
    }),
  };
}

describe('SD-LoRA-KD least-squares fold', () => {
  it.each([[['q', 'v']], [[...LORA_TARGETS]]] as [LoraTarget[]][])('on %j: recovers the coefficients of a combination of old directions, residual ~0, and folding preserves the merged weights', (targets) => {
    const c0 = component(3, 1.1, 10, true, targets);
    const c1 = component(2, 0.6, 20, true, targets);
    const fresh = combination(c0, c1, 0.7, -0.3);
    const fit = fitDirection([c0, c1], fresh, 'factors');
    expect(fit.coefficients[0]).toBeCloseTo(0.7, 4);
    expect(fit.coefficients[1]).toBeCloseTo(-0.3, 4);
    expect(fit.relative).toBeLessThan(1e-3);

    const cfg = parseRunConfig({ method: 'sdlora-kd', alphaMode: 'carry', targets });
    const method = createMethod(cfg, config, randomParams(config, 3));
    const base = method.initialState();
    const before: MethodState = { ...base, components: [c0, c1, fresh] };
    const folded: MethodState = {
      ...base,
      components: [
        { ...c0, alpha: c0.alpha + fit.coefficients[0]! },
        { ...c1, alpha: c1.alpha + fit.coefficients[1]! },
      ],
    };
    const a = method.evalParams(before);
    const b = method.evalParams(folded);
    for (let l = 0; l < config.depth; l++)
      for (const w of new Set(targets.map((t) => targetSite(config, t).weight))) {
        const wa = a.get(`blocks.${l}.${w}`)!;
        const wb = b.get(`blocks.${l}.${w}`)!;
        expect(wa, `block ${l} ${w} carries the merged update`).not.toEqual(randomParams(config, 3).get(`blocks.${l}.${w}`));
        let worst = 0;
        for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!));
        expect(worst, `block ${l} ${w}`).toBeLessThan(1e-5);
      }
  });

  it('an unrelated random direction keeps a large relative residual (no fold at τ = 0.69)', () => {
    const fit = fitDirection([component(2, 1, 30)], component(2, 1, 40, false), 'factors');
    expect(fit.relative).toBeGreaterThan(0.69);
  });
});

describe('run config', () => {
  it('lists valid choices for bad values and unknown fields', () => {
    expect(() => parseRunConfig({ method: 'ewc' })).toThrow(/method must be one of: sdlora, sdlora-rr, sdlora-kd, seq-lora, seq-full, ncm/);
    expect(() => parseRunConfig({ lr: 0.1 })).toThrow(/unknown field 'lr'/);
    expect(() => parseRunConfig({ method: 'sdlora-kd' })).toThrow(/needs alphaMode "carry"/);
    expect(parseRunConfig({ method: 'ncm' }).head).toBe('prototype');
    expect(() => parseRunConfig({ targets: ['q', 'o'] })).toThrow(/targets must be a non-empty list of distinct maps among q, k, v/);
    expect(() => parseRunConfig({ targets: [] })).toThrow(/targets must be/);
    expect(parseRunConfig({ targets: ['v', 'k', 'q'] }).targets).toEqual(['q', 'k', 'v']);
    expect(parseRunConfig({}).targets).toEqual(['q', 'v']);
  });

  it('a resumed SD-LoRA state whose components adapt other maps than the config is refused', () => {
    const cfg = parseRunConfig({ method: 'sdlora', targets: ['q', 'k', 'v'] });
    const method = createMethod(cfg, config, randomParams(config, 3));
    const s: MethodState = { ...method.initialState(), components: [component(2, 1, 5, false)] };
    expect(() => method.beginTask(s, 1, 2, 4)).toThrow(/adapt different maps/);
  });
});

describe('one-direction ablation', () => {
  const state = (method: ReturnType<typeof createMethod>, alpha: number): MethodState => ({ ...method.initialState(), seqLora: component(3, alpha, 11, false) });
  const n = (U: Float32Array, D: Float32Array) => frob(U) * frob(D);

  it('at a task boundary normalises every matrix of its single pair (‖U‖‖D‖ = 1) and resets α', () => {
    const cfg = parseRunConfig({ method: 'one-direction', rank: 3, alphaInit: 0.8 });
    const method = createMethod(cfg, config, randomParams(config, 3));
    const plan = method.beginTask(state(method, 0.37), 1, 2, 4);
    expect(plan.lora).toEqual({ frozenRanks: [], trainableRank: 3, targets: ['q', 'v'] });
    expect(plan.loraState.alphaTrainable).toBe(0.8);
    for (const f of plan.loraState.trainable!.flat()) expect(n(f.U, f.D)).toBeCloseTo(1, 5);
  });

  it('carry keeps the function: α becomes α·mean n over the matrices', () => {
    const cfg = parseRunConfig({ method: 'one-direction', rank: 3, alphaMode: 'carry' });
    const method = createMethod(cfg, config, randomParams(config, 3));
    const s = state(method, 0.37);
    const ns = s.seqLora!.blocks.flat().map((f) => n(f.U, f.D));
    const plan = method.beginTask(s, 1, 2, 4);
    expect(plan.loraState.alphaTrainable).toBeCloseTo(0.37 * (ns.reduce((a, b) => a + b, 0) / ns.length), 5);
  });
});
