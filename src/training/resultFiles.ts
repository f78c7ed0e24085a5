// The CLI's result CSVs as strings, platform-free so the CLI (src/cli/experiment.ts) and the page's downloads
// (src/ui/results/ExportButton.tsx) write the same bytes:
//   acc_matrix.csv: after_task,task_1..task_T; row t = accuracy (%) on task j after training task t, 3 decimals,
//                   empty for tasks not yet trained.
//   alpha.csv:      task,step,alpha_1..alpha_K; one row per training step (1-based), α rounded to 6 decimals.
// Rounding goes through +x.toFixed(d), so trailing zeros are dropped ("12.5", not "12.500").

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
