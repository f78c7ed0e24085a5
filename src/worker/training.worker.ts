// The training worker: owns a GpuContext (platform/browser), reads the run's backbone (./models.ts: the embedded
// default, a preset or the user's files; also alone on 'checkModel', so the page can show the model and the
// device's limits before any run), loads a built-in benchmark or the user's folder (./folder.ts; also checked
// alone on 'scanFolder'), runs runExperiment and posts every TrainingEvent to the page. Pause holds the runner
// before its next step (beforeStep); stop is the page terminating this worker (GPU work and memory go with it).
// After every completed task the checkpoint and the request go to OPFS (./runStore.ts; with the user's model
// files), so a reloaded page can resume the run ('start' with resumeRunId). After a finished run the merged model
// is exported as ONNX and checked in ONNX Runtime against this engine's logits before the page may offer it.
// Then the run stays here for the α explorer and the weight walk (./explorer.ts): its final method state, the
// state after each task (copied at each checkpoint) and a decoded test subset, until the next run starts.
// Before a run the Data section asks for counts and thumbnails per class ('preview', ./thumbnails.ts) and the
// time estimate's warm-up ('measure': the request's first task cut to a few steps, run by the same runner).

import type { GpuContext } from '../gpu/context';
import { writeLoraBank } from '../io/loraBank';
import { decodeImage, type RgbaImage } from '../data/decode';
import { createBrowserContext } from '../platform/browser';
import { checkpointFromFiles, checkpointToFiles } from '../training/checkpointFiles';
import { runExperiment, type ExperimentOptions, type ExperimentResult, type LabeledImages } from '../training/experiment';
import { checkOnnx, mergedOnnx, mergedParams } from '../training/mergedExport';
import type { MethodState, RunConfig } from '../training/methods';
import type { ViTConfig } from '../model/vit/config';
import { paramCount } from '../model/vit/params';
import { RunExplorer } from './explorer';
import { loadBuiltin } from './data';
import { loadFolder, scanFolderFiles } from './folder';
import { driftProbeSize } from '../training/metrics';
import { memoryError, planRunMemory } from './memoryPlan';
import { loadModel, ModelAbsentError, readPicked } from './models';
import { ORT_RUNTIME, runOnnx } from './onnxRuntime';
import { createRun, markFinished, readLatestCheckpoint, readRunModel, saveCheckpoint } from './runStore';
import { builtinPreview, folderPreview } from './thumbnails';
import { FOLDER_DATASET, type Measured, type DeviceLimits, type FolderFiles, type ModelFiles, type ModelSource, type RunRequest, type WorkerCommand, type WorkerMessage } from './protocol';

