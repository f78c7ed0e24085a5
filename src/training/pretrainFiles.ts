// Files of a pretraining run (bytes in, bytes out; the CLI does the disk I/O):
//   - the shipped model: config.json (Hugging Face ViT config, hfConfigJson), preprocessor_config.json
//     (mean/std) and model.safetensors (F16, HF names; without the pretraining head unless asked, since
//     downstream tasks grow their own head) — what loadCheckpoint reads;
//   - the resumable training state: every weight (head included) and the AdamW moments in F32, plus the step;
//   - a warm start: a shipped model's backbone with a fresh head for the run's classes (npm run pretrain --init).

import { exportTensors, hfConfigJson, loadCheckpoint } from '../io/checkpoint';
import { parseSafetensors, writeSafetensors, type WriteDtype, type WriteTensor } from '../io/safetensors';
import { validateConfig, type ViTConfig } from '../model/vit/config';
import { paramSpecs, type ParamTable } from '../model/vit/params';
import type { TrainState } from './pretrain';

export interface ModelFiles {
  'config.json': string;
  'preprocessor_config.json': string;
  'model.safetensors': Uint8Array;
}

/** The model as HF files. keepHead: also store the pretraining classifier (config then says ViTForImageClassification). */
export function modelFiles(
  config: ViTConfig,
  params: ParamTable,
  opts: { keepHead?: boolean; dtype?: WriteDtype; metadata?: Record<string, string>; extraConfig?: Record<string, unknown> } = {},
): ModelFiles {
  const c: ViTConfig = opts.keepHead ? config : { ...config, numClasses: 0 };
  const table: ParamTable = new Map([...params].filter(([k]) => opts.keepHead || !k.startsWith('head.')));
  // HF ViTModel checkpoints use bare names (embeddings.…, encoder.…); ViTForImageClassification prefixes "vit.".
  const tensors = exportTensors(c, table, 'hf', c.numClasses > 0 ? 'vit.' : '');
  const cfg = { ...hfConfigJson(c), ...(opts.extraConfig ?? {}) };
  const pre = {
    do_normalize: true, do_resize: true, image_mean: c.mean, image_std: c.std, size: { height: c.imageSize, width: c.imageSize }, resample: 2,
    ...(c.grayscale ? { do_grayscale: true } : {}),
    ...(c.lightOnDark ? { do_light_on_dark: true } : {}),
  };
  return {
    'config.json': JSON.stringify(cfg, null, 2) + '\n',
    'preprocessor_config.json': JSON.stringify(pre, null, 2) + '\n',
    'model.safetensors': writeSafetensors(tensors, { dtype: opts.dtype ?? 'F16', metadata: { format: 'pt', ...(opts.metadata ?? {}) } }),
  };
}

/** Training state → safetensors (F32): param.<name>, opt.<name>.<slot>; step and optimizer step in the metadata. */
export function stateFile(config: ViTConfig, s: TrainState, metadata: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, WriteTensor>();
  for (const spec of paramSpecs(config)) {
    const t = s.params.get(spec.name);
    if (!t) throw new Error(`stateFile: parameter ${spec.name} missing`);
    tensors.set(`param.${spec.name}`, { shape: spec.shape, data: t });
  }
  if (s.optimizer)
    for (const [name, slots] of s.optimizer.slots) slots.forEach((d, i) => tensors.set(`opt.${name}.${i}`, { shape: [d.length], data: d }));
  return writeSafetensors(tensors, {
    dtype: 'F32',
    metadata: { ...metadata, step: String(s.step), optimizerStep: String(s.optimizer?.step ?? 0) },
  });
}

/** Inverse of stateFile. */
export function readStateFile(config: ViTConfig, bytes: Uint8Array): TrainState & { metadata: Record<string, string> } {
  const f = parseSafetensors(bytes, 'state.safetensors');
  const params: ParamTable = new Map();
  for (const spec of paramSpecs(config)) {
    if (!f.entries.has(`param.${spec.name}`)) throw new Error(`state.safetensors: param.${spec.name} missing (another model shape?)`);
    params.set(spec.name, f.get(`param.${spec.name}`));
  }
  const slots = new Map<string, Float32Array[]>();
  for (const name of f.entries.keys()) {
    const m = /^opt\.(.+)\.(\d+)$/.exec(name);
    if (!m) continue;
    const list = slots.get(m[1]!) ?? [];
    list[Number(m[2])] = f.get(name);
    slots.set(m[1]!, list);
  }
  const metadata = f.metadata ?? {};
  return {
    step: Number(metadata.step ?? 0),
    params,
    optimizer: slots.size ? { step: Number(metadata.optimizerStep ?? 0), slots } : null,
    metadata,
  };
}

/** Where a warm-started run's weights came from (recorded in pretraining.json as `init`). */
export interface WarmStart {
  /** The model folder, relative to the repository when inside it. */
  from: string;
  /** Its pretraining steps and time, from its pretraining.json (null when it has none, e.g. a converted model). */
  step: number | null;
  trainingSeconds: number | null;
  /** Its whole pretraining.json (how to make it again), or null. */
  pretraining: Record<string, unknown> | null;
}

/** A model folder's files, as read from disk (preprocessor_config.json and pretraining.json are optional). */
export interface ModelFolder {
  config: string;
  weights: Uint8Array;
  preprocessor?: string;
  pretraining?: string;
}

/**
 * A warm start from a model folder: its architecture and backbone weights, and a fresh K-class head (seeded). The
 * input convention (gray, light on dark) is left out of the config: it is the new run's recipe's. `shape` holds the
 * architecture fields the caller asked for (--depth, --patch …): a warm start keeps the model's, so any that differ
 * is an error that says which flag to drop.
 */
export function warmStart(
  folder: ModelFolder,
  from: string,
  K: number,
  seed: number,
  shape: Partial<Pick<ViTConfig, 'depth' | 'width' | 'heads' | 'patchSize'>> = {},
): { config: ViTConfig; params: ParamTable; info: WarmStart } {
  const loaded = loadCheckpoint({ config: folder.config, preprocessor: folder.preprocessor, weights: folder.weights }, { numClasses: K, headSeed: seed });
  const conflicting = (Object.entries(shape) as [keyof typeof shape, number][]).filter(([k, v]) => loaded.config[k] !== v);
  if (conflicting.length) {
    const flag = (k: string) => `--${k === 'patchSize' ? 'patch' : k}`;
    throw new Error(
      `--init ${from}: that model has ${conflicting.map(([k]) => `${k} ${loaded.config[k]}`).join(', ')}; a warm start keeps its architecture, so drop ${conflicting.map(([k]) => flag(k)).join(', ')}`,
    );
  }
  const { grayscale: _g, lightOnDark: _l, ...architecture } = loaded.config;
  const prior = folder.pretraining ? (JSON.parse(folder.pretraining) as Record<string, unknown> & { step?: number; trainingSeconds?: number }) : null;
  return {
    config: validateConfig({ ...architecture, numClasses: K }),
    params: loaded.params,
    info: { from, step: prior?.step ?? null, trainingSeconds: prior?.trainingSeconds ?? null, pretraining: prior },
  };
}
