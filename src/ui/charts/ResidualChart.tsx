// The relative least-squares residual of each new task's direction against the earlier ones (the paper's
// Fig. 3a): ‖α_t U_t D_t − Σ_k c_k U_k D_k/n_k‖ / ‖α_t U_t D_t‖ after the best coefficients c, as the runner
// reports it (lsResidual). 1: the new direction is orthogonal to all earlier ones; 0: they span it. Pinned runs
// that have residuals are drawn dashed.
import { CartesianGrid, LabelList, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { residualRows } from '../../store/history';
import { tourFocusIs, usePlayground, usePlaygroundShallow } from '../../store/state';
import { OVERLAY_DASH, RunLegend } from './RunLegend';
import { currentRunLabel, selectOverlays } from './runs';

const COLOUR = '#0072b2';
const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '');

export function ResidualChart() {
  const lsResidual = usePlayground((s) => s.lsResidual);
  const planned = usePlayground((s) => s.run.tasks.length);
  const overlays = usePlaygroundShallow(selectOverlays);
  const current = usePlayground(currentRunLabel);
  const focus = usePlayground((s) => tourFocusIs(s, 'residual-chart'));
  const rows = residualRows(lsResidual);
  const withResidual = overlays.filter((r) => residualRows(r.lsResidual).length > 0);
  const n = Math.max(planned, lsResidual.length, ...withResidual.map((r) => r.lsResidual.length), 2);
  return (
    <div className={`card chart-card${focus ? ' tour-focus' : ''}`} data-testid="residual-chart" data-values={JSON.stringify(rows)}>
      <h3>How new is each new direction?</h3>
      <p className="hint">
        Relative least-squares residual of task t’s LoRA update against the earlier tasks’ directions (the paper’s Fig. 3a): 1 means entirely new, 0
        means a combination of the old ones. SD-LoRA-KD drops a direction whose residual is at most τ.
      </p>
      {rows.length === 0 && withResidual.length === 0 ? (
        <p className="empty">From task 2 on, for the SD-LoRA methods (others have no separate directions).</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={rows} margin={{ top: 16, right: 24, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
              <XAxis dataKey="task" type="number" domain={[1, n]} ticks={Array.from({ length: n }, (_, t) => t + 1)} allowDecimals={false} padding={{ left: 24, right: 24 }} label={{ value: 'task', position: 'insideBottomRight', offset: -4 }} />
              <YAxis domain={[0, 1]} width={40} />
              <Tooltip formatter={(v) => fmt(v)} labelFormatter={(t) => `task ${String(t)}`} />
              {withResidual.map((r) => (
                <Line key={r.id} data={residualRows(r.lsResidual)} name={r.label} dataKey="residual" stroke={COLOUR} strokeDasharray={OVERLAY_DASH} strokeWidth={1.5} dot={{ r: 3 }} isAnimationActive={false} className="overlay-line" />
              ))}
              {rows.length > 0 && (
                <Line name="residual" dataKey="residual" stroke={COLOUR} strokeWidth={2} dot={{ r: 4 }} isAnimationActive={false} className="current-line">
                  <LabelList dataKey="residual" position="top" formatter={fmt} className="residual-label" fontSize={11} />
                </Line>
              )}
            </LineChart>
          </ResponsiveContainer>
          {withResidual.length > 0 && <RunLegend current={rows.length ? current : null} overlays={withResidual} />}
        </>
      )}
    </div>
  );
}
