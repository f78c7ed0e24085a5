import { usePlayground } from '../../store/state';

export function ExportButton() {
  const metrics = usePlayground((s) => s.metricsJson);
  const download = () => {
    if (!metrics) return;
    const blob = new Blob([JSON.stringify(metrics, null, 2) + '\n'], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `metrics-${metrics.dataset}-${metrics.method}-seed${metrics.seed}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <button data-testid="download-metrics" className="secondary" onClick={download} disabled={!metrics} title="Same fields as the CLI's metrics.json">
      Download metrics JSON{metrics?.stopped ? ' (finished tasks)' : ''}
    </button>
  );
}
