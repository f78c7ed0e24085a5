import { AccuracyMatrix } from './AccuracyMatrix';
import { ExportButton } from './ExportButton';
import { SkippedImages } from './SkippedImages';
import { SummaryNumbers } from './SummaryNumbers';

export function ResultsPanel() {
  return (
    <div className="card results" data-testid="results">
      <div className="results-head">
        <h3>Accuracy (%) after each task</h3>
        <ExportButton />
      </div>
      <AccuracyMatrix />
      <SummaryNumbers />
      <SkippedImages />
    </div>
  );
}
