// taskSplit: the numpy class order is bit-exact with the paper's logs (spec Appendix A), seeds are
// reproducible, tasks partition the classes, labels remap to positions in the order.
import { describe, expect, it } from 'vitest';
import type { DatasetImage, ImageDataset } from './imageFolder';
import { Mt19937 } from './random';
import {
  classOrder,
  datasetProtocol,
  equalTaskSizes,
  incrementTaskSizes,
  makeProtocol,
  seenImages,
  taskImages,
  taskOfLabel,
  validTaskCounts,
  capPerClass,
} from './taskSplit';

// From spec Appendix A (np.random.seed(s); np.random.permutation(n)); the 200-class ones truncated.
const SEED_1994_100 = [72, 6, 33, 96, 60, 94, 29, 40, 45, 66, 51, 8, 78, 49, 70, 22, 53, 82, 87, 23, 15, 89, 43, 35, 32, 25, 44, 86, 68, 83, 17, 55, 31, 85, 38, 61, 0, 16, 92, 59, 56, 19, 74, 12, 13, 88, 64, 42, 71, 46, 97, 58, 50, 41, 26, 1, 7, 69, 21, 27, 95, 14, 99, 9, 81, 10, 73, 11, 91, 36, 77, 57, 79, 47, 2, 98, 48, 20, 67, 37, 18, 65, 3, 52, 28, 39, 5, 93, 4, 62, 24, 63, 30, 84, 76, 90, 80, 75, 34, 54];
const SEED_1993_100 = [68, 56, 78, 8, 23, 84, 90, 65, 74, 76, 40, 89, 3, 92, 55, 9, 26, 80, 43, 38, 58, 70, 77, 1, 85, 19, 17, 50, 28, 53, 13, 81, 45, 82, 6, 59, 83, 16, 15, 44, 91, 41, 72, 60, 79, 52, 20, 10, 31, 54, 37, 95, 14, 71, 96, 98, 97, 2, 64, 66, 42, 22, 35, 86, 24, 34, 87, 21, 99, 0, 88, 27, 18, 94, 11, 12, 47, 25, 30, 46, 62, 69, 36, 61, 7, 63, 75, 5, 32, 4, 51, 48, 73, 93, 39, 67, 29, 49, 57, 33];
const SEED_1995_200 = [146, 198, 169, 126, 142, 183, 108, 86, 79, 35, 112, 29, 0, 2, 59, 178, 143, 31, 147, 33, 123, 114, 194, 54];
const SEED_1996_200 = [92, 182, 15, 79, 26, 173, 109, 188, 27, 157, 177, 6, 35, 93, 52, 136, 164, 184, 2, 125, 130, 179, 135, 150];
const SEED_1993_200 = [168, 136, 51, 9, 183, 101, 171, 99, 42, 159, 191, 70, 16, 188, 27, 10, 175, 26, 68, 187, 98, 6, 85, 35];

