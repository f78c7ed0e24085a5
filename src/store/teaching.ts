// Teaching mode (issue 4 item 7): a guided tour for a classroom. It runs sequential LoRA, then SD-LoRA, on the
// same data and seed (the run queue and the overlays), and turns the real training messages into "moments": a
// short explanation of what just happened — a task arrives, directions are frozen, the α's re-weight, forgetting
// shows in the heatmap, a run ends, the two compare. Every number a moment quotes comes from the messages (or the
// run's config); `figures` keeps them for tooltips and tests. The viewer follows the newest moment until the user
// steps back; Next catches up again. With `hold` the run pauses at each new moment (src/worker/client.ts) until
// Next. Pure functions over TeachingState.

import type { ContinualMetrics } from '../training/metrics';
import type { TrainingEvent } from '../training/experiment';
import type { MethodName } from '../training/methods';
import type { WorkerMessage } from '../worker/protocol';
import type { PlaygroundState } from './state';

/** The panel a moment points at (the UI outlines it). */
export type TourFocus = 'progress' | 'alpha-chart' | 'acc-matrix' | 'task-accuracy' | 'residual-chart' | 'explorer' | null;

export type MomentKind = 'intro' | 'task' | 'learned' | 'frozen' | 'alpha' | 'forgetting' | 'retention' | 'done' | 'compare' | 'ended';

export interface Moment {
  id: string;
  kind: MomentKind;
  /** Index of the tour's run it is about (-1: the tour as a whole). */
  run: number;
  title: string;
  text: string;
  focus: TourFocus;
  figures: Record<string, number>;
}

/** What the tour remembers of each of its runs, for the moments that compare them. */
export interface TourRun {
  method: MethodName;
  acc: number;
  aaa: number;
  forgetting: number;
}

export interface TeachingState {
  methods: MethodName[];
  moments: Moment[];
  index: number;
  /** Show each new moment as it arrives (until the user steps back). */
  follow: boolean;
  /** Pause the run at each new moment, so the class can read it; Next at the newest moment continues. */
  hold: boolean;
  phase: 'running' | 'done' | 'ended';
  finished: TourRun[];
  /** The task in training: its α after its first and its latest step, and how many steps so far. */
  taskAlpha: { task: number; first: number[]; last: number[]; steps: number } | null;
}

/** The tour's two runs, in order. */
export const TOUR_METHODS: readonly MethodName[] = ['seq-lora', 'sdlora'];

const NAMES: Partial<Record<MethodName, string>> = { 'seq-lora': 'sequential LoRA', sdlora: 'SD-LoRA' };
const nameOf = (m: MethodName) => NAMES[m] ?? m;
const Name = (m: MethodName) => nameOf(m).charAt(0).toUpperCase() + nameOf(m).slice(1);
const pct = (x: number) => `${x.toFixed(1)} %`;
const points = (x: number) => `${x.toFixed(1)} points`;
const isSd = (m: MethodName) => m.startsWith('sdlora') || m === 'first-direction' || m === 'fixed-magnitudes';
const alphaList = (a: readonly number[], upTo = a.length) =>
  a
    .slice(0, upTo)
    .map((x, k) => `α${k + 1} = ${x.toFixed(3)}`)
    .join(', ');

export interface TourSetup {
  datasetTitle: string;
  tasks: number;
  classesPerTask: number;
  maxPerClass: number | null;
  epochs: number;
  seed: number;
}

function push(t: TeachingState, m: Moment): TeachingState {
  if (t.moments.some((x) => x.id === m.id)) return t;
  const moments = [...t.moments, m];
  return { ...t, moments, index: t.follow ? moments.length - 1 : t.index };
}

export function startTeaching(setup: TourSetup, methods: readonly MethodName[] = TOUR_METHODS): TeachingState {
  const [first, second] = methods;
  const intro: Moment = {
    id: 'intro',
    kind: 'intro',
    run: -1,
    title: 'Two methods, the same tasks',
    text:
      `${Name(first!)}, then ${nameOf(second!)}, on the same ${setup.datasetTitle} tasks with seed ${setup.seed}: ` +
      `${setup.tasks} tasks of ${setup.classesPerTask} classes, ${setup.maxPerClass === null ? 'every' : setup.maxPerClass} image${setup.maxPerClass === 1 ? '' : 's'} per class, ` +
      `${setup.epochs} epoch${setup.epochs === 1 ? '' : 's'} per task. The classes arrive a few at a time and the earlier ones are never shown again. ` +
      'Sequential LoRA keeps training one low-rank update U·D of the attention weights on every task; SD-LoRA adds a new one per task, ' +
      'freezes the earlier ones as directions and only re-learns how much of each to use (its magnitude α). Watch what happens to the older tasks.',
    focus: 'progress',
    figures: { tasks: setup.tasks, classesPerTask: setup.classesPerTask, seed: setup.seed, epochs: setup.epochs },
  };
  return { methods: [...methods], moments: [intro], index: 0, follow: true, hold: false, phase: 'running', finished: [], taskAlpha: null };
}

