// Class order and task split for class-incremental learning (spec §9.2), and label remapping.
//
// Class order. Classes carry their original labels 0..C−1 (the dataset's class list: sorted folder
// names for a user's folder, manifest order for a built-in). `order[k]` is the original label that
// gets new label k, exactly as the official code: `np.random.seed(seed); order = np.random.permutation(C)`,
// new label of an image = position of its original label in `order`.
//   algorithm 'numpy' (default): numpy's legacy RandomState — MT19937 seeded by init_genrand(seed),
//     Fisher–Yates from the top with j = random_interval(i) (masked rejection). Bit-exact: seeds 1993,
//     1994, 1995, 1996 reproduce the orders of spec Appendix A, so the paper's protocols can be rerun.
//   algorithm 'mulberry32': Fisher–Yates from the top, j = floor(u·(i+1)), u from mulberry32(seed).
//   seed 'none': no shuffle, order = 0..C−1 (for seed 0 numpy shuffles like any other seed).
//
// Tasks. Consecutive slices of the order: N equal tasks (C % N must be 0; the error lists the valid N),
// or the code's init_cls/increment rule (first task `initClasses`, then `increment` each, a smaller
// remainder last), or explicit class groups by name (the order is then their concatenation, in the
// given order; classes in no group are left out: newLabel −1).
// Task t owns new labels [labelStart, labelEnd). Training on task t sees only its images; evaluation
// after task t uses the test images of every class seen so far (tasks 0..t).

import type { DatasetImage, ImageDataset, SplitName } from './imageFolder';
import { fisherYates, mulberry32, numpyPermutation } from './random';

export type ClassOrderSeed = number | 'none';
export type OrderAlgorithm = 'numpy' | 'mulberry32';

/** order[k] = original label of new label k. */
export function classOrder(numClasses: number, seed: ClassOrderSeed, algorithm: OrderAlgorithm = 'numpy'): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 0) throw new Error(`classOrder: numClasses must be a non-negative integer, got ${numClasses}`);
  if (seed === 'none') return Array.from({ length: numClasses }, (_, i) => i);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`classOrder: seed must be 'none' or an integer in [0, 2^32), got ${seed}`);
  if (algorithm === 'numpy') return numpyPermutation(numClasses, seed);
  return fisherYates(
    Array.from({ length: numClasses }, (_, i) => i),
    mulberry32(seed),
  );
}

/** Every N that splits numClasses into N equal tasks. */
export function validTaskCounts(numClasses: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= numClasses; n++) if (numClasses % n === 0) out.push(n);
  return out;
}

/** Class count of each task for N equal tasks; throws, listing the valid N, when C % N ≠ 0. */
export function equalTaskSizes(numClasses: number, numTasks: number): number[] {
  if (!Number.isInteger(numTasks) || numTasks < 1 || numClasses % numTasks !== 0) {
    throw new Error(`${numClasses} classes cannot be split into ${numTasks} equal tasks; valid task counts: ${validTaskCounts(numClasses).join(', ')}`);
  }
  return new Array<number>(numTasks).fill(numClasses / numTasks);
}

/** The code's rule (utils/data_manager.py): first task initClasses, then increment each, remainder last. */
export function incrementTaskSizes(numClasses: number, initClasses: number, increment: number): number[] {
  if (!Number.isInteger(initClasses) || !Number.isInteger(increment) || initClasses < 1 || increment < 1 || initClasses > numClasses) {
    throw new Error(`initClasses (${initClasses}) and increment (${increment}) must be positive integers with initClasses ≤ ${numClasses} classes`);
  }
  const sizes = [initClasses];
  let left = numClasses - initClasses;
  while (left > 0) {
    sizes.push(Math.min(increment, left));
    left -= increment;
  }
  return sizes;
}

export interface Task {
  index: number;
  /** Original labels of the task's classes, in new-label order. */
  classes: number[];
  names: string[];
  /** New labels [labelStart, labelEnd). */
  labelStart: number;
  labelEnd: number;
}

export interface TaskProtocol {
  /** The dataset's class names, indexed by original label. */
  classNames: string[];
  /** new label k → original label. */
  order: number[];
  /** original label → new label, −1 for a class in no task. (C) */
  newLabel: Int32Array;
  tasks: Task[];
  /** How the order was made, for logs and reproduction. */
  seed: ClassOrderSeed | null;
  algorithm: OrderAlgorithm | 'groups';
}

export type ProtocolSpec =
  | { numTasks: number; seed: ClassOrderSeed; algorithm?: OrderAlgorithm }
  | { initClasses: number; increment: number; seed: ClassOrderSeed; algorithm?: OrderAlgorithm }
  | { groups: readonly (readonly string[])[] };

