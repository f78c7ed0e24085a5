import { applyPreset } from '../../store/actions';
import { PRESETS } from '../../store/choices';
import { usePlayground } from '../../store/state';

export function PresetPicker({ disabled }: { disabled: boolean }) {
  const current = usePlayground((s) => s.form.preset);
  const preset = PRESETS.find((p) => p.id === current);
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
      <p className="hint" data-testid="preset-summary">{preset?.summary ?? 'Custom settings.'}</p>
      {preset && (
        <details className="hint" data-testid="preset-details">
          <summary>Why these settings?</summary>
          {preset.description}
        </details>
      )}
    </fieldset>
  );
}
