// The α explorer of the finished run (issue 4 item 6): a slider per LoRA component scales its magnitude α_k
// (0 … 2×, or off), and the worker re-evaluates each task on the merged weights W0 + Σ s_k·α_k·U_k D_k / n_k
// (debounced, on a test subset the panel names). Bars: the run's own last accuracy row beside the explorer's.
// Below, the walk between the weights after two tasks (WalkSection).
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { effectiveScales, explorerBusy, SCALE_MAX, SCALE_STEP, type ExplorerState } from '../../store/explorer';
import { tourFocusIs, usePlayground } from '../../store/state';
import { exploreOff, exploreReset, exploreScale } from '../../worker/client';
import { formatPercent } from '../format';
import { WalkSection } from './WalkSection';

const NONE: never[] = [];
const RUN_COLOUR = '#b8c0d0';
const NOW_COLOUR = '#0072b2';

function subsetNote(e: ExplorerState): string {
  const info = e.info!;
  const all = info.images >= info.testImages;
  return all
    ? `Evaluated on all ${info.images} test images (at most ${info.perClass} per class), as the run was: at 1× everywhere the bars match the run’s.`
    : `Evaluated on a subset for speed: the first ${info.perClass} test images of each class, ${info.images} of the run’s ${info.testImages}. The run’s own bars used all of them, so at 1× the two differ by the subset’s sampling.`;
}

export function ExplorerPanel() {
  const e = usePlayground((s) => s.explorer);
  const runRow = usePlayground((s) => s.metrics?.accMatrix.at(-1) ?? NONE);
  const runPooled = usePlayground((s) => s.metrics?.acc ?? null);
  const focus = usePlayground((s) => tourFocusIs(s, 'explorer'));
  if (e.status === 'none') return null;
  const className = `card explorer${focus ? ' tour-focus' : ''}`;
  if (e.status === 'waiting')
    return (
      <div className={className} data-testid="explorer" data-status="waiting">
        <h3>α explorer</h3>
        <p className="empty">Keeping the finished run in the worker for the explorer (after the ONNX check)…</p>
      </div>
    );
  if (e.status === 'unavailable' || !e.info)
    return (
      <div className={className} data-testid="explorer" data-status="unavailable">
        <h3>α explorer</h3>
        <p className="error">The explorer cannot be used for this run: {e.message}</p>
      </div>
    );
  const info = e.info;
  const scales = effectiveScales(e);
  const busy = explorerBusy(e);
  const result = e.result;
  const bars = Array.from({ length: info.tasks }, (_, j) => ({ task: `task ${j + 1}`, run: runRow[j] ?? null, now: result?.accuracy[j] ?? null }));
  return (
    <div className={className} data-testid="explorer" data-status="ready" data-busy={busy ? '1' : '0'} data-result-key={result?.key ?? 0}>
      <h3>α explorer: what if the magnitudes were different?</h3>
      {info.components.length === 0 ? (
        <p className="hint">{info.method} has no magnitudes α to scale; the walk between two tasks’ weights below still works.</p>
      ) : (
        <>
          <p className="hint">
            Scale each task’s magnitude α<sub>k</sub> (0 … {SCALE_MAX}×) or switch it off: the worker merges W0 + Σ s<sub>k</sub>·α<sub>k</sub>·U<sub>k</sub>D
            <sub>k</sub>/n<sub>k</sub> with the run’s own merge and measures every task again. {subsetNote(e)}
          </p>
          <div className="alpha-sliders">
            {info.components.map((c, k) => (
              <div className={`alpha-slider${e.off[k] ? ' off' : ''}`} key={k} data-testid={`alpha-row-${k}`}>
                <label className="alpha-name" htmlFor={`alpha-slider-${k}`}>
                  α{k + 1} <span className="hint">({c.label})</span>
                </label>
                <input
                  id={`alpha-slider-${k}`}
                  type="range"
                  min={0}
                  max={SCALE_MAX}
                  step={SCALE_STEP}
                  value={e.scales[k]}
                  disabled={e.off[k]}
                  data-testid={`alpha-slider-${k}`}
                  onChange={(ev) => exploreScale(k, Number(ev.target.value))}
                />
                <input
                  className="alpha-scale-input"
                  type="number"
                  min={0}
                  max={SCALE_MAX}
                  step={SCALE_STEP}
                  value={e.scales[k]}
                  disabled={e.off[k]}
                  data-testid={`alpha-scale-input-${k}`}
                  aria-label={`scale of α${k + 1}`}
                  onChange={(ev) => ev.target.value !== '' && exploreScale(k, Number(ev.target.value))}
                />
                <span className="alpha-value" data-testid={`alpha-value-${k}`} data-scale={scales[k]}>
                  × · α = {(c.alpha * scales[k]!).toFixed(3)} <span className="hint">(trained: {c.alpha.toFixed(3)})</span>
                </span>
                <label className="alpha-on">
                  <input type="checkbox" checked={!e.off[k]} data-testid={`alpha-on-${k}`} onChange={(ev) => exploreOff(k, !ev.target.checked)} /> on
                </label>
              </div>
            ))}
          </div>
          <div className="explorer-actions">
            <button className="secondary" data-testid="alpha-reset" onClick={exploreReset}>
              All at 1×
            </button>
            <span className="hint" data-testid="explorer-state">
              {busy ? 'evaluating…' : result ? `evaluated at ${result.scales.map((s) => `${s.toFixed(2)}×`).join(', ')}` : ''}
            </span>
          </div>
          {e.error && (
            <p className="error" data-testid="explorer-error">
              {e.error}
            </p>
          )}
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={bars} margin={{ top: 8, right: 24, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
              <XAxis dataKey="task" />
              <YAxis domain={[0, 100]} width={40} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)} %` : String(v))} />
              <Legend />
              <Bar dataKey="run" name="the run (after its last task)" fill={RUN_COLOUR} isAnimationActive={false} />
              <Bar dataKey="now" name="with these α’s" fill={NOW_COLOUR} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
          <table className="explorer-table" data-testid="explorer-table">
            <thead>
              <tr>
                <th>accuracy (%)</th>
                {bars.map((b) => (
                  <th key={b.task}>{b.task}</th>
                ))}
                <th>all</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>the run</th>
                {bars.map((b, j) => (
                  <td key={j} data-testid={`explorer-run-${j}`}>
                    {formatPercent(b.run)}
                  </td>
                ))}
                <td data-testid="explorer-run-all">{formatPercent(runPooled)}</td>
              </tr>
              <tr>
                <th>with these α’s</th>
                {bars.map((b, j) => (
                  <td key={j} data-testid={`explorer-now-${j}`} data-value={b.now ?? ''}>
                    {formatPercent(b.now)}
                  </td>
                ))}
                <td data-testid="explorer-now-all" data-value={result?.pooled ?? ''}>
                  {formatPercent(result?.pooled)}
                </td>
              </tr>
              <tr className="loss-row">
                <th>test loss</th>
                {bars.map((_, j) => (
                  <td key={j} data-testid={`explorer-loss-${j}`} data-value={result?.loss[j] ?? ''}>
                    {result?.loss[j] === undefined ? '—' : result.loss[j]!.toFixed(3)}
                  </td>
                ))}
                <td />
              </tr>
            </tbody>
          </table>
        </>
      )}
      <WalkSection />
    </div>
  );
}
