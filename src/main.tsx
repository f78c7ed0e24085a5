// Browser entry: probes WebGPU on the page thread, loads the built-in data index, mounts the React app.
// Training runs in a Web Worker (src/worker/training.worker.ts), started by src/worker/client.ts.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { loadDatasets, probeGpu } from './worker/engineClient';
import './ui/app.css';

void probeGpu();
void loadDatasets();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
