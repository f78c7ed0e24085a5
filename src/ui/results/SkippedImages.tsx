import { usePlayground } from '../../store/state';

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
