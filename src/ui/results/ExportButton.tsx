// The results panel's downloads: metrics JSON, the CLI's CSVs (src/training/resultFiles.ts, same bytes as
// acc_matrix.csv and alpha.csv), the α chart and accuracy heatmap as SVG and PNG, the run's config (which
// "Open config…" in the setup panel loads back), the LoRA bank written in the worker, and the merged model as
// ONNX: offered only once the worker has run that very file in ONNX Runtime and its logits matched the
// playground's own on test images (the result is shown beside the button; a file that fails is refused).

import { useState } from 'react';
import { configFileText } from '../../store/configFile';
import { usePlayground } from '../../store/state';
import { accMatrixCsv, alphaCsv } from '../../training/resultFiles';
import { saveBlob, saveText, serializeSvg, svgToPng } from './download';
import { seriesColour } from '../charts/palette';
import { heatmapSvg } from './heatmapSvg';
import { OnnxDownload } from './OnnxDownload';

type Svg = { text: string; width: number; height: number };

/** The α chart as drawn (recharts' <svg>), or null when no chart is shown. The legend's icons are small
 *  svg.recharts-surface too: the chart is the largest. */
function alphaChartSvg(components: number): Svg | null {
  const area = (e: SVGSVGElement) => e.getBoundingClientRect().width * e.getBoundingClientRect().height;
  const all = [...document.querySelectorAll<SVGSVGElement>('[data-testid="alpha-chart"] svg.recharts-surface')];
  const svg = all.reduce<SVGSVGElement | null>((best, e) => (best === null || area(e) > area(best) ? e : best), null);
  const legend = Array.from({ length: components }, (_, k) => ({ label: `α${k + 1}`, colour: seriesColour(k) }));
  return svg ? serializeSvg(svg, legend) : null;
}

export function ExportButton() {
  const metrics = usePlayground((s) => s.metricsJson);
  const bank = usePlayground((s) => s.loraBank);
  const request = usePlayground((s) => s.run.request);
  const [error, setError] = useState<string | null>(null);
  const base = metrics ? `${metrics.dataset.replace(/^@/, '')}-${metrics.method}-seed${metrics.seed}` : '';
  const components = metrics ? Math.max(0, ...metrics.alpha.flat().map((a) => a.length)) : 0;
  const hasAlpha = components > 0;

  const downloadMetrics = () => {
    if (!metrics) return;
    saveText(`metrics-${base}.json`, JSON.stringify(metrics, null, 2) + '\n', 'application/json');
  };
  const heatmap = (): Svg | null => (metrics ? heatmapSvg(metrics.accMatrix, metrics.pooled) : null);
  const saveSvg = (name: string, svg: Svg | null) => {
    if (svg) saveText(name, svg.text, 'image/svg+xml');
  };
  const savePng = (name: string, svg: Svg | null) => {
    if (!svg) return;
    setError(null);
    svgToPng(svg.text, svg.width, svg.height).then(
      (png) => saveBlob(name, png),
      (e: unknown) => setError(`PNG: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  return (
    <div className="export-buttons">
      <button data-testid="download-metrics" className="secondary" onClick={downloadMetrics} disabled={!metrics} title="Same fields as the CLI's metrics.json">
        Download metrics JSON{metrics?.stopped ? ' (finished tasks)' : ''}
      </button>
      {metrics && (
        <details className="more-downloads" data-testid="more-downloads">
          <summary>More downloads</summary>
          <div className="download-list">
            <button data-testid="download-acc-csv" className="secondary" onClick={() => saveText(`acc_matrix-${base}.csv`, accMatrixCsv(metrics.accMatrix), 'text/csv')} title="The CLI's acc_matrix.csv">
              Accuracy matrix CSV
            </button>
            <button data-testid="download-alpha-csv" className="secondary" onClick={() => saveText(`alpha-${base}.csv`, alphaCsv(metrics.alpha), 'text/csv')} disabled={!hasAlpha} title="The CLI's alpha.csv">
              α trajectories CSV
            </button>
            <button data-testid="download-heatmap-svg" className="secondary" onClick={() => saveSvg(`acc_matrix-${base}.svg`, heatmap())}>
              Heatmap SVG
            </button>
            <button data-testid="download-heatmap-png" className="secondary" onClick={() => savePng(`acc_matrix-${base}.png`, heatmap())}>
              Heatmap PNG
            </button>
            <button data-testid="download-alpha-svg" className="secondary" onClick={() => saveSvg(`alpha-${base}.svg`, alphaChartSvg(components))} disabled={!hasAlpha}>
              α chart SVG
            </button>
            <button data-testid="download-alpha-png" className="secondary" onClick={() => savePng(`alpha-${base}.png`, alphaChartSvg(components))} disabled={!hasAlpha}>
              α chart PNG
            </button>
            <button data-testid="download-config" className="secondary" onClick={() => request && saveText(`config-${base}.json`, configFileText(request), 'application/json')} disabled={!request} title="Open it again with “Open config…”">
              Config JSON
            </button>
            <button data-testid="download-bank" className="secondary" onClick={() => bank && saveBlob(`lora_bank-${base}.safetensors`, new Blob([bank.slice().buffer as ArrayBuffer], { type: 'application/octet-stream' }))} disabled={!bank} title={bank ? 'The CLI’s lora_bank.safetensors' : 'Written only when a run finishes'}>
              LoRA bank (.safetensors)
            </button>
          </div>
          {error && <p className="error">{error}</p>}
        </details>
      )}
      {metrics && <OnnxDownload base={base} />}
    </div>
  );
}
