// Store logic of the analysis features without a browser: finished runs and overlays, the comparison and the run
// queue, the α explorer's requests and answers, and the teaching tour's moments driven by worker messages.
import { describe, expect, it } from 'vitest';
import type { BuiltinIndexEntry } from '../data/builtin';
import { continualMetrics, type TaskCounts } from '../training/metrics';
import { DEFAULT_CONFIG, type MethodName } from '../training/methods';
import type { ExplorerInfo, RunResultSummary, WorkerMessage } from '../worker/protocol';
import { requestRun, runStopped, setConfig, setDataset, setMaxPerClass, setModel, workerMessages } from './actions';
import { currentRecord, explorerSent, prepareComparison, setExplorerOff, setExplorerScale, setPinned, takeQueued, tourBack, tourExit, tourNext, tourStarted, walkSent } from './analysisActions';
import { applyExplored, effectiveScales, explorerBusy, explorerFromInfo, withScale } from './explorer';
import { accuracyRows, addRecord, alphaSeriesOf, counterpartMethod, MAX_HISTORY, overlaysOf, recordOf, residualRows, runningMean } from './history';
import { noExplorer } from './explorer';
import { store } from './state';

const fashion: BuiltinIndexEntry = { name: 'split-fashion-mnist', title: 'Split Fashion-MNIST', manifest: 'm', classes: 4, train: 40, test: 16, bytes: 1 };

/** A two-task run's messages: counts after each task, α per step, residual of task 2. */
function runMessages(method: MethodName, counts: TaskCounts[][], residual: number | null): WorkerMessage[] {
  const sd = method !== 'seq-lora';
  const alpha1 = [[0.8], [0.7]];
  const alpha2 = sd ? [[0.8, 0.8], [0.9, 0.6]] : [[0.75], [0.72]];
  const ev = (event: Extract<WorkerMessage, { type: 'event' }>['event']): WorkerMessage => ({ type: 'event', event });
  const result: RunResultSummary = {
    classNames: ['a', 'b', 'c', 'd'],
    classOrder: [1, 0, 3, 2],
    tasks: [[1, 0], [3, 2]],
    counts,
    metrics: continualMetrics(counts),
    alpha: [alpha1, alpha2],
    loss: [[2, 1], [2, 1.5]],
    lsResidual: [null, residual],
    trainableParams: [10, 10],
    wallSeconds: [1, 1],
    imagesPerSec: [8, 8],
    featureDrift: [0.01, 0.02],
  };
  return [
    { type: 'dataLoaded', adapter: 'test', classNames: ['a', 'b', 'c', 'd'], trainImages: 8, testImages: 16 },
    ev({ type: 'runStarted', classOrder: [1, 0, 3, 2], tasks: [[1, 0], [3, 2]], totalSteps: 4 }),
    ev({ type: 'taskStarted', task: 0, classes: [1, 0] }),
    ev({ type: 'stepCompleted', task: 0, step: 1, globalStep: 1, totalSteps: 4, loss: 2, alpha: alpha1[0]!, imagesPerSec: 1 }),
    ev({ type: 'stepCompleted', task: 0, step: 2, globalStep: 2, totalSteps: 4, loss: 1, alpha: alpha1[1]!, imagesPerSec: 1 }),
    ev({ type: 'taskFinished', task: 0, counts: counts[0]!, metrics: continualMetrics(counts.slice(0, 1)), lsResidual: null, seconds: 1, imagesPerSec: 8, trainableParams: 10, featureDrift: 0.01 }),
    ev({ type: 'taskStarted', task: 1, classes: [3, 2] }),
    ev({ type: 'stepCompleted', task: 1, step: 1, globalStep: 3, totalSteps: 4, loss: 2, alpha: alpha2[0]!, imagesPerSec: 1 }),
    ev({ type: 'stepCompleted', task: 1, step: 2, globalStep: 4, totalSteps: 4, loss: 1.5, alpha: alpha2[1]!, imagesPerSec: 1 }),
    ev({ type: 'taskFinished', task: 1, counts: counts[1]!, metrics: continualMetrics(counts), lsResidual: residual, seconds: 1, imagesPerSec: 8, trainableParams: 10, featureDrift: 0.02 }),
    { type: 'finished', result },
  ];
}

const seqCounts: TaskCounts[][] = [[{ correct: 7, total: 8 }], [{ correct: 2, total: 8 }, { correct: 8, total: 8 }]];
const sdCounts: TaskCounts[][] = [[{ correct: 6, total: 8 }], [{ correct: 6, total: 8 }, { correct: 7, total: 8 }]];

