import { describe, expect, it } from 'vitest';
import { continualMetrics } from './metrics';

describe('continual metrics', () => {
  it('matches a hand-computed 3-task example', () => {
    // After task 0: task0 90/100. After task 1: 60/100, 80/100. After task 2: 50/100, 70/100, 95/100 … with task 2 of 50 images.
    const m = continualMetrics([
      [{ correct: 90, total: 100 }],
      [{ correct: 60, total: 100 }, { correct: 80, total: 100 }],
      [{ correct: 50, total: 100 }, { correct: 70, total: 100 }, { correct: 45, total: 50 }],
    ]);
    expect(m.accMatrix).toEqual([
      [90, null, null],
      [60, 80, null],
      [50, 70, 90],
    ]);
    expect(m.pooled[0]).toBeCloseTo(90);
    expect(m.pooled[1]).toBeCloseTo(70);
    expect(m.pooled[2]).toBeCloseTo((165 / 250) * 100); // pooled: each image counts once → 66
    expect(m.acc).toBeCloseTo(66);
    expect(m.aaa).toBeCloseTo((90 + 70 + 66) / 3);
    expect(m.accMeanOfTasks).toBeCloseTo((50 + 70 + 90) / 3);
    // forgetting: task 0 max(90, 60) − 50 = 40; task 1 max(80) − 70 = 10 → 25
    expect(m.forgetting).toBeCloseTo(25);
    // bwt: (50 − 90 + 70 − 80) / 2 = −25
    expect(m.bwt).toBeCloseTo(-25);
  });

  it('one task: no forgetting, no backward transfer', () => {
    const m = continualMetrics([[{ correct: 3, total: 4 }]]);
    expect(m.acc).toBe(75);
    expect(m.forgetting).toBe(0);
    expect(m.bwt).toBe(0);
  });

  it('diagnostics: task-aware accuracy, task confusion and the pull toward the newest task', () => {
    const m = continualMetrics([
      [{ correct: 8, total: 10, taskAware: 8, predictedTask: [10] }],
      [
        { correct: 2, total: 10, taskAware: 9, predictedTask: [3, 7] },
        { correct: 9, total: 10, taskAware: 10, predictedTask: [1, 9] },
      ],
    ]);
    expect(m.tilMatrix).toEqual([
      [80, null],
      [90, 100],
    ]);
    expect(m.taskConfusion).toEqual([[[100]], [[30, 70], [10, 90]]]);
    expect(m.newTaskBias).toEqual([null, 70]); // 7 of task 1's 10 images went to task 2's classes
    // without the extra counts the diagnostics are absent
    expect(continualMetrics([[{ correct: 1, total: 2 }]]).tilMatrix).toBeUndefined();
  });
});
