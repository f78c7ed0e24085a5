// Pretrained ViT checkpoints → (ViTConfig, ParamTable under timm names).
//
// Inputs: a config JSON, either Hugging Face transformers (`config.json` with model_type "vit") or timm
// (`config.json` of a timm hub repo: `architecture`, `num_classes`, `pretrained_cfg`, optional `model_args`),
// an optional HF `preprocessor_config.json` (image_mean / image_std), and `model.safetensors`.
// The tensor naming of the weights is detected on its own (HF `vit.`-prefixed or bare ViTModel names, or
// timm names), so a timm-named file with an HF config loads too.
//
// HF → timm mapping (per block N; `vit.` prefix optional):
//   embeddings.cls_token → cls_token; embeddings.position_embeddings → pos_embed;
//   embeddings.patch_embeddings.projection.{weight,bias} → patch_embed.proj.*;
//   encoder.layer.N.layernorm_before → blocks.N.norm1; attention.attention.{query,key,value}.{weight,bias}
//   → blocks.N.attn.qkv.* fused as rows [q; k; v] (each (C, C)) — the layout timm uses and that LoRA slices;
//   attention.output.dense → attn.proj; layernorm_after → norm2; intermediate.dense → mlp.fc1;
//   output.dense → mlp.fc2; layernorm → norm; classifier → head. `pooler.*` and `embeddings.mask_token` are
//   not part of the classification forward and are ignored (reported in notes).
//
// Position embedding at another image size: bicubic resampling of the G0×G0 grid to G1×G1 with PyTorch's
// non-antialiased `interpolate(mode='bicubic', align_corners=False)` conventions (Keys kernel a = −0.75,
// source x = (i + ½)·G0/G1 − ½, taps clamped to the border), CLS row kept. This is what HF's
// interpolate_pos_encoding does; timm's resample_abs_pos_embed defaults to antialias=True, which differs
// (PyTorch's antialiased bicubic uses a = −0.5 and, when downsampling, a widened support), so a timm-resampled
// pos_embed will differ slightly from this one.
//
// Every mismatch is gathered and thrown as ONE message: missing tensors, mis-shaped ones (expected vs
// found), unexpected ones, and what file / format was expected.

import { describeInputConvention, mlpDim, numTokens, timmSizes, validateConfig, type ViTConfig } from '../model/vit/config';
import { initParams, numel, paramSpecs, type ParamTable } from '../model/vit/params';
import { parseSafetensors, type SafetensorsFile, type WriteTensor } from './safetensors';

export type ConfigFormat = 'hf' | 'timm';
export type NamingScheme = 'hf' | 'timm';

export interface ParsedConfig {
  config: ViTConfig;
  format: ConfigFormat;
  labels: string[] | null;
  /** Whether the weights must contain a classifier: 'required' (K = config.numClasses), 'none', or 'optional'. */
  head: 'required' | 'none' | 'optional';
  notes: string[];
}

export interface CheckpointInput {
  /** Parsed config.json or its text. */
  config: unknown;
  /** model.safetensors bytes or an already parsed file. */
  weights: Uint8Array | ArrayBuffer | SafetensorsFile;
  /** Optional HF preprocessor_config.json (parsed or text): supplies mean / std. */
  preprocessor?: unknown;
  configName?: string;
  weightsName?: string;
}

export interface LoadOptions {
  /** Input size to run at; the position embedding is resampled when it differs from the checkpoint's. */
  imageSize?: number;
  /** Head size wanted; a checkpoint head of another size (or none) is replaced by a fresh one (0 = no head). */
  numClasses?: number;
  /** Seed of a fresh head (trunc_normal 0.02 weights, zero bias). */
  headSeed?: number;
  /** Override the input normalisation (e.g. [0,0,0]/[1,1,1] for SD-LoRA's unnormalised inputs). */
  mean?: [number, number, number];
  std?: [number, number, number];
}