const names = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}`);
const isPermutation = (a: number[], n: number) => a.length === n && [...a].sort((x, y) => x - y).every((v, i) => v === i);

describe('class order', () => {
  it('MT19937 matches the reference generator (seed 5489: first output 3499211612)', () => {
    expect(new Mt19937(5489).nextU32()).toBe(3499211612);
  });

  it('numpy algorithm reproduces the orders of the official code', () => {
    expect(classOrder(100, 1994)).toEqual(SEED_1994_100);
    expect(classOrder(100, 1993)).toEqual(SEED_1993_100);
    expect(classOrder(200, 1995).slice(0, SEED_1995_200.length)).toEqual(SEED_1995_200);
    expect(classOrder(200, 1996).slice(0, SEED_1996_200.length)).toEqual(SEED_1996_200);
    expect(classOrder(200, 1993).slice(0, SEED_1993_200.length)).toEqual(SEED_1993_200);
  });

  it('same seed → same order; different seeds differ; both algorithms give permutations', () => {
    for (const algorithm of ['numpy', 'mulberry32'] as const) {
      const a = classOrder(50, 42, algorithm);
      expect(isPermutation(a, 50)).toBe(true);
      expect(classOrder(50, 42, algorithm)).toEqual(a);
      expect(classOrder(50, 43, algorithm)).not.toEqual(a);
    }
    expect(classOrder(50, 42, 'numpy')).not.toEqual(classOrder(50, 42, 'mulberry32'));
  });

  it("seed 'none' keeps the sorted order; seed 0 shuffles like numpy", () => {
    expect(classOrder(6, 'none')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(classOrder(10, 0)).not.toEqual(classOrder(10, 'none'));
    expect(() => classOrder(10, -1)).toThrow(/seed/);
  });
});

describe('tasks', () => {
  it('N equal tasks, or an error listing the valid N', () => {
    expect(equalTaskSizes(20, 4)).toEqual([5, 5, 5, 5]);
    expect(validTaskCounts(20)).toEqual([1, 2, 4, 5, 10, 20]);
    expect(() => equalTaskSizes(20, 3)).toThrow('20 classes cannot be split into 3 equal tasks; valid task counts: 1, 2, 4, 5, 10, 20');
  });

  it("init/increment rule of the code: remainder forms a last smaller task", () => {
    expect(incrementTaskSizes(10, 4, 3)).toEqual([4, 3, 3]);
    expect(incrementTaskSizes(11, 4, 3)).toEqual([4, 3, 3, 1]);
    expect(() => incrementTaskSizes(5, 6, 1)).toThrow();
  });

  it('tasks partition the classes and labels remap to positions in the order', () => {
    const classes = names(30);
    for (const spec of [
      { numTasks: 5, seed: 1993 },
      { numTasks: 3, seed: 'none' as const },
      { initClasses: 12, increment: 7, seed: 7, algorithm: 'mulberry32' as const },
    ]) {
      const p = makeProtocol(classes, spec);
      const all = p.tasks.flatMap((t) => t.classes);
      expect(isPermutation(all, 30)).toBe(true);
      expect(all).toEqual(p.order);
      p.order.forEach((orig, k) => expect(p.newLabel[orig]).toBe(k));
      let next = 0;
      for (const t of p.tasks) {
        expect(t.labelStart).toBe(next);
        next = t.labelEnd;
        expect(t.names).toEqual(t.classes.map((c) => classes[c]));
        for (let l = t.labelStart; l < t.labelEnd; l++) expect(taskOfLabel(p, l)).toBe(t.index);
      }
      expect(next).toBe(30);
    }
  });

  it('explicit class groups: order is their concatenation; unused classes get −1; mistakes throw', () => {
    const p = makeProtocol(['a', 'b', 'c', 'd', 'e'], { groups: [['d', 'a'], ['c']] });
    expect(p.order).toEqual([3, 0, 2]);
    expect(Array.from(p.newLabel)).toEqual([1, -1, 2, 0, -1]);
    expect(p.tasks.map((t) => [t.labelStart, t.labelEnd])).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(() => makeProtocol(['a', 'b'], { groups: [['a'], ['a', 'b']] })).toThrow('class "a" is in more than one task');
    expect(() => makeProtocol(['a', 'b'], { groups: [['a', 'z']] })).toThrow('task 1: unknown class "z"');
    expect(() => makeProtocol(['a', 'b'], { groups: [[], ['a']] })).toThrow('task 1 has no classes');
  });
});

describe('images per task', () => {
  const im = (label: number, k: number): DatasetImage => ({ path: `${label}/${k}.png`, label, size: 1 });
  const ds: ImageDataset = {
    format: 'sdlora-dataset/1',
    name: 'toy',
    layout: 'classes',
    root: '',
    classes: names(6),
    train: Array.from({ length: 6 }, (_, c) => [im(c, 0), im(c, 1)]).flat(),
    test: Array.from({ length: 6 }, (_, c) => im(c, 2)),
    tasks: null,
    split: null,
    issues: [],
  };

  it('training sees only its task; evaluation sees every class so far; labels are new labels', () => {
    const p = datasetProtocol(ds, { numTasks: 3, seed: 5 });
    for (let t = 0; t < 3; t++) {
      const tr = taskImages(ds, p, t, 'train');
      expect(tr.images).toHaveLength(4);
      tr.images.forEach((x, i) => {
        expect(tr.labels[i]).toBe(p.newLabel[x.label]);
        expect(p.tasks[t]!.classes).toContain(x.label);
      });
      const te = seenImages(ds, p, t);
      expect(te.images).toHaveLength(2 * (t + 1));
      expect(Math.max(...te.labels)).toBe(2 * (t + 1) - 1);
    }
    expect(() => taskImages(ds, p, 3, 'train')).toThrow(/task 3 does not exist/);
  });

  it('a dataset without tasks needs a spec; the error lists valid task counts', () => {
    expect(() => datasetProtocol(ds)).toThrow('dataset "toy" defines no tasks: give a task count (valid: 1, 2, 3, 6) or class groups');
    expect(datasetProtocol({ ...ds, tasks: [['c001'], ['c000']] }).order).toEqual([1, 0]);
  });
});

describe('capPerClass', () => {
  it('keeps the first N of each class in the given order; null keeps all', () => {
    const items = [0, 1, 0, 0, 1, 2, 1].map((label, i) => ({ label, i }));
    expect(capPerClass(items, 2).map((x) => x.i)).toEqual([0, 1, 2, 4, 5]);
    expect(capPerClass(items, null)).toHaveLength(7);
  });
});
