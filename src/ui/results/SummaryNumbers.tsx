import { usePlayground } from '../../store/state';
import { formatPercent } from '../format';

export function SummaryNumbers() {
  const metrics = usePlayground((s) => s.metrics);
  const residual = usePlayground((s) => s.lsResidual.at(-1) ?? null);
  const drift = usePlayground((s) => s.featureDrift.at(-1) ?? null);
  const done = usePlayground((s) => s.counts.length);
  const total = usePlayground((s) => s.run.tasks.length);
  if (!metrics) return null;
  const items: [string, string, string, string][] = [
    ['acc', 'Acc', formatPercent(metrics.acc), `pooled accuracy after task ${done}${done < total ? ` of ${total}` : ''}`],
    ['aaa', 'AAA', formatPercent(metrics.aaa), 'mean of the pooled accuracy over tasks so far'],
    ['mean-of-tasks', 'mean of tasks', formatPercent(metrics.accMeanOfTasks), 'unweighted mean of the last row'],
    ['forgetting', 'forgetting', formatPercent(metrics.forgetting), 'mean drop from each old task’s best accuracy'],
    ['bwt', 'BWT', formatPercent(metrics.bwt), 'backward transfer: last row minus the diagonal'],
  ];
  // Diagnostics: is a low Acc forgetting in the features, or a head that favours the newest classes?
  const til = metrics.tilMatrix?.at(-1)?.filter((x): x is number => x !== null) ?? [];
  if (til.length)
    items.push(['task-aware', 'task-aware', formatPercent(til.reduce((a, b) => a + b, 0) / til.length), 'mean accuracy when each image is classified only among its own task’s classes: what the features and head still separate']);
  const bias = metrics.newTaskBias?.at(-1);
  if (typeof bias === 'number')
    items.push(['to-newest', 'to newest task', formatPercent(bias), 'share of the earlier tasks’ test images predicted as one of the newest task’s classes (the head’s pull toward new classes)']);
  if (drift !== null)
    items.push(['drift', 'feature drift', drift.toFixed(3), 'mean 1 − cosine between the features now and the pretrained backbone’s, on 256 test images']);
  return (
    <dl className="summary" data-testid="summary">
      {items.map(([id, label, value, title]) => (
        <div key={id} title={title}>
          <dt>{label}</dt>
          <dd data-testid={`metric-${id}`}>{value}</dd>
        </div>
      ))}
      {residual !== null && (
        <div title="relative least-squares residual of the newest direction on the old ones">
          <dt>LS residual</dt>
          <dd data-testid="metric-ls-residual">{residual.toFixed(3)}</dd>
        </div>
      )}
    </dl>
  );
}