export interface LoadedCheckpoint {
  config: ViTConfig;
  params: ParamTable;
  configFormat: ConfigFormat;
  naming: NamingScheme;
  labels: string[] | null;
  notes: string[];
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const asObject = (v: unknown, what: string): Record<string, unknown> => {
  const o = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new CheckpointError(`${what} is not a JSON object`);
  return o as Record<string, unknown>;
};

const triple = (v: unknown): [number, number, number] | null =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? [v[0], v[1], v[2]] : null;

// ---------------------------------------------------------------------------------------------------
// Config parsing

/** Reads an HF or timm config.json (and optionally an HF preprocessor_config.json) into a ViTConfig. */
export function parseConfig(json: unknown, preprocessor?: unknown, name = 'config.json'): ParsedConfig {
  const o = asObject(json, name);
  if ('model_type' in o || 'hidden_size' in o) return parseHfConfig(o, preprocessor === undefined ? undefined : asObject(preprocessor, 'preprocessor_config.json'), name);
  if ('architecture' in o) return parseTimmConfig(o, name);
  throw new CheckpointError(
    `${name}: not a recognised ViT config (expected a Hugging Face config with "model_type": "vit" or a timm config with "architecture")`,
  );
}

function parseHfConfig(o: Record<string, unknown>, pre: Record<string, unknown> | undefined, name: string): ParsedConfig {
  const errs: string[] = [];
  const notes: string[] = [];
  if (o.model_type !== 'vit')
    errs.push(
      `model_type ${JSON.stringify(o.model_type)} is not supported (only "vit"; DeiT adds a distillation token, Dinov2 layer scale)`,
    );
  // transformers' ViTConfig defaults, used when a field is absent.
  const int = (key: string, dflt: number): number => {
    const v = o[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      errs.push(`${key} must be a positive integer (got ${JSON.stringify(v)})`);
      return dflt;
    }
    return v;
  };
  const width = int('hidden_size', 768);
  const depth = int('num_hidden_layers', 12);
  const heads = int('num_attention_heads', 12);
  const inter = int('intermediate_size', 3072);
  const imageSize = int('image_size', 224);
  const patchSize = int('patch_size', 16);
  const channels = int('num_channels', 3);
  const eps = o.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) errs.push(`layer_norm_eps must be > 0 (got ${JSON.stringify(eps)})`);
  const act = o.hidden_act ?? 'gelu';
  if (act !== 'gelu') errs.push(`hidden_act ${JSON.stringify(act)} is not supported (only "gelu", the exact erf GELU)`);
  const qkvBias = o.qkv_bias ?? true;
  if (typeof qkvBias !== 'boolean') errs.push(`qkv_bias must be a boolean`);
  if (channels !== 3) errs.push(`num_channels ${channels} is not supported (3 only)`);

  let labels: string[] | null = null;
  if (o.id2label !== undefined) {
    const m = o.id2label as Record<string, unknown>;
    const keys = typeof m === 'object' && m !== null ? Object.keys(m) : [];
    const ok = keys.every((k) => /^\d+$/.test(k) && Number(k) < keys.length) && new Set(keys.map(Number)).size === keys.length;
    if (!ok) errs.push(`id2label must map "0".."K-1" to names`);
    else if (keys.length) labels = keys.map((_, i) => String(m[String(i)]));
  }
  const archs = Array.isArray(o.architectures) ? o.architectures.map(String) : [];
  const head: ParsedConfig['head'] = archs.some((a) => a.endsWith('ForImageClassification'))
    ? 'required'
    : archs.includes('ViTModel')
      ? 'none'
      : 'optional';
  const numLabels = labels?.length ?? (typeof o.num_labels === 'number' ? o.num_labels : 2);

