// The merged model exported as ONNX runs in ONNX Runtime (onnxruntime-web, wasm) and gives the logits of
// the project's own GPU forward pass with its LoRA components (max |Δ| printed; ~1e-6 for the tiny model),
// and the merged weights evaluated on the GPU without any LoRA path give the same logits.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { exportVitOnnx } from '../../io/onnx/exportVit';
import { describeGpu } from '../../testing/gpu';
import { normal } from '../../testing/rng';
import { presets, type ViTConfig } from './config';
import { GpuViT } from './gpuVit';
import { randomParams } from '../../testing/vitFixtures';

const config: ViTConfig = { ...presets.tiny, numClasses: 6 };
const B = 3;

await describeGpu('merged model: GPU, ONNX Runtime', (ctx) => {
  it('ONNX export of the merged LoRA model matches the GPU forward; merged GPU evaluation matches too', async () => {
    const c = ctx();
    const params = randomParams(config, 21);
    const lora = { frozenRanks: [2, 3], trainableRank: 2 };
    const vit = new GpuViT(c, config, params, { batch: B, mode: 'lora', lora });
    const C = config.width;
    const f = (n: number, seed: number) => Float32Array.from(normal(n, seed, 0.3));
    vit.setLora({
      alphaFrozen: Float32Array.of(1.3, 0.7),
      alphaTrainable: 0.9,
      invNorms: Float32Array.from({ length: 2 * config.depth * 2 }, (_, i) => 0.5 + 0.1 * i),
      frozen: Array.from({ length: config.depth }, (_, l) => [0, 1].map((i) => ({ U: f(C * 5, 100 + 4 * l + i), D: f(5 * C, 200 + 4 * l + i) }))),
      trainable: Array.from({ length: config.depth }, (_, l) => [0, 1].map((i) => ({ U: f(C * 2, 300 + 4 * l + i), D: f(2 * C, 400 + 4 * l + i) }))),
    });
    const S = config.imageSize;
    const x = Float32Array.from(normal(B * 3 * S * S, 5));
    const images = c.fromArray(x, [B, 3, S, S], 'images');
    const ours = await c.read(vit.forward(images));

    const merged = await vit.mergedParams();
    const evalVit = new GpuViT(c, config, merged, { batch: B, mode: 'none' });
    const mergedLogits = await c.read(evalVit.forward(images));
    let dMerged = 0;
    for (let i = 0; i < ours.length; i++) dMerged = Math.max(dMerged, Math.abs(ours[i]! - mergedLogits[i]!));

    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + '/';
    const session = await ort.InferenceSession.create(exportVitOnnx(config, merged), { executionProviders: ['wasm'] });
    const out = await session.run({ pixel_values: new ort.Tensor('float32', x, [B, 3, S, S]) });
    const theirs = out.logits!.data as Float32Array;
    let dOrt = 0;
    for (let i = 0; i < ours.length; i++) dOrt = Math.max(dOrt, Math.abs(ours[i]! - theirs[i]!));
    const scale = Math.max(...Array.from(ours, Math.abs));
    console.log(`logits up to ${scale.toFixed(3)}; max |GPU LoRA − ONNX Runtime merged| = ${dOrt.toExponential(2)}, max |GPU LoRA − GPU merged| = ${dMerged.toExponential(2)}`);
    expect(dOrt).toBeLessThan(2e-5);
    expect(dMerged).toBeLessThan(2e-5);
    await session.release();
    evalVit.destroy();
    vit.destroy();
    c.release(images);
  });
});
