// Page side of the training worker: starts it, forwards run commands, and feeds its messages to the store in
// batches (at most one store update per FLUSH_MS, so charts re-render a few times a second, not per step).
// Stop terminates the worker; the next run starts a fresh one. The user's folder (File objects) is kept here,
// not in the store: it is sent to the worker to be checked when picked, and again with every run on it.
// At page load checkInterrupted looks for a run an earlier page left unfinished (saved by the worker in OPFS);
// resumeInterrupted continues it from its last completed task. Models: checkDefaultModel asks the worker to read
// the embedded default (and report the device's limits); chooseModelFiles hands picked model files to it. Like
// the folder, the user's model files (File objects) stay here: the accepted ones go with every run on them; a
// pick the worker refuses is dropped and the form keeps its model.
// Analysis: when a run finishes and another is queued (a comparison, the teaching tour's second run) it starts at
// once; the α explorer's requests go to the worker debounced (sliders move many times a second), and the first
// one, at 1× everywhere, as soon as the worker says the finished run is kept.
// The Data section asks for a built-in's counts and thumbnails once (requestPreview; a folder's come with its
// scan), and the time estimate's warm-up goes to the same worker (measureRun) while no run is active.

import { clockTicked, folderPicked, measureAbandoned, measureRequested, previewRequested, interruptedDiscarded, interruptedFound, modelFilesPicked, requestRun, resumeRequested, runPaused, runResumed, runStopped, workerMessages } from '../store/actions';
import { explorerSent, prepareComparison, setExplorerOff, setExplorerScale, resetExplorerScales, setWalkEnds, takeQueued, tourCouldNotStart, tourStarted, walkSent } from '../store/analysisActions';
import { effectiveScales, WALK_LAMBDAS } from '../store/explorer';
import type { MethodName } from '../training/methods';
import { datasetEntry, store, isActive } from '../store/state';
import { filesSource, ModelFilesError, modelFilesName } from './modelSource';
import { FOLDER_DATASET, type FolderFiles, type ModelFiles, type RunRequest, type WorkerCommand, type WorkerMessage } from './protocol';
import { discardRun, findInterrupted } from './runStore';

const FLUSH_MS = 150;
/** Quiet time after the last slider move before the explorer re-evaluates. */
const EXPLORE_DEBOUNCE_MS = 250;

let worker: Worker | null = null;
let folder: FolderFiles | null = null;
/** The model files the form may use, and a pick the worker is still reading (by its key). */
let modelFiles: { key: string; files: ModelFiles } | null = null;
let pendingModel: { key: string; files: ModelFiles } | null = null;
let picks = 0;
let queue: WorkerMessage[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
let clock: ReturnType<typeof setInterval> | null = null;
let exploreTimer: ReturnType<typeof setTimeout> | null = null;
let exploreKey = 0;

function flush(): void {
  timer = null;
  const batch = queue;
  queue = [];
  if (batch.length) workerMessages(batch, performance.now());
  holdForTour();
}

/** Moments of the teaching tour seen so far: a new one pauses the run when the tour holds at moments. */
let momentsSeen = 0;

function holdForTour(): void {
  const s = store.getState();
  const count = s.teaching?.moments.length ?? 0;
  if (!s.teaching?.hold) {
    momentsSeen = count;
    return;
  }
  // A moment made by a run's end waits for the tour's next run to start, and holds that one.
  if (count > momentsSeen && isActive(s.run.status)) {
    momentsSeen = count;
    if (s.run.status !== 'paused') pauseRun();
  }
}

const URGENT = new Set<WorkerMessage['type']>([
  'finished',
  'failed',
  'folderScanned',
  'folderFailed',
  'resumedFrom',
  'checkpointSaved',
  'modelChecked',
  'modelFailed',
  'mergedModel',
  'explorerReady',
  'explorerUnavailable',
  'explored',
  'walked',
  'exploreFailed',
  'preview',
  'previewFailed',
  'measured',
  'measureFailed',
]);

function receive(m: WorkerMessage): void {
  if (m.type === 'modelChecked' || m.type === 'modelFailed') {
    if (pendingModel?.key === m.key) {
      if (m.type === 'modelChecked') modelFiles = pendingModel;
      pendingModel = null;
    }
  }
  queue.push(m);
  // The end of a run (and answers the form waits for) are shown at once; steps wait for the next flush.
  if (URGENT.has(m.type)) {
    if (timer) clearTimeout(timer);
    flush();
  } else timer ??= setTimeout(flush, FLUSH_MS);
  if (m.type === 'finished' && takeQueued()) {
    startRun();
    holdForTour(); // the finished run's last moment holds the next run at its start
  }
  else if (m.type === 'explorerReady' && store.getState().explorer.status === 'ready') sendExplore();
}

function send(cmd: WorkerCommand): void {
  worker?.postMessage(cmd);
}

function spawn(): Worker {
  const w = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'sdlora-training' });
  w.addEventListener('message', (e: MessageEvent<WorkerMessage>) => receive(e.data));
  w.addEventListener('error', (e) => receive({ type: 'failed', message: `the training worker crashed: ${e.message || 'unknown error'}` }));
  // Checks a stopped (terminated) worker left unanswered are asked again.
  if (store.getState().defaultModel.status === 'checking') w.postMessage({ type: 'checkModel', key: 'default', source: { kind: 'default' } } satisfies WorkerCommand);
  const s = store.getState().userModel.pending;
  if (pendingModel && s?.key === pendingModel.key && s.source && s.status === 'checking')
    w.postMessage({ type: 'checkModel', key: pendingModel.key, source: s.source, files: pendingModel.files } satisfies WorkerCommand);
  return w;
}

