// The Data section's classes: for the chosen built-in (asked from the worker once per data set) or the checked
// folder (sent with its scan), a few thumbnails per class and its training / test image counts, with how many the
// run will use under the per-class cap. Only the thumbnails are decoded (src/worker/thumbnails.ts).
import { useEffect } from 'react';
import { usePlayground } from '../../store/state';
import { requestPreview } from '../../worker/client';
import { FOLDER_DATASET } from '../../worker/protocol';

/** "500 / 100", and what the per-class cap leaves of them: "(8 / 8 used)". */
const counts = (train: number, test: number, cap: number | null) =>
  cap !== null && (train > cap || test > cap) ? `${train} / ${test} (${Math.min(train, cap)} / ${Math.min(test, cap)} used)` : `${train} / ${test}`;

export function ClassPreviewView() {
  const dataset = usePlayground((s) => s.form.dataset);
  const indexLoaded = usePlayground((s) => s.datasets !== null);
  const preview = usePlayground((s) => s.previews[s.form.dataset]);
  const cap = usePlayground((s) => s.form.maxPerClass);
  useEffect(() => {
    if (indexLoaded && dataset !== FOLDER_DATASET) requestPreview(dataset);
  }, [dataset, indexLoaded]);
  if (!preview) return null;
  if (preview.status === 'loading') return <p className="hint" data-testid="class-preview-status">Reading a few images per class…</p>;
  if (preview.status === 'failed')
    return (
      <p className="error" data-testid="class-preview-status">
        The class thumbnails could not be read ({preview.error}); the data set can still be run.
      </p>
    );
  return (
    <details className="class-preview" data-testid="class-preview" open={preview.classes.length <= 20}>
      <summary>
        {preview.classes.length} classes: examples and image counts (train / test)
      </summary>
      <ul>
        {preview.classes.map((c) => (
          <li key={c.name} data-testid="class-preview-row" data-class={c.name} data-train={c.train} data-test={c.test}>
            <span className="class-thumbs">
              {c.thumbs.map((src, i) => (
                <img key={i} src={src} alt={`${c.name} example ${i + 1}`} data-testid="class-thumb" />
              ))}
            </span>
            <span className="class-name">{c.name}</span>
            <span className="class-counts">{counts(c.train, c.test, cap)}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
