// Median wall time of a LoRA training step over many steps in one process, nothing else timed: for comparing two
// builds or settings by alternating processes (e.g. SDLORA_ROBUSTNESS=on against the default), where bench/run.ts's
// 15-step medians move more than a 1–2 ms change.
//   npx tsx bench/steps.ts [--preset small32] [--batch 32] [--rank 10] [--steps 150] [--warmup 5]

import { createNodeContext } from '../src/platform/node';
import { presets } from '../src/model/vit/config';
import { createStepTimer } from './vitTrain';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const preset = arg('preset', 'small32');
if (!(preset in presets)) throw new Error(`unknown preset '${preset}' (${Object.keys(presets).join(', ')})`);
const batch = Number(arg('batch', '32'));
const rank = Number(arg('rank', '10'));
const steps = Number(arg('steps', '150'));
const warmup = Number(arg('warmup', '5'));

const ctx = await createNodeContext({ verbose: true });
const timer = createStepTimer(ctx, { ...presets[preset as keyof typeof presets], numClasses: 10 }, batch, { frozenRanks: [], trainableRank: rank });
for (let i = 0; i < warmup; i++) await timer.step();
const ms: number[] = [];
for (let i = 0; i < steps; i++) ms.push(await timer.step());
ms.sort((a, b) => a - b);
const q = (f: number) => ms[Math.min(ms.length - 1, Math.floor(f * ms.length))]!;
console.log(`${preset} LoRA step B=${batch} rank ${rank}: median ${q(0.5).toFixed(1)} ms (25th ${q(0.25).toFixed(1)}, 75th ${q(0.75).toFixed(1)}) over ${steps} steps, ${((1000 * batch) / q(0.5)).toFixed(0)} images/s; ${ctx.adapter.backend}`);
timer.dispose();
ctx.destroy();
process.exit(0);
