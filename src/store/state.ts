// The playground's single zustand store (the only module importing zustand besides its hook). Components
// read it through usePlayground with narrow selectors; everything writes through module-level actions
// (src/store/actions.ts). Tensors never enter it: only summaries and downsampled series.

import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { useShallow } from 'zustand/react/shallow';
import type { BuiltinIndexEntry } from '../data/builtin';
import type { ContinualMetrics, TaskCounts } from '../training/metrics';
import type { RunConfig } from '../training/methods';
import { FOLDER_DATASET, type FolderSummary, type ModelId, type RunRequest } from '../worker/protocol';
import type { SavedRun } from '../worker/runStore';
import type { MetricsJson } from './metricsJson';
import { PRESETS } from './presets';
import { emptySeries, type AlphaPoint, type LossPoint, type Series } from './series';

export type GpuStatus =
  | { status: 'probing' }
  | { status: 'ready'; description: string; kind: string; subgroupSize: number | null }
  | { status: 'unavailable'; message: string };

export interface RunForm {
  preset: string | null; // id of the preset the form still equals, else null
  dataset: string;
  model: ModelId;
  maxPerClass: number | null;
  config: RunConfig;
}

export type RunStatus = 'idle' | 'preparing' | 'running' | 'paused' | 'finished' | 'stopped' | 'failed';

export interface RunProgress {
  status: RunStatus;
  detail: string; // what the worker is doing before training starts, or the error
  request: RunRequest | null;
  adapter: string | null;
  classNames: string[];
  classOrder: number[];
  tasks: number[][];
  task: number; // current task (0-based)
  globalStep: number;
  totalSteps: number;
  imagesPerSec: number; // smoothed over steps
  startedAtMs: number;
  pausedAtMs: number | null;
  pausedTotalMs: number;
  elapsedSeconds: number; // active time, pauses excluded
  firstStepSeconds: number | null; // active time when the first step was reported
  etaSeconds: number | null;
  trainImages: number;
  testImages: number;
  checkpointed: number; // tasks whose checkpoint is saved in the browser (OPFS)
  saveError: string | null; // why checkpoints could not be saved (the run goes on)
}

export interface EngineCheck {
  name: string;
  ok: boolean;
  maxAbsError: number;
  toleranceRatio: number;
  ms: number;
  detail: string;
}

/** The user's own folder: picked (its File objects stay in src/worker/client.ts), checked by the worker. */
export interface FolderState {
  name: string;
  files: number;
  status: 'scanning' | 'ready' | 'failed';
  done: number;
  total: number;
  summary: FolderSummary | null;
  error: string | null;
}

export interface PlaygroundState {
  gpu: GpuStatus;
  datasets: BuiltinIndexEntry[] | null;
  datasetsError: string | null;
  folder: FolderState | null;
  form: RunForm;
  formErrors: string[];
  run: RunProgress;
  alpha: Series<AlphaPoint>;
  loss: Series<LossPoint>;
  taskStarts: number[]; // global step before each task's first step
  counts: TaskCounts[][];
  metrics: ContinualMetrics | null;
  lsResidual: (number | null)[];
  skipped: { path: string; reason: string }[];
  metricsJson: MetricsJson | null;
  /** The finished run's LoRA bank (.safetensors bytes, written in the worker from the final state). */
  loraBank: Uint8Array | null;
  engine: { running: boolean; results: EngineCheck[] };
  /** An unfinished run found in OPFS at page load (offered for Resume / Discard). */
  interrupted: SavedRun | null;
}

const firstPreset = PRESETS[0]!;

export const initialRun = (): RunProgress => ({
  status: 'idle',
  detail: '',
  request: null,
  adapter: null,
  classNames: [],
  classOrder: [],
  tasks: [],
  task: 0,
  globalStep: 0,
  totalSteps: 0,
  imagesPerSec: 0,
  startedAtMs: 0,
  pausedAtMs: null,
  pausedTotalMs: 0,
  elapsedSeconds: 0,
  firstStepSeconds: null,
  etaSeconds: null,
  trainImages: 0,
  testImages: 0,
  checkpointed: 0,
  saveError: null,
});

export const store = createStore<PlaygroundState>()(() => ({
  gpu: { status: 'probing' },
  datasets: null,
  datasetsError: null,
  folder: null,
  form: {
    preset: firstPreset.id,
    dataset: firstPreset.dataset,
    model: firstPreset.model,
    maxPerClass: firstPreset.maxPerClass,
    config: { ...firstPreset.config },
  },
  formErrors: [],
  run: initialRun(),
  alpha: emptySeries<AlphaPoint>(),
  loss: emptySeries<LossPoint>(),
  taskStarts: [],
  counts: [],
  metrics: null,
  lsResidual: [],
  skipped: [],
  metricsJson: null,
  loraBank: null,
  engine: { running: false, results: [] },
  interrupted: null,
}));

/** Subscribes a component to one slice of the store. */
export function usePlayground<T>(selector: (s: PlaygroundState) => T): T {
  return useStore(store, selector);
}

/** Like usePlayground for selectors returning a fresh object or tuple each time (compared shallowly). */
export function usePlaygroundShallow<T>(selector: (s: PlaygroundState) => T): T {
  return useStore(store, useShallow(selector));
}

export const isActive = (s: RunStatus) => s === 'preparing' || s === 'running' || s === 'paused';

/** The checked folder as an index entry (name FOLDER_DATASET), so validation and the task choices treat it like a built-in. */
export function folderEntry(folder: FolderState | null): BuiltinIndexEntry | null {
  const f = folder?.summary;
  if (!folder || folder.status !== 'ready' || !f) return null;
  return { name: FOLDER_DATASET, title: `your folder "${f.name}"`, manifest: '', classes: f.classes.length, train: f.trainImages, test: f.testImages, bytes: f.bytes };
}

/** The index entry of a data set name: a built-in, or the user's folder. */
export function datasetEntry(s: Pick<PlaygroundState, 'datasets' | 'folder'>, name: string): BuiltinIndexEntry | undefined {
  if (name === FOLDER_DATASET) return folderEntry(s.folder) ?? undefined;
  return s.datasets?.find((d) => d.name === name);
}
