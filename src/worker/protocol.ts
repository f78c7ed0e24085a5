// Messages between the page and the training worker (src/worker/training.worker.ts), and the choices a
// run request is made of. Pure data and types: the page, the store and the worker all import it.

import type { FolderEntry, Issue } from '../data/imageFolder';
import type { ExperimentResult, TrainingEvent } from '../training/experiment';
import type { TaskCounts } from '../training/metrics';
import type { MethodName, RunConfig } from '../training/methods';
import type { ViTConfig } from '../model/vit/config';

/** The untrained presets (src/worker/modelSource.ts builds them); the embedded default and user files are other sources. */
export type PresetId = 'small32' | 'tiny';

/**
 * Where a run's backbone comes from. Pure data (JSON-safe: it is saved with the run in OPFS and in config files):
 *   default  the pretrained backbone shipped at <base>/models/default (npm run pretrain), fetched by the worker
 *   preset   a randomly initialised preset (seed 1, as the CLI's --model random:<preset>)
 *   files    the user's own files; the File objects travel beside the request (ModelFiles), never inside it
 */
export type ModelSource =
  | { kind: 'default' }
  | { kind: 'preset'; id: PresetId }
  | { kind: 'files'; name: string; format: ModelFileFormat; files: string[] };

/** checkpoint: config.json + model.safetensors (+ optional preprocessor_config.json); onnx: one .onnx file. */
export type ModelFileFormat = 'checkpoint' | 'onnx';

/** The user's model files as the page hands them to the worker (File objects are cloned by reference). */
export interface ModelFiles {
  name: string;
  files: File[];
}

/** What the worker read from a model: shown in the Model section, used for the memory check. */
export interface ModelInfo {
  /** The backbone as loaded (numClasses is the file's own head, which runs replace with theirs). */
  config: ViTConfig;
  /** Parameters without any classifier head. */
  backboneParams: number;
  /** e.g. "Hugging Face config.json + model.safetensors (F16)". */
  format: string;
  /** Loader notes (ignored tensors, assumed normalisation, …). */
  notes: string[];
  /** Bytes of the files read (0 for presets). */
  bytes: number;
  /** The embedded default's pretraining, in a line (from pretraining.json), when known. */
  about: string | null;
}

/** The worker device's limits that decide whether a model and batch fit (GPUSupportedLimits). */
export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** The merged model's check in ONNX Runtime against the playground's own logits on a few test images. */
export interface OnnxCheck {
  images: number;
  classes: number;
  maxAbsDiff: number;
  maxAbsLogit: number;
  tolerance: number;
  runtime: string;
  seconds: number;
}

