import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { hasAlpha } from '../../store/choices';
import type { AlphaPoint } from '../../store/series';
import { tourFocusIs, usePlayground, usePlaygroundShallow } from '../../store/state';
import { seriesColour } from './palette';
import { OVERLAY_DASH, RunLegend } from './RunLegend';
import { currentRunLabel, selectOverlays } from './runs';

const valueOf = (k: number) => (p: AlphaPoint) => p.alpha[k];

/** Enough decimals that neighbouring ticks differ (α often moves by less than 0.01 in a short run). */
function decimalsFor(points: AlphaPoint[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) for (const a of p.alpha) if (Number.isFinite(a)) [lo, hi] = [Math.min(lo, a), Math.max(hi, a)];
  const span = hi - lo;
  return span > 0 ? Math.min(6, Math.max(2, Math.ceil(-Math.log10(span / 4)) + 1)) : 2;
}

export function AlphaChart() {
  const points = usePlayground((s) => s.alpha.points);
  const taskStarts = usePlayground((s) => s.taskStarts);
  const totalSteps = usePlayground((s) => s.run.totalSteps);
  const method = usePlayground((s) => s.run.request?.config.method ?? s.form.config.method);
  // Pinned runs with magnitudes, drawn dashed in the same colour per component.
  const overlays = usePlaygroundShallow(selectOverlays).filter((r) => r.alpha.length > 0);
  const current = usePlayground(currentRunLabel);
  const focus = usePlayground((s) => tourFocusIs(s, 'alpha-chart'));
  const components = points.reduce((n, p) => Math.max(n, p.alpha.length), 0);
  const decimals = decimalsFor([...points, ...overlays.flatMap((r) => r.alpha)]);
  const maxStep = Math.max(1, totalSteps, ...overlays.map((r) => r.totalSteps));
  const showCurrent = hasAlpha(method) && points.length > 0;
  return (
    <div className={`card chart-card${focus ? ' tour-focus' : ''}`} data-testid="alpha-chart" data-series={components} data-overlays={overlays.length}>
      <h3>Magnitudes α<sub>k</sub> during training</h3>
      <p className="hint">
        One line per LoRA component (task). SD-LoRA freezes each task's direction and keeps learning how much of it to use: watch old α's move
        while a new task trains.
      </p>
      {!showCurrent && overlays.length === 0 ? (
        <p className="empty">{hasAlpha(method) ? 'The α curves appear here once training starts.' : `${method} has no α magnitudes to show.`}</p>
      ) : (
        <>
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={points} margin={{ top: 8, right: 24, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
            <XAxis dataKey="step" type="number" domain={[0, maxStep]} allowDecimals={false} label={{ value: 'training step', position: 'insideBottomRight', offset: -4 }} />
            <YAxis domain={['auto', 'auto']} width={48 + 8 * decimals} tickFormatter={(v: number) => v.toFixed(decimals)} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(step) => `step ${String(step)}`} />
            <Legend />
            {taskStarts.slice(1).map((step, t) => (
              <ReferenceLine key={step} x={step} stroke="#9aa3b5" strokeDasharray="4 4" label={{ value: `task ${t + 2}`, position: 'insideTopLeft', fontSize: 11 }} />
            ))}
            {overlays.flatMap((r) =>
              Array.from({ length: r.alpha.reduce((n, p) => Math.max(n, p.alpha.length), 0) }, (_, k) => (
                <Line key={`${r.id}-${k}`} data={r.alpha} name={`α${k + 1} · ${r.label}`} dataKey={valueOf(k)} stroke={seriesColour(k)} strokeDasharray={OVERLAY_DASH} dot={false} strokeWidth={1.5} isAnimationActive={false} legendType="none" className="overlay-line" />
              )),
            )}
            {showCurrent &&
              Array.from({ length: components }, (_, k) => (
                <Line key={k} name={`α${k + 1}`} dataKey={valueOf(k)} stroke={seriesColour(k)} dot={false} strokeWidth={2} isAnimationActive={false} connectNulls={false} />
              ))}
          </LineChart>
        </ResponsiveContainer>
        {overlays.length > 0 && <RunLegend current={showCurrent ? current : null} overlays={overlays} />}
        </>
      )}
    </div>
  );
}