function freshStore(): void {
  store.setState({ datasets: [fashion], history: [], pinned: [], currentRunId: null, queue: [], teaching: null, explorer: noExplorer(), run: { ...store.getState().run, status: 'idle' } });
  setDataset(fashion.name);
  setModel('tiny');
  setMaxPerClass(4);
  setConfig({ ...DEFAULT_CONFIG, tasks: 2, batchSize: 2, epochs: 1, seed: 3 });
}

function finishRun(method: MethodName, counts: TaskCounts[][], residual: number | null): void {
  setConfig({ method });
  expect(requestRun(0)).not.toBeNull();
  workerMessages(runMessages(method, counts, residual), 1000);
  expect(store.getState().run.status).toBe('finished');
}

describe('history helpers', () => {
  it('running mean, accuracy rows (per-task lines, Acc, AAA) and residual rows come from the matrix', () => {
    expect(runningMean([80, 60, 70])).toEqual([80, 70, 70]);
    const m = continualMetrics(seqCounts);
    const rows = accuracyRows(m.accMatrix, m.pooled);
    expect(rows).toEqual([
      { after: 1, tasks: [87.5, null], acc: 87.5, aaa: 87.5 },
      { after: 2, tasks: [25, 100], acc: 62.5, aaa: 75 },
    ]);
    expect(residualRows([null, 0.62, 0.4])).toEqual([
      { task: 2, residual: 0.62 },
      { task: 3, residual: 0.4 },
    ]);
  });

  it('α series against the global step, and a record labelled by method and seed', () => {
    const s = alphaSeriesOf([[[0.8], [0.7]], [[0.8, 0.8], [0.9, 0.6]]]);
    expect(s.totalSteps).toBe(4);
    expect(s.points.map((p) => [p.step, p.task, p.alpha])).toEqual([[1, 0, [0.8]], [2, 0, [0.7]], [3, 1, [0.8, 0.8]], [4, 1, [0.9, 0.6]]]);
    const request = { dataset: 'x', model: { kind: 'preset', id: 'tiny' } as const, maxPerClass: 4, config: { ...DEFAULT_CONFIG, method: 'seq-lora' as const, seed: 7 } };
    const rec = recordOf(3, request, { metrics: continualMetrics(seqCounts), alpha: [], lsResidual: [null, null] });
    expect(rec.label).toBe('#3 seq-lora · seed 7');
    expect(rec.aaa).toEqual([87.5, 75]);
    expect(rec.acc).toBe(62.5);
  });

  it('keeps at most MAX_HISTORY records, dropping the oldest unpinned one; overlays never include the run on screen', () => {
    const request = { dataset: 'x', model: { kind: 'preset', id: 'tiny' } as const, maxPerClass: 4, config: DEFAULT_CONFIG };
    let h = [recordOf(1, request, { metrics: continualMetrics(sdCounts), alpha: [], lsResidual: [] })];
    for (let n = 2; n <= MAX_HISTORY + 1; n++) h = addRecord(h, ['run-1'], recordOf(n, request, { metrics: continualMetrics(sdCounts), alpha: [], lsResidual: [] }));
    expect(h).toHaveLength(MAX_HISTORY);
    expect(h.map((r) => r.n)).toEqual([1, ...Array.from({ length: MAX_HISTORY - 1 }, (_, i) => i + 3)]); // run 2 went, pinned run 1 stayed
    expect(overlaysOf(h, ['run-1', 'run-3'], 'run-3').map((r) => r.id)).toEqual(['run-1']);
  });

  it('the comparison pairs sequential LoRA with SD-LoRA', () => {
    expect(counterpartMethod('sdlora')).toBe('seq-lora');
    expect(counterpartMethod('sdlora-kd')).toBe('seq-lora');
    expect(counterpartMethod('seq-lora')).toBe('sdlora');
    expect(counterpartMethod('ncm')).toBe('sdlora');
  });
});

