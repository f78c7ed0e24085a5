import { describe, expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { DEFAULT_TARGETS, LORA_TARGETS, targetSite, type LoraTarget } from '../model/vit/loraTargets';
import { initParams, paramSpecs } from '../model/vit/params';
import { normal, uniform } from '../testing/rng';
import { gradError, numericGrad } from './gradcheck';
import * as vit from './vit';

// Tolerance: float64 central differences with h = 1e-6 have truncation error ~h²·|f'''| ≈ 1e-12 and rounding
// error ~ε64·|L|/h ≈ 2e-16·2/1e-6 ≈ 4e-10 on a loss of O(1); gradError divides by |numeric| + rms(numeric),
// and the gradients checked have rms ≳ 1e-3, so a correct backward lands near 1e-7 at worst. A wrong term
// (a missing residual, a transposed factor, a dropped norm derivative) shows up as O(1e-2 … 1).
const TOL = 1e-6;

const cfg: ViTConfig = { ...presets.tiny, numClasses: 6 };
const B = 2;

/** Random, well-conditioned parameters: larger than timm init so every path carries gradient. */
function randomParams(c: ViTConfig, seed: number): vit.Params64 {
  const p = vit.toFloat64(initParams(c, seed));
  paramSpecs(c).forEach((s, i) => {
    const t = p.get(s.name)!;
    const noise = normal(t.length, seed * 1000 + i, s.init === 'ones' ? 0.2 : 0.3);
    for (let j = 0; j < t.length; j++) t[j] = (s.init === 'ones' ? 1 : 0) + noise[j]!;
  });
  return p;
}

function component(c: ViTConfig, rank: number, alpha: number, normalized: boolean, seed: number, targets: readonly LoraTarget[] = DEFAULT_TARGETS): vit.LoraComponent {
  const f = (t: LoraTarget, s: number) => {
    const { dOut, dIn } = targetSite(c, t);
    return { U: normal(dOut * rank, s, 0.3), D: normal(rank * dIn, s + 1, 0.3) };
  };
  return { rank, alpha, normalized, targets, blocks: Array.from({ length: c.depth }, (_, l) => targets.map((t, i) => f(t, seed + 20 * l + 3 * i))) };
}

function setup(targets: readonly LoraTarget[] = DEFAULT_TARGETS) {
  const p = randomParams(cfg, 7);
  const lora = [component(cfg, 2, 0.8, true, 100, targets), component(cfg, 3, 0.7, false, 200, targets)];
  const images = uniform(B * 3 * cfg.imageSize * cfg.imageSize, 3, 0, 1);
  const labels = [4, 2]; // absolute, inside the current task's range [2, 5)
  return { p, lora, images, labels, lo: 2, hi: 5 };
}

describe('reference vit', () => {
  it.each([[['q', 'v']], [['q', 'k', 'v']], [['k']], [['proj', 'fc1', 'fc2']], [[...LORA_TARGETS]]] as [LoraTarget[]][])('forward: shapes, finite, LoRA on %j equals merging s·U·D into those weights', (targets) => {
    const { p, lora, images } = setup(targets);
    const out = vit.forward(cfg, p, lora, images, B);
    expect(out.logits.length).toBe(B * cfg.numClasses);
    expect(out.logits.every(Number.isFinite)).toBe(true);
    // Merge every component into its weights: rows [rowOffset, rowOffset + dOut) += s·U·D (e.g. q: rows [0, C) of W_qkv).
    const merged = new Map([...p].map(([k, v]) => [k, v.slice()]));
    for (const comp of lora)
      for (let l = 0; l < cfg.depth; l++)
        for (const [ti, t] of comp.targets.entries()) {
          const { weight, rowOffset, dOut, dIn } = targetSite(cfg, t);
          const W = merged.get(`blocks.${l}.${weight}`)!;
          const f = comp.blocks[l]![ti]!;
          const s = vit.loraScale(comp, f);
          for (let i = 0; i < dOut; i++)
            for (let j = 0; j < dIn; j++) {
              let acc = 0;
              for (let q = 0; q < comp.rank; q++) acc += f.U[i * comp.rank + q]! * f.D[q * dIn + j]!;
              W[(rowOffset + i) * dIn + j] += s * acc;
            }
        }
    const ref = vit.forward(cfg, merged, [], images, B);
    for (let i = 0; i < ref.logits.length; i++) expect(out.logits[i]).toBeCloseTo(ref.logits[i]!, 12);
    // And the normalised scale really is α/(‖U‖‖D‖).
    const f = lora[0]!.blocks[1]!.at(-1)!;
    const n = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
    expect(vit.loraScale(lora[0]!, f)).toBeCloseTo(0.8 / (n(f.U) * n(f.D)), 14);
  });

  it('loss over [lo, hi) only: logits outside the range get no gradient, head rows outside stay zero', () => {
    const { p, lora, images, labels, lo, hi } = setup();
    const { grads } = vit.lossAndGrads(cfg, p, lora, images, labels, lo, hi);
    const C = cfg.width;
    const dW = grads.params.get('head.weight')!;
    const db = grads.params.get('head.bias')!;
    for (let k = 0; k < cfg.numClasses; k++) {
      const inside = k >= lo && k < hi;
      const rowMax = Math.max(...Array.from(dW.subarray(k * C, (k + 1) * C), Math.abs));
      expect(rowMax > 0).toBe(inside);
      expect(db[k] !== 0).toBe(inside);
    }
    expect([...grads.params.keys()]).toEqual(paramSpecs(cfg).map((s) => s.name));
  });

  it.each([[['q', 'v']], [[...LORA_TARGETS]]] as [LoraTarget[]][])('backward on %j matches central differences (params, LoRA factors, α, images)', (targets) => {
    const { p, lora, images, labels, lo, hi } = setup(targets);
    const { grads } = vit.lossAndGrads(cfg, p, lora, images, labels, lo, hi);
    const f = () => vit.loss(cfg, p, lora, images, labels, lo, hi);
    const errors: Record<string, number> = {};
    // Up to 48 entries per tensor, spread over it with a stride coprime to the row lengths (keeps the file ~2 s).
    const check = (label: string, x: Float64Array, analytic: Float64Array) => {
      const idx = x.length <= 48 ? Array.from(x, (_, i) => i) : Array.from({ length: 48 }, (_, i) => (i * 37 + 5) % x.length);
      const view = Float64Array.from(idx, (i) => x[i]!);
      const numeric = numericGrad(() => {
        idx.forEach((i, j) => (x[i] = view[j]!));
        return f();
      }, view);
      idx.forEach((i, j) => (x[i] = view[j]!));
      errors[label] = gradError(idx.map((i) => analytic[i]!), numeric);
    };
    for (const name of [
      'cls_token', 'pos_embed', 'patch_embed.proj.weight', 'patch_embed.proj.bias',
      'blocks.0.norm1.weight', 'blocks.0.attn.qkv.weight', 'blocks.1.attn.qkv.bias', 'blocks.0.attn.proj.weight',
      'blocks.1.norm2.bias', 'blocks.1.mlp.fc1.weight', 'blocks.0.mlp.fc2.bias', 'norm.weight', 'norm.bias',
      'head.weight', 'head.bias',
    ])
      check(name, p.get(name)!, grads.params.get(name)!);
    // Frozen normalised component (gradient through the norm included) and the trainable one.
    for (const [i, t] of targets.entries()) {
      check(`lora0.block0.${t}.U`, lora[0]!.blocks[0]![i]!.U, grads.lora[0]![0]![i]!.U);
      check(`lora0.block1.${t}.D`, lora[0]!.blocks[1]![i]!.D, grads.lora[0]![1]![i]!.D);
      check(`lora1.block0.${t}.U`, lora[1]!.blocks[0]![i]!.U, grads.lora[1]![0]![i]!.U);
      check(`lora1.block1.${t}.D`, lora[1]!.blocks[1]![i]!.D, grads.lora[1]![1]![i]!.D);
    }
    // α: perturb through a tiny view object.
    const alphas = Float64Array.from(lora.map((c) => c.alpha));
    const numericAlpha = numericGrad(() => {
      lora.forEach((c, i) => (c.alpha = alphas[i]!));
      return f();
    }, alphas);
    lora.forEach((c, i) => (c.alpha = alphas[i]!));
    errors.alpha = gradError(grads.alpha, numericAlpha);
    check('images', images, grads.images);
    for (const [k, e] of Object.entries(errors)) expect(e, k).toBeLessThan(TOL);
    if (process.env.SHOW_GRADCHECK) console.log(errors);
  }, 30_000);

  it('unused parts get exactly zero gradient: a frozen component with U = 0 is guarded, α of it is 0', () => {
    const { p, images, labels, lo, hi } = setup();
    const dead = component(cfg, 2, 0.8, true, 300);
    for (const b of dead.blocks) for (const f of b) f.U.fill(0);
    const { grads, logits } = vit.lossAndGrads(cfg, p, [dead], images, labels, lo, hi);
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(grads.alpha[0]).toBe(0);
    const plain = vit.forward(cfg, p, [], images, B).logits;
    for (let i = 0; i < plain.length; i++) expect(logits[i]).toBe(plain[i]);
  });
});
