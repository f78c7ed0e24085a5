// The metrics JSON a browser run exports: the same fields as the CLI's metrics.json (src/cli/experiment.ts),
// plus what identifies a browser run (dataset, model, image cap, full config, whether it was stopped early).

import { continualMetrics } from '../training/metrics';
import type { RunConfig } from '../training/methods';
import { sourceLabel } from '../worker/modelSource';
import type { ModelSource, RunRequest, RunResultSummary } from '../worker/protocol';

export interface MetricsJson {
  method: RunConfig['method'];
  seed: number;
  classOrder: number[];
  classNames: string[];
  tasks: number[][];
  accMatrix: (number | null)[][];
  pooled: number[];
  acc: number;
  aaa: number;
  accMeanOfTasks: number;
  forgetting: number;
  bwt: number;
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
  dataset: string;
  /** "default", a preset id, or "files:<name>" (sourceLabel); modelSource says which files. */
  model: string;
  modelSource: ModelSource;
  maxPerClass: number | null;
  config: RunConfig;
  stopped: boolean;
  runtime: 'browser';
}

export function buildMetricsJson(request: RunRequest, r: RunResultSummary, stopped: boolean): MetricsJson {
  const m = r.counts.length ? r.metrics : continualMetrics([]);
  return {
    method: request.config.method,
    seed: request.config.seed,
    classOrder: r.classOrder,
    classNames: r.classOrder.map((c) => r.classNames[c] ?? String(c)),
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
    storedSamples: 0,
    wallSeconds: r.wallSeconds,
    imagesPerSec: r.imagesPerSec,
    tilMatrix: m.tilMatrix ?? null,
    newTaskBias: m.newTaskBias ?? null,
    taskConfusion: m.taskConfusion ?? null,
    featureDrift: r.featureDrift,
    completedTasks: r.counts.length,
    dataset: request.dataset,
    model: sourceLabel(request.model),
    modelSource: request.model,
    maxPerClass: request.maxPerClass,
    config: request.config,
    stopped,
    runtime: 'browser',
  };
}