  let mean: [number, number, number] = [0.5, 0.5, 0.5];
  let std: [number, number, number] = [0.5, 0.5, 0.5];
  if (pre) {
    const m = triple(pre.image_mean);
    const s = triple(pre.image_std);
    if (pre.image_mean !== undefined && !m) errs.push('preprocessor image_mean must be 3 numbers');
    if (pre.image_std !== undefined && !s) errs.push('preprocessor image_std must be 3 numbers');
    if (m) mean = m;
    if (s) std = s;
    if (pre.do_normalize === false) {
      mean = [0, 0, 0];
      std = [1, 1, 1];
    }
    for (const k of ['do_grayscale', 'do_light_on_dark'])
      if (pre[k] !== undefined && typeof pre[k] !== 'boolean') errs.push(`preprocessor ${k} must be true or false`);
  } else notes.push('no preprocessor_config.json: assuming mean = std = 0.5 (google/vit); DeiT/DINO use ImageNet statistics');
  if (errs.length) throw new CheckpointError(`${name} (Hugging Face ViT config): ${errs.join('; ')}`);
  const convention = { ...(pre?.do_grayscale === true ? { grayscale: true } : {}), ...(pre?.do_light_on_dark === true ? { lightOnDark: true } : {}) };
  const words = describeInputConvention(convention);
  if (words) notes.push(`input convention (preprocessor_config.json): every image is made ${words}${convention.lightOnDark ? ' (inverted when its border is bright)' : ''} before resizing, as the backbone was trained`);
  const config: ViTConfig = {
    imageSize, patchSize, channels, width, depth, heads, mlpRatio: inter / width,
    layerNormEps: eps as number, qkvBias: qkvBias as boolean, numClasses: head === 'required' ? numLabels : 0, mean, std, ...convention,
  };
  if (mlpDim(config) !== inter) throw new CheckpointError(`${name}: intermediate_size ${inter} is not representable`);
  return { config: checked(config, name), format: 'hf', labels, head, notes };
}

/** timm model_args that would change the forward pass, with the only value this project supports. */
const TIMM_FIXED_ARGS: Record<string, unknown> = {
  class_token: true, global_pool: 'token', no_embed_class: false, reg_tokens: 0, init_values: null, pre_norm: false,
  fc_norm: null, dynamic_img_size: false, pos_embed: 'learn', qk_norm: false,
};

function parseTimmConfig(o: Record<string, unknown>, name: string): ParsedConfig {
  const errs: string[] = [];
  const notes: string[] = [];
  const arch = String(o.architecture).split('.')[0]!;
  const m = /^(vit|deit)_(tiny|small|base|large|huge)_patch(\d+)_(\d+)(?:_(in21k|dino|sam|miil))?$/.exec(arch);
  if (!m)
    throw new CheckpointError(
      `${name} (timm config): architecture ${JSON.stringify(o.architecture)} is not supported ` +
        `(plain ViT/DeiT only: vit_{tiny,small,base,large,huge}_patch{P}_{S}; distilled, register, CLIP and hybrid models differ)`,
    );
  const size = timmSizes[m[2]!]!;
  const args = (typeof o.model_args === 'object' && o.model_args !== null ? o.model_args : {}) as Record<string, unknown>;
  for (const [k, want] of Object.entries(TIMM_FIXED_ARGS)) {
    const v = k === 'global_pool' ? (args[k] ?? o.global_pool) : args[k];
    if (v !== undefined && v !== want && !(want === null && v === false))
      errs.push(`model_args.${k} = ${JSON.stringify(v)} is not supported (only ${JSON.stringify(want)})`);
  }
  const num = (key: string, dflt: number) => {
    const v = args[key] ?? dflt;
    if (typeof v !== 'number') {
      errs.push(`model_args.${key} must be a number`);
      return dflt;
    }
    return v;
  };
  const pcfg = (typeof o.pretrained_cfg === 'object' && o.pretrained_cfg !== null ? o.pretrained_cfg : {}) as Record<string, unknown>;
  const input = pcfg.input_size;
  let imageSize = Number(m[4]);
  if (Array.isArray(input)) {
    if (input.length !== 3 || input[1] !== input[2]) errs.push(`pretrained_cfg.input_size ${JSON.stringify(input)} is not [3, S, S]`);
    else imageSize = Number(input[1]);
  }
  const imgArg = args.img_size;
  if (typeof imgArg === 'number') imageSize = imgArg;
  const numClasses = o.num_classes ?? pcfg.num_classes ?? 1000;
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 0) errs.push(`num_classes must be an integer ≥ 0`);
  const mean = pcfg.mean === undefined ? ([0.5, 0.5, 0.5] as [number, number, number]) : triple(pcfg.mean);
  const std = pcfg.std === undefined ? ([0.5, 0.5, 0.5] as [number, number, number]) : triple(pcfg.std);
  if (!mean || !std) errs.push('pretrained_cfg mean / std must be 3 numbers');
  if (pcfg.mean === undefined) notes.push('no pretrained_cfg.mean/std: assuming 0.5');
  const qkvBias = args.qkv_bias ?? true;
  if (typeof qkvBias !== 'boolean') errs.push('model_args.qkv_bias must be a boolean');
  const inChans = num('in_chans', 3);
  if (inChans !== 3) errs.push(`in_chans ${inChans} is not supported (3 only)`);
  const labels = Array.isArray(o.label_names) && o.label_names.length === numClasses ? o.label_names.map(String) : null;
  if (errs.length) throw new CheckpointError(`${name} (timm config, architecture ${arch}): ${errs.join('; ')}`);
  const config: ViTConfig = {
    imageSize, patchSize: num('patch_size', Number(m[3])), channels: 3, width: num('embed_dim', size.width),
    depth: num('depth', size.depth), heads: num('num_heads', size.heads), mlpRatio: num('mlp_ratio', 4),
    layerNormEps: 1e-6, qkvBias: qkvBias as boolean, numClasses: numClasses as number, mean: mean!, std: std!,
  };
  return { config: checked(config, name), format: 'timm', labels, head: config.numClasses > 0 ? 'required' : 'none', notes };
}

