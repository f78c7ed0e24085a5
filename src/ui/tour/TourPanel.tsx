// The teaching tour's card, pinned to the top of the dashboard while the tour is on: the moment shown (made
// from the real training messages, src/store/teaching.ts), back / next / exit, and whether it follows the run
// live, or holds the run at each new moment (then Next at the newest one lets training go on). The panel a moment
// points at is outlined (the 'tour-focus' class, set by each panel).
import { setTourHold, tourBack, tourExit, tourNext } from '../../store/analysisActions';
import { usePlayground } from '../../store/state';
import { continueTour } from '../../worker/client';

export function TourPanel() {
  const t = usePlayground((s) => s.teaching);
  const running = usePlayground((s) => s.run.status === 'running' || s.run.status === 'preparing' || s.run.status === 'paused');
  const paused = usePlayground((s) => s.run.status === 'paused');
  if (!t) return null;
  const m = t.moments[t.index]!;
  const last = t.index === t.moments.length - 1;
  const waiting = last && t.phase === 'running';
  const ahead = t.moments.length - 1 - t.index;
  // Paused at the newest moment (held by the tour, or by hand): Next lets the run go on to the next one.
  const canContinue = last && paused && t.phase === 'running';
  return (
    <section className="card tour" data-testid="tour" data-kind={m.kind} data-moment={m.id} data-index={t.index} data-count={t.moments.length} data-phase={t.phase} aria-live="polite">
      <div className="tour-head">
        <span className="tour-badge">Teaching tour</span>
        <span className="hint" data-testid="tour-position">
          moment {t.index + 1} of {t.moments.length}
          {ahead > 0 ? ` · ${ahead} newer` : canContinue ? ' · the run waits for Next' : t.follow && t.phase === 'running' ? ' · following the run' : ''}
        </span>
      </div>
      <h3 data-testid="tour-title">{m.title}</h3>
      <p className="tour-text" data-testid="tour-text" data-figures={JSON.stringify(m.figures)}>
        {m.text}
      </p>
      <div className="tour-controls">
        <button className="secondary" data-testid="tour-back" onClick={tourBack} disabled={t.index === 0}>
          Back
        </button>
        <button data-testid="tour-next" onClick={canContinue ? continueTour : tourNext} disabled={last && !canContinue}>
          {canContinue ? 'Next: continue the run' : 'Next'}
        </button>
        <button className="secondary" data-testid="tour-exit" onClick={tourExit} title={running ? 'The run in progress goes on; the tour’s next run is not started' : 'Close the tour'}>
          Exit tour
        </button>
        {waiting && !canContinue && <span className="hint">{running ? 'The next moment appears when the run gets there…' : 'Starting the next run…'}</span>}
        <label className="check tour-hold">
          <input type="checkbox" data-testid="tour-hold" checked={t.hold} onChange={(e) => setTourHold(e.target.checked)} /> pause at each new moment
        </label>
        {t.phase === 'done' && last && <span className="hint">End of the tour.</span>}
      </div>
    </section>
  );
}
