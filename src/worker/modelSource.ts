// The playground's model sources, the pure part shared by the page, the store, the worker and the tests: the
// untrained presets, which picked files make a model (classifyModelFiles: config.json + model.safetensors, or
// one .onnx), reading those bytes into a backbone with the project's loaders (src/io/checkpoint.ts,
// src/io/onnx/importVit.ts; the head is dropped, as the CLI's --model does, since every run grows its own),
// the summary the Model section shows, and the JSON forms a source takes in saved runs and config files.
// Fetching and File reading stay in src/worker/models.ts: everything here works on bytes already read.

import { CheckpointError, loadCheckpoint } from '../io/checkpoint';
import { importVitOnnx, OnnxImportError } from '../io/onnx/importVit';
import { parseSafetensors, SafetensorsError, type SafetensorsFile } from '../io/safetensors';
import { presets, validateConfig, type ViTConfig } from '../model/vit/config';
import { initParams, paramCount, type ParamTable } from '../model/vit/params';
import type { ModelInfo, ModelSource, PresetId } from './protocol';

/** A backbone ready to train: config, weights without a head, and what the Model section shows about it. */
export interface LoadedModel {
  config: ViTConfig;
  params: ParamTable;
  info: ModelInfo;
}

/** A model file's name and bytes, wherever they were read from (a picked File, OPFS, a fetch). */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Why files cannot be used as a model; the message says what is wrong and what to do. */
export class ModelFilesError extends Error {
  override name = 'ModelFilesError';
}

export const PRESET_MODELS: readonly { id: PresetId; label: string; detail: string }[] = [
  {
    id: 'small32',
    label: 'untrained ViT (small32)',
    detail: 'random weights, so accuracy shows the pipeline, not the method',
  },
  {
    id: 'tiny',
    label: 'tiny (test)',
    detail: 'for tests and slow software GPUs; learns little',
  },
];

const PRESET_CONFIGS: Record<PresetId, ViTConfig> = {
  small32: presets.small32,
  tiny: { ...presets.tiny, imageSize: 8 },
};

export const isPresetId = (v: unknown): v is PresetId => v === 'small32' || v === 'tiny';

const withoutHead = (params: ParamTable): ParamTable => new Map([...params].filter(([name]) => !name.startsWith('head.')));

/** Parameters of the backbone alone (a checkpoint's classifier is not part of what a run trains on). */
export const backboneParams = (c: ViTConfig): number => paramCount({ ...c, numClasses: 0 });


/** A preset: its config and freshly initialised weights (seed 1, as the CLI's `--model random:<preset>`), no head. */
export function buildPreset(id: PresetId): LoadedModel {
  const config = validateConfig(PRESET_CONFIGS[id]);
  const params = withoutHead(initParams(config, 1));
  return { config, params, info: presetInfo(id) };
}

/** The Model section's summary of a preset, without building its weights. */
export function presetInfo(id: PresetId): ModelInfo {
  const config = PRESET_CONFIGS[id];
  return { config, backboneParams: backboneParams(config), format: 'untrained preset (random initialisation, seed 1)', notes: [], bytes: 0, about: null };
}

// ---- identity and names -----------------------------------------------------------------------------

/** The model select's value of a source. */
export type SourceKey = 'default' | PresetId | 'files';
export const sourceKey = (s: ModelSource): SourceKey => (s.kind === 'default' ? 'default' : s.kind === 'preset' ? s.id : 'files');

/** How a source is named in exported metrics and the runs list: "default", the preset id, or "files:<name>". */
export const sourceLabel = (s: ModelSource): string => (s.kind === 'default' ? 'default' : s.kind === 'preset' ? s.id : `files:${s.name}`);