function checked(c: ViTConfig, name: string): ViTConfig {
  try {
    return validateConfig(c);
  } catch (e) {
    throw new CheckpointError(`${name}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Name maps

interface Piece {
  src: string; // name in the file
  shape: number[]; // expected shape in the file
  offset: number; // element offset inside the destination tensor
}

/** For each timm parameter, the file tensors it is assembled from (in the given naming scheme). */
function sourcePieces(c: ViTConfig, naming: NamingScheme, prefix: string): Map<string, Piece[]> {
  const out = new Map<string, Piece[]>();
  const C = c.width;
  for (const spec of paramSpecs(c)) {
    if (naming === 'timm') {
      out.set(spec.name, [{ src: spec.name, shape: spec.shape, offset: 0 }]);
      continue;
    }
    const one = (src: string) => out.set(spec.name, [{ src, shape: spec.shape, offset: 0 }]);
    const n = spec.name;
    const blk = /^blocks\.(\d+)\.(.+)$/.exec(n);
    if (n === 'cls_token') one(`${prefix}embeddings.cls_token`);
    else if (n === 'pos_embed') one(`${prefix}embeddings.position_embeddings`);
    else if (n.startsWith('patch_embed.proj.')) one(`${prefix}embeddings.patch_embeddings.projection.${n.slice(17)}`);
    else if (n.startsWith('norm.')) one(`${prefix}layernorm.${n.slice(5)}`);
    else if (n.startsWith('head.')) one(`classifier.${n.slice(5)}`);
    else if (blk) {
      const L = `${prefix}encoder.layer.${blk[1]}`;
      const rest = blk[2]!;
      const [mod, kind] = [rest.slice(0, rest.lastIndexOf('.')), rest.slice(rest.lastIndexOf('.') + 1)];
      if (mod === 'attn.qkv')
        out.set(
          n,
          ['query', 'key', 'value'].map((p, i) => ({
            src: `${L}.attention.attention.${p}.${kind}`,
            shape: kind === 'weight' ? [C, C] : [C],
            offset: i * C * (kind === 'weight' ? C : 1),
          })),
        );
      else {
        const hf: Record<string, string> = {
          norm1: 'layernorm_before', 'attn.proj': 'attention.output.dense', norm2: 'layernorm_after',
          'mlp.fc1': 'intermediate.dense', 'mlp.fc2': 'output.dense',
        };
        one(`${L}.${hf[mod]!}.${kind}`);
      }
    } else throw new Error(`no HF name for ${n}`);
  }
  return out;
}

const HF_IGNORED = [/^(vit\.)?pooler\.dense\.(weight|bias)$/, /^(vit\.)?embeddings\.mask_token$/];

/** Which naming a file uses, and the HF prefix ("vit." for ViTForImageClassification, "" for ViTModel). */
function detectNaming(names: string[]): { naming: NamingScheme; prefix: string } | null {
  const timm = names.filter((n) => n === 'cls_token' || n === 'pos_embed' || n.startsWith('blocks.')).length;
  const hfPrefixed = names.filter((n) => n.startsWith('vit.embeddings.') || n.startsWith('vit.encoder.')).length;
  const hfBare = names.filter((n) => n.startsWith('embeddings.') || n.startsWith('encoder.')).length;
  const best = Math.max(timm, hfPrefixed, hfBare);
  if (best === 0) return null;
  if (best === timm) return { naming: 'timm', prefix: '' };
  return { naming: 'hf', prefix: hfPrefixed >= hfBare ? 'vit.' : '' };
}

// ---------------------------------------------------------------------------------------------------
// Loading

/** Loads config + weights into a ViTConfig and a timm-named ParamTable (see the file header). */
export function loadCheckpoint(input: CheckpointInput, opts: LoadOptions = {}): LoadedCheckpoint {
  const configName = input.configName ?? 'config.json';
  const weightsName = input.weightsName ?? 'model.safetensors';
  const parsed = parseConfig(input.config, input.preprocessor, configName);
  const notes = [...parsed.notes];
  const file =
    input.weights instanceof Uint8Array || input.weights instanceof ArrayBuffer ? parseSafetensors(input.weights, weightsName) : input.weights;
  const names = [...file.entries.keys()];
  const det = detectNaming(names);
  const expectedFormat =
    `expected the model.safetensors belonging to ${configName} (${describe(parsed.config)}), with Hugging Face ViT names ` +
    `("vit.encoder.layer.0.attention.attention.query.weight", …) or timm names ("blocks.0.attn.qkv.weight", …)`;
  if (!det)
    throw new CheckpointError(
      `${weightsName}: no ViT tensors recognised (${names.length} tensors, e.g. ${names.slice(0, 5).join(', ') || 'none'}); ${expectedFormat}`,
    );
  const { naming, prefix } = det;

  // Decide about the head from the file when the config leaves it open.
  let cfg = parsed.config;
  const headSrc = naming === 'hf' ? 'classifier' : 'head';
  const fileHead = file.entries.get(`${headSrc}.weight`);
  if (parsed.head === 'optional') cfg = { ...cfg, numClasses: fileHead && fileHead.shape.length === 2 ? fileHead.shape[0]! : 0 };

  const pieces = sourcePieces(cfg, naming, prefix);
  const missing: string[] = [];
  const misshaped: string[] = [];
  const used = new Set<string>();
  for (const list of pieces.values())
    for (const p of list) {
      const e = file.entries.get(p.src);
      used.add(p.src);
      if (!e) missing.push(p.src);
      else if (e.shape.length !== p.shape.length || e.shape.some((d, i) => d !== p.shape[i]))
        misshaped.push(`${p.src} (expected [${p.shape.join(', ')}], found [${e.shape.join(', ')}])`);
    }
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const n of names) {
    if (used.has(n)) continue;
    if (naming === 'hf' && HF_IGNORED.some((r) => r.test(n))) ignored.push(n);
    else unexpected.push(n);
  }
  if (missing.length || misshaped.length || unexpected.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} missing: ${missing.join(', ')}`);
    if (misshaped.length) parts.push(`${misshaped.length} mis-shaped: ${misshaped.join('; ')}`);
    if (unexpected.length) parts.push(`${unexpected.length} unexpected (not part of a plain ViT): ${unexpected.join(', ')}`);
    throw new CheckpointError(
      `${weightsName} does not match ${configName} (read as ${naming === 'hf' ? `Hugging Face names, prefix "${prefix}"` : 'timm names'}): ` +
        `${parts.join('. ')}. ${expectedFormat}.`,
    );
  }
  if (ignored.length) notes.push(`ignored (not used by the classification forward): ${ignored.join(', ')}`);

  const params: ParamTable = new Map();
  for (const spec of paramSpecs(cfg)) {
    const list = pieces.get(spec.name)!;
    if (list.length === 1) params.set(spec.name, file.get(list[0]!.src));
    else {
      const t = new Float32Array(numel(spec.shape));
      for (const p of list) t.set(file.get(p.src), p.offset);
      params.set(spec.name, t);
    }
  }

  // Requested image size: resample the position embedding.
  if (opts.imageSize !== undefined && opts.imageSize !== cfg.imageSize) {
    const next = checked({ ...cfg, imageSize: opts.imageSize }, 'requested imageSize');
    const g0 = cfg.imageSize / cfg.patchSize;
    const g1 = next.imageSize / next.patchSize;
    params.set('pos_embed', interpolatePosEmbed(params.get('pos_embed')!, g0, g1, cfg.width));
    notes.push(`pos_embed resampled bicubic ${g0}×${g0} → ${g1}×${g1} (image ${cfg.imageSize} → ${next.imageSize})`);
    cfg = next;
  }
  // Requested head size.
  let labels = parsed.labels && parsed.labels.length === cfg.numClasses ? parsed.labels : null;
  if (opts.numClasses !== undefined && opts.numClasses !== cfg.numClasses) {
    params.delete('head.weight');
    params.delete('head.bias');
    const next = checked({ ...cfg, numClasses: opts.numClasses }, 'requested numClasses');
    if (next.numClasses > 0) {
      const fresh = initParams(next, opts.headSeed ?? 0);
      params.set('head.weight', fresh.get('head.weight')!);
      params.set('head.bias', fresh.get('head.bias')!);
    }
    notes.push(`head replaced: ${cfg.numClasses} → ${next.numClasses} classes${next.numClasses ? ' (fresh trunc_normal 0.02 weights, zero bias)' : ''}`);
    cfg = next;
    labels = null;
  }
  if (opts.mean) cfg = { ...cfg, mean: opts.mean };
  if (opts.std) cfg = { ...cfg, std: opts.std };
  return { config: cfg, params, configFormat: parsed.format, naming, labels, notes };
}

