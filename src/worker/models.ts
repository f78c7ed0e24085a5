// The backbone of a run, built in the worker from its ModelSource:
//   default  <base>/models/default/{config.json, model.safetensors, preprocessor_config.json?, pretraining.json?},
//            fetched from the app's own origin (npm run pretrain writes public/models/default; vite serves public/);
//            a 404 means this copy was built without it (ModelAbsentError), and the page falls back to a preset
//   preset   ./modelSource.ts buildPreset
//   files    the user's files, read from the File objects the page sent (or, when resuming, from the copy saved
//            with the run in OPFS), parsed with the project's loaders (./modelSource.ts readModelFiles)
// The last model read is kept, so a check followed by a run does not read and parse it twice.

import { buildPreset, ModelFilesError, pretrainingLine, readModelFiles, type LoadedModel, type NamedBytes } from './modelSource';
import type { ModelFiles, ModelSource } from './protocol';

export class ModelAbsentError extends Error {
  override name = 'ModelAbsentError';
}

export const DEFAULT_ABSENT = 'embedded default not built in this copy (npm run pretrain)';

const defaultUrl = (file: string) => `${import.meta.env.BASE_URL}models/default/${file}`;

/** A file of the default model; null when the server says it is not there. */
async function fetchOptional(file: string): Promise<Uint8Array | null> {
  const r = await fetch(defaultUrl(file));
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`models/default/${file}: HTTP ${r.status}`);
  // Vite's preview and dev servers answer an unknown path with index.html (SPA fallback): not the file.
  const type = r.headers.get('content-type') ?? '';
  if (type.startsWith('text/html')) return null;
  return new Uint8Array(await r.arrayBuffer());
}

async function loadDefault(): Promise<LoadedModel> {
  const [config, weights] = await Promise.all([fetchOptional('config.json'), fetchOptional('model.safetensors')]);
  if (!config || !weights) throw new ModelAbsentError(DEFAULT_ABSENT);
  const [pre, pretraining] = await Promise.all([fetchOptional('preprocessor_config.json'), fetchOptional('pretraining.json').catch(() => null)]);
  const files: NamedBytes[] = [
    { name: 'config.json', bytes: config },
    { name: 'model.safetensors', bytes: weights },
    ...(pre ? [{ name: 'preprocessor_config.json', bytes: pre }] : []),
  ];
  let loaded: LoadedModel;
  try {
    loaded = readModelFiles('default', files);
  } catch (e) {
    if (e instanceof ModelFilesError) throw new Error(`the embedded default model is damaged in this build (${e.message}); rebuild it with npm run pretrain, or pick another backbone`);
    throw e;
  }
  let about: string | null = null;
  try {
    about = pretraining ? pretrainingLine(JSON.parse(new TextDecoder().decode(pretraining))) : null;
  } catch {
    about = null;
  }
  return { ...loaded, info: { ...loaded.info, format: `embedded default: ${loaded.info.format}`, about } };
}

/** The files of a 'files' source as name + bytes, from the page's File objects. */
export async function readPicked(files: ModelFiles): Promise<NamedBytes[]> {
  return Promise.all(files.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

let cache: { id: string; model: LoadedModel } | null = null;

const identity = (source: ModelSource, files: { name: string; size: number; lastModified?: number }[] | null) =>
  JSON.stringify([source, files?.map((f) => [f.name, f.size, f.lastModified ?? 0])]);

/**
 * The backbone of `source`. For 'files', `files` gives the picked File objects, or `saved` reads the copy kept
 * with a run (resume). Throws ModelAbsentError (default not built), ModelFilesError (unusable files) or Error.
 */
export async function loadModel(source: ModelSource, files?: ModelFiles, saved?: () => Promise<NamedBytes[]>): Promise<LoadedModel> {
  if (source.kind === 'preset') return buildPreset(source.id);
  const id = identity(source, files ? files.files : null);
  if (cache?.id === id) return cache.model;
  let model: LoadedModel;
  if (source.kind === 'default') model = await loadDefault();
  else if (files) model = readModelFiles(source.name, await readPicked(files));
  else if (saved) model = readModelFiles(source.name, await saved());
  else throw new ModelFilesError(`the files of your model "${source.name}" are not available: pick them again under Model`);
  cache = { id, model };
  return model;
}
