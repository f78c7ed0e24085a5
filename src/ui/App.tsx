// Page layout only: header, then either the WebGPU explanation or the playground (setup | dashboard) and the engine check.
import { AlphaChart } from './charts/AlphaChart';
import { LossChart } from './charts/LossChart';
import { EnginePanel } from './engine/EnginePanel';
import { Header } from './layout/Header';
import { NoWebGpu } from './layout/NoWebGpu';
import { ResultsPanel } from './results/ResultsPanel';
import { ProgressPanel } from './run/ProgressPanel';
import { SetupPanel } from './setup/SetupPanel';
import { usePlayground } from '../store/state';
import { useEffect } from 'react';
import { InterruptedBanner } from './run/InterruptedBanner';
import { checkDefaultModel, checkInterrupted } from '../worker/client';

export function App() {
  const gpu = usePlayground((s) => s.gpu.status);
  useEffect(() => {
    void checkInterrupted();
    checkDefaultModel();
  }, []);
  return (
    <main>
      <Header />
      {gpu === 'unavailable' ? (
        <NoWebGpu />
      ) : (
        <>
          <section id="playground" className="playground">
            <SetupPanel />
            <div className="dashboard">
              <InterruptedBanner />
              <ProgressPanel />
              <AlphaChart />
              <LossChart />
              <ResultsPanel />
            </div>
          </section>
          <EnginePanel />
        </>
      )}
    </main>
  );
}
