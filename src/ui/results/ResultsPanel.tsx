import { AccuracyMatrix } from './AccuracyMatrix';
import { ExportButton } from './ExportButton';
import { RunWarnings, SkippedImages } from './SkippedImages';
import { SummaryNumbers } from './SummaryNumbers';
import { tourFocusIs, usePlayground } from '../../store/state';

export function ResultsPanel() {
  const focus = usePlayground((s) => tourFocusIs(s, 'acc-matrix'));
  return (
    <div className={`card results${focus ? ' tour-focus' : ''}`} data-testid="results">
      <div className="results-head">
        <h3>Accuracy (%) after each task</h3>
        <ExportButton />
      </div>
      <RunWarnings />
      <AccuracyMatrix />
      <SummaryNumbers />
      <SkippedImages />
    </div>
  );
}
