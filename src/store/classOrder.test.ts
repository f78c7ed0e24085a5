// The editable class order: the seeded default equals the runner's, moves and typed orders give the order the
// run will use (RunConfig.classOrder, which requestRun sends), a seed or data set change or Reset brings the
// seeded order back, and the time estimate's arithmetic over that split.
import { beforeEach, describe, expect, it } from 'vitest';
import type { BuiltinIndexEntry } from '../data/builtin';
import { classOrderAndTasks } from '../training/experiment';
import { DEFAULT_CONFIG, type RunConfig } from '../training/methods';
import { configFileText } from './configFile';
import { datasetsLoaded, loadConfigText, moveClass, requestRun, resetClassOrder, setClassOrderText, setConfig, setDataset, setMaxPerClass, setModel } from './actions';
import { formOrder, moveInOrder, parseOrderText, withOrder } from './classOrder';
import { capped, estimateRun } from './estimate';
import { store } from './state';

const fashion: BuiltinIndexEntry = { name: 'split-fashion-mnist', title: 'Split Fashion-MNIST', manifest: 'm', classes: 10, train: 5000, test: 1000, bytes: 1 };
const other: BuiltinIndexEntry = { ...fashion, name: 'split-other', title: 'Other' };
const names = Array.from({ length: 10 }, (_, i) => `c${i}`);

describe('class order logic', () => {
  it('the seeded view is the runner’s own order and split', () => {
    const { view } = formOrder({ seed: 1993, tasks: 5 }, 10);
    expect(view).toEqual({ ...classOrderAndTasks(10, 5, 1993), edited: false });
    expect(formOrder({ seed: 1, tasks: 3 }, 10).error).toMatch(/valid task counts: 1, 2, 5, 10/);
  });
  it('moves a class, staying put at the ends', () => {
    expect(moveInOrder([0, 1, 2, 3], 2, -1)).toEqual([0, 2, 1, 3]);
    expect(moveInOrder([0, 1, 2, 3], 0, -1)).toEqual([0, 1, 2, 3]);
    expect(moveInOrder([0, 1, 2, 3], 3, 1)).toEqual([0, 1, 2, 3]);
  });
  it('parses typed orders by name or id and says what is wrong', () => {
    expect(parseOrderText('c3, c2 1 0 c4 c5 c6 c7 c8 c9', names).order).toEqual([3, 2, 1, 0, 4, 5, 6, 7, 8, 9]);
    expect(parseOrderText('c3, c3', names).error).toMatch(/twice/);
    expect(parseOrderText('c1 c0', names).error).toMatch(/missing: c2/);
    expect(parseOrderText('cat', names).error).toMatch(/"cat" is not a class/);
  });
  it('stores the seeded order as no explicit order', () => {
    const seeded = formOrder({ seed: 1, tasks: 2 }, 10).view!.order;
    const config: Pick<RunConfig, 'seed' | 'tasks' | 'classOrder'> = { seed: 1, tasks: 2 };
    expect(withOrder(config, seeded)).toEqual({ seed: 1, tasks: 2 });
    expect(withOrder(config, [...seeded].reverse()).classOrder).toEqual([...seeded].reverse());
  });
});

describe('class order in the store', () => {
  beforeEach(() => {
    datasetsLoaded([fashion, other]);
    setDataset(fashion.name);
    setModel('tiny');
    setMaxPerClass(8);
    setConfig({ ...DEFAULT_CONFIG, tasks: 2, batchSize: 4, seed: 1 });
    resetClassOrder();
  });

  it('moving a class across the task border changes both tasks, and the run request carries the order', () => {
    const seeded = formOrder(store.getState().form.config, 10).view!;
    moveClass(5, -1); // first class of task 2 into task 1
    const view = formOrder(store.getState().form.config, 10).view!;
    expect(view.edited).toBe(true);
    expect(view.tasks[0]).toEqual([...seeded.order.slice(0, 4), seeded.order[5]]);
    expect(view.tasks[1]).toEqual([seeded.order[4], ...seeded.order.slice(6)]);
    const request = requestRun(0)!;
    expect(request.config.classOrder).toEqual(view.order);
    expect(classOrderAndTasks(10, 2, 1, request.config.classOrder).tasks).toEqual(view.tasks);
  });

  it('the saved config file records the edited order and opening it restores it', () => {
    moveClass(3, 1);
    const order = store.getState().form.config.classOrder!;
    const text = configFileText(requestRun(0)!);
    expect(JSON.parse(text).run.classOrder).toEqual(order);
    resetClassOrder();
    loadConfigText(text, 'config.json');
    expect(store.getState().form.config.classOrder).toEqual(order);
    expect(store.getState().formErrors).toEqual([]);
    loadConfigText(text.replace(/,\s*"classOrder": \[[^\]]*\]/, ''), 'config.json');
    expect(store.getState().formErrors).toEqual([]);
    expect(store.getState().form.config.classOrder).toBeUndefined();
  });

  it('reset, a new seed or a new data set go back to the seeded order; a typed order is taken', () => {
    moveClass(0, 1);
    expect(store.getState().form.config.classOrder).toBeDefined();
    resetClassOrder();
    expect(store.getState().form.config.classOrder).toBeUndefined();
    expect(setClassOrderText('9 8 7 6 5 4 3 2 1 0', names)).toBeNull();
    expect(store.getState().form.config.classOrder).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    setConfig({ epochs: 2 });
    expect(store.getState().form.config.classOrder).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    setConfig({ seed: 2 });
    expect(store.getState().form.config.classOrder).toBeUndefined();
    setClassOrderText('9 8 7 6 5 4 3 2 1 0', names);
    setDataset(other.name);
    expect(store.getState().form.config.classOrder).toBeUndefined();
    expect(setClassOrderText('1 0', names)).toMatch(/missing/);
  });
});

describe('time estimate', () => {
  it('steps per task from the runner’s rule, evaluation over every class seen so far', () => {
    const m = { stepSeconds: 0.5, evalSecondsPerImage: 0.01, steps: 3 };
    const est = estimateRun(m, { epochs: 2, batchSize: 4, method: 'sdlora' }, [[0, 1], [2, 3]], capped([10, 10, 9, 30], 8), [5, 5, 5, 5]);
    expect(est.stepsPerTask).toEqual([8, 8]); // 2 × ⌊16 / 4⌋
    // evaluation: the test images seen so far plus the drift probe (all 20 test images: fewer than 256)
    expect(est.perTask[0]).toBeCloseTo(8 * 0.5 + (10 + 20) * 0.01);
    expect(est.perTask[1]).toBeCloseTo(8 * 0.5 + (20 + 20) * 0.01);
    expect(est.total).toBeCloseTo(est.perTask[0]! + est.perTask[1]!);
    expect(estimateRun(m, { epochs: 2, batchSize: 4, method: 'ncm' }, [[0, 1]], [16, 16], [5, 5]).stepsPerTask).toEqual([0]);
  });
});
