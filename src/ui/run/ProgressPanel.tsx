import { tourFocusIs, usePlayground, usePlaygroundShallow } from '../../store/state';
import { formatDuration } from '../format';
import { RunControls } from './RunControls';

const STATUS_TEXT = {
  idle: 'Ready',
  preparing: 'Preparing',
  running: 'Training',
  paused: 'Paused',
  finished: 'Finished',
  stopped: 'Stopped',
  failed: 'Failed',
} as const;

export function ProgressPanel() {
  const run = usePlaygroundShallow((s) => ({
    status: s.run.status,
    detail: s.run.detail,
    globalStep: s.run.globalStep,
    totalSteps: s.run.totalSteps,
    task: s.run.task,
    tasks: s.run.tasks.length,
    imagesPerSec: s.run.imagesPerSec,
    eta: s.run.etaSeconds,
    elapsed: s.run.elapsedSeconds,
    adapter: s.run.adapter,
    trainImages: s.run.trainImages,
    testImages: s.run.testImages,
    checkpointed: s.run.checkpointed,
    saveError: s.run.saveError,
  }));
  const focus = usePlayground((s) => tourFocusIs(s, 'progress'));
  const fraction = run.totalSteps ? run.globalStep / run.totalSteps : 0;
  return (
    <div className={`card progress-panel${focus ? ' tour-focus' : ''}`} data-testid="progress">
      <div className="progress-head">
        <span className={`status status-${run.status}`} data-testid="run-status" data-status={run.status}>
          {STATUS_TEXT[run.status]}
        </span>
        <RunControls />
      </div>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={run.totalSteps} aria-valuenow={run.globalStep}>
        <div className="progress-fill" style={{ width: `${(100 * fraction).toFixed(1)}%` }} />
      </div>
      <p className="progress-text" data-testid="progress-text">
        {run.totalSteps > 0 && run.globalStep === 0 && run.status === 'running' ? (
          <>
            {run.detail} · elapsed {formatDuration(run.elapsed)}
          </>
        ) : run.totalSteps > 0 ? (
          <>
            step {run.globalStep} of {run.totalSteps} · task {Math.min(run.task + 1, run.tasks)} of {run.tasks} · {run.imagesPerSec.toFixed(0)} images/s · elapsed{' '}
            {formatDuration(run.elapsed)} · ETA {run.status === 'finished' ? 'done' : formatDuration(run.eta)}
          </>
        ) : (
          run.detail || 'Pick a benchmark, a method and press Run.'
        )}
      </p>
      {run.saveError ? (
        <p className="save-status" data-testid="checkpoint-status" data-saved="0">
          Not saved in the browser ({run.saveError}): closing the tab loses this run.
        </p>
      ) : (
        run.checkpointed > 0 && run.status !== 'finished' && (
          <p className="save-status" data-testid="checkpoint-status" data-saved={run.checkpointed}>
            Saved in the browser after task {run.checkpointed}: closing or reloading the tab can resume from there.
          </p>
        )
      )}
      {run.status === 'failed' && (
        <p className="error" data-testid="run-error">
          {run.detail}
        </p>
      )}
      {run.adapter && (
        <p className="hint">
          {run.trainImages} training and {run.testImages} test images · worker GPU: {run.adapter}
        </p>
      )}
    </div>
  );
}
