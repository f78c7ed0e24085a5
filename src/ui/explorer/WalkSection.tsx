// Walk the line (the paper's Fig. 4): the backbone on the straight line θ(λ) = (1−λ)·θ_a + λ·θ_b between the
// merged weights after tasks a and b, evaluated in the worker at a few λ on the old tasks (≤ a) and the new ones
// (a < j ≤ b). SD-LoRA's path keeps the old tasks while the new one improves; sequential LoRA's trades them.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { walkAccuracy } from '../../store/explorer';
import { usePlayground } from '../../store/state';
import { chooseWalk, runWalk } from '../../worker/client';

const OLD = '#0072b2';
const NEW = '#d55e00';

const tasksText = (lo: number, hi: number) => (lo === hi ? `task ${lo}` : `tasks ${lo}–${hi}`);

export function WalkSection() {
  const e = usePlayground((s) => s.explorer);
  const info = e.info;
  if (!info) return null;
  const kept = info.snapshots;
  if (kept.length < 2)
    return (
      <div className="walk" data-testid="walk">
        <h4>Walk the line between two tasks</h4>
        <p className="hint">
          Needs the weights after two tasks; this run kept {kept.length === 0 ? 'none' : `only those after task ${kept[0]! + 1}`} (a resumed run keeps the tasks since its resume).
        </p>
      </div>
    );
  const { a, b, status, points, error } = e.walk;
  const rows = points.map((p) => ({ lambda: p.lambda, ...walkAccuracy(p), oldLoss: p.oldLoss, newLoss: p.newLoss }));
  const oldLabel = tasksText(1, a + 1);
  const newLabel = tasksText(a + 2, b + 1);
  return (
    <div className="walk" data-testid="walk" data-status={status}>
      <h4>Walk the line between two tasks</h4>
      <p className="hint">
        θ(λ) = (1−λ)·θ<sub>a</sub> + λ·θ<sub>b</sub>: every backbone weight (LoRA merged) on the straight line from the model after task a to the model after
        task b; the classifier is task b’s throughout (after task a the new classes have no trained head rows), so λ = 1 is the run after task b. Same
        test images as above.
      </p>
      <div className="walk-controls">
        <label className="field inline">
          <span>from after task</span>
          <select data-testid="walk-a" value={a} onChange={(ev) => chooseWalk(Number(ev.target.value), Math.max(b, Number(ev.target.value) + 1))}>
            {kept.slice(0, -1).map((t) => (
              <option key={t} value={t}>
                {t + 1}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>to after task</span>
          <select data-testid="walk-b" value={b} onChange={(ev) => chooseWalk(a, Number(ev.target.value))}>
            {kept
              .filter((t) => t > a)
              .map((t) => (
                <option key={t} value={t}>
                  {t + 1}
                </option>
              ))}
          </select>
        </label>
        <button data-testid="walk-run" onClick={runWalk} disabled={status === 'running'}>
          {status === 'running' ? 'Walking…' : 'Walk the line'}
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      {rows.length > 0 && (
        <>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={rows} margin={{ top: 8, right: 24, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
              <XAxis dataKey="lambda" type="number" domain={[0, 1]} ticks={rows.map((r) => r.lambda)} label={{ value: 'λ', position: 'insideBottomRight', offset: -4 }} />
              <YAxis yAxisId="acc" domain={[0, 100]} width={40} />
              <YAxis yAxisId="loss" orientation="right" width={48} tickFormatter={(v: number) => v.toFixed(2)} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))} labelFormatter={(l) => `λ = ${String(l)}`} />
              <Legend />
              <Line yAxisId="acc" dataKey="old" name={`accuracy, ${oldLabel} (%)`} stroke={OLD} strokeWidth={2} isAnimationActive={false} />
              <Line yAxisId="acc" dataKey="new" name={`accuracy, ${newLabel} (%)`} stroke={NEW} strokeWidth={2} isAnimationActive={false} />
              <Line yAxisId="loss" dataKey="oldLoss" name={`loss, ${oldLabel}`} stroke={OLD} strokeWidth={1} strokeDasharray="2 3" isAnimationActive={false} />
              <Line yAxisId="loss" dataKey="newLoss" name={`loss, ${newLabel}`} stroke={NEW} strokeWidth={1} strokeDasharray="2 3" isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
          <table className="walk-table" data-testid="walk-table">
            <thead>
              <tr>
                <th>λ</th>
                <th>{oldLabel} (%)</th>
                <th>{newLabel} (%)</th>
                <th>loss, old</th>
                <th>loss, new</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={r.lambda} data-testid={`walk-row-${i}`} data-old={r.old} data-new={r.new}>
                  <td>{r.lambda.toFixed(2)}</td>
                  <td>{r.old.toFixed(1)}</td>
                  <td>{r.new.toFixed(1)}</td>
                  <td>{r.oldLoss.toFixed(3)}</td>
                  <td>{r.newLoss.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
