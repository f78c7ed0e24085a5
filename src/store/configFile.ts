// The run's settings as a JSON file the page downloads and can open again ("Open config…" refills the form).
// Shape follows the CLI's config.json ({ run, data, model }) plus the browser's image cap:
//   { "format": "sdlora-playground-config/1", "run": RunConfig, "data": dataset,
//     "model": "default" | "small32" | "tiny" | "files", "modelFiles"?: { name, format, files }, "maxPerClass": n | null }
// "files" is the user's own model: the file records its name and file names (the page cannot reopen the files, so
// opening the config asks for them again unless the same model is loaded). Reading is lenient about what the CLI
// wrote ("random:<preset>" and "default" are understood; a model folder path is not a browser model: the form keeps
// its model) but strict about the RunConfig (parseRunConfig), so a bad file never half-fills the form.

import { parseRunConfig, type RunConfig } from '../training/methods';
import { parseModelSource, sourceKey, type SourceKey } from '../worker/modelSource';
import type { ModelSource, RunRequest } from '../worker/protocol';

export const CONFIG_FORMAT = 'sdlora-playground-config/1';

export interface ConfigFile {
  format: typeof CONFIG_FORMAT;
  run: RunConfig;
  data: string;
  model: SourceKey;
  modelFiles?: { name: string; format: 'checkpoint' | 'onnx'; files: string[] };
  maxPerClass: number | null;
}

export function configFileOf(request: RunRequest): ConfigFile {
  const m = request.model;
  return {
    format: CONFIG_FORMAT,
    run: request.config,
    data: request.dataset,
    model: sourceKey(m),
    ...(m.kind === 'files' ? { modelFiles: { name: m.name, format: m.format, files: m.files } } : {}),
    maxPerClass: request.maxPerClass,
  };
}

export const configFileText = (request: RunRequest): string => JSON.stringify(configFileOf(request), null, 2) + '\n';

/** What a config file sets in the form; model undefined: the file names no browser model. Throws on a bad file. */
export function parseConfigFile(text: string): { config: RunConfig; dataset: string | undefined; model: ModelSource | undefined; maxPerClass: number | null | undefined } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || typeof (raw as { run?: unknown }).run !== 'object' || (raw as { run?: unknown }).run === null)
    throw new Error('a config file has a "run" object (the run settings)');
  const o = raw as { run: Record<string, unknown>; data?: unknown; model?: unknown; modelFiles?: unknown; maxPerClass?: unknown };
  const config = parseRunConfig(o.run);
  const model = parseModelSource(o.model, o.modelFiles) ?? undefined;
  const mpc = o.maxPerClass;
  const maxPerClass = mpc === null ? null : typeof mpc === 'number' && Number.isInteger(mpc) && mpc >= 1 ? mpc : undefined;
  return { config, dataset: typeof o.data === 'string' ? o.data : undefined, model, maxPerClass };
}