/** The 'start' command of a request, with the folder and model files it needs. */
function startCommand(request: RunRequest, resumeRunId?: string): WorkerCommand {
  const cmd: Extract<WorkerCommand, { type: 'start' }> = { type: 'start', request };
  if (request.dataset === FOLDER_DATASET && folder) cmd.folder = folder;
  const m = request.model;
  if (m.kind === 'files' && modelFiles && store.getState().userModel.accepted?.key === modelFiles.key) cmd.modelFiles = modelFiles.files;
  if (resumeRunId) cmd.resumeRunId = resumeRunId;
  return cmd;
}

/** Validates the form and starts a run (a no-op while one is active). */
export function startRun(): void {
  if (isActive(store.getState().run.status)) return;
  const request = requestRun(performance.now());
  if (!request) return;
  queue = [];
  worker ??= spawn();
  send(startCommand(request));
  startClock();
}

function startClock(): void {
  clock ??= setInterval(() => {
    clockTicked(performance.now());
    if (!isActive(store.getState().run.status) && clock) {
      clearInterval(clock);
      clock = null;
    }
  }, 1000);
}

/** The user picked or dropped a folder: it becomes the data set, and the worker checks it (classes, issues). */
export function chooseFolder(picked: FolderFiles): void {
  if (isActive(store.getState().run.status)) return;
  folder = picked;
  folderPicked(picked.name, picked.files.length);
  worker ??= spawn();
  send({ type: 'scanFolder', folder: picked });
}

/** Counts and thumbnails of a built-in benchmark for the Data section, asked for once per data set. */
export function requestPreview(dataset: string): void {
  const p = store.getState().previews[dataset];
  if (dataset === FOLDER_DATASET || (p && p.status !== 'failed')) return;
  previewRequested(dataset);
  worker ??= spawn();
  send({ type: 'preview', dataset });
}

let measures = 0;

/** "Measure": a short warm-up of the form's run on this device, for the time estimate (not while a run is active). */
export function measureRun(): void {
  const s = store.getState();
  if (isActive(s.run.status) || s.estimate.status === 'measuring') return;
  const key = `measure-${++measures}`;
  const request = measureRequested(key);
  const entry = request && datasetEntry(store.getState(), request.dataset);
  if (!request || !entry) return;
  worker ??= spawn();
  const start = startCommand(request) as Extract<WorkerCommand, { type: 'start' }>;
  const cmd: WorkerCommand = { type: 'measure', key, request, classes: entry.classes };
  if (start.folder) cmd.folder = start.folder;
  if (start.modelFiles) cmd.modelFiles = start.modelFiles;
  send(cmd);
}

/** At page load: the worker reads the embedded default model (present or not) and reports the device's limits. */
export function checkDefaultModel(): void {
  if (worker) return; // a worker spawned later asks by itself (spawn) while the default is unchecked
  worker = spawn();
}

/**
 * The user picked or dropped model files (paths relative to a picked or dropped folder, or bare names). Names
 * that cannot make a model are refused here; the rest go to the worker, which reads them with the project's
 * loaders. Until it accepts them the form keeps its model.
 */
export function chooseModelFiles(list: readonly { file: File; path: string }[]): void {
  if (isActive(store.getState().run.status)) return;
  const key = `files-${++picks}`;
  const name = modelFilesName(list.map((f) => f.path));
  let source: ReturnType<typeof filesSource>;
  try {
    source = filesSource(name, list.map((f) => f.path));
  } catch (e) {
    modelFilesPicked(key, name, null, e instanceof ModelFilesError ? e.message : String(e));
    pendingModel = null;
    return;
  }
  // Only the files the source names travel (a dropped folder may hold more).
  const used = list.filter((f) => source.files.includes(f.file.name));
  const files: ModelFiles = { name, files: used.map((f) => f.file) };
  pendingModel = { key, files };
  modelFilesPicked(key, name, source);
  if (worker) send({ type: 'checkModel', key, source, files });
  else worker = spawn(); // asks for the pending check itself
}

