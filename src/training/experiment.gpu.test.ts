// The class-incremental runner end to end on a tiny synthetic problem (4 colour-pattern classes, 8×8 PNGs,
// 2 tasks): every method runs; the same seed gives identical results twice; an interrupted run resumed from
// its checkpoint ends with the same numbers; a corrupt image is reported and skipped; a diverging run
// stops with a message that says what to do.
import { expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { LORA_TARGETS, loraParamCount } from '../model/vit/loraTargets';
import { describeGpu } from '../testing/gpu';
import { quadrantColourImages } from '../testing/syntheticImages';
import { randomParams } from '../testing/vitFixtures';
import { runExperiment, type CheckpointData, type ExperimentResult, type TrainingEvent } from './experiment';
import { DEFAULT_CONFIG, METHODS, parseRunConfig, type MethodName } from './methods';

const config: ViTConfig = { ...presets.tiny, imageSize: 8, patchSize: 4 };
const model = { config, params: new Map([...randomParams(config, 5)].filter(([k]) => !k.startsWith('head.'))) };


const base = { tasks: 2, epochs: 2, batchSize: 4, learningRate: 0.05, seed: 3, cropScale: [0.8, 1] as [number, number] };

const summary = (r: ExperimentResult) => ({ counts: r.counts, alpha: r.alpha, loss: r.loss, lsResidual: r.lsResidual, featureDrift: r.featureDrift });

await describeGpu('class-incremental runner', (ctx) => {
  for (const method of METHODS) {
    it(`${method} runs two tasks and reports a 2×2 accuracy matrix`, async () => {
      const cfg = parseRunConfig({ ...base, method: method as MethodName, ...(method === 'sdlora-kd' ? { alphaMode: 'carry' } : {}) });
      const r = await runExperiment(ctx(), model, quadrantColourImages(), cfg);
      expect(r.metrics.accMatrix.length).toBe(2);
      expect(r.metrics.accMatrix[1]!.every((x) => x !== null && x >= 0 && x <= 100)).toBe(true);
      expect(r.counts[1]!.reduce((s, c) => s + c.total, 0)).toBe(16); // 4 classes × 4 test images
      if (method === 'fixed-magnitudes') expect(r.alpha[1]!.every((a) => a[0] === 1), 'previous α stays 1').toBe(true);
      if (method === 'first-direction') expect(r.alpha[1]!.every((a) => a.length === 1), 'only the first direction’s α').toBe(true);
      if (method.startsWith('sdlora')) {
        expect(r.alpha[1]!.length).toBeGreaterThan(0);
        expect(r.alpha[1]![0]!.length).toBe(2); // α_0 (frozen) and α_1 (trainable) during task 2
        expect(r.lsResidual[1]).not.toBeNull();
      }
      if (method === 'ncm') expect(r.trainableParams).toEqual([0, 0]);
      // Diagnostics: task-aware ≥ class-incremental accuracy in every cell (a correct argmax over all seen
      // classes is also correct inside the image's own task); every task's images land in some task; the
      // representation drifts only when the backbone changes.
      const m = r.metrics;
      m.accMatrix.forEach((row, t) => row.forEach((a, j) => a !== null && expect(m.tilMatrix![t]![j]!).toBeGreaterThanOrEqual(a)));
      for (const row of m.taskConfusion!) for (const spread of row) expect(spread.reduce((x, y) => x + y, 0)).toBeCloseTo(100, 6);
      expect(m.newTaskBias![0]).toBeNull();
      expect(m.newTaskBias![1]).toBeCloseTo(m.taskConfusion![1]![0]![1]!, 6); // one earlier task: its share sent to task 2
      expect(r.featureDrift.length).toBe(2);
      if (method === 'ncm') expect(Math.max(...r.featureDrift.map(Math.abs))).toBeLessThan(1e-6);
      if (method === 'seq-full') expect(r.featureDrift[1]).toBeGreaterThan(1e-4);
    });
  }

  it('LoRA on q, k and v: one more factor pair per block than q, v, and a valid run; every linear map too', async () => {
    const qv = await runExperiment(ctx(), model, quadrantColourImages(), parseRunConfig({ ...base, method: 'sdlora', alphaMode: 'carry' }));
    const qkv = await runExperiment(ctx(), model, quadrantColourImages(), parseRunConfig({ ...base, method: 'sdlora', alphaMode: 'carry', targets: ['q', 'k', 'v'] }));
    const { depth, width } = model.config;
    expect(qkv.trainableParams[0]! - qv.trainableParams[0]!).toBe(depth * 2 * width * DEFAULT_CONFIG.rank);
    expect(qkv.metrics.accMatrix[1]!.every((x) => x !== null && x >= 0 && x <= 100)).toBe(true);
    expect(qkv.alpha[1]![0]!.length).toBe(2);
    expect(qkv.state.components.every((c) => c.targets.join() === 'q,k,v')).toBe(true);
    // Every linear map (proj, fc1 before the GELU, fc2 with its F-wide input as well): trains, merges, evaluates.
    const all = await runExperiment(ctx(), model, quadrantColourImages(), parseRunConfig({ ...base, method: 'sdlora-kd', alphaMode: 'carry', targets: [...LORA_TARGETS] }));
    expect(all.trainableParams[0]! - qv.trainableParams[0]!).toBe(loraParamCount(model.config, DEFAULT_CONFIG.rank, LORA_TARGETS) - loraParamCount(model.config, DEFAULT_CONFIG.rank, ['q', 'v']));
    expect(all.metrics.accMatrix[1]!.every((x) => x !== null && x >= 0 && x <= 100)).toBe(true);
    expect(all.lsResidual[1]).not.toBeNull(); // the KD fit over three matrix shapes
  });

  it('the same seed gives identical results twice', async () => {
    const cfg = parseRunConfig({ ...base, method: 'sdlora' });
    const a = await runExperiment(ctx(), model, quadrantColourImages(), cfg);
    const b = await runExperiment(ctx(), model, quadrantColourImages(), cfg);
    expect(summary(b)).toEqual(summary(a));
  });

  it('resuming after task 1 from the checkpoint ends with the same numbers as an uninterrupted run', async () => {
    const cfg = parseRunConfig({ ...base, method: 'sdlora', alphaMode: 'carry' });
    const full = await runExperiment(ctx(), model, quadrantColourImages(), cfg);
    let saved: CheckpointData | null = null;
    await runExperiment(ctx(), model, quadrantColourImages(), cfg, {
      stopAfter: 1,
      onCheckpoint: (_done, r) => {
        saved = structuredClone(r);
      },
    });
    const resumed = await runExperiment(ctx(), model, quadrantColourImages(), cfg, { resume: { done: 1, ...saved! } });
    expect(summary(resumed)).toEqual(summary(full));
  });

  it('a corrupt image is reported and skipped; the run completes', async () => {
    const events: TrainingEvent[] = [];
    const r = await runExperiment(ctx(), model, quadrantColourImages(12, 4, true), parseRunConfig({ ...base, method: 'seq-lora' }), { onEvent: (e) => events.push(e) });
    const skipped = events.filter((e) => e.type === 'imageSkipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]).toMatchObject({ path: 'train/class0/1.png' });
    expect(r.counts.length).toBe(2);
  });

  it('an abort signal stops the run cleanly after the completed tasks', async () => {
    const signal = { aborted: false };
    const r = await runExperiment(ctx(), model, quadrantColourImages(), parseRunConfig({ ...base, method: 'sdlora' }), {
      signal,
      onEvent: (e) => {
        if (e.type === 'stepCompleted' && e.task === 1 && e.step === 2) signal.aborted = true;
      },
    });
    expect(r.counts.length).toBe(1);
    expect(r.metrics.accMatrix.length).toBe(1);
  });

  it('a diverging run stops with a message that says what to do', async () => {
    const cfg = parseRunConfig({ ...base, method: 'seq-full', learningRate: 1e8 });
    await expect(runExperiment(ctx(), model, quadrantColourImages(), cfg)).rejects.toThrow(/diverged .* lower the learning rate/);
  });
});