const post = (m: WorkerMessage, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

let ctx: GpuContext | null = null;
let pause: { promise: Promise<void>; release: () => void } | null = null;
/** The merged-model export of the last finished run; a new run waits for it (they would share the GPU). */
let exporting: Promise<void> | null = null;
/** The last finished run, kept for the α explorer and the walk; replaced by the next run. */
let explorer: RunExplorer | null = null;
/** The newest explore / walk request not started yet (a newer one replaces it: sliders send many). */
let pendingExplore: Extract<WorkerCommand, { type: 'explore' }> | null = null;
let pendingWalk: Extract<WorkerCommand, { type: 'walk' }> | null = null;
/** Set while explore / walk requests are being evaluated; a new run waits for it. */
let exploring: Promise<void> | null = null;
/** Keeping the state after every task costs a backbone copy per task only where the method trains the backbone. */
const SNAPSHOT_FLOATS = 32e6;

const gate = async (): Promise<void> => {
  while (pause) await pause.promise;
};

/** The worker's device limits, or null without WebGPU here (the model is still described). */
async function deviceLimits(): Promise<DeviceLimits | null> {
  try {
    ctx ??= await createBrowserContext();
    return { maxBufferSize: ctx.limits.maxBufferSize, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize };
  } catch {
    return null;
  }
}

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

async function readModel(source: ModelSource, modelFiles: ModelFiles | undefined, resumeRunId: string | undefined) {
  post({ type: 'phase', detail: source.kind === 'preset' ? 'Building the model…' : 'Reading the model…' });
  try {
    return await loadModel(source, modelFiles, resumeRunId ? () => readRunModel(resumeRunId) : undefined);
  } catch (e) {
    throw new Error(`the model could not be read: ${messageOf(e)}`);
  }
}

/** Set while a run is in progress (start to finish); a warm-up is refused then. */
let running = false;
/** Set while a warm-up runs; a run waits for it (they would share the GPU). */
let measuring: Promise<void> | null = null;

/** Training steps the warm-up times after its first one (which compiles the pipelines). */
const MEASURE_STEPS = 3;

/**
 * The time estimate's warm-up: the request's own model, batch, method and data, cut to a few images per class so
 * task 1 has 1 + MEASURE_STEPS steps, one epoch, stopped after task 1. The first step compiles and is not counted;
 * evaluation is timed from the last step to the task's end (the method's end of task and the evaluation pass).
 */
async function measure(key: string, request: RunRequest, classes: number, folder: FolderFiles | undefined, modelFiles: ModelFiles | undefined): Promise<void> {
  if (exporting) await exporting;
  if (exploring) await exploring;
  ctx ??= await createBrowserContext();
  const model = await loadModel(request.model, modelFiles);
  const cfg = request.config;
  const quiet = async () => {};
  const need = Math.ceil(((1 + MEASURE_STEPS) * cfg.batchSize) / Math.max(1, classes / cfg.tasks));
  const perClass = request.maxPerClass === null ? need : Math.min(need, request.maxPerClass);
  let data: LabeledImages;
  if (request.dataset === FOLDER_DATASET) {
    if (!folder) throw new Error('no folder was given; pick your folder again');
    data = (await loadFolder(folder, perClass, quiet, () => {})).data;
  } else data = (await loadBuiltin(request.dataset, perClass, quiet, () => {})).data;
  const memory = planRunMemory(model.config, cfg, data.classNames.length, ctx.limits);
  if (memory.problems.length) throw new Error(memoryError(memory, cfg.batchSize));
  const stepMs: number[] = [];
  let lastStepAt = 0;
  let startedAt = 0;
  let evalSeconds = 0;
  let evalImages = 0;
  await runExperiment(ctx, model, data, { ...cfg, epochs: 1, milestones: [] }, {
    stopAfter: 1,
    onEvent: (e) => {
      const now = performance.now();
      if (e.type === 'taskStarted') startedAt = now;
      else if (e.type === 'stepCompleted') {
        stepMs.push((1000 * cfg.batchSize) / e.imagesPerSec);
        lastStepAt = now;
      } else if (e.type === 'taskFinished') {
        evalSeconds = (now - (lastStepAt || startedAt)) / 1000;
        // the evaluated test images, and the drift probe's second pass (src/training/experiment.ts driftProbe)
        evalImages = e.counts.reduce((n, c) => n + c.total, 0) + driftProbeSize(data.test.length);
      }
    },
  });
  // Without a step after the compiling one, that one is all there is (an upper bound).
  const steady = stepMs.length > 1 ? stepMs.slice(1) : stepMs;
  const measured: Measured = {
    stepSeconds: steady.length ? steady.reduce((a, b) => a + b, 0) / steady.length / 1000 : 0,
    evalSecondsPerImage: evalImages ? evalSeconds / evalImages : 0,
    steps: steady.length,
  };
  post({ type: 'measured', key, measured });
}

async function run(request: RunRequest, folder: FolderFiles | undefined, modelFiles: ModelFiles | undefined, resumeRunId: string | undefined): Promise<void> {
  if (measuring) await measuring;
  running = true;
  try {
    await runInner(request, folder, modelFiles, resumeRunId);
  } finally {
    running = false;
  }
}

async function runInner(request: RunRequest, folder: FolderFiles | undefined, modelFiles: ModelFiles | undefined, resumeRunId: string | undefined): Promise<void> {
  explorer = null;
  pendingExplore = null;
  pendingWalk = null;
  if (exporting) await exporting;
  explorer = null; // one the export just prepared belongs to the previous run
  if (exploring) await exploring;
  post({ type: 'phase', detail: 'Starting WebGPU in the worker…' });
  ctx ??= await createBrowserContext();
  const model = await readModel(request.model, modelFiles, resumeRunId);
  const data = await loadData(request, folder);
  // The form checked this already with the same plan; a run resumed from another page had no form.
  const memory = planRunMemory(model.config, request.config, data.classNames.length, ctx.limits);
  if (memory.problems.length) throw new Error(memoryError(memory, request.config.batchSize));
  post({
    type: 'dataLoaded',
    adapter: `${ctx.adapter.description} (${ctx.adapter.kind})`,
    classNames: data.classNames,
    trainImages: data.train.length,
    testImages: data.test.length,
  });
  post({ type: 'phase', detail: 'Compiling shaders and training…' });
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
      const saved = request.model.kind === 'files' && modelFiles ? await readPicked(modelFiles) : [];
      runId = await createRun(request, folder?.name ?? null, saved);
    } catch (e) {
      post({ type: 'checkpointSaved', done: 0, saveError: messageOf(e) });
    }
  }
  const config: ViTConfig = { ...model.config, numClasses: data.classNames.length };
  // The state after each task, for the walk between two tasks' weights. A shallow copy is enough: the runner
  // replaces a state's fields (head, components) at the next task, it never writes into their arrays.
  const snapshots = new Map<number, MethodState>();
  const keepSnapshots = request.config.method !== 'seq-full' || paramCount(config) * request.config.tasks <= SNAPSHOT_FLOATS;
  if (resume && keepSnapshots) snapshots.set(resume.done - 1, { ...resume.state });
  const result = await runExperiment(ctx, model, data, request.config, {
    onEvent: (event) => post({ type: 'event', event }),
    beforeStep: gate,
    resume,
    onCheckpoint: async (done, r) => {
      if (keepSnapshots) snapshots.set(done - 1, { ...r.state });
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
      featureDrift: result.featureDrift,
    },
  });
  const gpu = ctx;
  exporting = exportMerged(gpu, config, request.config, result, data)
    .then(() => prepareExplorer(gpu, config, request.config, result, snapshots, data))
    .finally(() => (exporting = null));
  await exporting;
}