/** Everything the worker needs to run one experiment. maxPerClass: keep the first N images of each class per split. */
export interface RunRequest {
  dataset: string;
  model: ModelSource;
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

/** One class of a data set as the Data section shows it: its image counts and a few thumbnails (PNG data URLs,
 *  decoded and shrunk in the worker from the first training images; fewer when some do not decode). */
export interface ClassPreview {
  name: string;
  train: number;
  test: number;
  thumbs: string[];
}

/** What the warm-up of 'measure' found on this device (src/store/estimate.ts turns it into seconds per task). */
export interface Measured {
  /** Seconds of one training step after compilation (mean of the measured steps). */
  stepSeconds: number;
  /** Seconds of evaluation per test image (includes the evaluation pipelines' first use: an upper bound). */
  evalSecondsPerImage: number;
  /** Steps the step time is the mean of. */
  steps: number;
}

export type WorkerCommand =
  /** resumeRunId: continue the run saved in OPFS under that id (src/worker/runStore.ts) from its last completed task.
   *  modelFiles: the File objects of a 'files' model source (on resume they come from OPFS instead). */
  | { type: 'start'; request: RunRequest; folder?: FolderFiles; modelFiles?: ModelFiles; resumeRunId?: string }
  /** Read a model and report its ModelInfo (or why it cannot be used), with the device's limits. key: echoed back. */
  | { type: 'checkModel'; key: string; source: ModelSource; files?: ModelFiles }
  /** Also posts the folder's 'preview' (counts and thumbnails) once it is scanned. */
  | { type: 'scanFolder'; folder: FolderFiles }
  /** Counts and thumbnails per class of a built-in benchmark (only the thumbnails' images are fetched). */
  | { type: 'preview'; dataset: string }
  /** A short warm-up of the request on this device (never while a run is active); key is echoed back.
   *  classes: the data set's class count (the page knows it; it sizes the images the warm-up reads). */
  | { type: 'measure'; key: string; request: RunRequest; classes: number; folder?: FolderFiles; modelFiles?: ModelFiles }
  | { type: 'pause' }
  | { type: 'resume' }
  /** α explorer (after a finished run): each component's α multiplied by scales[k], evaluated on the test subset.
   *  A newer request replaces one not yet started; key is echoed back. */
  | { type: 'explore'; key: number; scales: number[] }
  /** Walk the line: backbone θ(λ) = (1−λ)θ_a + λθ_b between the weights after tasks a and b (0-based, a < b). */
  | { type: 'walk'; key: number; a: number; b: number; lambdas: number[] };

/** One LoRA component of the finished run, as the α explorer shows it. */
export interface ExplorerComponent {
  /** "task 2", or "all tasks" for sequential LoRA's single pair. */
  label: string;
  /** Its final magnitude α_k (the slider scales it). */
  alpha: number;
}

/** What the worker kept of a finished run for the α explorer and the weight walk. */
export interface ExplorerInfo {
  method: MethodName;
  /** Empty for methods without magnitudes (seq-full, ncm): only the walk is offered then. */
  components: ExplorerComponent[];
  /** Tasks completed by the run. */
  tasks: number;
  /** Tasks (0-based) after which the weights were kept, i.e. the possible ends of a walk. */
  snapshots: number[];
  /** Test images the explorer evaluates on: at most perClass of each class, in the data set's order. */
  images: number;
  perClass: number;
  /** The run's whole test set (its accuracy matrix was measured on all of it). */
  testImages: number;
}

/** One point of the walk: test counts of the old tasks (≤ a) and the new ones (a < j ≤ b), and their mean cross-entropy. */
export interface WalkPoint {
  lambda: number;
  old: TaskCounts;
  new: TaskCounts;
  oldLoss: number;
  newLoss: number;
}

/** The ExperimentResult without the method state (tensors never leave the worker) and the config (the page
 *  sent it), plus the class names. */
export type RunResultSummary = Omit<ExperimentResult, 'config' | 'state'> & { classNames: string[] };

export type WorkerMessage =
  | { type: 'phase'; detail: string }
  | { type: 'dataLoaded'; adapter: string; classNames: string[]; trainImages: number; testImages: number }
  | { type: 'event'; event: TrainingEvent }
  /** loraBank: lora_bank.safetensors (src/io/loraBank.ts) of the final state; absent if it could not be written. */
  | { type: 'finished'; result: RunResultSummary; loraBank?: Uint8Array }
  /** A resumed run: the completed tasks' results from the checkpoint, sent before its first event. */
  | { type: 'resumedFrom'; done: number; counts: TaskCounts[][]; alpha: number[][][]; loss: number[][]; lsResidual: (number | null)[]; trainableParams: number[]; wallSeconds: number[]; imagesPerSec: number[]; featureDrift?: number[] }
  /** The checkpoint after `done` tasks is on disk (OPFS); saveError: it could not be saved (the run goes on). */
  | { type: 'checkpointSaved'; done: number; saveError?: string }
  | { type: 'failed'; message: string }
  | { type: 'folderProgress'; done: number; total: number }
  | { type: 'folderScanned'; summary: FolderSummary }
  | { type: 'folderFailed'; message: string }
  /** dataset: a built-in's name, or FOLDER_DATASET for the scanned folder. */
  | { type: 'preview'; dataset: string; classes: ClassPreview[] }
  | { type: 'previewFailed'; dataset: string; message: string }
  | { type: 'measured'; key: string; measured: Measured }
  | { type: 'measureFailed'; key: string; message: string }
  | { type: 'modelChecked'; key: string; info: ModelInfo; limits: DeviceLimits | null }
  /** absent: the embedded default is not in this build (404), as opposed to present but unreadable. */
  | { type: 'modelFailed'; key: string; message: string; absent: boolean; limits: DeviceLimits | null }
  /** The merged model after a finished run: being checked, ready (bytes + check), or refused / failed with why. */
  | { type: 'mergedModel'; status: 'checking' }
  | { type: 'mergedModel'; status: 'ready'; onnx: Uint8Array; check: OnnxCheck }
  | { type: 'mergedModel'; status: 'refused' | 'failed'; message: string; check: OnnxCheck | null }
  /** After a finished run (and its ONNX check): the α explorer can be used, or why not. */
  | { type: 'explorerReady'; info: ExplorerInfo }
  | { type: 'explorerUnavailable'; message: string }
  /** counts[j], loss[j]: task j's test subset after scaling (correct/total, mean cross-entropy); scales as evaluated. */
  | { type: 'explored'; key: number; scales: number[]; counts: TaskCounts[]; loss: number[] }
  | { type: 'walked'; key: number; a: number; b: number; points: WalkPoint[] }
  | { type: 'exploreFailed'; key: number; what: 'explore' | 'walk'; message: string };
