// The runner's class order: the seeded default (the authors' numpy permutation) unchanged, and an explicit order
// (edited in the playground) used exactly as given, with a clear error when it is not a permutation.
import { describe, expect, it } from 'vitest';
import { classOrder } from '../data/taskSplit';
import { classOrderAndTasks } from './experiment';
import { DEFAULT_CONFIG, parseRunConfig } from './methods';

describe('classOrderAndTasks', () => {
  it('keeps the seeded numpy order when no explicit order is given', () => {
    const { order, tasks } = classOrderAndTasks(10, 5, 1993);
    expect(order).toEqual(classOrder(10, 1993, 'numpy'));
    expect(tasks).toEqual([0, 2, 4, 6, 8].map((i) => order.slice(i, i + 2)));
  });

  it('uses an explicit order exactly, split into equal consecutive tasks', () => {
    const explicit = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    const { order, tasks } = classOrderAndTasks(10, 2, 1, explicit);
    expect(order).toEqual(explicit);
    expect(tasks).toEqual([
      [9, 8, 7, 6, 5],
      [4, 3, 2, 1, 0],
    ]);
  });

  it('refuses an order that is not a permutation of the classes', () => {
    expect(() => classOrderAndTasks(4, 2, 1, [0, 1, 2])).toThrow(/each of the 4 classes/);
    expect(() => classOrderAndTasks(4, 2, 1, [0, 1, 1, 3])).toThrow(/each of the 4 classes/);
    expect(() => classOrderAndTasks(4, 2, 1, [0, 1, 2, 4])).toThrow(/each of the 4 classes/);
  });

  it('parseRunConfig accepts classOrder and refuses duplicates', () => {
    expect(parseRunConfig({ classOrder: [1, 0] }).classOrder).toEqual([1, 0]);
    expect(parseRunConfig({}).classOrder).toBeUndefined();
    expect(Object.keys(DEFAULT_CONFIG)).not.toContain('classOrder');
    expect(() => parseRunConfig({ classOrder: [1, 1] })).toThrow(/distinct/);
  });
});
