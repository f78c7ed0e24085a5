// Page side of the training worker: starts it, forwards run commands, and feeds its messages to the store in
// batches (at most one store update per FLUSH_MS, so charts re-render a few times a second, not per step).
// Stop terminates the worker; the next run starts a fresh one. The user's folder (File objects) is kept here,
// not in the store: it is sent to the worker to be checked when picked, and again with every run on it.
// At page load checkInterrupted looks for a run an earlier page left unfinished (saved by the worker in OPFS);
// resumeInterrupted continues it from its last completed task.

import { clockTicked, folderPicked, interruptedDiscarded, interruptedFound, requestRun, resumeRequested, runPaused, runResumed, runStopped, workerMessages } from '../store/actions';
import { store, isActive } from '../store/state';
import { FOLDER_DATASET, type FolderFiles, type WorkerCommand, type WorkerMessage } from './protocol';
import { discardRun, findInterrupted } from './runStore';

const FLUSH_MS = 150;

let worker: Worker | null = null;
let folder: FolderFiles | null = null;
let queue: WorkerMessage[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
let clock: ReturnType<typeof setInterval> | null = null;

function flush(): void {
  timer = null;
  const batch = queue;
  queue = [];
  if (batch.length) workerMessages(batch, performance.now());
}

function receive(m: WorkerMessage): void {
  queue.push(m);
  // The end of a run is shown at once; steps wait for the next flush.
  if (m.type === 'finished' || m.type === 'failed' || m.type === 'folderScanned' || m.type === 'folderFailed' || m.type === 'resumedFrom' || m.type === 'checkpointSaved') {
    if (timer) clearTimeout(timer);
    flush();
  } else timer ??= setTimeout(flush, FLUSH_MS);
}

function send(cmd: WorkerCommand): void {
  worker?.postMessage(cmd);
}

function spawn(): Worker {
  const w = new Worker(new URL('./training.worker.ts', import.meta.url), { type: 'module', name: 'sdlora-training' });
  w.addEventListener('message', (e: MessageEvent<WorkerMessage>) => receive(e.data));
  w.addEventListener('error', (e) => receive({ type: 'failed', message: `the training worker crashed: ${e.message || 'unknown error'}` }));
  return w;
}

/** Validates the form and starts a run (a no-op while one is active). */
export function startRun(): void {
  if (isActive(store.getState().run.status)) return;
  const request = requestRun(performance.now());
  if (!request) return;
  queue = [];
  worker ??= spawn();
  if (request.dataset === FOLDER_DATASET && folder) send({ type: 'start', request, folder });
  else send({ type: 'start', request });
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
  if (saved.request.dataset === FOLDER_DATASET && folder) send({ type: 'start', request: saved.request, folder, resumeRunId: saved.runId });
  else send({ type: 'start', request: saved.request, resumeRunId: saved.runId });
  startClock();
}

export async function discardInterrupted(): Promise<void> {
  const saved = store.getState().interrupted;
  if (!saved) return;
  interruptedDiscarded();
  await discardRun(saved.runId).catch(() => {});
}
