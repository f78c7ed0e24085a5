// The class order and task split the form's run will use, and the user's edits to it. The seeded default is the
// runner's own (classOrderAndTasks: the authors' numpy permutation of the seed); an edited order is stored in
// the form's RunConfig.classOrder, so the run, the saved config file and the metrics JSON all carry it. Tasks
// stay N equal consecutive slices of the order (what the runner trains), so moving a class across a task border
// moves its neighbour into the other task. Pure: the store actions and the Data section call these.

import { classOrderAndTasks } from '../training/experiment';
import type { RunConfig } from '../training/methods';

export interface OrderView {
  /** order[k] = original class id of new label k. */
  order: number[];
  /** Original class ids of each task, in order. */
  tasks: number[][];
  /** Whether the order is the user's (RunConfig.classOrder) rather than the seed's. */
  edited: boolean;
}

/** The order the run would use for `numClasses` classes, or why none (task count does not divide, bad order). */
export function formOrder(config: Pick<RunConfig, 'seed' | 'tasks' | 'classOrder'>, numClasses: number): { view: OrderView | null; error: string | null } {
  try {
    const explicit = config.classOrder?.length === numClasses ? config.classOrder : undefined;
    const { order, tasks } = classOrderAndTasks(numClasses, config.tasks, config.seed, explicit);
    return { view: { order, tasks, edited: explicit !== undefined }, error: null };
  } catch (e) {
    return { view: null, error: (e as Error).message };
  }
}

/** The order with the class at `position` moved by `delta` places (−1 up, +1 down); unchanged at the ends. */
export function moveInOrder(order: readonly number[], position: number, delta: number): number[] {
  const to = position + delta;
  const out = [...order];
  if (position < 0 || position >= out.length || to < 0 || to >= out.length) return out;
  const [c] = out.splice(position, 1);
  out.splice(to, 0, c!);
  return out;
}

/**
 * Parses an order the user typed: class names or ids (0-based), separated by commas, spaces or new lines,
 * each class once. Returns the order or an error that says what is wrong.
 */
export function parseOrderText(text: string, classNames: readonly string[]): { order: number[] | null; error: string | null } {
  const tokens = text.split(/[\s,;]+/).filter((t) => t.length > 0);
  const byName = new Map(classNames.map((n, i) => [n.toLowerCase(), i]));
  const order: number[] = [];
  for (const t of tokens) {
    const id = byName.get(t.toLowerCase()) ?? (/^\d+$/.test(t) ? Number(t) : undefined);
    if (id === undefined || id >= classNames.length) return { order: null, error: `"${t}" is not a class: use names (${classNames.slice(0, 3).join(', ')}, …) or ids 0..${classNames.length - 1}` };
    if (order.includes(id)) return { order: null, error: `class "${classNames[id]}" is listed twice` };
    order.push(id);
  }
  const missing = classNames.filter((_, i) => !order.includes(i));
  if (missing.length) return { order: null, error: `every class must be listed once; missing: ${missing.join(', ')}` };
  return { order, error: null };
}

/** The config with `order` as its class order; the seeded order itself is stored as no explicit order. */
export function withOrder<C extends Pick<RunConfig, 'seed' | 'tasks' | 'classOrder'>>(config: C, order: readonly number[] | null): C {
  const { classOrder: _old, ...rest } = config;
  if (!order) return rest as C;
  const seeded = formOrder({ ...rest, classOrder: undefined }, order.length).view?.order;
  if (seeded && seeded.every((c, i) => c === order[i])) return rest as C;
  return { ...rest, classOrder: [...order] } as C;
}
