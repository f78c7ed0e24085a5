// Accuracy on each task's test classes after each task (one line per task j, from the accuracy matrix's column
// j), with the pooled Acc and the running AAA after each task; pinned runs are drawn dashed over it. The values
// drawn are also on the card as data-values (the e2e test reads them against the exported metrics).
import { CartesianGrid, LabelList, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { accuracyRows, type AccuracyRow } from '../../store/history';
import { tourFocusIs, usePlayground, usePlaygroundShallow } from '../../store/state';
import { seriesColour } from './palette';
import { OVERLAY_DASH, RunLegend } from './RunLegend';
import { currentRunLabel, selectOverlays } from './runs';

const NONE: never[] = [];
const ACC_COLOUR = '#1d2433';
const AAA_COLOUR = '#8a93a8';
const taskValue = (j: number) => (r: AccuracyRow) => r.tasks[j] ?? null;
const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : '');

export function TaskAccuracyChart() {
  const matrix = usePlayground((s) => s.metrics?.accMatrix ?? NONE);
  const pooled = usePlayground((s) => s.metrics?.pooled ?? NONE);
  const planned = usePlayground((s) => s.run.tasks.length);
  const overlays = usePlaygroundShallow(selectOverlays);
  const current = usePlayground(currentRunLabel);
  const focus = usePlayground((s) => tourFocusIs(s, 'task-accuracy'));
  const rows = accuracyRows(matrix, pooled);
  const overlayRows = overlays.map((r) => ({ record: r, rows: accuracyRows(r.accMatrix, r.pooled) }));
  const n = Math.max(planned, rows.length, ...overlays.map((r) => r.accMatrix.length), 1);
  const values = {
    tasks: Array.from({ length: rows.length }, (_, j) => rows.map((r) => r.tasks[j] ?? null)),
    acc: rows.map((r) => r.acc),
    aaa: rows.map((r) => r.aaa),
  };
  const colours = [
    ...Array.from({ length: n }, (_, j) => ({ label: `task ${j + 1}`, colour: seriesColour(j) })),
    { label: 'Acc (pooled)', colour: ACC_COLOUR },
    { label: 'AAA', colour: AAA_COLOUR },
  ];
  const empty = rows.length === 0 && overlays.length === 0;
  return (
    <div
      className={`card chart-card${focus ? ' tour-focus' : ''}`}
      data-testid="task-accuracy-chart"
      data-values={JSON.stringify(values)}
      data-overlays={JSON.stringify(overlays.map((r) => r.label))}
      data-overlay-values={JSON.stringify(overlays.map((r) => ({ label: r.label, accMatrix: r.accMatrix, acc: r.pooled })))}
    >
      <h3>Accuracy on each task after each task</h3>
      <p className="hint">
        One line per task: its test accuracy right after it is learned and after every later task (a column of the accuracy matrix). A line that falls
        is forgetting. Black: Acc, pooled over every class seen so far; grey: AAA, the mean of Acc up to that task.
      </p>
      {empty ? (
        <p className="empty">The lines start after the first task.</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={260}>
            <LineChart data={rows} margin={{ top: 16, right: 24, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
              <XAxis dataKey="after" type="number" domain={[1, n]} ticks={Array.from({ length: n }, (_, t) => t + 1)} allowDecimals={false} padding={{ left: 24, right: 24 }} label={{ value: 'after task', position: 'insideBottomRight', offset: -4 }} />
              <YAxis domain={[0, 100]} width={40} />
              <Tooltip formatter={(v) => fmt(v)} labelFormatter={(t) => `after task ${String(t)}`} />
              {overlayRows.flatMap(({ record, rows: r }) => [
                ...Array.from({ length: r.length }, (_, j) => (
                  <Line key={`${record.id}-t${j}`} data={r} name={`task ${j + 1} · ${record.label}`} dataKey={taskValue(j)} stroke={seriesColour(j)} strokeDasharray={OVERLAY_DASH} strokeWidth={1.5} dot={{ r: 2 }} isAnimationActive={false} legendType="none" className="overlay-line" />
                )),
                <Line key={`${record.id}-acc`} data={r} name={`Acc · ${record.label}`} dataKey="acc" stroke={ACC_COLOUR} strokeDasharray={OVERLAY_DASH} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} legendType="none" className="overlay-line overlay-acc" />,
              ])}
              {Array.from({ length: rows.length }, (_, j) => (
                <Line key={`t${j}`} name={`task ${j + 1}`} dataKey={taskValue(j)} stroke={seriesColour(j)} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls={false} className="current-line" />
              ))}
              {rows.length > 0 && (
                <Line name="AAA" dataKey="aaa" stroke={AAA_COLOUR} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} className="current-line current-aaa" />
              )}
              {rows.length > 0 && (
                <Line name="Acc" dataKey="acc" stroke={ACC_COLOUR} strokeWidth={2.5} dot={{ r: 3 }} isAnimationActive={false} className="current-line current-acc">
                  <LabelList dataKey="acc" position="top" formatter={fmt} className="acc-label" fontSize={11} />
                </Line>
              )}
            </LineChart>
          </ResponsiveContainer>
          <RunLegend current={rows.length ? current : null} overlays={overlays} colours={colours} />
        </>
      )}
    </div>
  );
}
