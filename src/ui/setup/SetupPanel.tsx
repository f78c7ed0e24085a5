import { isActive, usePlayground } from '../../store/state';
import { DatasetPicker } from './DatasetPicker';
import { MethodOptions } from './MethodOptions';
import { ModelPicker } from './ModelPicker';
import { OpenConfig } from './OpenConfig';
import { PresetPicker } from './PresetPicker';

export function SetupPanel() {
  const disabled = usePlayground((s) => isActive(s.run.status));
  const errors = usePlayground((s) => s.formErrors);
  return (
    <div className="card setup" data-testid="setup">
      <h2>Set up a run</h2>
      <PresetPicker disabled={disabled} />
      <OpenConfig disabled={disabled} />
      <DatasetPicker disabled={disabled} />
      <ModelPicker disabled={disabled} />
      <MethodOptions disabled={disabled} />
      {errors.length > 0 && (
        <ul className="error" data-testid="form-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