describe('finished runs, overlays and the comparison', () => {
  it('a finished run becomes the record on screen; the comparison reruns its request with another method and pins it', () => {
    freshStore();
    finishRun('sdlora', sdCounts, 0.62);
    let s = store.getState();
    expect(s.history).toHaveLength(1);
    expect(s.currentRunId).toBe('run-1');
    expect(currentRecord(s)?.lsResidual).toEqual([null, 0.62]);
    expect(s.explorer.status).toBe('waiting');

    setConfig({ seed: 99, epochs: 4 }); // the form moved on: the comparison still uses the finished run's settings
    expect(prepareComparison('seq-lora')).toBe(true);
    s = store.getState();
    expect(s.form.config).toMatchObject({ method: 'seq-lora', seed: 3, epochs: 1 });
    expect(s.pinned).toEqual(['run-1']);
    expect(requestRun(0)).not.toBeNull();
    expect(store.getState().currentRunId).toBeNull(); // a new run: nothing finished on screen
    expect(overlaysOf(store.getState().history, store.getState().pinned, null).map((r) => r.label)).toEqual(['#1 sdlora · seed 3']);
    workerMessages(runMessages('seq-lora', seqCounts, null), 2000);
    s = store.getState();
    expect(s.history.map((r) => r.label)).toEqual(['#1 sdlora · seed 3', '#2 seq-lora · seed 3']);
    expect(overlaysOf(s.history, s.pinned, s.currentRunId).map((r) => r.id)).toEqual(['run-1']);
    setPinned('run-1', false);
    expect(overlaysOf(store.getState().history, store.getState().pinned, store.getState().currentRunId)).toEqual([]);
    setPinned('run-1', true);
    expect(store.getState().pinned).toEqual(['run-1']);
  });

  it('a queued run starts from the finished run with its settings on top; a stopped run clears the queue', () => {
    freshStore();
    store.setState({ queue: [{ method: 'sdlora' }] });
    finishRun('seq-lora', seqCounts, null);
    expect(takeQueued()).toBe(true);
    expect(store.getState().form.config.method).toBe('sdlora');
    expect(store.getState().queue).toEqual([]);
    expect(store.getState().pinned).toEqual(['run-1']);
    expect(takeQueued()).toBe(false);
    store.setState({ queue: [{ method: 'seq-lora' }] });
    expect(requestRun(0)).not.toBeNull();
    runStopped(10);
    expect(store.getState().queue).toEqual([]);
  });
});

describe('α explorer state', () => {
  const info: ExplorerInfo = {
    method: 'sdlora',
    components: [
      { label: 'task 1', alpha: 0.9 },
      { label: 'task 2', alpha: 0.6 },
    ],
    tasks: 2,
    snapshots: [0, 1],
    images: 16,
    perClass: 30,
    testImages: 16,
  };

  it('sliders clamp to 0 … 2× in steps; off means 0; the walk defaults to the last two kept tasks', () => {
    let e = explorerFromInfo(info);
    expect(e.scales).toEqual([1, 1]);
    expect(e.walk).toMatchObject({ a: 0, b: 1 });
    e = withScale(e, 0, 2.7);
    e = withScale(e, 1, 0.333);
    expect(e.scales).toEqual([2, 0.35]);
    expect(effectiveScales({ ...e, off: [false, true] })).toEqual([2, 0]);
  });

  it('the answer to the newest request wins; the 1× answer is kept as the baseline; answers outside a finished run are ignored', () => {
    freshStore();
    finishRun('sdlora', sdCounts, 0.62);
    workerMessages([{ type: 'explorerReady', info }], 3000);
    expect(store.getState().explorer.status).toBe('ready');
    explorerSent(1);
    setExplorerScale(1, 0);
    explorerSent(2);
    setExplorerOff(0, true);
    explorerSent(3);
    expect(explorerBusy(store.getState().explorer)).toBe(true);
    const counts = (a: number, b: number): TaskCounts[] => [{ correct: a, total: 8 }, { correct: b, total: 8 }];
    workerMessages([{ type: 'explored', key: 3, scales: [0, 0], counts: counts(1, 2), loss: [2, 2] }], 3100);
    workerMessages([{ type: 'explored', key: 1, scales: [1, 1], counts: counts(6, 7), loss: [0.5, 0.4] }], 3200);
    let e = store.getState().explorer;
    expect(e.result?.key).toBe(3);
    expect(e.result?.accuracy).toEqual([12.5, 25]);
    expect(e.baseline?.accuracy).toEqual([75, 87.5]); // the late 1× answer still counts as the baseline
    expect(explorerBusy(e)).toBe(false);
    expect(effectiveScales(e)).toEqual([0, 0]);
    workerMessages([{ type: 'exploreFailed', key: 2, what: 'explore', message: 'old' }], 3300);
    expect(store.getState().explorer.error).toBeNull(); // older than the newest answer
    walkSent(4);
    workerMessages([{ type: 'walked', key: 4, a: 0, b: 1, points: [{ lambda: 0, old: { correct: 4, total: 8 }, new: { correct: 1, total: 8 }, oldLoss: 1, newLoss: 2 }] }], 3400);
    e = store.getState().explorer;
    expect(e.walk.status).toBe('done');
    expect(e.walk.points).toHaveLength(1);
    // A new run resets the explorer; a late answer of the old run does not land on it.
    expect(requestRun(0)).not.toBeNull();
    workerMessages([{ type: 'explorerReady', info }], 3500);
    expect(store.getState().explorer.status).toBe('none');
    expect(applyExplored(noExplorer(), { type: 'explored', key: 9, scales: [1], counts: counts(1, 1), loss: [1, 1] }).result).toBeNull();
  });
});

