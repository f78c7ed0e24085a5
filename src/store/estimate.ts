// Time estimate of the form's run from a short warm-up measured on this device (the worker's 'measure': a few
// training steps of the chosen model, batch and method after compilation, and one evaluation pass). Steps per task
// follow the runner (epochs × ⌊training images of the task / batch⌋); evaluation after task t covers the test
// images of tasks 0..t and the feature-drift probe (a fixed share of all test images). Pure: the Data section shows it, labelled as an estimate measured now.

import { driftProbeSize } from '../training/metrics';
import type { RunConfig } from '../training/methods';
import type { Measured } from '../worker/protocol';

export interface RunEstimate {
  /** Seconds of each task: its training steps and the evaluation after it. */
  perTask: number[];
  total: number;
  stepsPerTask: number[];
}

/**
 * trainPerClass[c], testPerClass[c]: images of class c the run uses (after the per-class cap); tasks: the classes
 * of each task (original ids). ncm trains nothing (no steps).
 */
export function estimateRun(m: Measured, config: Pick<RunConfig, 'epochs' | 'batchSize' | 'method'>, tasks: number[][], trainPerClass: number[], testPerClass: number[]): RunEstimate {
  const sum = (cs: number[], per: number[]) => cs.reduce((n, c) => n + (per[c] ?? 0), 0);
  const stepsPerTask = tasks.map((cs) => (config.method === 'ncm' ? 0 : config.epochs * Math.floor(sum(cs, trainPerClass) / config.batchSize)));
  const probe = driftProbeSize(sum(tasks.flat(), testPerClass));
  let seen = 0;
  const perTask = tasks.map((cs, t) => {
    seen += sum(cs, testPerClass);
    return stepsPerTask[t]! * m.stepSeconds + (seen + probe) * m.evalSecondsPerImage;
  });
  return { perTask, total: perTask.reduce((a, b) => a + b, 0), stepsPerTask };
}

/** Per-class counts under the form's cap ("images per class (max)"). */
export const capped = (counts: number[], maxPerClass: number | null): number[] => counts.map((n) => (maxPerClass === null ? n : Math.min(n, maxPerClass)));