/** Keeps the finished run for the α explorer and says what it offers (or why it cannot). */
async function prepareExplorer(gpu: GpuContext, config: ViTConfig, runConfig: RunConfig, result: ExperimentResult, snapshots: Map<number, MethodState>, data: LabeledImages): Promise<void> {
  try {
    explorer = await RunExplorer.create(gpu, config, runConfig, result, snapshots, data);
    post({ type: 'explorerReady', info: explorer.info });
  } catch (e) {
    explorer = null;
    post({ type: 'explorerUnavailable', message: messageOf(e) });
  }
}

/** Evaluates the newest explore and walk requests one at a time, on the kept run. */
function pumpExplorer(): void {
  if (exploring) return;
  exploring = (async () => {
    if (exporting) await exporting;
    for (;;) {
      const cmd = pendingExplore ?? pendingWalk;
      if (!cmd) break;
      if (cmd === pendingExplore) pendingExplore = null;
      else pendingWalk = null;
      const what = cmd.type;
      const ex = explorer;
      if (!ex) {
        post({ type: 'exploreFailed', key: cmd.key, what, message: 'no finished run is kept in this page to explore; run one first' });
        continue;
      }
      try {
        if (cmd.type === 'explore') post({ type: 'explored', key: cmd.key, scales: cmd.scales, ...(await ex.explore(cmd.scales)) });
        else post({ type: 'walked', key: cmd.key, a: cmd.a, b: cmd.b, points: await ex.walk(cmd.a, cmd.b, cmd.lambdas) });
      } catch (e) {
        post({ type: 'exploreFailed', key: cmd.key, what, message: messageOf(e) });
      }
    }
  })().finally(() => {
    exploring = null;
    if (pendingExplore || pendingWalk) pumpExplorer(); // arrived while the loop was ending
  });
}

/** Test images the merged-model check runs on: the first that decode, one per class before any class twice. */
async function checkImages(data: LabeledImages, count: number): Promise<RgbaImage[]> {
  const seen = new Set<number>();
  const first = new Set(data.test.filter((r) => !seen.has(r.label) && seen.add(r.label)));
  const order = [...first, ...data.test.filter((r) => !first.has(r))];
  const out: RgbaImage[] = [];
  for (const ref of order) {
    if (out.length >= count) break;
    try {
      out.push(decodeImage(await ref.bytes()));
    } catch {
      // An undecodable test image was already reported during evaluation.
    }
  }
  return out;
}

