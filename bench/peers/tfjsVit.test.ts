// The TF.js ViT + LoRA benchmark peer computes the same model as the float64 reference (src/reference/vit.ts):
// logits, the gradients behind one SGD step, which parameters move, and that training lowers the loss.
// Backend 'cpu' (plain JS): deterministic and fast for the tiny preset.

import { afterEach, describe, expect, it } from 'vitest';
import { presets, type ViTConfig } from '../../src/model/vit/config';
import { initParams, paramSpecs, type ParamTable } from '../../src/model/vit/params';
import * as vit from '../../src/reference/vit';
import { normal, uniform } from '../../src/testing/rng';
import { ALPHA, createTfjsVitStep, loraNames, type TfjsVitStep } from './tfjsVit';

const cfg: ViTConfig = presets.tiny;
const B = 3;
const R = 2;
const C = cfg.width;

/** Well-conditioned weights, larger than timm's init so every path (LoRA included) carries signal. */
function table(seed: number): ParamTable {
  const p = initParams(cfg, seed);
  paramSpecs(cfg).forEach((s, i) => {
    const t = p.get(s.name)!;
    const noise = normal(t.length, seed * 1000 + i, s.init === 'ones' ? 0.2 : 0.3);
    for (let j = 0; j < t.length; j++) t[j] = (s.init === 'ones' ? 1 : 0) + noise[j]!;
  });
  for (let l = 0; l < cfg.depth; l++) {
    const n = loraNames(l);
    [n.qU, n.qD, n.vU, n.vD].forEach((name, k) => p.set(name, Float32Array.from(normal(C * R, seed * 77 + 4 * l + k, 0.3))));
  }
  p.set(ALPHA, Float32Array.of(0.7));
  return p;
}

/** The same model in the reference's terms: base table in float64 plus one unnormalised (current) component. */
function reference(p: ParamTable) {
  const base = vit.toFloat64(new Map(paramSpecs(cfg).map((s) => [s.name, p.get(s.name)!])));
  const f = (name: string) => Float64Array.from(p.get(name)!);
  const comp: vit.LoraComponent = {
    rank: R,
    alpha: p.get(ALPHA)![0]!,
    normalized: false,
    targets: ['q', 'v'],
    blocks: Array.from({ length: cfg.depth }, (_, l) => {
      const n = loraNames(l);
      return [
        { U: f(n.qU), D: f(n.qD) },
        { U: f(n.vU), D: f(n.vD) },
      ];
    }),
  };
  return { base, lora: [comp] };
}

const images = Float32Array.from(uniform(B * cfg.channels * cfg.imageSize ** 2, 11, 0, 1)); // (B, 3, S, S) raw pixels
const labels = Int32Array.from([4, 0, 2]);

const rms = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0) / a.length);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

let peer: TfjsVitStep | null = null;
afterEach(() => {
  peer?.dispose();
  peer = null;
});

describe('TF.js ViT LoRA peer (cpu backend)', () => {
  it.each([false, true])('logits equal the float64 reference forward (CLS-only last block: %s)', async (clsOnlyLastBlock) => {
    const p = table(3);
    peer = await createTfjsVitStep({ config: cfg, batch: B, rank: R, backend: 'cpu', params: p, clsOnlyLastBlock });
    const got = await peer.logits(images);
    const { base, lora } = reference(p);
    const want = vit.forward(cfg, base, lora, Float64Array.from(images), B).logits;
    expect(got.length).toBe(B * cfg.numClasses);
    // float32 through 2 blocks of K ≤ 48 sums and tf.erf (1.5e-7 approximation): ~5e-7 observed.
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4 * Math.max(1, rms(want)));
  });

  it.each([
    ['dual', false],
    ['transposeB', false],
    ['dual', true],
  ] as const)('one SGD step (%s, CLS-only last block: %s) moves exactly the trainable parameters, by lr × the reference gradient', async (matmul, clsOnlyLastBlock) => {
    const p = table(5);
    const lr = 0.5; // large so (before − after)/lr keeps float32 precision
    peer = await createTfjsVitStep({ config: cfg, batch: B, rank: R, backend: 'cpu', params: p, lr, matmul, clsOnlyLastBlock });
    const before = await peer.readWeights();
    const loss = await peer.step(images, labels);
    const after = await peer.readWeights();

    const { base, lora } = reference(p);
    const ref = vit.lossAndGrads(cfg, base, lora, Float64Array.from(images), labels);
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, ref.loss));

    const refGrad = new Map<string, ArrayLike<number>>([
      ['head.weight', ref.grads.params.get('head.weight')!],
      ['head.bias', ref.grads.params.get('head.bias')!],
      [ALPHA, ref.grads.alpha],
    ]);
    for (let l = 0; l < cfg.depth; l++) {
      const n = loraNames(l);
      const g = ref.grads.lora[0]![l]!;
      const [q, v] = g as [vit.LoraFactors, vit.LoraFactors];
      refGrad.set(n.qU, q.U).set(n.qD, q.D).set(n.vU, v.U).set(n.vD, v.D);
    }
    expect(new Set(peer.trainableNames)).toEqual(new Set(refGrad.keys()));

    for (const [name, b] of before) {
      const a = after.get(name)!;
      const want = refGrad.get(name);
      if (!want) {
        expect(a, `frozen ${name} changed`).toEqual(b);
        continue;
      }
      // First momentum step: buf = g, so p₁ = p₀ − lr·g.
      const g = Array.from(b, (v, i) => (v - a[i]!) / lr);
      expect(maxAbsDiff(g, want), `gradient of ${name}`).toBeLessThan(1e-4 * Math.max(rms(want), 1e-3));
      expect(rms(want), `${name} has a gradient`).toBeGreaterThan(0);
    }
  });

  it('a few steps on a repeated batch lower the loss (default init: U = 0, α = 0.8)', async () => {
    peer = await createTfjsVitStep({ config: cfg, batch: B, rank: R, backend: 'cpu', seed: 9, lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) losses.push(await peer.step(images, labels));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]!).toBeLessThan(losses[0]! - 1e-3);
  });
});
