import { describe, expect, it } from 'vitest';
import { continualMetrics } from './metrics';
import { accMatrixCsv, alphaCsv, csv, metricsCore } from './resultFiles';

describe('result CSVs (the CLI format)', () => {
  it('acc_matrix.csv: header, 1-based rows, 3 decimals, empty cells above the diagonal', () => {
    expect(accMatrixCsv([[87.5, null], [80.12345, 91]])).toBe('after_task,task_1,task_2\n1,87.5,\n2,80.123,91\n');
  });
  it('alpha.csv: one row per step, as wide as the widest step, 6 decimals', () => {
    expect(alphaCsv([[[1], [1.0000004]], [[0.9999996, 1.25]]])).toBe('task,step,alpha_1,alpha_2\n1,1,1\n1,2,1\n2,1,1,1.25\n');
  });
  it('empty runs still have a header', () => {
    expect(accMatrixCsv([])).toBe('after_task\n');
    expect(alphaCsv([])).toBe('task,step\n');
    expect(csv([['a', null, 2]])).toBe('a,,2\n');
  });
});

describe('metricsCore (metrics.json of the CLI and of a browser export)', () => {
  const base = { classOrder: [2, 0, 1], tasks: [[2], [0, 1]], alpha: [[[0.8]], [[0.8, 0.9]]], loss: [[2.1], [1.5]], lsResidual: [null, 0.97], trainableParams: [10, 20], wallSeconds: [1, 2], imagesPerSec: [30, 31], featureDrift: [0.01, 0.02] };
  it('takes the metrics of the counts and names classes in the run order', () => {
    const counts = [[{ correct: 8, total: 10 }], [{ correct: 5, total: 10 }, { correct: 15, total: 20 }]];
    const r = { ...base, counts, metrics: continualMetrics(counts) };
    const m = metricsCore({ method: 'sdlora', seed: 3 }, r, ['cat', 'dog', 'emu']);
    expect(m.classNames).toEqual(['emu', 'cat', 'dog']);
    expect(m.accMatrix).toEqual([[80, null], [50, 75]]);
    expect(m.acc).toBeCloseTo((100 * 20) / 30, 10);
    expect(m.completedTasks).toBe(2);
    expect(m.storedSamples).toBe(0);
    expect(Object.keys(m).slice(0, 5)).toEqual(['method', 'seed', 'classOrder', 'classNames', 'tasks']);
  });
  it('a run stopped before its first task ended has empty metrics, not stale ones', () => {
    const stale = continualMetrics([[{ correct: 1, total: 1 }]]);
    const m = metricsCore({ method: 'seq-lora', seed: 1 }, { ...base, counts: [], metrics: stale }, ['a', 'b', 'c']);
    expect(m.accMatrix).toEqual([]);
    expect(m.completedTasks).toBe(0);
  });
});
