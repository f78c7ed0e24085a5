// The setup column: preset, the teaching tour, config file, data (classes, task order), model, method, time estimate, and what keeps the form from running. Files dropped
// anywhere on the page are routed from here (./drop.ts: model files to the Model section, folders to Data).
import { isActive, usePlayground } from '../../store/state';
import { useFileDrop } from './drop';
import { DatasetPicker } from './DatasetPicker';
import { EstimateView } from './EstimateView';
import { MethodOptions } from './MethodOptions';
import { ModelPicker } from './ModelPicker';
import { OpenConfig } from './OpenConfig';
import { PresetPicker } from './PresetPicker';
import { TourStart } from '../tour/TourStart';

export function SetupPanel() {
  const disabled = usePlayground((s) => isActive(s.run.status));
  const errors = usePlayground((s) => s.formErrors);
  const notice = usePlayground((s) => s.formNotice);
  const dragging = useFileDrop(!disabled);
  return (
    <div className={`card setup${dragging ? ' dragging' : ''}`} data-testid="setup">
      <h2>Set up a run</h2>
      <PresetPicker disabled={disabled} />
      <TourStart disabled={disabled} />
      <OpenConfig disabled={disabled} />
      <DatasetPicker disabled={disabled} />
      <ModelPicker disabled={disabled} />
      <MethodOptions disabled={disabled} />
      <EstimateView disabled={disabled} />
      {errors.length > 0 && (
        <ul className="error" data-testid="form-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      {notice && (
        <p className="notice" data-testid="form-notice">
          {notice}
        </p>
      )}
    </div>
  );
}
