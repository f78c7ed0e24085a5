import { isActive, usePlayground } from '../../store/state';
import { pauseRun, resumeRun, startRun, stopRun } from '../../worker/client';

export function RunControls() {
  const status = usePlayground((s) => s.run.status);
  const canStart = usePlayground((s) => s.gpu.status === 'ready' && s.datasets !== null);
  const active = isActive(status);
  return (
    <div className="run-controls">
      <button data-testid="run" onClick={startRun} disabled={active || !canStart}>
        {status === 'finished' || status === 'stopped' || status === 'failed' ? 'Run again' : 'Run'}
      </button>
      {status === 'paused' ? (
        <button data-testid="resume" className="secondary" onClick={resumeRun}>
          Resume
        </button>
      ) : (
        <button data-testid="pause" className="secondary" onClick={pauseRun} disabled={!active}>
          Pause
        </button>
      )}
      <button data-testid="stop" className="secondary" onClick={stopRun} disabled={!active}>
        Stop
      </button>
    </div>
  );
}
