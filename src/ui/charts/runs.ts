// Selectors shared by the charts that draw the run on screen and the pinned runs.
import { overlaysOf, recordLabel } from '../../store/history';
import type { PlaygroundState } from '../../store/state';

/** The pinned runs to draw dashed (never the run on screen). */
export const selectOverlays = (s: PlaygroundState) => overlaysOf(s.history, s.pinned, s.currentRunId);

/** The legend's name of the run on screen: its record's label once finished, else its method and seed. */
export function currentRunLabel(s: PlaygroundState): string | null {
  const rec = s.history.find((r) => r.id === s.currentRunId);
  if (rec) return `${rec.label} (this run)`;
  const req = s.run.request;
  return req ? `${req.config.method} · seed ${req.config.seed} (this run)` : null;
}

export { recordLabel };
