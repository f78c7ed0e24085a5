import { describe, expect, it } from 'vitest';
import { continualMetrics } from '../training/metrics';
import { diagnosis } from './teaching';

describe('teaching diagnosis', () => {
  const two = (taskAware: number, toNew: number) =>
    continualMetrics([
      [{ correct: 10, total: 10, taskAware: 10, predictedTask: [10] }],
      [
        { correct: Math.min(10 - toNew, taskAware), total: 10, taskAware, predictedTask: [10 - toNew, toNew] },
        { correct: 10, total: 10, taskAware: 10, predictedTask: [0, 10] },
      ],
    ]);

  it('blames the head when task-aware accuracy stays far above the class-incremental one', () => {
    const text = diagnosis(two(10, 8), 0.0125);
    expect(text).toContain('right 100.0 % of the time (task-aware accuracy), against 60.0 % among all classes');
    expect(text).toContain('80.0 % of the earlier tasks’ test images are now predicted as one of the last task’s classes');
    expect(text).toContain('not forgotten features');
    expect(text).toContain('Feature drift from the pretrained backbone: 0.013');
  });

  it('with the prototype head and moved features, names the stale prototypes instead', () => {
    const text = diagnosis(two(10, 8), 0.3, 'prototype');
    expect(text).toContain('the features moved away from where they were when the old classes’ prototypes were stored');
    expect(text).not.toContain('not forgotten features');
    expect(diagnosis(two(10, 8), 0.001, 'prototype')).toContain('not forgotten features'); // features did not move
  });

  it('blames the features when task-aware accuracy fell as far', () => {
    expect(diagnosis(two(3, 0), undefined)).toContain('the features themselves changed');
  });

  it('says the backbone cannot separate the classes when neither the head nor drift explains the loss', () => {
    expect(diagnosis(two(3, 0), 0.0004)).toContain('the features barely moved');
  });

  it('says nothing without the diagnostics', () => {
    expect(diagnosis(continualMetrics([[{ correct: 1, total: 2 }]]), 0.1)).toBe('');
  });
});
