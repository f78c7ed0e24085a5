// A LoRA training step on the GPU (forward, loss, backward, optimizer) against the float64 reference, and
// the invariants of LoRA training: frozen weights never move, the trainable ones do, and the loss falls.
import { expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { initParams } from '../model/vit/params';
import * as ref from '../reference/vit';
import { compare } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { normal } from '../testing/rng';
import { Optimizer } from './optimizer';

const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
const B = 4;
const R = 2;

await describeGpu('LoRA training step', (ctx) => {
  it('one SGD step equals the reference gradient step; frozen weights are untouched; loss falls over steps', async () => {
    const c = ctx();
    const params = initParams(config, 3);
    const vit = new GpuViT(c, config, params, { batch: B, mode: 'lora', lora: { frozenRanks: [], trainableRank: R } });
    // SD-LoRA init: U = 0, D random; α = 0.8. With U = 0 only dU (and the head) get gradient on step 1.
    const D = () => Float32Array.from(normal(R * config.width, 5, 0.25));
    const U = () => new Float32Array(config.width * R);
    vit.setLora({ alphaTrainable: 0.8, trainable: Array.from({ length: config.depth }, () => [{ U: U(), D: D() }, { U: U(), D: D() }]) });
    const S = config.imageSize;
    const images = c.fromArray(Float32Array.from(normal(B * 3 * S * S, 9)), [B, 3, S, S], 'images');
    const labels = [0, 1, 2, 3];
    const labelT = c.fromArray(Uint32Array.from(labels), [B], 'labels');
    const lr = 0.5;
    const opt = new Optimizer(c, vit.trainable, vit.grads, { kind: 'sgd', learningRate: lr, momentum: 0.9 });

    const before = new Map<string, Float32Array>();
    for (const [n, t] of vit.params) before.set(n, await c.read(t));
    const headGrad: Float32Array[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      vit.forward(images);
      const { loss, dlogits } = vit.loss(labelT, 0, config.numClasses);
      vit.backward(dlogits);
      if (step === 0) headGrad.push(await c.read(vit.grads.get('head.weight')!));
      opt.step();
      losses.push((await c.read(loss))[0]!);
    }
    // Step 1 against the reference: head.weight_1 = head.weight_0 − lr·g (momentum buffer = g on the first step).
    const rawImages = new Float64Array(B * 3 * S * S);
    const norm = await c.read(images);
    for (let i = 0; i < rawImages.length; i++) {
      const ch = Math.floor(i / (S * S)) % 3;
      rawImages[i] = norm[i]! * config.std[ch]! + config.mean[ch]!;
    }
    const comps: ref.LoraComponent[] = [
      {
        rank: R,
        alpha: 0.8,
        normalized: false,
        targets: ['q', 'v'],
        blocks: Array.from({ length: config.depth }, () => [
          { U: new Float64Array(config.width * R), D: Float64Array.from(D()) },
          { U: new Float64Array(config.width * R), D: Float64Array.from(D()) },
        ]),
      },
    ];
    const r = ref.lossAndGrads(config, ref.toFloat64(params), comps, rawImages, labels);
    const rep = compare(headGrad[0]!, r.grads.params.get('head.weight')!, { ulps: 2e-5 / 2 ** -23, label: 'step-1 head gradient' });
    expect(rep.ok, rep.message).toBe(true);
    expect(Math.abs(losses[0]! - r.loss)).toBeLessThan(1e-5);

    for (const [n, t] of vit.params) {
      const now = await c.read(t);
      if (n.startsWith('head.')) expect(now, `${n} should train`).not.toEqual(before.get(n));
      else expect(now, `${n} is frozen`).toEqual(before.get(n));
    }
    const u = await c.read(vit.trainable.get('lora.0.q.U')!);
    expect(u.some((v) => v !== 0), 'U leaves zero').toBe(true);
    expect(losses[losses.length - 1]!, `losses ${losses.map((l) => l.toFixed(4)).join(' ')}`).toBeLessThan(losses[0]! * 0.8);
    opt.destroy();
    vit.destroy();
    c.release(images, labelT);
  });
});
