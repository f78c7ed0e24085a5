// Class-incremental metrics (spec §9.3), from per-task correct/total counts after each task.
//   accMatrix[t][j]: accuracy (%) on task j's test images after training task t (j ≤ t; null for j > t).
//   pooled[t] ("total"): accuracy over all test images of all classes seen after task t — the paper's Acc
//     is pooled[N−1], AAA the mean of pooled over t.
//   accMeanOfTasks: unweighted mean over j of accMatrix[N−1][j].
//   forgetting: mean over j < N−1 of (max_{t<N−1} accMatrix[t][j] − accMatrix[N−1][j]), numeric task order.
//   bwt (backward transfer): mean over j < N−1 of (accMatrix[N−1][j] − accMatrix[j][j]).
// Diagnostics (when the counts carry them), to tell forgetting in the features from a mis-calibrated head:
//   tilMatrix[t][j]: task-aware accuracy (%), the argmax taken only over task j's own classes.
//   taskConfusion[t][j][i]: % of task j's test images whose (class-incremental) prediction falls in task i.
//   newTaskBias[t]: % of the earlier tasks' test images (j < t) predicted as one of task t's classes, i.e. the
//     head's pull toward the newest classes (null after the first task).

export interface TaskCounts {
  correct: number;
  total: number;
  /** Correct when the argmax is restricted to the image's own task. */
  taskAware?: number;
  /** predictedTask[i]: images whose prediction fell in task i's classes (i ≤ t). */
  predictedTask?: number[];
}

export interface ContinualMetrics {
  accMatrix: (number | null)[][];
  pooled: number[];
  acc: number;
  aaa: number;
  accMeanOfTasks: number;
  forgetting: number;
  bwt: number;
  tilMatrix?: (number | null)[][];
  taskConfusion?: number[][][];
  newTaskBias?: (number | null)[];
}

const pct = (c: TaskCounts) => (c.total ? (100 * c.correct) / c.total : 0);
const mean = (a: number[]) => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : 0);

/** counts[t][j]: task j's test counts after training task t (j ≤ t). */
export function continualMetrics(counts: TaskCounts[][]): ContinualMetrics {
  const N = counts.length;
  const accMatrix = counts.map((row) => Array.from({ length: N }, (_, j) => (j < row.length ? pct(row[j]!) : null)));
  const pooled = counts.map((row) => {
    const c = row.reduce((s, x) => s + x.correct, 0);
    const n = row.reduce((s, x) => s + x.total, 0);
    return n ? (100 * c) / n : 0;
  });
  const last = accMatrix[N - 1] ?? [];
  const prev = Array.from({ length: Math.max(0, N - 1) }, (_, j) => j);
  const diag = counts.every((row) => row.every((c) => c.taskAware !== undefined && c.predictedTask !== undefined));
  return {
    ...(diag && N ? diagnostics(counts) : {}),
    accMatrix,
    pooled,
    acc: pooled[N - 1] ?? 0,
    aaa: mean(pooled),
    accMeanOfTasks: mean(last.filter((x): x is number => x !== null)),
    forgetting: mean(prev.map((j) => Math.max(...accMatrix.slice(0, N - 1).map((r) => r[j] ?? -Infinity)) - last[j]!)),
    bwt: mean(prev.map((j) => last[j]! - accMatrix[j]![j]!)),
  };
}

function diagnostics(counts: TaskCounts[][]): Pick<ContinualMetrics, 'tilMatrix' | 'taskConfusion' | 'newTaskBias'> {
  const N = counts.length;
  return {
    tilMatrix: counts.map((row) => Array.from({ length: N }, (_, j) => (j < row.length ? pct({ correct: row[j]!.taskAware!, total: row[j]!.total }) : null))),
    taskConfusion: counts.map((row) => row.map((c) => c.predictedTask!.map((n) => (c.total ? (100 * n) / c.total : 0)))),
    newTaskBias: counts.map((row, t) => {
      if (t === 0) return null;
      const old = row.slice(0, t);
      const total = old.reduce((s, c) => s + c.total, 0);
      return total ? (100 * old.reduce((s, c) => s + (c.predictedTask![t] ?? 0), 0)) / total : 0;
    }),
  };
}

/** Test images whose features are compared with the pretrained backbone's after every task: an even spread. */
export const DRIFT_PROBE_IMAGES = 256;

/** The drift probe of a test set: every k-th image, k chosen so at most DRIFT_PROBE_IMAGES remain. */
export function driftProbe<T>(test: readonly T[]): T[] {
  const stride = Math.max(1, Math.ceil(test.length / DRIFT_PROBE_IMAGES));
  return test.filter((_, i) => i % stride === 0);
}

/** How many images driftProbe keeps of a test set of n (each is evaluated once more after every task). */
export const driftProbeSize = (n: number): number => Math.ceil(n / Math.max(1, Math.ceil(n / DRIFT_PROBE_IMAGES)));
