import { useEffect, useState } from 'react';
import type { GpuContext } from '../gpu/context';
import { runChecks, type CheckResult } from '../kernels/selfcheck';
import { BROWSER_ADVICE, createBrowserContext } from '../platform/browser';

type GpuState = { status: 'starting' } | { status: 'ready'; ctx: GpuContext } | { status: 'unavailable'; message: string };

export function App() {
  const [gpu, setGpu] = useState<GpuState>({ status: 'starting' });
  const [results, setResults] = useState<CheckResult[]>([]);
  const [running, setRunning] = useState(false);

  useEffect(() => {
    let cancelled = false;
    createBrowserContext().then(
      (ctx) => !cancelled && setGpu({ status: 'ready', ctx }),
      (e: Error) => !cancelled && setGpu({ status: 'unavailable', message: e.message }),
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const check = async () => {
    if (gpu.status !== 'ready') return;
    setRunning(true);
    setResults([]);
    await runChecks(gpu.ctx, (r) => setResults((rs) => [...rs, r]));
    setRunning(false);
  };

  return (
    <main>
      <header>
        <h1>SD-LoRA Playground</h1>
        <p className="tagline">Continual learning on a Vision Transformer, trained on your own GPU in this page.</p>
      </header>
      {gpu.status === 'starting' && <p data-testid="gpu-status">Looking for a WebGPU adapter…</p>}
      {gpu.status === 'unavailable' && (
        <section className="no-webgpu" data-testid="no-webgpu">
          <h2>WebGPU is not available</h2>
          <p>{gpu.message}</p>
          <p>{BROWSER_ADVICE}</p>
          <p>Nothing was sent anywhere: your images never leave this page.</p>
        </section>
      )}
      {gpu.status === 'ready' && (
        <section>
          <h2>Engine</h2>
          <p data-testid="gpu-status">
            Adapter: <b>{gpu.ctx.adapter.description}</b> ({gpu.ctx.adapter.kind}
            {gpu.ctx.subgroupSize ? `, subgroup size ${gpu.ctx.subgroupSize}` : ''})
          </p>
          <button onClick={check} disabled={running} data-testid="run-checks">
            {running ? 'Checking…' : 'Check every kernel against its float64 reference'}
          </button>
          {results.length > 0 && (
            <table data-testid="check-results">
              <thead>
                <tr>
                  <th>kernel</th>
                  <th>result</th>
                  <th>max |error|</th>
                  <th>error / tolerance</th>
                  <th>ms</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r) => (
                  <tr key={r.name} className={r.ok ? 'ok' : 'fail'} title={r.detail}>
                    <td>{r.name}</td>
                    <td>{r.ok ? 'pass' : 'FAIL'}</td>
                    <td>{r.maxAbsError.toExponential(2)}</td>
                    <td>{r.toleranceRatio.toFixed(3)}</td>
                    <td>{r.ms.toFixed(0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!running && results.length > 0 && (
            <p data-testid="check-summary">
              {results.filter((r) => r.ok).length} of {results.length} kernels match their reference.
            </p>
          )}
        </section>
      )}
    </main>
  );
}
