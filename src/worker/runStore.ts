// Runs saved in the origin-private file system (OPFS, navigator.storage.getDirectory()), so closing or
// reloading the tab loses at most the task in progress. Layout, one folder per run:
//   runs/<runId>/request.json        {request, folderName}: what the run was (data set, model, config)
//   runs/<runId>/model/…             the user's model files when the run is on them (a reloaded page cannot
//                                    reopen the originals), written before the first task
//   runs/<runId>/ckpt-<k>/…          the checkpoint after k tasks (src/training/checkpointFiles.ts);
//                                    progress.json is written last, so a folder without it is incomplete
//   runs/<runId>/finished.json       present once the run completed (its checkpoints are then removed)
// The worker writes (after every task); the page reads at load time to offer Resume, and discards.
// Works in the page and in the worker (both have navigator.storage).

import type { CheckpointFiles } from '../training/checkpointFiles';
import { parseRunConfig } from '../training/methods';
import { parseModelSource, type NamedBytes } from './modelSource';
import type { RunRequest } from './protocol';

export interface SavedRun {
  runId: string;
  request: RunRequest;
  /** The user's folder name when the run was on one (it must be picked again to resume). */
  folderName: string | null;
  /** Tasks completed and checkpointed. */
  done: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Async iteration over a directory's names (not in TypeScript's DOM lib without DOM.AsyncIterable). */
const namesOf = (dir: FileSystemDirectoryHandle) => (dir as unknown as { keys(): AsyncIterable<string> }).keys();

async function runsDir(): Promise<FileSystemDirectoryHandle> {
  if (!globalThis.navigator?.storage?.getDirectory) throw new Error('this browser has no origin-private file system');
  return (await navigator.storage.getDirectory()).getDirectoryHandle('runs', { create: true });
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, bytes: Uint8Array): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const w = await handle.createWritable();
  await w.write(bytes as Uint8Array<ArrayBuffer>);
  await w.close();
}

async function readFile(dir: FileSystemDirectoryHandle, name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer());
}

async function exists(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await dir.getFileHandle(name);
    return true;
  } catch {
    return false;
  }
}

/** The highest k with a complete ckpt-<k> folder (0 when none). */
async function latestCheckpoint(run: FileSystemDirectoryHandle): Promise<number> {
  let best = 0;
  for await (const name of namesOf(run)) {
    const k = /^ckpt-(\d+)$/.exec(name);
    if (k && Number(k[1]) > best && (await exists(await run.getDirectoryHandle(name), 'progress.json'))) best = Number(k[1]);
  }
  return best;
}

/** Starts the record of a new run and removes every other run's (one run at a time). modelFiles: the user's
 *  model files of a 'files' run, kept so that it can resume after a reload. */
export async function createRun(request: RunRequest, folderName: string | null, modelFiles: NamedBytes[] = []): Promise<string> {
  const runs = await runsDir();
  for await (const name of namesOf(runs)) await runs.removeEntry(name, { recursive: true });
  const runId = `run-${Date.now()}`;
  const dir = await runs.getDirectoryHandle(runId, { create: true });
  if (modelFiles.length) {
    const model = await dir.getDirectoryHandle('model', { create: true });
    for (const f of modelFiles) await writeFile(model, f.name, f.bytes);
  }
  // request.json last: a run whose model files could not be saved is not offered for resume.
  await writeFile(dir, 'request.json', enc.encode(JSON.stringify({ request, folderName })));
  return runId;
}

/** The model files saved with a run (createRun's modelFiles). */
export async function readRunModel(runId: string): Promise<NamedBytes[]> {
  const run = await (await runsDir()).getDirectoryHandle(runId);
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await run.getDirectoryHandle('model');
  } catch {
    throw new Error('the model files of this run were not saved in the browser; start the run again with your model picked');
  }
  const out: NamedBytes[] = [];
  for await (const name of namesOf(dir)) out.push({ name, bytes: await readFile(dir, name) });
  return out;
}

/** Saves the checkpoint after `done` tasks, then drops the older ones. */
export async function saveCheckpoint(runId: string, done: number, files: CheckpointFiles): Promise<void> {
  const run = await (await runsDir()).getDirectoryHandle(runId);
  const dir = await run.getDirectoryHandle(`ckpt-${done}`, { create: true });
  for (const [name, bytes] of files) if (name !== 'progress.json') await writeFile(dir, name, bytes);
  const progress = files.get('progress.json');
  if (progress) await writeFile(dir, 'progress.json', progress);
  for await (const name of namesOf(run)) if (name.startsWith('ckpt-') && name !== `ckpt-${done}`) await run.removeEntry(name, { recursive: true });
}

export async function markFinished(runId: string): Promise<void> {
  const run = await (await runsDir()).getDirectoryHandle(runId);
  await writeFile(run, 'finished.json', enc.encode('{"finished":true}'));
  for await (const name of namesOf(run)) if (name.startsWith('ckpt-')) await run.removeEntry(name, { recursive: true });
}

/** The newest unfinished run with at least one completed task, if any. */
export async function findInterrupted(): Promise<SavedRun | null> {
  const runs = await runsDir();
  let found: SavedRun | null = null;
  for await (const runId of namesOf(runs)) {
    const run = await runs.getDirectoryHandle(runId);
    if ((await exists(run, 'finished.json')) || !(await exists(run, 'request.json'))) continue;
    const done = await latestCheckpoint(run);
    if (done === 0) continue;
    const saved = JSON.parse(dec.decode(await readFile(run, 'request.json'))) as { request: RunRequest & { model: unknown }; folderName: string | null };
    // Runs saved before model sources existed name a preset as a plain string.
    const model = parseModelSource(saved.request.model);
    if (!model) continue;
    // Through the config parser: fields added since the run was saved (e.g. targets) get their defaults; a
    // config this version cannot read is not offered for resume.
    let config: RunRequest['config'];
    try {
      config = parseRunConfig(saved.request.config as unknown as Record<string, unknown>);
    } catch {
      continue;
    }
    if (!found || runId > found.runId) found = { runId, request: { ...saved.request, model, config }, folderName: saved.folderName, done };
  }
  return found;
}

/** The files of a run's latest complete checkpoint. */
export async function readLatestCheckpoint(runId: string): Promise<CheckpointFiles> {
  const run = await (await runsDir()).getDirectoryHandle(runId);
  const done = await latestCheckpoint(run);
  if (done === 0) throw new Error('the saved run has no completed task to resume from');
  const dir = await run.getDirectoryHandle(`ckpt-${done}`);
  const files: CheckpointFiles = new Map();
  for await (const name of namesOf(dir)) files.set(name, await readFile(dir, name));
  return files;
}

export async function discardRun(runId: string): Promise<void> {
  await (await runsDir()).removeEntry(runId, { recursive: true });
}
