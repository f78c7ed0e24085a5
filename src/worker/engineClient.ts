// Page-thread GPU: probes WebGPU where the page itself runs (so a page without navigator.gpu says so, whatever
// a worker would see), loads the built-in data index, and runs the engine self-check (kernels vs float64 references).

import { fetchSource, loadIndex } from '../data/builtin';
import type { GpuContext } from '../gpu/context';
import { runChecks } from '../kernels/selfcheck';
import { createBrowserContext } from '../platform/browser';
import { datasetsFailed, datasetsLoaded, engineCheckFinished, engineChecksDone, engineChecksStarted, gpuProbed } from '../store/actions';
import { store } from '../store/state';

let ctx: GpuContext | null = null;

export async function probeGpu(): Promise<void> {
  try {
    ctx = await createBrowserContext();
    gpuProbed({ status: 'ready', description: ctx.adapter.description, kind: ctx.adapter.kind, subgroupSize: ctx.subgroupSize });
  } catch (e) {
    gpuProbed({ status: 'unavailable', message: (e as Error).message });
  }
}

export async function loadDatasets(): Promise<void> {
  try {
    const index = await loadIndex(fetchSource(`${import.meta.env.BASE_URL}data/`, (url) => fetch(url)));
    datasetsLoaded(index.datasets);
  } catch (e) {
    datasetsFailed((e as Error).message);
  }
}

export async function runEngineChecks(): Promise<void> {
  if (!ctx || store.getState().engine.running) return;
  engineChecksStarted();
  try {
    await runChecks(ctx, engineCheckFinished);
  } finally {
    engineChecksDone();
  }
}
