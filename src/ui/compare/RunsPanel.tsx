// The finished runs of this page: each with its Acc, AAA and forgetting, a pin to draw it dashed on the charts
// next to the run on screen, and "Run the comparison": the finished run's data, model and seed again with
// another method (the finished run is pinned first, so both end up on the same axes).
import { useState } from 'react';
import { currentRecord, setPinned } from '../../store/analysisActions';
import { counterpartMethod } from '../../store/history';
import { METHODS, type MethodName } from '../../store/choices';
import { isActive, usePlayground } from '../../store/state';
import { runComparison } from '../../worker/client';
import { formatPercent } from '../format';

export function RunsPanel() {
  const history = usePlayground((s) => s.history);
  const pinned = usePlayground((s) => s.pinned);
  const currentId = usePlayground((s) => s.currentRunId);
  const current = usePlayground(currentRecord);
  const active = usePlayground((s) => isActive(s.run.status));
  const queued = usePlayground((s) => s.queue.length);
  const [picked, setPicked] = useState<MethodName | null>(null);
  if (history.length === 0) return null;
  const method = picked && picked !== current?.method ? picked : current ? counterpartMethod(current.method) : 'seq-lora';
  return (
    <div className="card runs-panel" data-testid="runs-panel">
      <h3>Runs in this page</h3>
      <p className="hint">Pin a finished run to draw it dashed on the charts beside the run on screen (α, per-task accuracy, Acc, residual).</p>
      <table className="runs-table">
        <thead>
          <tr>
            <th>run</th>
            <th>data</th>
            <th title="pooled accuracy after the last task">Acc</th>
            <th title="mean of the pooled accuracy over tasks">AAA</th>
            <th title="mean drop from each old task’s best accuracy">forgetting</th>
            <th>overlay</th>
          </tr>
        </thead>
        <tbody>
          {history.map((r) => (
            <tr key={r.id} data-testid={`run-record-${r.n}`} className={r.id === currentId ? 'current' : ''}>
              <td>{r.label}</td>
              <td>
                {r.request.dataset.replace(/^@folder$/, 'your folder')}, {r.request.config.tasks} tasks
              </td>
              <td>{formatPercent(r.acc)}</td>
              <td>{formatPercent(r.aaa.at(-1))}</td>
              <td>{formatPercent(r.forgetting)}</td>
              <td>
                {r.id === currentId ? (
                  <span className="hint">on screen</span>
                ) : (
                  <label className="pin">
                    <input type="checkbox" data-testid={`pin-run-${r.n}`} checked={pinned.includes(r.id)} onChange={(e) => setPinned(r.id, e.target.checked)} /> pinned
                  </label>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current && (
        <div className="comparison">
          <label className="field inline">
            <span>Compare {current.label} with</span>
            <select data-testid="compare-method" value={method} onChange={(e) => setPicked(METHODS.find((m) => m === e.target.value) ?? null)} disabled={active}>
              {METHODS.filter((m) => m !== current.method).map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <button data-testid="run-comparison" onClick={() => runComparison(method)} disabled={active || queued > 0} title="Same data, model, images per class and seed; only the method changes">
            Run the comparison
          </button>
        </div>
      )}
    </div>
  );
}
