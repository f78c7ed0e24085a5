// The playground's single zustand store (the only module importing zustand besides its hook). Components
// read it through usePlayground with narrow selectors; everything writes through module-level actions
// (src/store/actions.ts). Tensors never enter it: only summaries and downsampled series.

import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { useShallow } from 'zustand/react/shallow';
import type { BuiltinIndexEntry } from '../data/builtin';
import type { ContinualMetrics, TaskCounts } from '../training/metrics';
import type { RunConfig } from '../training/methods';
import { presetInfo } from '../worker/modelSource';
import { FOLDER_DATASET, type ClassPreview, type Measured, type DeviceLimits, type FolderSummary, type ModelInfo, type ModelSource, type OnnxCheck, type RunRequest } from '../worker/protocol';
import type { SavedRun } from '../worker/runStore';
import { noExplorer, type ExplorerState } from './explorer';
import type { RunRecord } from './history';
import type { MetricsJson } from './metricsJson';
import { PRESETS } from './presets';
import { emptySeries, type AlphaPoint, type LossPoint, type Series } from './series';
import type { TeachingState, TourFocus } from './teaching';

export type GpuStatus =
  | { status: 'probing' }
  | { status: 'ready'; description: string; kind: string; subgroupSize: number | null }
  | { status: 'unavailable'; message: string };

