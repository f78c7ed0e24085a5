import type { CSSProperties } from 'react';
import { usePlayground } from '../../store/state';
import { formatPercent } from '../format';

const NONE: never[] = [];

/** White → deep blue as accuracy goes 0 → 100 %. */
function cellStyle(acc: number): CSSProperties {
  const t = Math.max(0, Math.min(1, acc / 100));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return { background: `rgb(${mix(244, 31)}, ${mix(246, 59)}, ${mix(251, 115)})`, color: t > 0.55 ? 'white' : '#1d2433' };
}

export function AccuracyMatrix() {
  const matrix = usePlayground((s) => s.metrics?.accMatrix ?? NONE);
  const pooled = usePlayground((s) => s.metrics?.pooled ?? NONE);
  const tasks = usePlayground((s) => s.run.tasks);
  const classNames = usePlayground((s) => s.run.classNames);
  const n = Math.max(tasks.length, matrix.length);
  const taskTitle = (j: number) => (tasks[j] ?? []).map((c) => classNames[c] ?? c).join(', ');
  if (n === 0) return <p className="empty">The accuracy matrix fills in after each task: row t is measured after training task t, column j on task j's test images.</p>;
  return (
    <table className="acc-matrix" data-testid="acc-matrix">
      <thead>
        <tr>
          <th>after ↓ / on →</th>
          {Array.from({ length: n }, (_, j) => (
            <th key={j} title={taskTitle(j)}>
              task {j + 1}
            </th>
          ))}
          <th className="pooled-head" title="Accuracy over the test images of every class seen so far">
            Acc (pooled)
          </th>
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: n }, (_, t) => {
          const row = matrix[t];
          return (
            <tr key={t} className={row ? 'done' : 'pending'}>
              <th title={taskTitle(t)}>task {t + 1}</th>
              {Array.from({ length: n }, (_, j) => {
                const v = row?.[j] ?? null;
                return v === null ? (
                  <td key={j} className="acc-cell empty-cell" data-row={t} data-col={j} />
                ) : (
                  <td key={j} className="acc-cell" data-row={t} data-col={j} data-value={v} style={cellStyle(v)}>
                    {formatPercent(v)}
                  </td>
                );
              })}
              <td className="pooled-cell" data-testid={`pooled-${t}`}>
                {row ? formatPercent(pooled[t]) : ''}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