const CHECK_IMAGES = 4;

/** Merges the final state into one ViT, exports it as ONNX and checks it in ONNX Runtime before offering it. */
async function exportMerged(gpu: GpuContext, config: ViTConfig, run: RunConfig, result: ExperimentResult, data: LabeledImages): Promise<void> {
  post({ type: 'mergedModel', status: 'checking' });
  let phase = 'merging the weights';
  try {
    const t0 = performance.now();
    const params = mergedParams(run, config, result.state);
    phase = 'writing the ONNX file';
    const onnx = mergedOnnx(run, config, params, result.classOrder.map((c) => data.classNames[c] ?? String(c)));
    phase = 'reading test images for the check';
    const images = await checkImages(data, CHECK_IMAGES);
    if (images.length === 0) throw new Error('no test image could be decoded to check the model on');
    phase = 'running the model in ONNX Runtime';
    const r = await checkOnnx(gpu, config, params, onnx, images, runOnnx);
    const check = { images: r.images, classes: r.classes, maxAbsDiff: r.maxAbsDiff, maxAbsLogit: r.maxAbsLogit, tolerance: r.tolerance, runtime: ORT_RUNTIME, seconds: (performance.now() - t0) / 1000 };
    if (r.ok) post({ type: 'mergedModel', status: 'ready', onnx, check }, [onnx.buffer]);
    else post({ type: 'mergedModel', status: 'refused', message: `${r.message}: the file would not reproduce your model, so it is not offered`, check });
  } catch (e) {
    post({ type: 'mergedModel', status: 'failed', message: `${phase}: ${messageOf(e)}`, check: null });
  }
}

async function checkModel(key: string, source: ModelSource, files: ModelFiles | undefined): Promise<void> {
  const limits = await deviceLimits();
  try {
    const model = await loadModel(source, files);
    post({ type: 'modelChecked', key, info: model.info, limits });
  } catch (e) {
    post({ type: 'modelFailed', key, message: messageOf(e), absent: e instanceof ModelAbsentError, limits });
  }
}

self.addEventListener('message', (e: MessageEvent<WorkerCommand>) => {
  const cmd = e.data;
  if (cmd.type === 'start') {
    run(cmd.request, cmd.folder, cmd.modelFiles, cmd.resumeRunId).catch((err: unknown) => post({ type: 'failed', message: messageOf(err) }));
  } else if (cmd.type === 'checkModel') {
    void checkModel(cmd.key, cmd.source, cmd.files);
  } else if (cmd.type === 'scanFolder') {
    scanFolderFiles(cmd.folder, (done, total) => {
      if (done % 16 === 0 || done === total) post({ type: 'folderProgress', done, total });
    })
      .then(async ({ data, summary }) => {
        post({ type: 'folderScanned', summary });
        try {
          post({ type: 'preview', dataset: FOLDER_DATASET, classes: await folderPreview(data, summary) });
        } catch (err) {
          post({ type: 'previewFailed', dataset: FOLDER_DATASET, message: messageOf(err) });
        }
      })
      .catch((err: unknown) => post({ type: 'folderFailed', message: err instanceof Error ? err.message : String(err) }));
  } else if (cmd.type === 'preview') {
    builtinPreview(cmd.dataset)
      .then((classes) => post({ type: 'preview', dataset: cmd.dataset, classes }))
      .catch((err: unknown) => post({ type: 'previewFailed', dataset: cmd.dataset, message: messageOf(err) }));
  } else if (cmd.type === 'measure') {
    if (running || measuring) post({ type: 'measureFailed', key: cmd.key, message: running ? 'a run is in progress; measure when it has ended' : 'a measurement is already running' });
    else
      measuring = measure(cmd.key, cmd.request, cmd.classes, cmd.folder, cmd.modelFiles)
        .catch((err: unknown) => post({ type: 'measureFailed', key: cmd.key, message: messageOf(err) }))
        .finally(() => (measuring = null));
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
  } else if (cmd.type === 'explore') {
    pendingExplore = cmd;
    pumpExplorer();
  } else if (cmd.type === 'walk') {
    pendingWalk = cmd;
    pumpExplorer();
  }
});
