// Messages between the page and the training worker (src/worker/training.worker.ts), and the choices a
// run request is made of. Pure data and types: the page, the store and the worker all import it.

import type { FolderEntry, Issue } from '../data/imageFolder';
import type { TrainingEvent } from '../training/experiment';
import type { ContinualMetrics, TaskCounts } from '../training/metrics';
import type { RunConfig } from '../training/methods';

export type ModelId = 'small32' | 'tiny';

export interface ModelChoice {
  id: ModelId;
  label: string;
  detail: string;
}

/** Models the playground can train. The pretrained default (small32 size) does not exist yet. */
export const MODEL_CHOICES: readonly ModelChoice[] = [
  {
    id: 'small32',
    label: 'untrained ViT (the pretrained default is coming)',
    detail: '32 px images, 16 patches of 8 px, width 96, 4 blocks, 3 heads; random weights, so accuracy shows the pipeline, not the method',
  },
  {
    id: 'tiny',
    label: 'tiny (test)',
    detail: '8 px images, 4 patches of 4 px, width 16, 2 blocks: for tests and slow software GPUs; learns little',
  },
];

/** Everything the worker needs to run one experiment. maxPerClass: keep the first N images of each class per split. */
export interface RunRequest {
  dataset: string;
  model: ModelId;
  maxPerClass: number | null;
  config: RunConfig;
}

/** RunRequest.dataset of a run on the user's own folder (no built-in name starts with '@'). */
export const FOLDER_DATASET = '@folder';

/**
 * The user's folder as the page hands it to the worker: entries[i] describes files[i] (path relative to the
 * picked folder, from webkitRelativePath or a dropped entry's fullPath). File objects are cloned by reference
 * to the same bytes on disk; nothing is uploaded.
 */
export interface FolderFiles {
  name: string;
  entries: FolderEntry[];
  files: File[];
}

/** What loadImageFolder made of a folder, for the page: classes with counts and every issue (file skipped). */
export interface FolderSummary {
  name: string;
  layout: string;
  classes: { className: string; train: number; test: number }[];
  issues: Issue[];
  trainImages: number;
  testImages: number;
  bytes: number;
}

export type WorkerCommand =
  /** resumeRunId: continue the run saved in OPFS under that id (src/worker/runStore.ts) from its last completed task. */
  | { type: 'start'; request: RunRequest; folder?: FolderFiles; resumeRunId?: string }
  | { type: 'scanFolder'; folder: FolderFiles }
  | { type: 'pause' }
  | { type: 'resume' };

/** The ExperimentResult without the method state (tensors never leave the worker). */
export interface RunResultSummary {
  classNames: string[];
  classOrder: number[];
  tasks: number[][];
  counts: TaskCounts[][];
  metrics: ContinualMetrics;
  alpha: number[][][]; // [task][step][component]
  loss: number[][]; // [task][step]
  lsResidual: (number | null)[];
  trainableParams: number[];
  wallSeconds: number[];
  imagesPerSec: number[];
}

export type WorkerMessage =
  | { type: 'phase'; detail: string }
  | { type: 'dataLoaded'; adapter: string; classNames: string[]; trainImages: number; testImages: number }
  | { type: 'event'; event: TrainingEvent }
  /** loraBank: lora_bank.safetensors (src/io/loraBank.ts) of the final state; absent if it could not be written. */
  | { type: 'finished'; result: RunResultSummary; loraBank?: Uint8Array }
  /** A resumed run: the completed tasks' results from the checkpoint, sent before its first event. */
  | { type: 'resumedFrom'; done: number; counts: TaskCounts[][]; alpha: number[][][]; loss: number[][]; lsResidual: (number | null)[]; trainableParams: number[]; wallSeconds: number[]; imagesPerSec: number[] }
  /** The checkpoint after `done` tasks is on disk (OPFS); saveError: it could not be saved (the run goes on). */
  | { type: 'checkpointSaved'; done: number; saveError?: string }
  | { type: 'failed'; message: string }
  | { type: 'folderProgress'; done: number; total: number }
  | { type: 'folderScanned'; summary: FolderSummary }
  | { type: 'folderFailed'; message: string };
