// The form's memory check is GpuViT's own plan: the numbers match GpuViT.plan for the run's heaviest ViT, and a
// device or budget that is too small refuses the run with the tensor and the limit named.
import { describe, expect, it } from 'vitest';
import { planMemory } from '../gpu/arena';
import { presets } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { DEFAULT_CONFIG } from '../training/methods';
import { memoryError, planRunMemory } from './memoryPlan';

const roomy = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };
const cfg = { ...DEFAULT_CONFIG, tasks: 5, rank: 4, batchSize: 16 };

describe('planRunMemory', () => {
  it("SD-LoRA's peak is the last task's training ViT, with every earlier direction frozen", () => {
    const m = planRunMemory(presets.small32, cfg, 10, roomy);
    expect(m.problems).toEqual([]);
    expect(m.peakAt).toBe('training task 5');
    const last = planMemory(GpuViT.plan({ ...presets.small32, numClasses: 10 }, { batch: 16, mode: 'lora', lora: { frozenRanks: [4, 4, 4, 4], trainableRank: 4 } }), roomy, 2 ** 31);
    expect(m.peakBytes).toBe(last.totalBytes);
  });
  it('counts the LoRA state of the chosen targets (every linear map holds more than q and v)', () => {
    const qv = planRunMemory(presets.small32, cfg, 10, roomy);
    const all = planRunMemory(presets.small32, { ...cfg, targets: ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] }, 10, roomy);
    const last = planMemory(GpuViT.plan({ ...presets.small32, numClasses: 10 }, { batch: 16, mode: 'lora', lora: { frozenRanks: [4, 4, 4, 4], trainableRank: 4, targets: ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] } }), roomy, 2 ** 31);
    expect(all.peakBytes).toBe(last.totalBytes);
    expect(all.peakBytes).toBeGreaterThan(qv.peakBytes);
  });
  it('grows with the batch', () => {
    const a = planRunMemory(presets.small32, cfg, 10, roomy).peakBytes;
    const b = planRunMemory(presets.small32, { ...cfg, batchSize: 64 }, 10, roomy).peakBytes;
    expect(b).toBeGreaterThan(2 * a);
  });
  it('ncm only evaluates; seq-full trains every weight', () => {
    expect(planRunMemory(presets.small32, { ...cfg, method: 'ncm' }, 10, roomy).peakAt).toBe('evaluation');
    expect(planRunMemory(presets.small32, { ...cfg, method: 'seq-full' }, 10, roomy).peakAt).toBe('training');
  });
  it('refuses a batch above the per-buffer limit or the budget, with the numbers and what to change', () => {
    const small = { maxBufferSize: 8 * 2 ** 20, maxStorageBufferBindingSize: 8 * 2 ** 20 };
    const m = planRunMemory(presets.vitBase, { ...cfg, batchSize: 32 }, 10, small);
    expect(m.problems.length).toBeGreaterThan(0);
    expect(m.problems.join()).toContain("above this device's 8.0 MiB per-buffer limit");
    const msg = memoryError(m, 32);
    expect(msg).toContain('at batch size 32');
    expect(msg).toContain('Use a smaller batch size');
    const budget = planRunMemory(presets.vitBase, { ...cfg, batchSize: 256 }, 10, roomy);
    expect(budget.problems.join()).toContain('above the budget of 2.00 GiB');
  });
});
