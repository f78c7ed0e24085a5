// The CLI's result CSVs as strings, platform-free so the CLI (src/cli/experiment.ts) and the page's downloads
// (src/ui/results/ExportButton.tsx) write the same bytes:
//   acc_matrix.csv: after_task,task_1..task_T; row t = accuracy (%) on task j after training task t, 3 decimals,
//                   empty for tasks not yet trained.
//   alpha.csv:      task,step,alpha_1..alpha_K; one row per training step (1-based), α rounded to 6 decimals.
// Rounding goes through +x.toFixed(d), so trailing zeros are dropped ("12.5", not "12.500").
// metricsCore: the fields of metrics.json that the CLI and a browser run's export share.

import type { ExperimentResult } from './experiment';
import { continualMetrics, type ContinualMetrics } from './metrics';
import type { RunConfig } from './methods';

export type CsvCell = string | number | null;

/** Comma-joined rows with a trailing newline; null is an empty cell. No quoting: no field holds a comma. */
export function csv(rows: CsvCell[][]): string {
  return rows.map((r) => r.map((x) => (x === null ? '' : String(x))).join(',')).join('\n') + '\n';
}

/** accMatrix[t][j]: accuracy (%) on task j after training task t, null above the diagonal. */
export function accMatrixCsv(accMatrix: (number | null)[][]): string {
  return csv([
    ['after_task', ...accMatrix.map((_, j) => `task_${j + 1}`)],
    ...accMatrix.map((r, t) => [t + 1, ...r.map((x) => (x === null ? null : +x.toFixed(3)))]),
  ]);
}

/** alpha[task][step][component]: the magnitudes after every step; rows are as wide as the widest step. */
export function alphaCsv(alpha: number[][][]): string {
  const maxK = Math.max(0, ...alpha.flat().map((a) => a.length));
  return csv([
    ['task', 'step', ...Array.from({ length: maxK }, (_, k) => `alpha_${k + 1}`)],
    ...alpha.flatMap((steps, t) => steps.map((a, s) => [t + 1, s + 1, ...a.map((x) => +x.toFixed(6))])),
  ]);
}

/** The shared part of metrics.json (the CLI writes it as is; a browser export adds what identifies its run). */
export interface MetricsCore extends Pick<ContinualMetrics, 'accMatrix' | 'pooled' | 'acc' | 'aaa' | 'accMeanOfTasks' | 'forgetting' | 'bwt'> {
  method: RunConfig['method'];
  seed: number;
  classOrder: number[];
  classNames: string[];
  tasks: number[][];
  alpha: number[][][];
  loss: number[][];
  lsResidual: (number | null)[];
  trainableParams: number[]; // per completed task
  storedSamples: number;
  wallSeconds: number[];
  imagesPerSec: number[];
  /** Diagnostics (see src/training/metrics.ts and ExperimentResult.featureDrift). */
  tilMatrix: (number | null)[][] | null;
  newTaskBias: (number | null)[] | null;
  taskConfusion: number[][][] | null;
  featureDrift: number[];
  completedTasks: number;
}

/** metrics.json's shared fields from a run's result; `classNames` by original class id. */
export function metricsCore(cfg: Pick<RunConfig, 'method' | 'seed'>, r: Omit<ExperimentResult, 'config' | 'state'>, classNames: readonly string[]): MetricsCore {
  const m = r.counts.length ? r.metrics : continualMetrics([]); // a run stopped before its first task ended
  return {
    method: cfg.method,
    seed: cfg.seed,
    classOrder: r.classOrder,
    classNames: r.classOrder.map((c) => classNames[c] ?? String(c)),
    tasks: r.tasks,
    accMatrix: m.accMatrix,
    pooled: m.pooled,
    acc: m.acc,
    aaa: m.aaa,
    accMeanOfTasks: m.accMeanOfTasks,
    forgetting: m.forgetting,
    bwt: m.bwt,
    alpha: r.alpha,
    loss: r.loss,
    lsResidual: r.lsResidual,
    trainableParams: r.trainableParams,
    storedSamples: 0, // no method keeps old images
    wallSeconds: r.wallSeconds,
    imagesPerSec: r.imagesPerSec,
    tilMatrix: m.tilMatrix ?? null,
    newTaskBias: m.newTaskBias ?? null,
    taskConfusion: m.taskConfusion ?? null,
    featureDrift: r.featureDrift,
    completedTasks: r.counts.length,
  };
}