/** Builds the class order and tasks for `classNames` (original label = index). */
export function makeProtocol(classNames: readonly string[], spec: ProtocolSpec): TaskProtocol {
  const C = classNames.length;
  let order: number[];
  let sizes: number[];
  let seed: ClassOrderSeed | null = null;
  let algorithm: TaskProtocol['algorithm'];
  if ('groups' in spec) {
    const index = new Map(classNames.map((c, i) => [c, i]));
    const used = new Set<string>();
    order = [];
    sizes = [];
    spec.groups.forEach((g, t) => {
      if (g.length === 0) throw new Error(`task ${t + 1} has no classes`);
      for (const name of g) {
        const i = index.get(name);
        if (i === undefined) throw new Error(`task ${t + 1}: unknown class "${name}"`);
        if (used.has(name)) throw new Error(`class "${name}" is in more than one task`);
        used.add(name);
        order.push(i);
      }
      sizes.push(g.length);
    });
    if (sizes.length === 0) throw new Error('no tasks given');
    algorithm = 'groups';
  } else {
    algorithm = spec.algorithm ?? 'numpy';
    seed = spec.seed;
    order = classOrder(C, spec.seed, algorithm);
    sizes = 'numTasks' in spec ? equalTaskSizes(C, spec.numTasks) : incrementTaskSizes(C, spec.initClasses, spec.increment);
  }

  const newLabel = new Int32Array(C).fill(-1); // (C)
  order.forEach((orig, k) => (newLabel[orig] = k));
  const tasks: Task[] = [];
  let start = 0;
  sizes.forEach((n, index) => {
    const classes = order.slice(start, start + n);
    tasks.push({ index, classes, names: classes.map((c) => classNames[c]!), labelStart: start, labelEnd: start + n });
    start += n;
  });
  return { classNames: [...classNames], order, newLabel, tasks, seed, algorithm };
}

/**
 * The protocol of a dataset: `spec` if given, else the tasks the dataset defines (tasks layout or a
 * built-in's default tasks); throws when neither exists.
 */
export function datasetProtocol(ds: ImageDataset, spec?: ProtocolSpec): TaskProtocol {
  if (spec) return makeProtocol(ds.classes, spec);
  if (ds.tasks) return makeProtocol(ds.classes, { groups: ds.tasks });
  throw new Error(`dataset "${ds.name}" defines no tasks: give a task count (valid: ${validTaskCounts(ds.classes.length).join(', ')}) or class groups`);
}

/** Images with new labels: what a training or evaluation loop consumes. */
export interface LabelledImages {
  images: DatasetImage[];
  /** New label per image. (n) */
  labels: Int32Array;
}

function select(images: readonly DatasetImage[], p: TaskProtocol, keep: (newLabel: number) => boolean): LabelledImages {
  const out: DatasetImage[] = [];
  const labels: number[] = [];
  for (const im of images) {
    const l = p.newLabel[im.label];
    if (l === undefined || l < 0 || !keep(l)) continue;
    out.push(im);
    labels.push(l);
  }
  return { images: out, labels: Int32Array.from(labels) };
}

/** Images of task t's classes only (training on task t). */
export function taskImages(ds: ImageDataset, p: TaskProtocol, t: number, split: SplitName): LabelledImages {
  const task = p.tasks[t];
  if (!task) throw new Error(`task ${t} does not exist (${p.tasks.length} tasks)`);
  return select(split === 'train' ? ds.train : ds.test, p, (l) => l >= task.labelStart && l < task.labelEnd);
}

/** Images of every class seen up to and including task t (evaluation after task t). */
export function seenImages(ds: ImageDataset, p: TaskProtocol, t: number, split: SplitName = 'test'): LabelledImages {
  const task = p.tasks[t];
  if (!task) throw new Error(`task ${t} does not exist (${p.tasks.length} tasks)`);
  return select(split === 'train' ? ds.train : ds.test, p, (l) => l < task.labelEnd);
}

/** Task index of a new label (−1 if none). */
export function taskOfLabel(p: TaskProtocol, newLabel: number): number {
  return p.tasks.findIndex((t) => newLabel >= t.labelStart && newLabel < t.labelEnd);
}

/** The first `maxPerClass` items of each class, in the given order (null: all). The playground's image cap and
 *  `npm run experiment --max-per-class` apply it to each split, so both run on the same images. */
export function capPerClass<T extends { label: number }>(items: readonly T[], maxPerClass: number | null): T[] {
  if (maxPerClass === null) return [...items];
  const seen = new Map<number, number>();
  return items.filter((e) => {
    const n = seen.get(e.label) ?? 0;
    seen.set(e.label, n + 1);
    return n < maxPerClass;
  });
}