export const sameSource = (a: ModelSource, b: ModelSource): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * A source from JSON (a saved run's request.json, a config file's "model" + "modelFiles"), lenient about
 * older and CLI spellings: "small32" / "tiny" (earlier playground configs), "random:<preset>" (the CLI's),
 * "default". Returns null for anything else (a CLI model folder path, say): the caller keeps its own choice.
 */
export function parseModelSource(raw: unknown, modelFiles?: unknown): ModelSource | null {
  if (typeof raw === 'string') {
    if (raw === 'default') return { kind: 'default' };
    const id = raw.startsWith('random:') ? raw.slice(7) : raw;
    if (isPresetId(id)) return { kind: 'preset', id };
    if (raw === 'files' && modelFiles !== undefined) return parseModelSource({ kind: 'files', ...(modelFiles as object) });
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (o.kind === 'default') return { kind: 'default' };
  if (o.kind === 'preset' && isPresetId(o.id)) return { kind: 'preset', id: o.id };
  if (
    o.kind === 'files' &&
    typeof o.name === 'string' &&
    (o.format === 'checkpoint' || o.format === 'onnx') &&
    Array.isArray(o.files) &&
    o.files.every((f) => typeof f === 'string')
  )
    return { kind: 'files', name: o.name, format: o.format, files: o.files as string[] };
  return null;
}

// ---- which files make a model ---------------------------------------------------------------------------

const base = (path: string) => path.replace(/^.*[\\/]/, '');
const ext = (path: string) => /\.([^./\\]+)$/.exec(base(path).toLowerCase())?.[1] ?? '';

export const MODEL_FILES_HINT =
  'Pick (or drop) either config.json together with model.safetensors (a Hugging Face or timm ViT; F32, F16 or BF16), or one .onnx file.';

export type FileRoles =
  | { format: 'checkpoint'; config: number; weights: number; preprocessor: number | null; ignored: string[] }
  | { format: 'onnx'; onnx: number; ignored: string[] };

/** Decides from the names alone which picked files make the model; throws a ModelFilesError naming what is missing. */
export function classifyModelFiles(names: readonly string[]): FileRoles {
  if (names.length === 0) throw new ModelFilesError(`no files were picked. ${MODEL_FILES_HINT}`);
  const idx = (pred: (n: string) => boolean) => names.map((n, i) => (pred(n) ? i : -1)).filter((i) => i >= 0);
  const onnx = idx((n) => ext(n) === 'onnx');
  const weights = idx((n) => ext(n) === 'safetensors');
  const jsons = idx((n) => ext(n) === 'json');
  const pre = jsons.filter((i) => base(names[i]!).toLowerCase() === 'preprocessor_config.json');
  const configs = jsons.filter((i) => !pre.includes(i));
  const named = (list: number[]) => list.map((i) => base(names[i]!)).join(', ');
  const ignoredBut = (used: number[]) => names.filter((_, i) => !used.includes(i)).map(base);

  if (onnx.length && weights.length)
    throw new ModelFilesError(`both an ONNX file (${named(onnx)}) and safetensors weights (${named(weights)}) were picked: pick one model. ${MODEL_FILES_HINT}`);
  if (onnx.length > 1) throw new ModelFilesError(`${onnx.length} ONNX files were picked (${named(onnx)}): pick one. ${MODEL_FILES_HINT}`);
  if (onnx.length === 1) return { format: 'onnx', onnx: onnx[0]!, ignored: ignoredBut(onnx) };
  if (weights.length > 1) {
    const sharded = weights.some((i) => /-\d+-of-\d+\.safetensors$/i.test(names[i]!));
    throw new ModelFilesError(
      sharded
        ? `the weights are split into ${weights.length} shards (${named(weights)}); sharded checkpoints are not supported: save the model as one model.safetensors`
        : `${weights.length} safetensors files were picked (${named(weights)}): pick the one model.safetensors that belongs to config.json`,
    );
  }
  if (weights.length === 1) {
    if (configs.length === 0)
      throw new ModelFilesError(`${named(weights)} needs its config.json (it says the width, depth, heads, patch and image size): pick both files together`);
    const config = configs.length === 1 ? configs[0]! : configs.find((i) => base(names[i]!).toLowerCase() === 'config.json');
    if (config === undefined)
      throw new ModelFilesError(`several JSON files were picked (${named(configs)}) and none is named config.json: pick the model's config.json with ${named(weights)}`);
    const used = [weights[0]!, config, ...pre.slice(0, 1)];
    return { format: 'checkpoint', config, weights: weights[0]!, preprocessor: pre[0] ?? null, ignored: ignoredBut(used) };
  }
  if (configs.length || pre.length)
    throw new ModelFilesError(`${named([...configs, ...pre])} came without its weights: pick model.safetensors together with config.json`);
  throw new ModelFilesError(`none of the picked files is a model (${names.slice(0, 5).map(base).join(', ')}${names.length > 5 ? ', …' : ''}). ${MODEL_FILES_HINT}`);
}

/** The source a set of picked files makes (what a run request and a config file record). */
export function filesSource(name: string, names: readonly string[]): Extract<ModelSource, { kind: 'files' }> {
  const roles = classifyModelFiles(names);
  const used = roles.format === 'onnx' ? [roles.onnx] : [roles.config, roles.weights, ...(roles.preprocessor === null ? [] : [roles.preprocessor])];
  return { kind: 'files', name, format: roles.format, files: used.map((i) => base(names[i]!)) };
}

/** A display name for picked files: the folder they came from, else the weights' or ONNX file's name. */
export function modelFilesName(paths: readonly string[]): string {
  const dir = paths.map((p) => p.split('/')).find((parts) => parts.length > 1)?.[0];
  if (dir) return dir;
  const main = paths.find((p) => ['onnx', 'safetensors'].includes(ext(p)));
  return base(main ?? paths[0] ?? 'model');
}

// ---- bytes → backbone -----------------------------------------------------------------------------------

const dec = new TextDecoder();
const DTYPE_NAMES: Record<string, string> = { F32: 'F32', F16: 'F16', BF16: 'BF16', F64: 'F64' };

function parseJsonFile(f: NamedBytes): unknown {
  try {
    return JSON.parse(dec.decode(f.bytes)) as unknown;
  } catch (e) {
    throw new ModelFilesError(`${f.name} is not JSON (${(e as Error).message}); pick the model's config.json`);
  }
}

const WHAT_TO_DO_CHECKPOINT =
  'Pick the config.json and model.safetensors of one Hugging Face ViTModel / ViTForImageClassification or timm ViT checkpoint (downloaded again if it may be damaged).';
const WHAT_TO_DO_ONNX =
  'Use a .onnx exported by this playground or `npm run experiment` (model.onnx), or a timm / Hugging Face ViT exported with its weights inside; or pick config.json + model.safetensors instead.';

/**
 * Reads config.json + model.safetensors (Hugging Face or timm names, F32/F16/BF16) with loadCheckpoint, or an
 * .onnx with importVitOnnx. Throws a ModelFilesError carrying the loader's own message (it names every
 * missing or mis-shaped tensor) followed by what to do.
 */
export function readModelFiles(name: string, files: readonly NamedBytes[]): LoadedModel {
  const roles = classifyModelFiles(files.map((f) => f.name));
  const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  if (roles.format === 'onnx') {
    const f = files[roles.onnx]!;
    try {
      const m = importVitOnnx(f.bytes, { source: f.name });
      const config = { ...m.config };
      const naming = m.naming === 'sdlora' ? 'exported by this project' : `${m.naming === 'hf' ? 'Hugging Face' : 'timm'} names`;
      return {
        config,
        params: withoutHead(m.params),
        info: { config, backboneParams: backboneParams(config), format: `ONNX (${naming})`, notes: [...m.notes, ...ignoredNote(roles.ignored)], bytes, about: null },
      };
    } catch (e) {
      if (e instanceof OnnxImportError) throw new ModelFilesError(`${e.message}. ${WHAT_TO_DO_ONNX}`);
      throw e;
    }
  }
  const configFile = files[roles.config]!;
  const weightsFile = files[roles.weights]!;
  const preFile = roles.preprocessor === null ? undefined : files[roles.preprocessor]!;
  try {
    const weights: SafetensorsFile = parseSafetensors(weightsFile.bytes, weightsFile.name);
    const dtypes = [...new Set([...weights.entries.values()].map((e) => DTYPE_NAMES[e.dtype] ?? e.dtype))];
    const loaded = loadCheckpoint({
      config: parseJsonFile(configFile),
      weights,
      preprocessor: preFile ? parseJsonFile(preFile) : undefined,
      configName: configFile.name,
      weightsName: weightsFile.name,
    });
    const config = { ...loaded.config };
    const format = `${loaded.configFormat === 'hf' ? 'Hugging Face' : 'timm'} config + safetensors (${dtypes.join(', ')}, ${loaded.naming === 'hf' ? 'Hugging Face' : 'timm'} names)`;
    return {
      config,
      params: withoutHead(loaded.params),
      info: { config, backboneParams: backboneParams(config), format, notes: [...loaded.notes, ...ignoredNote(roles.ignored)], bytes, about: null },
    };
  } catch (e) {
    if (e instanceof CheckpointError || e instanceof SafetensorsError) throw new ModelFilesError(`${e.message}. ${WHAT_TO_DO_CHECKPOINT}`);
    throw e;
  }
}

const ignoredNote = (ignored: string[]) => (ignored.length ? [`not used: ${ignored.join(', ')}`] : []);

/** One line about the embedded default's pretraining, from its pretraining.json (null when it says nothing usable). */
export function pretrainingLine(json: unknown): string | null {
  if (typeof json !== 'object' || json === null) return null;
  const o = json as { step?: unknown; steps?: unknown; validation?: { top1?: unknown } | null; corpus?: { classes?: unknown; images?: unknown } };
  const parts: string[] = [];
  if (typeof o.step === 'number') parts.push(`pretrained for ${o.step}${typeof o.steps === 'number' && o.steps !== o.step ? ` of ${o.steps}` : ''} steps`);
  if (typeof o.corpus?.classes === 'number') parts.push(`on ${o.corpus.classes} classes of glyphs and emoji (none shared with the benchmarks)`);
  if (typeof o.validation?.top1 === 'number') parts.push(`held-out top-1 ${(100 * o.validation.top1).toFixed(1)}%`);
  return parts.length ? parts.join(', ') : null;
}
