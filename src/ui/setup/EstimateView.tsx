// "How long will it take": a short warm-up of the form's run in the worker (a few training steps of the chosen
// model, batch and method after compilation, and one evaluation), turned into seconds per task and for the run
// (src/store/estimate.ts). Shown as what it is: an estimate measured now, on this device.
import { capped, estimateRun } from '../../store/estimate';
import { formOrder } from '../../store/classOrder';
import { datasetEntry, isActive, measureBasis, usePlayground } from '../../store/state';
import { measureRun } from '../../worker/client';
import { formatDuration } from '../format';

export function EstimateView({ disabled }: { disabled: boolean }) {
  const form = usePlayground((s) => s.form);
  const estimate = usePlayground((s) => s.estimate);
  // datasetEntry makes a fresh object for the folder: select its inputs, not it (a fresh selection re-renders forever).
  const datasets = usePlayground((s) => s.datasets);
  const folder = usePlayground((s) => s.folder);
  const entry = datasetEntry({ datasets, folder }, form.dataset);
  const preview = usePlayground((s) => s.previews[s.form.dataset]);
  const active = usePlayground((s) => isActive(s.run.status));
  const m = estimate.measured;
  let body = null;
  if (estimate.status === 'measuring') body = <p className="hint" data-testid="estimate-status">Measuring a few training steps on this device…</p>;
  else if (estimate.status === 'failed')
    body = (
      <p className="error" data-testid="estimate-status">
        The measurement failed: {estimate.error}
      </p>
    );
  else if (m && entry) {
    const order = formOrder(form.config, entry.classes).view;
    const fromPreview = preview?.status === 'ready' && preview.classes.length === entry.classes;
    const train = fromPreview ? preview.classes.map((c) => c.train) : new Array<number>(entry.classes).fill(Math.floor(entry.train / entry.classes));
    const test = fromPreview ? preview.classes.map((c) => c.test) : new Array<number>(entry.classes).fill(Math.floor(entry.test / entry.classes));
    const est = order ? estimateRun(m, form.config, order.tasks, capped(train, form.maxPerClass), capped(test, form.maxPerClass)) : null;
    const stale = estimate.basis !== measureBasis(form);
    body = est && (
      <div data-testid="estimate" data-stale={stale}>
        <p className="hint">
          Estimate measured now on this device: {(m.stepSeconds * 1000).toFixed(0)} ms per training step (mean of {m.steps} step{m.steps === 1 ? '' : 's'} after
          compilation), {(m.evalSecondsPerImage * 1000).toFixed(1)} ms per test image evaluated.
          {stale && ' The model, data or method changed since: measure again.'}
        </p>
        <table className="folder-classes" data-testid="estimate-tasks">
          <thead>
            <tr>
              <th>task</th>
              <th>steps</th>
              <th>time</th>
            </tr>
          </thead>
          <tbody>
            {est.perTask.map((sec, t) => (
              <tr key={t}>
                <td>{t + 1}</td>
                <td>{est.stepsPerTask[t]}</td>
                <td>≈ {formatDuration(sec)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p data-testid="estimate-total" data-seconds={est.total}>
          Whole run: ≈ {formatDuration(est.total)}
        </p>
      </div>
    );
  }
  return (
    <fieldset disabled={disabled}>
      <legend>Time estimate</legend>
      <button type="button" data-testid="measure" disabled={active || estimate.status === 'measuring'} onClick={() => measureRun()}>
        Measure on this device
      </button>
      {body}
    </fieldset>
  );
}
