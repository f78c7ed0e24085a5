// Finished runs of this page and what the charts draw from them (issue 4 item 5). A finished run becomes a
// RunRecord: its request (so a comparison can rerun the same data and seed with another method), the accuracy
// matrix, pooled Acc and running AAA after each task, the least-squares residuals and a thinned α series. The
// user pins records as overlays: the charts draw them dashed beside the current run. Pure functions only.

import type { ContinualMetrics } from '../training/metrics';
import type { MethodName } from '../training/methods';
import type { RunRequest, RunResultSummary } from '../worker/protocol';
import { appendPoint, emptySeries, type AlphaPoint } from './series';

export interface RunRecord {
  id: string;
  /** 1, 2, …: the order runs finished in this page. */
  n: number;
  /** What legends call it: "#2 seq-lora · seed 1". */
  label: string;
  method: MethodName;
  request: RunRequest;
  accMatrix: (number | null)[][];
  pooled: number[];
  /** AAA after each task: the mean of pooled[0..t]. */
  aaa: number[];
  acc: number;
  forgetting: number;
  lsResidual: (number | null)[];
  /** α_k against the global training step, thinned like the live series. */
  alpha: AlphaPoint[];
  totalSteps: number;
}

/** Records kept at most; the oldest unpinned one goes first. */
export const MAX_HISTORY = 8;

export const recordLabel = (n: number, request: RunRequest) => `#${n} ${request.config.method} · seed ${request.config.seed}`;

/** Running mean: out[t] = mean(xs[0..t]). */
export function runningMean(xs: readonly number[]): number[] {
  let sum = 0;
  return xs.map((x, t) => (sum += x) / (t + 1));
}

/** The per-step α log ([task][step][component]) as a chart series against the global step. */
export function alphaSeriesOf(alpha: readonly (readonly (readonly number[])[])[]): { points: AlphaPoint[]; totalSteps: number } {
  let series = emptySeries<AlphaPoint>();
  let step = 0;
  alpha.forEach((steps, task) =>
    steps.forEach((a, i) => {
      step++;
      if (a.length) series = appendPoint(series, { step, task, alpha: [...a] }, i === 0 || i === steps.length - 1);
    }),
  );
  return { points: series.points, totalSteps: step };
}

export function recordOf(n: number, request: RunRequest, result: Pick<RunResultSummary, 'metrics' | 'alpha' | 'lsResidual'>): RunRecord {
  const m: ContinualMetrics = result.metrics;
  const { points, totalSteps } = alphaSeriesOf(result.alpha);
  return {
    id: `run-${n}`,
    n,
    label: recordLabel(n, request),
    method: request.config.method,
    request,
    accMatrix: m.accMatrix,
    pooled: m.pooled,
    aaa: runningMean(m.pooled),
    acc: m.acc,
    forgetting: m.forgetting,
    lsResidual: result.lsResidual,
    alpha: points,
    totalSteps,
  };
}

/** Adds a record; past MAX_HISTORY the oldest unpinned record is dropped (pinned ones stay while pinned). */
export function addRecord(history: readonly RunRecord[], pinned: readonly string[], record: RunRecord): RunRecord[] {
  const out = [...history, record];
  while (out.length > MAX_HISTORY) {
    const i = out.findIndex((r) => r !== record && !pinned.includes(r.id));
    if (i < 0) break;
    out.splice(i, 1);
  }
  return out;
}

export function withPinned(pinned: readonly string[], id: string, on: boolean): string[] {
  const rest = pinned.filter((p) => p !== id);
  return on ? [...rest, id] : rest;
}

/** The records drawn as overlays: pinned, in the order they finished, never the current run itself. */
export function overlaysOf(history: readonly RunRecord[], pinned: readonly string[], currentRunId: string | null): RunRecord[] {
  return history.filter((r) => pinned.includes(r.id) && r.id !== currentRunId);
}

/** The method a comparison runs by default: sequential LoRA against any SD-LoRA variant, SD-LoRA against the rest. */
export function counterpartMethod(m: MethodName): MethodName {
  return m === 'seq-lora' ? 'sdlora' : m.startsWith('sdlora') || m === 'first-direction' || m === 'fixed-magnitudes' || m === 'one-direction' ? 'seq-lora' : 'sdlora';
}

/** One row of the per-task accuracy chart: after task `after` (1-based), accuracy on each task j (null: not yet learned). */
export interface AccuracyRow {
  after: number;
  tasks: (number | null)[];
  acc: number;
  aaa: number;
}

export function accuracyRows(accMatrix: readonly (readonly (number | null)[])[], pooled: readonly number[]): AccuracyRow[] {
  const aaa = runningMean(pooled);
  return accMatrix.map((row, t) => ({ after: t + 1, tasks: [...row], acc: pooled[t] ?? 0, aaa: aaa[t] ?? 0 }));
}

/** The least-squares residual after each task that has one (task 1 has no earlier direction). */
export interface ResidualRow {
  task: number; // 1-based
  residual: number;
}

export function residualRows(lsResidual: readonly (number | null)[]): ResidualRow[] {
  return lsResidual.flatMap((r, t) => (r === null || r === undefined ? [] : [{ task: t + 1, residual: r }]));
}
