import { useRef } from 'react';
import { loadConfigText } from '../../store/actions';

/** "Open config…": a config JSON downloaded from the results panel (or a CLI config.json) refills the form. */
export function OpenConfig({ disabled }: { disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const open = (file: File | undefined) => {
    if (!file) return;
    file.text().then(
      (text) => loadConfigText(text, file.name),
      () => loadConfigText('', file.name),
    );
    if (input.current) input.current.value = '';
  };
  return (
    <div className="open-config">
      <button type="button" className="secondary" disabled={disabled} onClick={() => input.current?.click()} title="Load the settings of a downloaded config JSON">
        Open config…
      </button>
      <input ref={input} type="file" accept=".json,application/json" data-testid="open-config" hidden disabled={disabled} onChange={(e) => open(e.target.files?.[0])} />
    </div>
  );
}
