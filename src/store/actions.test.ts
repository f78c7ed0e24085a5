// Store logic without a browser: form validation, TrainingEvents → state, the exported metrics JSON, series thinning.
import { describe, expect, it } from 'vitest';
import type { BuiltinIndexEntry } from '../data/builtin';
import { continualMetrics } from '../training/metrics';
import { DEFAULT_CONFIG } from '../training/methods';
import type { WorkerMessage } from '../worker/protocol';
import { interruptedFound, requestRun, resumeRequested, runStopped, setConfig, setDataset, setMaxPerClass, setModel, workerMessages } from './actions';
import { appendPoint, emptySeries, MAX_POINTS } from './series';
import { store } from './state';
import { validateForm } from './validate';

const fashion: BuiltinIndexEntry = { name: 'split-fashion-mnist', title: 'Split Fashion-MNIST', manifest: 'm', classes: 10, train: 5000, test: 1000, bytes: 1 };

describe('validateForm', () => {
  const form = { preset: null, dataset: fashion.name, model: { kind: 'preset', id: 'tiny' } as const, maxPerClass: 8, config: { ...DEFAULT_CONFIG, tasks: 2, batchSize: 4 } };
  it('accepts a valid form', () => expect(validateForm(form, [fashion]).errors).toEqual([]));
  it('lists the task counts that divide the classes', () =>
    expect(validateForm({ ...form, config: { ...form.config, tasks: 3 } }, [fashion]).errors.join()).toContain('one of 1, 2, 5, 10'));
  it('rejects a batch larger than a task', () =>
    expect(validateForm({ ...form, config: { ...form.config, batchSize: 41 } }, [fashion]).errors.join()).toContain('larger than the 40 training images'));
  it('passes parseRunConfig errors through', () =>
    expect(validateForm({ ...form, config: { ...form.config, epochs: 0 } }, [fashion]).errors.join()).toContain('epochs must be a positive integer'));
});

describe('worker messages → store', () => {
  const counts = [[{ correct: 3, total: 4 }], [{ correct: 2, total: 4 }, { correct: 1, total: 4 }]];
  const events: WorkerMessage[] = [
    { type: 'event', event: { type: 'runStarted', classOrder: [1, 0, 3, 2], tasks: [[1, 0], [3, 2]], totalSteps: 4 } },
    { type: 'event', event: { type: 'taskStarted', task: 0, classes: [1, 0] } },
    { type: 'event', event: { type: 'stepCompleted', task: 0, step: 1, globalStep: 1, totalSteps: 4, loss: 2, alpha: [0.8], imagesPerSec: 1 } },
    { type: 'event', event: { type: 'stepCompleted', task: 0, step: 2, globalStep: 2, totalSteps: 4, loss: 1, alpha: [0.7], imagesPerSec: 10 } },
    { type: 'event', event: { type: 'taskFinished', task: 0, counts: counts[0]!, metrics: continualMetrics(counts.slice(0, 1)), lsResidual: null, seconds: 1, imagesPerSec: 8, trainableParams: 1234, featureDrift: 0.01 } },
    { type: 'event', event: { type: 'taskStarted', task: 1, classes: [3, 2] } },
    { type: 'event', event: { type: 'stepCompleted', task: 1, step: 1, globalStep: 3, totalSteps: 4, loss: 2, alpha: [0.8, 0.8], imagesPerSec: 2 } },
  ];
  const start = () => {
    store.setState({ datasets: [fashion] });
    setDataset(fashion.name);
    setModel('tiny');
    setMaxPerClass(2);
    setConfig({ tasks: 2, batchSize: 2, epochs: 1 });
    expect(requestRun(0)).not.toBeNull();
    workerMessages(events, 1000);
  };

  it('charts α per component and keeps the accuracy rows', () => {
    start();
    const s = store.getState();
    expect(s.run.status).toBe('running');
    expect(s.alpha.points.map((p) => p.alpha.length)).toEqual([1, 1, 2]);
    expect(s.taskStarts).toEqual([0, 2]);
    expect(s.counts).toHaveLength(1);
    expect(s.run.imagesPerSec).toBe(10); // the first (compiling) step does not drag the rate down
  });

  it('keeps a training warning for the page, and a new run starts without it', () => {
    start();
    workerMessages([{ type: 'event', event: { type: 'trainingWarning', task: 1, message: 'task 2: the training loss rose' } }], 1100);
    expect(store.getState().warnings).toEqual(['task 2: the training loss rose']);
    expect(requestRun(2000)).not.toBeNull();
    expect(store.getState().warnings).toEqual([]);
  });

  it('exports the CLI metrics fields when the run finishes', () => {
    start();
    workerMessages(
      [
        {
          type: 'finished',
          result: {
            classNames: ['a', 'b', 'c', 'd'],
            classOrder: [1, 0, 3, 2],
            tasks: [[1, 0], [3, 2]],
            counts,
            metrics: continualMetrics(counts),
            alpha: [[[0.8], [0.7]], [[0.8, 0.8], [0.75, 0.9]]],
            loss: [[2, 1], [2, 1.5]],
            lsResidual: [null, 0.9],
            trainableParams: [100, 100],
            wallSeconds: [1, 1],
            imagesPerSec: [8, 8],
            featureDrift: [0.01, 0.02],
          },
        },
      ],
      2000,
    );
    const m = store.getState().metricsJson!;
    expect(Object.keys(m)).toEqual(expect.arrayContaining(['method', 'seed', 'classOrder', 'accMatrix', 'acc', 'aaa', 'accMeanOfTasks', 'forgetting', 'bwt', 'alpha', 'lsResidual', 'trainableParams', 'wallSeconds']));
    expect(m.accMatrix).toEqual([[75, null], [50, 25]]);
    expect(m.classNames).toEqual(['b', 'a', 'd', 'c']);
    expect(m.stopped).toBe(false);
    expect(store.getState().run.status).toBe('finished');
  });

  it('a stopped run exports its finished tasks only', () => {
    start();
    runStopped(3000);
    const m = store.getState().metricsJson!;
    expect(m.stopped).toBe(true);
    expect(m.completedTasks).toBe(1);
    expect(m.alpha).toEqual([[[0.8], [0.7]]]);
    expect(m.accMatrix).toEqual([[75]]);
  });
});

