import { setModel } from '../../store/actions';
import { MODEL_CHOICES } from '../../store/choices';
import { usePlayground } from '../../store/state';
import { SelectField } from './SelectField';

export function ModelPicker({ disabled }: { disabled: boolean }) {
  const model = usePlayground((s) => s.form.model);
  const choice = MODEL_CHOICES.find((m) => m.id === model);
  return (
    <fieldset disabled={disabled}>
      <legend>Model</legend>
      <SelectField label="Backbone" testId="field-model" value={model} onChange={setModel} options={MODEL_CHOICES.map((m) => ({ value: m.id, label: m.label }))} />
      {choice && (
        <p className="hint">
          <b>{choice.label}</b>: {choice.detail}
        </p>
      )}
    </fieldset>
  );
}
