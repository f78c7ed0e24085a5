// Will a model and run settings fit on this device? The same memory plan GpuViT makes before allocating
// (GpuViT.plan + planMemory from src/gpu/arena.ts, the 2 GiB default budget), evaluated for the largest
// ViT a run will build: the training ViT of its heaviest task (for SD-LoRA the last, which holds every
// earlier task's frozen directions) and the evaluation ViT. Pure, so the form can refuse a run that would
// fail with "will not fit" before anything starts, and say by how much.

import { defaultBudgetBytes, formatBytes, planMemory } from '../gpu/arena';

/** arena's formatBytes, with KiB below 1 MiB (a tiny model's buffers are a few kilobytes). */
const bytes = (b: number) => (b < 2 ** 20 ? `${(b / 1024).toFixed(1)} KiB` : formatBytes(b));
import type { ViTConfig } from '../model/vit/config';
import { GpuViT, type GpuVitOptions } from '../model/vit/gpuVit';
import type { RunConfig } from '../training/methods';
import type { DeviceLimits } from './protocol';

export interface RunMemory {
  /** GPU bytes of the largest ViT the run builds. */
  peakBytes: number;
  /** Where that peak is: e.g. "training task 5" or "evaluation". */
  peakAt: string;
  largestBytes: number;
  largestName: string;
  budgetBytes: number;
  /** Empty when the run fits; else what does not, with the numbers. */
  problems: string[];
}

/** Rank of task t's new component (SD-LoRA-RR's schedule; the configured rank otherwise). */
function rankFor(cfg: RunConfig, t: number): number {
  if (cfg.method !== 'sdlora-rr') return cfg.rank;
  let r = cfg.rank;
  for (const [from, rank] of cfg.rankSchedule) if (t >= from) r = rank;
  return r;
}

/** The GpuViT options of every task's training ViT, as src/training/methods.ts sets them up. */
function trainingSetups(cfg: RunConfig): { at: string; opts: GpuVitOptions }[] {
  const B = cfg.batchSize;
  const tasks = Array.from({ length: cfg.tasks }, (_, t) => t);
  switch (cfg.method) {
    case 'ncm':
      return [];
    case 'seq-full':
      return [{ at: 'training', opts: { batch: B, mode: 'full' } }];
    case 'seq-lora':
    case 'one-direction':
      return [{ at: 'training', opts: { batch: B, mode: 'lora', lora: { frozenRanks: [], trainableRank: cfg.rank, targets: cfg.targets } } }];
    case 'first-direction':
      return [
        { at: 'training task 1', opts: { batch: B, mode: 'lora', lora: { frozenRanks: [], trainableRank: cfg.rank, targets: cfg.targets } } },
        ...(cfg.tasks > 1 ? [{ at: 'training task 2', opts: { batch: B, mode: 'lora' as const, lora: { frozenRanks: [cfg.rank], trainableRank: 0, targets: cfg.targets } } }] : []),
      ];
    default:
      // SD-LoRA and its variants keep every earlier direction (sdlora-kd may drop some: this is its worst case).
      return tasks.map((t) => ({
        at: `training task ${t + 1}`,
        opts: { batch: B, mode: 'lora', lora: { frozenRanks: tasks.slice(0, t).map((k) => rankFor(cfg, k)), trainableRank: rankFor(cfg, t), targets: cfg.targets } },
      }));
  }
}

/**
 * The memory plan of a run of `cfg` on `model` with `numClasses` classes. Throws only for settings
 * parseRunConfig would reject (a batch that is not a positive integer).
 */
export function planRunMemory(model: ViTConfig, cfg: RunConfig, numClasses: number, limits: DeviceLimits, budgetBytes = defaultBudgetBytes()): RunMemory {
  const config: ViTConfig = { ...model, numClasses: Math.max(1, numClasses) };
  const setups = [...trainingSetups(cfg), { at: 'evaluation', opts: { batch: cfg.batchSize, mode: 'none' as const } }];
  let worst: RunMemory | null = null;
  for (const { at, opts } of setups) {
    const plan = planMemory(GpuViT.plan(config, opts), limits, budgetBytes);
    if (!worst || plan.totalBytes > worst.peakBytes || (plan.problems.length && !worst.problems.length))
      worst = { peakBytes: plan.totalBytes, peakAt: at, largestBytes: plan.largestBytes, largestName: plan.largestName, budgetBytes, problems: plan.problems };
  }
  const m = worst!;
  return { ...m, problems: m.problems.map((p) => `${m.peakAt}: ${p}`) };
}

/** The form's message for a run that will not fit, with what to change. */
export function memoryError(m: RunMemory, batch: number): string {
  return `this model will not fit on this device at batch size ${batch}: ${m.problems.join('; ')}. Use a smaller batch size, a lower rank or fewer tasks, or a smaller model.`;
}

export const describeMemory = (m: RunMemory): string =>
  `${bytes(m.peakBytes)} of GPU memory at the peak (${m.peakAt}; budget ${bytes(m.budgetBytes)}), largest buffer ${bytes(m.largestBytes)}`;