export interface RunForm {
  preset: string | null; // id of the preset the form still equals, else null
  dataset: string;
  model: ModelSource;
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

/** A model the worker reads (the embedded default): checking, usable, not in this build, or unreadable. */
export interface ModelEntry {
  status: 'checking' | 'ready' | 'absent' | 'failed';
  info: ModelInfo | null;
  error: string | null;
}

export type FilesSource = Extract<ModelSource, { kind: 'files' }>;

/** The user's model files: the ones the form can use (accepted), and a pick being checked or refused (pending). */
export interface UserModelState {
  accepted: { key: string; source: FilesSource; info: ModelInfo } | null;
  /** A refused pick leaves `accepted` (and the form's model) as they were. */
  pending: { key: string; name: string; source: FilesSource | null; status: 'checking' | 'failed'; error: string | null } | null;
}

/** The merged model of the finished run as ONNX: exported and checked in ONNX Runtime by the worker. */
export interface MergedModelState {
  status: 'none' | 'checking' | 'ready' | 'refused' | 'failed';
  onnx: Uint8Array | null;
  check: OnnxCheck | null;
  message: string | null;
}

/** Counts and thumbnails per class of the form's data set (a built-in, or FOLDER_DATASET for the folder). */
export interface DataPreview {
  dataset: string;
  status: 'loading' | 'ready' | 'failed';
  classes: ClassPreview[];
  error: string | null;
}

/** The time estimate's warm-up: basis says which settings it measured (measureBasis), so a changed form shows it stale. */
export interface EstimateState {
  status: 'none' | 'measuring' | 'ready' | 'failed';
  key: string | null;
  basis: string | null;
  measured: Measured | null;
  error: string | null;
}

export const noEstimate = (): EstimateState => ({ status: 'none', key: null, basis: null, measured: null, error: null });

/** The settings a step's time depends on (not the seed, epochs, task count or cap: those change the step count). */
export const measureBasis = (form: RunForm): string => {
  const c = form.config;
  return JSON.stringify([form.dataset, form.model, c.method, c.batchSize, c.rank, c.head, c.optimizer, c.augment]);
};

export const noMergedModel = (): MergedModelState => ({ status: 'none', onnx: null, check: null, message: null });

export interface PlaygroundState {
  gpu: GpuStatus;
  datasets: BuiltinIndexEntry[] | null;
  datasetsError: string | null;
  folder: FolderState | null;
  form: RunForm;
  formErrors: string[];
  /** Not an error: something the form could not take over from a config file, and what to do. */
  formNotice: string | null;
  defaultModel: ModelEntry;
  userModel: UserModelState;
  /** The training worker's device limits (reported with every model check). */
  deviceLimits: DeviceLimits | null;
  run: RunProgress;
  alpha: Series<AlphaPoint>;
  loss: Series<LossPoint>;
  taskStarts: number[]; // global step before each task's first step
  counts: TaskCounts[][];
  metrics: ContinualMetrics | null;
  lsResidual: (number | null)[];
  /** Per finished task: mean 1 − cos between the features and the pretrained backbone's (ExperimentResult.featureDrift). */
  featureDrift: number[];
  skipped: { path: string; reason: string }[];
  /** Warnings of the run (e.g. a task whose loss rose: diverging), shown above the results. */
  warnings: string[];
  metricsJson: MetricsJson | null;
  /** The finished run's LoRA bank (.safetensors bytes, written in the worker from the final state). */
  loraBank: Uint8Array | null;
  mergedModel: MergedModelState;
  engine: { running: boolean; results: EngineCheck[] };
  /** An unfinished run found in OPFS at page load (offered for Resume / Discard). */
  interrupted: SavedRun | null;
  /** Finished runs of this page (src/store/history.ts), oldest first; currentRunId: the one on screen, if finished. */
  history: RunRecord[];
  currentRunId: string | null;
  /** Ids of records drawn as dashed overlays. */
  pinned: string[];
  /** Runs to start when the current one finishes: the form's run with these settings changed (comparison, tour). */
  queue: Partial<RunConfig>[];
  explorer: ExplorerState;
  teaching: TeachingState | null;
  /** By data set name (FOLDER_DATASET: the picked folder's); each built-in is asked for once. */
  previews: Record<string, DataPreview>;
  estimate: EstimateState;
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

/** Everything a run produces, empty: the state before the first run and at the start of every new one. */
export const emptyRunData = () => ({
  alpha: emptySeries<AlphaPoint>(),
  loss: emptySeries<LossPoint>(),
  taskStarts: [] as number[],
  counts: [] as PlaygroundState['counts'],
  metrics: null,
  lsResidual: [] as (number | null)[],
  featureDrift: [] as number[],
  skipped: [] as PlaygroundState['skipped'],
  warnings: [] as string[],
  metricsJson: null,
  loraBank: null,
  mergedModel: noMergedModel(),
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
  formNotice: null,
  defaultModel: { status: 'checking', info: null, error: null },
  userModel: { accepted: null, pending: null },
  deviceLimits: null,
  run: initialRun(),
  ...emptyRunData(),
  engine: { running: false, results: [] },
  interrupted: null,
  history: [],
  currentRunId: null,
  pinned: [],
  queue: [],
  explorer: noExplorer(),
  teaching: null,
  previews: {},
  estimate: noEstimate(),
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

/** What the form knows about a model source: its summary when usable, else why not (and what to do). */
export function modelStatus(s: Pick<PlaygroundState, 'defaultModel' | 'userModel'>, source: ModelSource): { info: ModelInfo | null; error: string | null; checking: boolean } {
  if (source.kind === 'preset') return { info: presetInfo(source.id), error: null, checking: false };
  if (source.kind === 'default') {
    const d = s.defaultModel;
    if (d.status === 'ready') return { info: d.info, error: null, checking: false };
    if (d.status === 'checking') return { info: null, error: 'the embedded default model is still being read; wait a moment', checking: true };
    return { info: null, error: d.error ?? 'the embedded default model cannot be used; pick another backbone', checking: false };
  }
  const a = s.userModel.accepted;
  if (a && JSON.stringify(a.source) === JSON.stringify(source)) return { info: a.info, error: null, checking: false };
  return { info: null, error: `your model "${source.name}" (${source.files.join(' + ')}) is not loaded in this page: pick those files again under Model`, checking: false };
}

/** The backbone the presets mean by "the default": the embedded one, or the untrained small32 when this copy has none. */
export const defaultBackbone = (s: Pick<PlaygroundState, 'defaultModel'>): ModelSource =>
  s.defaultModel.status === 'absent' || s.defaultModel.status === 'failed' ? { kind: 'preset', id: 'small32' } : { kind: 'default' };

/** Whether the teaching tour's current moment points at this panel. */
export const tourFocusIs = (s: Pick<PlaygroundState, 'teaching'>, focus: TourFocus): boolean => {
  const t = s.teaching;
  return !!t && t.moments[t.index]?.focus === focus;
};
