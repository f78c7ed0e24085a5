// Shown at page load when an earlier page left a run unfinished (closed or reloaded mid-run; the worker saved a
// checkpoint after every task in OPFS): Resume continues it from its last completed task, Discard deletes it.
// A run on the user's own folder needs that folder picked again first (a page cannot reopen it by itself).
import { FOLDER_DATASET } from '../../worker/protocol';
import { sourceLabel } from '../../worker/modelSource';
import { canResume, discardInterrupted, resumeInterrupted } from '../../worker/client';
import { isActive, usePlayground } from '../../store/state';

export function InterruptedBanner() {
  const saved = usePlayground((s) => s.interrupted);
  const picked = usePlayground((s) => (s.folder?.status === 'ready' ? (s.folder.summary?.name ?? null) : null));
  const active = usePlayground((s) => isActive(s.run.status));
  const ready = usePlayground((s) => s.gpu.status === 'ready');
  if (!saved) return null;
  const total = saved.request.config.tasks;
  const onFolder = saved.request.dataset === FOLDER_DATASET;
  const resumable = canResume(saved, picked);
  return (
    <div className="card interrupted-banner" role="alert" data-testid="interrupted-banner">
      <p>
        A run was interrupted after task {saved.done} of {total} ({saved.request.config.method} on{' '}
        {onFolder ? `your folder "${saved.folderName ?? '?'}"` : saved.request.dataset}, model {saved.request.model.kind === 'files' ? `your "${saved.request.model.name}"` : sourceLabel(saved.request.model)}).
        {onFolder && !resumable && (
          <>
            {' '}
            To resume it, pick the same folder again with "Your folder…" (the page cannot reopen it by itself), or discard it.
          </>
        )}
      </p>
      <div className="run-controls">
        <button data-testid="resume-interrupted" onClick={resumeInterrupted} disabled={!resumable || active || !ready}>
          Resume
        </button>
        <button data-testid="discard-interrupted" className="secondary" onClick={() => void discardInterrupted()} disabled={active}>
          Discard
        </button>
      </div>
    </div>
  );
}
