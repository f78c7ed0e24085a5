// Downsampled chart series: at most MAX_POINTS points are kept; when full, every other point is dropped and
// the sampling stride doubles, so a long run costs the charts no more than a short one.

export const MAX_POINTS = 600;

export interface AlphaPoint {
  step: number; // global training step (1-based)
  task: number;
  alpha: number[]; // α_k of component k (k ≤ task for SD-LoRA)
}

export interface LossPoint {
  step: number;
  task: number;
  loss: number;
}

export interface Series<T> {
  points: T[];
  stride: number;
}

export const emptySeries = <T,>(): Series<T> => ({ points: [], stride: 1 });

/** Appends a point when its step falls on the stride (or `force`, e.g. a task's last step); thins when full. */
export function appendPoint<T extends { step: number }>(s: Series<T>, p: T, force: boolean): Series<T> {
  if (!force && p.step % s.stride !== 0) return s;
  let points = [...s.points, p];
  let stride = s.stride;
  if (points.length > MAX_POINTS) {
    points = points.filter((_, i) => i % 2 === 1 || i === points.length - 1);
    stride *= 2;
  }
  return { points, stride };
}
