// Starts the teaching tour from the setup panel: the fast teaching preset (or the form as it is, e.g. the user's
// own folder or a smaller model), sequential LoRA then SD-LoRA on the same data and seed.
import { useState } from 'react';
import { PRESETS } from '../../store/choices';
import { usePlayground } from '../../store/state';
import { startTour } from '../../worker/client';

const PRESET = PRESETS.find((p) => p.id === 'teaching-fast');

export function TourStart({ disabled }: { disabled: boolean }) {
  const [useForm, setUseForm] = useState(false);
  const [hold, setHold] = useState(false);
  const canStart = usePlayground((s) => s.gpu.status === 'ready' && s.datasets !== null);
  const on = usePlayground((s) => s.teaching !== null);
  return (
    <fieldset className="tour-start" disabled={disabled}>
      <legend>Teaching mode</legend>
      <p className="hint">
        A guided tour for a classroom: sequential LoRA, then SD-LoRA, on the same data and seed, explained moment by moment as training happens
        {PRESET ? ` (the “${PRESET.label}” preset)` : ''}.
      </p>
      <label className="check">
        <input type="checkbox" data-testid="tour-use-form" checked={useForm} onChange={(e) => setUseForm(e.target.checked)} /> on the form’s data, model and settings instead
      </label>
      <label className="check">
        <input type="checkbox" data-testid="tour-hold-start" checked={hold} onChange={(e) => setHold(e.target.checked)} /> pause the run at each new moment (Next continues)
      </label>
      <button type="button" className="secondary" data-testid="tour-start" onClick={() => startTour(!useForm, hold)} disabled={!canStart || disabled}>
        {on ? 'Restart the teaching tour' : 'Start the teaching tour'}
      </button>
    </fieldset>
  );
}