describe('appendPoint', () => {
  it('keeps at most MAX_POINTS points and the last one', () => {
    let s = emptySeries<{ step: number }>();
    for (let step = 1; step <= 10 * MAX_POINTS; step++) s = appendPoint(s, { step }, step === 10 * MAX_POINTS);
    expect(s.points.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(s.points.at(-1)!.step).toBe(10 * MAX_POINTS);
    expect(s.stride).toBeGreaterThan(1);
  });
});

describe('resuming a saved run', () => {
  it('puts the completed tasks back (matrix, series, step count) and tracks saved checkpoints', () => {
    const request = { dataset: fashion.name, model: { kind: 'preset', id: 'tiny' } as const, maxPerClass: 8, config: { ...DEFAULT_CONFIG, tasks: 2, batchSize: 4 } };
    interruptedFound({ runId: 'run-1', request, folderName: null, done: 1 });
    resumeRequested({ runId: 'run-1', request, folderName: null, done: 1 }, 0);
    expect(store.getState().interrupted).toBeNull();
    expect(store.getState().form.config.tasks).toBe(2);
    const counts = [[{ correct: 3, total: 4 }]];
    workerMessages(
      [
        { type: 'resumedFrom', done: 1, counts, alpha: [[[0.8], [0.9]]], loss: [[2, 1.5]], lsResidual: [null], trainableParams: [10], wallSeconds: [1], imagesPerSec: [4] },
        { type: 'event', event: { type: 'runStarted', classOrder: [1, 0, 3, 2], tasks: [[1, 0], [3, 2]], totalSteps: 4 } },
        { type: 'event', event: { type: 'taskStarted', task: 1, classes: [3, 2] } },
      ],
      10,
    );
    const s = store.getState();
    expect(s.metrics?.accMatrix).toEqual(continualMetrics(counts).accMatrix);
    expect(s.run.globalStep).toBe(2);
    expect(s.taskStarts).toEqual([0, 2]);
    expect(s.loss.points.map((p) => p.step)).toEqual([1, 2]);
    expect(s.alpha.points.map((p) => p.alpha)).toEqual([[0.8], [0.9]]);
    expect(s.run.checkpointed).toBe(1);
    workerMessages([{ type: 'checkpointSaved', done: 2 }], 20);
    expect(store.getState().run.checkpointed).toBe(2);
    workerMessages([{ type: 'checkpointSaved', done: 2, saveError: 'quota exceeded' }], 30);
    expect(store.getState().run.saveError).toBe('quota exceeded');
  });
});