export function teachingNext(t: TeachingState): TeachingState {
  const index = Math.min(t.moments.length - 1, t.index + 1);
  return { ...t, index, follow: index === t.moments.length - 1 };
}

export function teachingBack(t: TeachingState): TeachingState {
  return { ...t, index: Math.max(0, t.index - 1), follow: false };
}

/** The run stopped or failed: the tour says so and ends (its queued run is dropped by the caller). */
export function teachingEnded(t: TeachingState, why: string): TeachingState {
  if (t.phase !== 'running') return t;
  const next = push(t, { id: `ended-${t.moments.length}`, kind: 'ended', run: -1, title: 'The tour stopped', text: `${why} Start the tour again from the setup panel.`, focus: 'progress', figures: {} });
  return { ...next, phase: 'ended' };
}

/** The moment (if any) a worker message makes, given the store state before it. */
export function teachingOnMessage(t: TeachingState, s: PlaygroundState, m: WorkerMessage): TeachingState {
  if (t.phase !== 'running') return t;
  const method = s.run.request?.config.method;
  if (!method) return t;
  const run = t.methods.indexOf(method);
  if (run < 0) return t;
  if (m.type === 'event') return onEvent(t, s, m.event, method, run);
  if (m.type === 'finished') {
    const metrics = m.result.metrics;
    const done: TourRun = { method, acc: metrics.acc, aaa: metrics.aaa, forgetting: metrics.forgetting };
    const finished = [...t.finished, done];
    const nextMethod = t.methods[run + 1];
    let next = push(
      { ...t, finished, taskAlpha: null },
      {
        id: `r${run}-done`,
        kind: 'done',
        run,
        title: `${Name(method)} finished`,
        text:
          `Acc, the accuracy over the test images of all ${metrics.accMatrix.length} tasks, is ${pct(metrics.acc)}; AAA, its average after each task, ${pct(metrics.aaa)}; ` +
          `forgetting, the mean drop of an old task from its best accuracy, ${points(metrics.forgetting)}.` +
          diagnosis(metrics, m.result.featureDrift.at(-1), s.run.request?.config.head) +
          (nextMethod ? ` Next: ${nameOf(nextMethod)} on the same data and seed. This run stays on the charts as dashed lines.` : ''),
        focus: 'task-accuracy',
        figures: { acc: metrics.acc, aaa: metrics.aaa, forgetting: metrics.forgetting },
      },
    );
    if (!nextMethod) {
      next = push(next, compareMoment(finished, run));
      next = { ...next, phase: 'done' };
    }
    return next;
  }
  return t;
}

/** Why old tasks were lost: the features, or a head that favours the newest classes (from the run's diagnostics).
 *  With the prototype head, a large gap between task-aware and class-incremental accuracy after the features moved
 *  means the old classes' prototypes, stored when their task ended, no longer sit where their images now land. */
export function diagnosis(metrics: ContinualMetrics, drift: number | undefined, head: 'linear' | 'prototype' = 'linear'): string {
  const til = metrics.tilMatrix?.at(-1)?.filter((x): x is number => x !== null) ?? [];
  const bias = metrics.newTaskBias?.at(-1);
  if (!til.length || typeof bias !== 'number') return '';
  const tilMean = til.reduce((a, b) => a + b, 0) / til.length;
  const gap = tilMean - metrics.acc;
  const stalePrototypes = head === 'prototype' && drift !== undefined && drift >= 0.05;
  const why =
    gap >= 15 && stalePrototypes
      ? ' So each task’s classes are still told apart among themselves, but the features moved away from where they were when the old classes’ prototypes were stored: old images now land nearer the newest classes’ prototypes.'
      : gap >= 15
        ? ' So the features still tell each task’s classes apart; most of what was lost is the head calling old images by new class names, not forgotten features.'
        : gap >= 5
          ? ' Part of the loss is the head favouring the newest classes, part is in the features.'
          : drift !== undefined && drift < 0.01
            ? ' The head is not the problem here, and the features barely moved: these classes are hard to tell apart for this backbone.'
            : ' The head is not the problem here: where accuracy was lost, the features themselves changed.';
  return (
    ` Diagnosis: classified only among its own task’s classes, an image is right ${pct(tilMean)} of the time (task-aware accuracy), against ${pct(metrics.acc)} among all classes; ` +
    `${pct(bias)} of the earlier tasks’ test images are now predicted as one of the last task’s classes.${why}` +
    (drift === undefined ? '' : ` Feature drift from the pretrained backbone: ${drift.toFixed(3)} (1 − cosine).`)
  );
}

