// "Seq-LoRA forgets where SD-LoRA does not", through the real runner (runExperiment) on a problem whose answer is
// known by construction.
//
// Backbone: a tiny random ViT (8×8 images, 4 patches, width 16, one block) whose value projections are zero, so
// the frozen model cannot see the image at all (checked: it gives every image the same features). Everything a
// task teaches lives in the rank-1 q/v adapters, and a rank-1 value adapter is one scalar channel u·(dᵀ LN(token))
// into the CLS token.
// Task 1: red level high vs low (±90); task 2: blue level high vs low (±40); everything else mid grey + pixel noise.
//   seq-LoRA    one rank-1 pair for both tasks: to solve task 2 its single channel must read blue, so task-1 images
//               end up either unreadable or aliased onto task-2 classes → task-1 accuracy collapses.
//   SD-LoRA     task 1's direction U₀D₀/‖U₀‖‖D₀‖ is frozen (only its α moves); task 2 gets its own channel.
// alphaMode "carry" (the paper's text): with the code's reset to 0.8 the old channel's scale jumps at the task
// boundary, which is a different effect (measured: it also forgets here). Evaluation uses the runner's prototype
// head (nearest class mean, old prototypes kept), so what is measured is whether the backbone still produces
// task 1's features, not how the linear head's new rows happen to be offset (that noise hits both methods alike).
//
// Measured on lavapipe with exactly this data and recipe (task-1 accuracy after task 2, %, seeds 1–4), for four
// backbone inits (randomParams seed; the test uses 5):
//   init 5: seq [50, 0, 0, 0]    SD [100, 100, 100, 100]      init 7: seq [50, 0, 0, 56]   SD [100, 100, 50, 100]
//   init 6: seq [100, 0, 100, 0] SD [100, 100, 100, 100]      init 8: seq [0, 0, 75, 100]  SD [100, 100, 100, 100]
//   init 5, seeds 5–8: seq [0, 0, 50, 50], SD [100, 100, 100, 100].
// Single seeds vary (seq-LoRA sometimes multiplexes both tasks in its one channel; SD-LoRA's new channel also
// reacts to task-1 images, which nothing in task 2 prevents), so the test asserts on the mean over 4 seeds: the gap
// was 50–88 points for every init; the threshold is 40. It fails with the authors' α reset (alphaMode "reset":
// SD-LoRA mean 25 %); the blindness check fails when the value projections are left in (max feature spread 2.4).
// Found while designing it (same recipe, other noise draws): with two blocks the protection mostly disappears
// (SD-LoRA 0–90 % per seed): the new block-1 component changes the tokens the frozen block-2 direction reads.
import { encode } from 'fast-png';
import { expect, it } from 'vitest';
import { decodeImage, packImages } from '../data/decode';
import * as preprocess from '../kernels/preprocess';
import { presets, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { describeGpu } from '../testing/gpu';
import { rng } from '../testing/rng';
import { randomParams } from '../testing/vitFixtures';
import { classOrderAndTasks, runExperiment, type LabeledImages } from './experiment';
import { parseRunConfig, type MethodName, type RunConfig } from './methods';

const S = 8;
const config: ViTConfig = { ...presets.tiny, imageSize: S, patchSize: 4, depth: 1 };
const C = config.width;

/** The image-blind backbone: randomParams with every block's value rows of qkv (rows 2C..3C) zeroed. */
function blindBackbone(): { config: ViTConfig; params: Map<string, Float32Array> } {
  const params = new Map([...randomParams(config, 5)].filter(([k]) => !k.startsWith('head.')));
  for (let l = 0; l < config.depth; l++) params.get(`blocks.${l}.attn.qkv.weight`)!.fill(0, 2 * C * C);
  return { config, params };
}

/** Semantic classes 0/1 (task 1): red ±90; 2/3 (task 2): blue ±40. Labels are assigned so that the runner's
 *  class order for `seed` puts semantic 0, 1 in task 1 and 2, 3 in task 2. */
function data(seed: number, trainPerClass = 16, testPerClass = 8): LabeledImages {
  const { tasks } = classOrderAndTasks(4, 2, seed);
  const label = [tasks[0]![0]!, tasks[0]![1]!, tasks[1]![0]!, tasks[1]![1]!];
  const make = (sem: number, i: number) => {
    const r = rng(sem * 7919 + i * 31 + 1);
    const amp = sem < 2 ? 90 : 40;
    const channel = sem < 2 ? 0 : 2;
    const px = new Uint8Array(S * S * 3);
    for (let p = 0; p < S * S; p++)
      for (let ch = 0; ch < 3; ch++) {
        const v = 128 + (r() - 0.5) * 20 + (ch === channel ? (sem % 2 === 0 ? amp : -amp) : 0);
        px[p * 3 + ch] = Math.max(0, Math.min(255, Math.round(v)));
      }
    return encode({ width: S, height: S, data: px, channels: 3, depth: 8 });
  };
  const refs = (split: string, n: number, offset: number) =>
    [0, 1, 2, 3].flatMap((sem) =>
      Array.from({ length: n }, (_, i) => {
        const bytes = make(sem, offset + i);
        return { label: label[sem]!, path: `${split}/${sem}/${i}.png`, bytes: async () => bytes };
      }),
    );
  const names = ['red+', 'red-', 'blue+', 'blue-'];
  const classNames = new Array<string>(4);
  label.forEach((l, sem) => (classNames[l] = names[sem]!));
  return { classNames, train: refs('train', trainPerClass, 0), test: refs('test', testPerClass, 1000) };
}

const recipe: Partial<RunConfig> = {
  tasks: 2,
  epochs: 15,
  batchSize: 8,
  learningRate: 0.1,
  rank: 1,
  augment: false,
  head: 'prototype',
};
const SEEDS = [1, 2, 3, 4];

await describeGpu('forgetting: seq-LoRA vs SD-LoRA', (ctx) => {
  it('the value-blind backbone maps every image to the same features (all task knowledge must live in the adapters)', async () => {
    const c = ctx();
    const cfg4: ViTConfig = { ...config, numClasses: 4 };
    const params = new Map([...randomParams(cfg4, 5)]);
    params.get('blocks.0.attn.qkv.weight')!.fill(0, 2 * C * C);
    const test = data(1).test; // 32 images, all four classes
    const images = await Promise.all(test.map(async (im) => decodeImage(await im.bytes())));
    const { pixels, sources } = packImages(images, images.map(() => false));
    const B = images.length;
    const vit = new GpuViT(c, cfg4, params, { batch: B, mode: 'none' });
    const tp = c.fromArray(pixels, [pixels.length], 'pixels');
    const ts = c.fromArray(sources, [B, 4], 'sources');
    const tb = c.fromArray(Float32Array.from(images.flatMap(() => [0, 0, S, S])), [B, 4], 'boxes');
    const ti = c.tensor([B, 3, S, S], 'images');
    preprocess.forward(c, ti, tp, ts, tb, { mean: config.mean, std: config.std });
    vit.forward(ti);
    const f = await c.read(vit.features);
    vit.destroy();
    c.release(tp, ts, tb, ti);
    // Identical up to f32 rounding of the attention-weighted sum of one constant value vector (weights sum to 1).
    let worst = 0;
    for (let b = 1; b < B; b++) for (let k = 0; k < C; k++) worst = Math.max(worst, Math.abs(f[b * C + k]! - f[k]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('task-1 accuracy after task 2: seq-LoRA collapses, SD-LoRA keeps it (mean over 4 seeds, same data and steps)', async () => {
    const after: Record<'seq' | 'sd', number[]> = { seq: [], sd: [] };
    const learned: Record<'seq' | 'sd', number[]> = { seq: [], sd: [] };
    const rows: string[] = [];
    for (const seed of SEEDS) {
      for (const [key, method, extra] of [
        ['seq', 'seq-lora', {}],
        ['sd', 'sdlora', { alphaMode: 'carry' }],
      ] as const) {
        const cfg = parseRunConfig({ ...recipe, ...extra, method: method as MethodName, seed });
        const r = await runExperiment(ctx(), blindBackbone(), data(seed), cfg);
        const A = r.metrics.accMatrix;
        rows.push(`seed ${seed} ${method}: task 1 ${A[0]![0]} → ${A[1]![0]}, task 2 ${A[1]![1]}`);
        expect(A[0]![0]!, `${method} seed ${seed} learned task 1`).toBeGreaterThanOrEqual(90);
        after[key].push(A[1]![0]!);
        learned[key].push(A[1]![1]!);
      }
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const report = `${rows.join('\n')}\nmean task-1 accuracy after task 2: seq-LoRA ${mean(after.seq)}, SD-LoRA ${mean(after.sd)}`;
    // Both methods learned task 2 (seq-LoRA's loss on task 1 is forgetting, not a failure to train)…
    expect(mean(learned.seq), report).toBeGreaterThanOrEqual(80);
    expect(mean(learned.sd), report).toBeGreaterThanOrEqual(80);
    // …and only seq-LoRA lost task 1.
    expect(mean(after.sd), report).toBeGreaterThanOrEqual(75);
    expect(mean(after.sd) - mean(after.seq), report).toBeGreaterThanOrEqual(40);
  });
});
