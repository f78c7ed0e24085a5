import { usePlayground } from '../../store/state';
import { formatPercent } from '../format';

export function SummaryNumbers() {
  const metrics = usePlayground((s) => s.metrics);
  const residual = usePlayground((s) => s.lsResidual.at(-1) ?? null);
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
