import { usePlayground } from '../../store/state';
import { runEngineChecks } from '../../worker/engineClient';
import { CheckTable } from './CheckTable';

export function EnginePanel() {
  const gpu = usePlayground((s) => s.gpu);
  const { running, results } = usePlayground((s) => s.engine);
  return (
    <section id="engine" className="card engine" data-testid="engine">
      <h2>Engine</h2>
      {gpu.status === 'probing' && <p data-testid="gpu-status">Looking for a WebGPU adapter…</p>}
      {gpu.status === 'ready' && (
        <>
          <p data-testid="gpu-status">
            Adapter: <b>{gpu.description}</b> ({gpu.kind}
            {gpu.subgroupSize ? `, subgroup size ${gpu.subgroupSize}` : ''})
          </p>
          <button onClick={runEngineChecks} disabled={running} data-testid="run-checks">
            {running ? 'Checking…' : 'Check every kernel against its float64 reference'}
          </button>
          {results.length > 0 && <CheckTable results={results} />}
          {!running && results.length > 0 && (
            <p data-testid="check-summary">
              {results.filter((r) => r.ok).length} of {results.length} kernels match their reference.
            </p>
          )}
        </>
      )}
    </section>
  );
}