function compareMoment(finished: readonly TourRun[], run: number): Moment {
  const sd = finished.find((r) => isSd(r.method)) ?? finished.at(-1)!;
  const seq = finished.find((r) => r !== sd) ?? finished[0]!;
  const diff = sd.acc - seq.acc;
  const verdict =
    Math.abs(diff) < 0.05
      ? 'Both end at the same accuracy in this run.'
      : `${Name(diff > 0 ? sd.method : seq.method)} ends ${points(Math.abs(diff))} higher in this run.`;
  return {
    id: 'compare',
    kind: 'compare',
    run,
    title: `${Name(seq.method)} against ${nameOf(sd.method)}`,
    text:
      `Same data, same seed. Acc: ${nameOf(sd.method)} ${pct(sd.acc)}, ${nameOf(seq.method)} ${pct(seq.acc)}. ` +
      `Forgetting: ${points(sd.forgetting)} against ${points(seq.forgetting)}. ${verdict} ` +
      `The per-task lines show where the difference comes from (dashed: ${nameOf(seq.method)}). ` +
      'Now try the α explorer below: switch an old task’s α off, or walk the straight line between the weights after two tasks.',
    focus: 'task-accuracy',
    figures: { sdAcc: sd.acc, seqAcc: seq.acc, sdForgetting: sd.forgetting, seqForgetting: seq.forgetting },
  };
}