describe('teaching tour', () => {
  it('intro, then moments made from the two runs’ real messages, with next / back / follow and the comparison at the end', () => {
    freshStore();
    tourStarted(false);
    let t = store.getState().teaching!;
    expect(t.moments.map((m) => m.kind)).toEqual(['intro']);
    expect(t.moments[0]!.text).toContain('2 tasks of 2 classes');
    expect(store.getState().form.config.method).toBe('seq-lora');
    expect(store.getState().queue).toEqual([{ method: 'sdlora' }]);

    expect(requestRun(0)).not.toBeNull();
    workerMessages(runMessages('seq-lora', seqCounts, null), 1000);
    t = store.getState().teaching!;
    expect(t.moments.map((m) => m.kind)).toEqual(['intro', 'task', 'learned', 'task', 'forgetting', 'done']);
    expect(t.index).toBe(t.moments.length - 1); // following the run
    const task1 = t.moments[1]!;
    expect(task1.text).toContain('New classes: b, a.');
    const forgetting = t.moments[4]!;
    expect(forgetting.figures).toMatchObject({ task: 1, was: 87.5, now: 25, newAcc: 100 });
    expect(forgetting.text).toContain('87.5 %');
    expect(forgetting.text).toContain('25.0 %');
    expect(forgetting.text).toContain('62.5 points lost');
    expect(forgetting.focus).toBe('acc-matrix');

    // The user steps back: new moments no longer move the view; Next catches up and follows again.
    tourBack();
    tourBack();
    expect(store.getState().teaching!.index).toBe(3);
    expect(store.getState().teaching!.follow).toBe(false);

    expect(takeQueued()).toBe(true);
    expect(requestRun(0)).not.toBeNull();
    workerMessages(runMessages('sdlora', sdCounts, 0.62), 2000);
    t = store.getState().teaching!;
    expect(t.moments.map((m) => m.kind)).toEqual([
      'intro', 'task', 'learned', 'task', 'forgetting', 'done',
      'task', 'learned', 'task', 'frozen', 'alpha', 'retention', 'done', 'compare',
    ]);
    expect(t.index).toBe(3);
    expect(t.phase).toBe('done');
    const frozen = t.moments.find((m) => m.kind === 'frozen')!;
    expect(frozen.figures).toEqual({ alpha1: 0.8, alpha2: 0.8 });
    const alpha = t.moments.find((m) => m.kind === 'alpha')!;
    expect(alpha.text).toContain('α1 0.800 → 0.900');
    expect(alpha.text).toContain('the new α2 is at 0.600');
    const retention = t.moments.find((m) => m.kind === 'retention')!;
    expect(retention.figures).toMatchObject({ was: 75, now: 75, residual: 0.62 });
    expect(retention.text).toContain('0.620');
    const compare = t.moments.at(-1)!;
    expect(compare.figures).toEqual({ sdAcc: 81.25, seqAcc: 62.5, sdForgetting: 0, seqForgetting: 62.5 });
    expect(compare.text).toContain('SD-LoRA ends 18.8 points higher in this run.');
    for (let i = 0; i < 20; i++) tourNext();
    t = store.getState().teaching!;
    expect(t.index).toBe(t.moments.length - 1);
    expect(t.follow).toBe(true);
    tourExit();
    expect(store.getState().teaching).toBeNull();
  });

  it('a failed run ends the tour with the reason and drops the queued run', () => {
    freshStore();
    tourStarted(false);
    expect(requestRun(0)).not.toBeNull();
    workerMessages([{ type: 'failed', message: 'training diverged' }], 10);
    const t = store.getState().teaching!;
    expect(t.phase).toBe('ended');
    expect(t.moments.at(-1)!.text).toContain('training diverged');
    expect(store.getState().queue).toEqual([]);
  });

  it('the tour on the preset selects the fast teaching preset', () => {
    freshStore();
    store.setState({ datasets: [{ ...fashion, classes: 10, train: 5000, test: 1000 }], defaultModel: { status: 'absent', info: null, error: 'not built' } });
    tourStarted(true);
    const s = store.getState();
    expect(s.form.dataset).toBe('split-fashion-mnist');
    expect(s.form.maxPerClass).toBe(200);
    expect(s.form.config).toMatchObject({ method: 'seq-lora', tasks: 5, epochs: 3, rank: 4, optimizer: 'adam', head: 'prototype', alphaMode: 'carry' });
    expect(s.teaching!.moments[0]!.text).toContain('5 tasks of 2 classes, 200 images per class, 3 epochs per task');
  });
});
