import { usePlayground } from '../../store/state';

/** Warnings of the run (a diverging task), in plain words with what to do. */
export function RunWarnings() {
  const warnings = usePlayground((s) => s.warnings);
  if (warnings.length === 0) return null;
  return (
    <ul className="run-warnings" role="alert" data-testid="run-warnings">
      {warnings.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
}

export function SkippedImages() {
  const skipped = usePlayground((s) => s.skipped);
  if (skipped.length === 0) return null;
  return (
    <details className="skipped">
      <summary>{skipped.length} image(s) could not be decoded and were skipped</summary>
      <ul>
        {skipped.slice(0, 50).map((s) => (
          <li key={s.path}>
            {s.path}: {s.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}