function onEvent(t: TeachingState, s: PlaygroundState, e: TrainingEvent, method: MethodName, run: number): TeachingState {
  const N = s.run.tasks.length;
  const className = (c: number) => s.run.classNames[c] ?? String(c);
  switch (e.type) {
    case 'taskStarted': {
      const t1 = e.task + 1;
      const names = e.classes.map(className).join(', ');
      let how: string;
      if (isSd(method))
        how =
          e.task === 0
            ? 'SD-LoRA starts its first low-rank pair U₁·D₁ with its magnitude α₁.'
            : `SD-LoRA freezes the ${e.task === 1 ? 'earlier pair' : `${e.task} earlier pairs`} and starts a new one for these classes (next moment).`;
      else how = e.task === 0 ? 'Its one LoRA pair starts training.' : 'The same LoRA pair that learned the earlier tasks is trained further, on these classes only.';
      return push(
        { ...t, taskAlpha: null },
        {
          id: `r${run}-task${e.task}`,
          kind: 'task',
          run,
          title: `Task ${t1}${N ? ` of ${N}` : ''} arrives (${nameOf(method)})`,
          text: `New classes: ${names}. ${Name(method)} now sees only their training images${e.task > 0 ? '; the earlier tasks’ images are not shown again (no rehearsal)' : ''}. ${how}`,
          focus: 'progress',
          figures: { task: t1, classes: e.classes.length },
        },
      );
    }
    case 'stepCompleted': {
      const prev = t.taskAlpha && t.taskAlpha.task === e.task ? t.taskAlpha : null;
      const taskAlpha = { task: e.task, first: prev?.first ?? e.alpha, last: e.alpha, steps: e.step };
      const next = { ...t, taskAlpha };
      if (prev || e.task === 0 || !isSd(method) || e.alpha.length < 2) return next;
      const old = e.task;
      const figures = Object.fromEntries(e.alpha.map((a, k) => [`alpha${k + 1}`, a]));
      return push(next, {
        id: `r${run}-frozen${e.task}`,
        kind: 'frozen',
        run,
        title: old === 1 ? 'Task 1’s direction is frozen' : `Tasks 1–${old}’s directions are frozen`,
        text:
          `SD-LoRA fixed the direction U_k·D_k / ‖U_k‖‖D_k‖ of ${old === 1 ? 'task 1' : `each of the ${old} earlier tasks`}: those matrices no longer change. ` +
          `What still trains: their magnitude${old === 1 ? ' α1' : `s α1…α${old}`}, and the new pair with α${old + 1}. ` +
          `After the first step of task ${e.task + 1}: ${alphaList(e.alpha)}. The α chart now has ${e.alpha.length} lines.`,
        focus: 'alpha-chart',
        figures,
      });
    }
    case 'taskFinished': {
      const acc = e.metrics.accMatrix;
      const row = acc[e.task] ?? [];
      if (e.task === 0) {
        const a = row[0] ?? 0;
        return push(t, {
          id: `r${run}-learned0`,
          kind: 'learned',
          run,
          title: `Task 1 learned (${nameOf(method)})`,
          text: `Accuracy on task 1’s test images: ${pct(a)}. That is the first row of the accuracy heatmap; every later row is measured again on every task learned so far.`,
          focus: 'acc-matrix',
          figures: { acc: a },
        });
      }
      // The earlier task that lost most since it was learned (its accuracy right after its own task).
      let j = 0;
      let drop = -Infinity;
      for (let k = 0; k < e.task; k++) {
        const d = (acc[k]?.[k] ?? 0) - (row[k] ?? 0);
        if (d > drop) [j, drop] = [k, d];
      }
      const was = acc[j]?.[j] ?? 0;
      const now = row[j] ?? 0;
      const newAcc = row[e.task] ?? 0;
      const figures = { task: j + 1, was, now, newTask: e.task + 1, newAcc };
      if (!isSd(method)) {
        const text =
          drop > 0
            ? `After task ${e.task + 1}, accuracy on task ${j + 1} is ${pct(now)}; right after task ${j + 1} was learned it was ${pct(was)}: ${points(drop)} lost, because the one LoRA pair was trained on the new classes. ` +
              `Column ${j + 1} of the heatmap shows it. The new task ${e.task + 1} is at ${pct(newAcc)}.`
            : `After task ${e.task + 1}, no earlier task lost accuracy in this run (task ${j + 1}: ${pct(was)} → ${pct(now)}); small runs vary. The new task ${e.task + 1} is at ${pct(newAcc)}.`;
        return push(t, { id: `r${run}-forgetting${e.task}`, kind: 'forgetting', run, title: 'Forgetting (sequential LoRA)', text, focus: 'acc-matrix', figures });
      }
      let next = t;
      const ta = t.taskAlpha;
      if (ta && ta.task === e.task && ta.last.length >= 2) {
        const moved = ta.first
          .slice(0, e.task)
          .map((a, k) => `α${k + 1} ${a.toFixed(3)} → ${(ta.last[k] ?? a).toFixed(3)}`)
          .join(', ');
        const newAlpha = ta.last[e.task];
        next = push(next, {
          id: `r${run}-alpha${e.task}`,
          kind: 'alpha',
          run,
          title: `The magnitudes re-weighted during task ${e.task + 1}`,
          text:
            `From step 1 to step ${ta.steps} of task ${e.task + 1} the frozen directions’ magnitudes moved: ${moved}` +
            `${newAlpha === undefined ? '' : `; the new α${e.task + 1} is at ${newAlpha.toFixed(3)}`}. ` +
            'This is how SD-LoRA decides how much of each old direction to keep while it learns the new classes.',
          focus: 'alpha-chart',
          figures: Object.fromEntries([...ta.first.map((a, k) => [`first${k + 1}`, a]), ...ta.last.map((a, k) => [`last${k + 1}`, a])]),
        });
      }
      const r = e.lsResidual;
      const residual =
        r === null
          ? ''
          : ` The new direction’s least-squares residual against the old ones is ${r.toFixed(3)} (1: entirely new, 0: a combination of the old directions; the residual chart).`;
      const change = drop > 0 ? `${pct(was)} right after it was learned, ${pct(now)} now` : `${pct(was)} right after it was learned, ${pct(now)} now: nothing lost`;
      return push(next, {
        id: `r${run}-retention${e.task}`,
        kind: 'retention',
        run,
        title: `After task ${e.task + 1}: the older tasks (${nameOf(method)})`,
        text: `Task ${j + 1}, the one that changed most: ${change}. The new task ${e.task + 1} is at ${pct(newAcc)}.${residual}`,
        focus: 'acc-matrix',
        figures: r === null ? figures : { ...figures, residual: r },
      });
    }
    default:
      return t;
  }
}