const describe = (c: ViTConfig) =>
  `ViT width ${c.width}, depth ${c.depth}, heads ${c.heads}, patch ${c.patchSize}, image ${c.imageSize}, ${numTokens(c)} tokens, ${c.numClasses} classes`;

// ---------------------------------------------------------------------------------------------------
// Position-embedding resampling

/** Keys cubic convolution weights for fractional offset t ∈ [0, 1), taps at −1, 0, 1, 2 (PyTorch upsample_bicubic2d). */
function cubicWeights(t: number, a = -0.75): [number, number, number, number] {
  const near = (x: number) => ((a + 2) * x - (a + 3)) * x * x + 1; // |x| ≤ 1
  const far = (x: number) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; // 1 < |x| < 2
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/**
 * Resizes a channel-last grid src (H0, W0, C) to (H1, W1, C), separable bicubic, align_corners=False,
 * source coordinate (i + ½)·in/out − ½ (PyTorch with an explicit output size), border taps clamped.
 */
export function bicubicResize(src: Float64Array, H0: number, W0: number, H1: number, W1: number, C: number): Float64Array {
  const axis = (n0: number, n1: number) => {
    const taps: { idx: number[]; w: number[] }[] = [];
    for (let i = 0; i < n1; i++) {
      const x = ((i + 0.5) * n0) / n1 - 0.5;
      const f = Math.floor(x);
      const w = cubicWeights(x - f);
      taps.push({ idx: [-1, 0, 1, 2].map((d) => Math.min(Math.max(f + d, 0), n0 - 1)), w });
    }
    return taps;
  };
  const ty = axis(H0, H1);
  const tx = axis(W0, W1);
  const rows = new Float64Array(H1 * W0 * C); // (H1, W0, C): resized along y first
  for (let i = 0; i < H1; i++)
    for (let k = 0; k < 4; k++) {
      const w = ty[i]!.w[k]!;
      const s = ty[i]!.idx[k]!;
      for (let j = 0; j < W0 * C; j++) rows[i * W0 * C + j] += w * src[s * W0 * C + j]!;
    }
  const out = new Float64Array(H1 * W1 * C); // (H1, W1, C)
  for (let i = 0; i < H1; i++)
    for (let j = 0; j < W1; j++)
      for (let k = 0; k < 4; k++) {
        const w = tx[j]!.w[k]!;
        const s = tx[j]!.idx[k]!;
        for (let c = 0; c < C; c++) out[(i * W1 + j) * C + c] += w * rows[(i * W0 + s) * C + c]!;
      }
  return out;
}

/** pos (1, 1 + g0², C) → (1, 1 + g1², C): CLS row copied, patch grid resampled bicubically. */
export function interpolatePosEmbed(pos: Float32Array, g0: number, g1: number, C: number): Float32Array {
  if (pos.length !== (1 + g0 * g0) * C) throw new CheckpointError(`pos_embed has ${pos.length} values, expected (1 + ${g0}²)·${C}`);
  const out = new Float32Array((1 + g1 * g1) * C);
  out.set(pos.subarray(0, C));
  if (g0 === g1) out.set(pos);
  else out.set(bicubicResize(Float64Array.from(pos.subarray(C)), g0, g0, g1, g1, C), C);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Export (the inverse maps): used by tests and to save fine-tuned models in either naming.

/** The table as file tensors in the given naming (HF: qkv split into query/key/value, prefix "vit."). */
export function exportTensors(c: ViTConfig, params: ParamTable, naming: NamingScheme, prefix = 'vit.'): Map<string, WriteTensor> {
  const out = new Map<string, WriteTensor>();
  for (const [dst, list] of sourcePieces(c, naming, prefix)) {
    const t = params.get(dst);
    if (!t) throw new CheckpointError(`export: parameter ${dst} missing from the table`);
    for (const p of list) out.set(p.src, { shape: p.shape, data: t.slice(p.offset, p.offset + numel(p.shape)) });
  }
  return out;
}

/** An HF transformers config.json describing `c` (ViTForImageClassification when it has a head). */
export function hfConfigJson(c: ViTConfig, labels?: string[]): Record<string, unknown> {
  return {
    architectures: [c.numClasses > 0 ? 'ViTForImageClassification' : 'ViTModel'],
    model_type: 'vit', hidden_size: c.width, num_hidden_layers: c.depth, num_attention_heads: c.heads,
    intermediate_size: mlpDim(c), hidden_act: 'gelu', layer_norm_eps: c.layerNormEps, image_size: c.imageSize,
    patch_size: c.patchSize, num_channels: c.channels, qkv_bias: c.qkvBias,
    id2label: Object.fromEntries(Array.from({ length: c.numClasses }, (_, i) => [String(i), labels?.[i] ?? `LABEL_${i}`])),
  };
}

/** A timm hub config.json describing `c` (non-standard sizes go through model_args, as timm allows). */
export function timmConfigJson(c: ViTConfig): Record<string, unknown> {
  return {
    architecture: `vit_base_patch${c.patchSize}_${c.imageSize}`,
    num_classes: c.numClasses, global_pool: 'token',
    model_args: { embed_dim: c.width, depth: c.depth, num_heads: c.heads, mlp_ratio: c.mlpRatio, qkv_bias: c.qkvBias },
    pretrained_cfg: { input_size: [c.channels, c.imageSize, c.imageSize], mean: c.mean, std: c.std, num_classes: c.numClasses },
  };
}
