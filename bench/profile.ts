// Where a training step spends its GPU time: times every dispatch with timestamp queries and prints the
// total per kernel entry point (and per grid with --grids).
//   npx tsx bench/profile.ts [--preset small32] [--batch 64] [--mode full|lora] [--rank 4] [--frozen 0] [--classes N] [--steps 3] [--grids]
// --frozen K: LoRA mode with K frozen components of rank 4 (earlier tasks) next to the trainable one.

import { presets, type ViTConfig } from '../src/model/vit/config';
import { GpuViT } from '../src/model/vit/gpuVit';
import { initParams } from '../src/model/vit/params';
import { createNodeContext } from '../src/platform/node';
import { normal } from '../src/testing/rng';
import { Optimizer } from '../src/training/optimizer';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const preset = opt('preset', 'small32') as keyof typeof presets;
const batch = Number(opt('batch', '64'));
const mode = opt('mode', 'full') as 'full' | 'lora';
const steps = Number(opt('steps', '3'));
const grids = args.includes('--grids');
const frozen = Number(opt('frozen', '0'));
const config: ViTConfig = { ...presets[preset], numClasses: Number(opt('classes', String(presets[preset].numClasses))) };

const ctx = await createNodeContext();
const frozenRanks = Array<number>(frozen).fill(4);
const rank = Number(opt('rank', '4'));
const vit = new GpuViT(ctx, config, initParams(config, 1), mode === 'lora' ? { batch, mode, lora: { trainableRank: rank, frozenRanks } } : { batch, mode });
if (mode === 'lora') {
  const pair = (rank: number, seed: number) => ({ U: Float32Array.from(normal(config.width * rank, seed, 0.03)), D: Float32Array.from(normal(rank * config.width, seed + 1, 0.03)) });
  vit.setLora({
    alphaFrozen: new Float32Array(frozen).fill(0.5),
    alphaTrainable: 0.8,
    invNorms: new Float32Array(2 * config.depth * frozen).fill(1),
    frozen: frozen ? Array.from({ length: config.depth }, (_, l) => [0, 1].map((i) => pair(4 * frozen, 100 + 4 * l + 2 * i))) : undefined,
    trainable: Array.from({ length: config.depth }, (_, l) => [0, 1].map((i) => ({ U: new Float32Array(config.width * rank), D: Float32Array.from(normal(rank * config.width, l * 2 + i, 0.03)) }))),
  });
}
const S = config.imageSize;
const images = ctx.fromArray(Float32Array.from(normal(batch * 3 * S * S, 7)), [batch, 3, S, S], 'profile.images');
const labels = ctx.fromArray(Uint32Array.from({ length: batch }, (_, i) => i % config.numClasses), [batch], 'profile.labels');
const optimizer = new Optimizer(ctx, vit.trainable, vit.grads, mode === 'full' ? { kind: 'adam', learningRate: 1e-3, weightDecay: 0.05, decoupled: true } : { kind: 'sgd', learningRate: 0.01, momentum: 0.9 });
const step = () => {
  vit.forward(images);
  const { dlogits } = vit.loss(labels, 0, config.numClasses);
  vit.backward(dlogits);
  optimizer.step(1e-3);
};
const timedStep = async () => {
  const t0 = performance.now();
  step();
  await ctx.flush();
  return performance.now() - t0;
};
await timedStep(); // compiles every pipeline
let total = 0;
for (let i = 0; i < steps; i++) total += await timedStep();
const wallPlain = total / steps;
ctx.startProfiling();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const entries = await ctx.stopProfiling();
const wallProfiled = (performance.now() - t0) / steps;

const rows = new Map<string, { count: number; ms: number }>();
for (const e of entries) {
  const key = grids ? e.label : e.label.split(' ')[0]!;
  const r = rows.get(key) ?? { count: 0, ms: 0 };
  r.count += e.count / steps;
  r.ms += e.ms / steps;
  rows.set(key, r);
}
const gpuMs = [...rows.values()].reduce((a, r) => a + r.ms, 0);
console.log(`${preset} ${mode} batch ${batch}, ${config.numClasses} classes on ${ctx.adapter.description}`);
console.log(`step: ${wallPlain.toFixed(1)} ms wall (${((1000 * batch) / wallPlain).toFixed(1)} img/s); profiled ${wallProfiled.toFixed(1)} ms wall, ${gpuMs.toFixed(1)} ms in dispatches`);
console.log('   ms/step  share  calls  kernel');
for (const [k, r] of [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, grids ? 40 : 30))
  console.log(`${r.ms.toFixed(2).padStart(10)} ${((100 * r.ms) / gpuMs).toFixed(1).padStart(5)}% ${String(Math.round(r.count)).padStart(6)}  ${k}`);
ctx.destroy();
process.exit(0);
