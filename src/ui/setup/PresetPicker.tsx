import { applyPreset } from '../../store/actions';
import { PRESETS } from '../../store/choices';
import { usePlayground } from '../../store/state';

export function PresetPicker({ disabled }: { disabled: boolean }) {
  const current = usePlayground((s) => s.form.preset);
  const description = PRESETS.find((p) => p.id === current)?.description ?? 'Custom settings.';
  return (
    <fieldset className="presets" disabled={disabled}>
      <legend>Preset</legend>
      <div className="preset-buttons">
        {PRESETS.map((p) => (
          <button key={p.id} type="button" className={p.id === current ? 'chip selected' : 'chip'} data-testid={`preset-${p.id}`} onClick={() => applyPreset(p.id)}>
            {p.label}
          </button>
        ))}
      </div>
      <p className="hint">{description}</p>
    </fieldset>
  );
}
