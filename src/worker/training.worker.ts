// The training worker: owns a GpuContext (platform/browser), loads a built-in benchmark or the user's folder
// (./folder.ts; also checked alone on 'scanFolder', before any run), runs runExperiment
// and posts every TrainingEvent to the page. Pause holds the runner before its next step (beforeStep); stop is
// the page terminating this worker (GPU work and memory go with it). After every completed task the checkpoint
// and the request go to OPFS (./runStore.ts), so a reloaded page can resume the run ('start' with resumeRunId).

import type { GpuContext } from '../gpu/context';
import { writeLoraBank } from '../io/loraBank';
import { createBrowserContext } from '../platform/browser';
import { checkpointFromFiles, checkpointToFiles } from '../training/checkpointFiles';
import { runExperiment, type ExperimentOptions } from '../training/experiment';
import { loadBuiltin } from './data';
import { loadFolder, scanFolderFiles } from './folder';
import { buildModel } from './models';
import { createRun, markFinished, readLatestCheckpoint, saveCheckpoint } from './runStore';
import { FOLDER_DATASET, type FolderFiles, type RunRequest, type WorkerCommand, type WorkerMessage } from './protocol';

const post = (m: WorkerMessage) => self.postMessage(m);

let ctx: GpuContext | null = null;
let pause: { promise: Promise<void>; release: () => void } | null = null;

const gate = async (): Promise<void> => {
  while (pause) await pause.promise;
};

async function loadData(request: RunRequest, folder: FolderFiles | undefined) {
  if (request.dataset === FOLDER_DATASET) {
    if (!folder) throw new Error('no folder was given with the run');
    post({ type: 'phase', detail: 'Checking your folder…' });
    const { data, summary } = await loadFolder(folder, request.maxPerClass, gate, (done, total) =>
      post({ type: 'phase', detail: `Checking your folder: ${done} of ${total} files` }),
    );
    // The issues stay listed while the run goes on.
    post({ type: 'folderScanned', summary });
    if (data.classNames.length < 2)
      throw new Error(`your folder has ${data.classNames.length} usable class folder(s); put images in class_name/ folders (or train/ and test/ of class folders)`);
    return data;
  }
  post({ type: 'phase', detail: 'Downloading images…' });
  const { data } = await loadBuiltin(request.dataset, request.maxPerClass, gate, (done, total) =>
    post({ type: 'phase', detail: `Downloading images: ${done} of ${total}` }),
  );
  return data;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function run(request: RunRequest, folder: FolderFiles | undefined, resumeRunId: string | undefined): Promise<void> {
  post({ type: 'phase', detail: 'Starting WebGPU in the worker…' });
  ctx ??= await createBrowserContext();
  const data = await loadData(request, folder);
  post({
    type: 'dataLoaded',
    adapter: `${ctx.adapter.description} (${ctx.adapter.kind})`,
    classNames: data.classNames,
    trainImages: data.train.length,
    testImages: data.test.length,
  });
  post({ type: 'phase', detail: 'Compiling shaders and training…' });
  const model = buildModel(request.model);
  // Persistence is best effort: without OPFS (or when it is full) the run goes on, unsaved.
  let runId: string | null = resumeRunId ?? null;
  let resume: ExperimentOptions['resume'];
  if (resumeRunId) {
    post({ type: 'phase', detail: 'Reading the saved checkpoint…' });
    resume = checkpointFromFiles(await readLatestCheckpoint(resumeRunId), model.params);
    const { state: _state, ...progress } = resume;
    post({ type: 'resumedFrom', ...progress });
  } else {
    try {
      runId = await createRun(request, folder?.name ?? null);
    } catch (e) {
      post({ type: 'checkpointSaved', done: 0, saveError: messageOf(e) });
    }
  }
  const config = { ...model.config, numClasses: data.classNames.length };
  const result = await runExperiment(ctx, model, data, request.config, {
    onEvent: (event) => post({ type: 'event', event }),
    beforeStep: gate,
    resume,
    onCheckpoint: async (done, r) => {
      if (!runId) return;
      try {
        await saveCheckpoint(runId, done, checkpointToFiles(done, r, config, request.config.method === 'seq-full'));
        post({ type: 'checkpointSaved', done });
      } catch (e) {
        post({ type: 'checkpointSaved', done, saveError: messageOf(e) });
      }
    },
  });
  if (runId) await markFinished(runId).catch(() => {});
  // The same bank the CLI writes (lora_bank.safetensors); the run's numbers do not depend on it being written.
  let loraBank: Uint8Array | undefined;
  try {
    const state = result.state;
    loraBank = writeLoraBank({
      config,
      components: state.seqLora ? [state.seqLora] : state.components,
      head: state.head ? { weight: state.head.weight, bias: state.head.bias, classes: state.head.bias.length } : undefined,
      meta: { method: request.config.method, seed: String(request.config.seed), classOrder: JSON.stringify(result.classOrder) },
    });
  } catch {
    loraBank = undefined;
  }
  post({
    type: 'finished',
    loraBank,
    result: {
      classNames: data.classNames,
      classOrder: result.classOrder,
      tasks: result.tasks,
      counts: result.counts,
      metrics: result.metrics,
      alpha: result.alpha,
      loss: result.loss,
      lsResidual: result.lsResidual,
      trainableParams: result.trainableParams,
      wallSeconds: result.wallSeconds,
      imagesPerSec: result.imagesPerSec,
    },
  });
}

self.addEventListener('message', (e: MessageEvent<WorkerCommand>) => {
  const cmd = e.data;
  if (cmd.type === 'start') {
    run(cmd.request, cmd.folder, cmd.resumeRunId).catch((err: unknown) => post({ type: 'failed', message: messageOf(err) }));
  } else if (cmd.type === 'scanFolder') {
    scanFolderFiles(cmd.folder, (done, total) => {
      if (done % 16 === 0 || done === total) post({ type: 'folderProgress', done, total });
    })
      .then((summary) => post({ type: 'folderScanned', summary }))
      .catch((err: unknown) => post({ type: 'folderFailed', message: err instanceof Error ? err.message : String(err) }));
  } else if (cmd.type === 'pause') {
    if (!pause) {
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      pause = { promise, release };
    }
  } else if (cmd.type === 'resume') {
    const p = pause;
    pause = null;
    p?.release();
  }
});