export function pauseRun(): void {
  if (!worker || !isActive(store.getState().run.status)) return;
  send({ type: 'pause' });
  flush();
  runPaused(performance.now());
}

export function resumeRun(): void {
  if (!worker || store.getState().run.status !== 'paused') return;
  send({ type: 'resume' });
  runResumed(performance.now());
}

export function stopRun(): void {
  if (!worker || !isActive(store.getState().run.status)) return;
  if (timer) clearTimeout(timer);
  worker.terminate();
  worker = null;
  flush();
  runStopped(performance.now());
  measureAbandoned();
}

/** At page load: an unfinished run saved by an earlier page (closed or reloaded mid-run) is offered for resume. */
export async function checkInterrupted(): Promise<void> {
  try {
    interruptedFound(await findInterrupted());
  } catch {
    // No OPFS (or it cannot be read): nothing to offer.
  }
}

/** Whether the saved run can be resumed now: built-in data always; a folder run once that folder is picked again. */
export function canResume(saved: { request: { dataset: string }; folderName: string | null }, pickedFolder: string | null): boolean {
  return saved.request.dataset !== FOLDER_DATASET || (saved.folderName !== null && saved.folderName === pickedFolder);
}

/** Resume: a fresh worker continues the saved run from its last completed task. */
export function resumeInterrupted(): void {
  const s = store.getState();
  const saved = s.interrupted;
  if (!saved || isActive(s.run.status)) return;
  const picked = s.folder?.status === 'ready' ? (s.folder.summary?.name ?? null) : null;
  if (!canResume(saved, picked)) return;
  queue = [];
  resumeRequested(saved, performance.now());
  worker ??= spawn();
  // A run on the user's model files resumes from the copy saved with it (the worker reads it from OPFS).
  const cmd = startCommand(saved.request, saved.runId);
  delete (cmd as { modelFiles?: ModelFiles }).modelFiles;
  send(cmd);
  startClock();
}

export async function discardInterrupted(): Promise<void> {
  const saved = store.getState().interrupted;
  if (!saved) return;
  interruptedDiscarded();
  await discardRun(saved.runId).catch(() => {});
}

// ---- analysis -------------------------------------------------------------------------------------

/** "Run the comparison": the finished run's data, model and seed again with `method`; the finished run is pinned. */
export function runComparison(method: MethodName): void {
  if (prepareComparison(method)) startRun();
}

/** The teaching tour: its first run starts now, the second when the first finishes. */
export function startTour(usePreset: boolean, hold = false): void {
  if (isActive(store.getState().run.status)) return;
  momentsSeen = 0; // the introduction is new: with hold, the run waits for it too
  tourStarted(usePreset, hold);
  startRun();
  if (!isActive(store.getState().run.status)) tourCouldNotStart();
}

/** Sends the explorer's current scales now (a newer request replaces an unstarted older one in the worker). */
function sendExplore(): void {
  if (exploreTimer) clearTimeout(exploreTimer);
  exploreTimer = null;
  const e = store.getState().explorer;
  if (!worker || e.status !== 'ready') return;
  const key = ++exploreKey;
  explorerSent(key);
  send({ type: 'explore', key, scales: effectiveScales(e) });
}

function scheduleExplore(): void {
  if (exploreTimer) clearTimeout(exploreTimer);
  exploreTimer = setTimeout(sendExplore, EXPLORE_DEBOUNCE_MS);
}

export function exploreScale(k: number, v: number): void {
  setExplorerScale(k, v);
  scheduleExplore();
}

export function exploreOff(k: number, off: boolean): void {
  setExplorerOff(k, off);
  scheduleExplore();
}

export function exploreReset(): void {
  resetExplorerScales();
  scheduleExplore();
}

export function chooseWalk(a: number, b: number): void {
  setWalkEnds(a, b);
}

/** Walks the line between the weights after the chosen two tasks. */
export function runWalk(): void {
  const e = store.getState().explorer;
  if (!worker || e.status !== 'ready' || !(e.walk.a < e.walk.b)) return;
  const key = ++exploreKey;
  walkSent(key);
  send({ type: 'walk', key, a: e.walk.a, b: e.walk.b, lambdas: WALK_LAMBDAS });
}

/** Next at the tour's newest moment while it holds the run: training continues. */
export function continueTour(): void {
  if (store.getState().run.status === 'paused') resumeRun();
}
