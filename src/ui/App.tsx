// Page layout only: header, then either the WebGPU explanation or the playground (setup | dashboard) and the engine check.
// The dashboard: the teaching tour (when on), progress, the α and loss charts, per-task accuracy and residual
// charts, the accuracy matrix and downloads, the finished runs (overlays, comparison), the α explorer.
import { AlphaChart } from './charts/AlphaChart';
import { LossChart } from './charts/LossChart';
import { ResidualChart } from './charts/ResidualChart';
import { TaskAccuracyChart } from './charts/TaskAccuracyChart';
import { RunsPanel } from './compare/RunsPanel';
import { ExplorerPanel } from './explorer/ExplorerPanel';
import { TourPanel } from './tour/TourPanel';
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
              <TourPanel />
              <InterruptedBanner />
              <ProgressPanel />
              <AlphaChart />
              <LossChart />
              <div className="chart-pair">
                <TaskAccuracyChart />
                <ResidualChart />
              </div>
              <ResultsPanel />
              <RunsPanel />
              <ExplorerPanel />
            </div>
          </section>
          <EnginePanel />
        </>
      )}
    </main>
  );
}
