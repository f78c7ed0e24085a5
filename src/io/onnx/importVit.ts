// ONNX model bytes → (ViTConfig, ParamTable under timm names).
//
// Reads (a) our own exports (exportVit.ts: timm-named initializers, "vit.config" metadata) and
// (b) foreign ONNX files whose weights keep PyTorch parameter names:
//   timm:          cls_token, pos_embed, patch_embed.proj.*, blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}.*,
//                  norm.*, head.*   (an optional common prefix such as "model." or "module." is accepted)
//   Hugging Face:  [vit.]embeddings.{cls_token,position_embeddings,patch_embeddings.projection.*},
//                  [vit.]encoder.layer.N.{layernorm_before, attention.attention.{query,key,value},
//                  attention.output.dense, layernorm_after, intermediate.dense, output.dense}.*,
//                  [vit.]layernorm.*, classifier.*   (q, k, v fused as rows [q; k; v] of attn.qkv)
// The HF table is kept locally: src/io/checkpoint.ts has the same mapping but does not export it
// (its sourcePieces is private).
//
// torch.onnx.export turns a Linear applied to a 3-D input into MatMul(x, Wᵀ) + Add(bias) with the
// transposed weight stored under an anonymous name ("onnx::MatMul_123"). Such weights are recovered
// from the graph: a MatMul whose second input is an unnamed constant (in, out) and whose output feeds
// an Add with a named "<prefix>.bias" constant becomes "<prefix>.weight" (out, in). Linears without a
// bias (qkv_bias = false) cannot be recovered this way and are reported missing.
//
// Config: from the "vit.config" metadata prop when present; otherwise inferred from the weight
// shapes (width, patch size, image size from the position embedding, depth, MLP ratio, qkv bias,
// classes). Heads cannot be inferred from weights and must come from metadata or opts.heads; the
// LayerNorm eps comes from metadata, opts.layerNormEps or the graph's LayerNormalization nodes.
//
// Not supported (clear errors): external-data initializers (weights in a side file), sparse
// initializers, non-float weights. Every missing or mis-shaped tensor is reported in one message.

import { numTokens, timmSizes, validateConfig, type ViTConfig } from '../../model/vit/config';
import { numel, paramSpecs, type ParamTable } from '../../model/vit/params';
import { ONNX_FORMAT_TAG } from './exportVit';
import { decodeModel, ProtoDecodeError, tensorToFloat32, type ModelProto, type TensorProto } from './proto';

export class OnnxImportError extends Error {
  override name = 'OnnxImportError';
}

export interface ImportOptions {
  /** Attention heads; required for foreign files without "vit.config" metadata. */
  heads?: number;
  /** LayerNorm eps when neither metadata nor LayerNormalization nodes give it. */
  layerNormEps?: number;
  /** Expected input size; an ONNX model built for another size is rejected (its position embedding would not fit). */
  imageSize?: number;
  /** Input normalisation for foreign files (default 0.5 / 0.5, noted). */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Shown in error messages (e.g. the file name). */
  source?: string;
}

export type OnnxNaming = 'sdlora' | 'timm' | 'hf';

export interface ImportedVit {
  config: ViTConfig;
  params: ParamTable;
  naming: OnnxNaming;
  notes: string[];
}

interface Named {
  dims: number[];
  data: Float32Array;
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** Recognises common non-ONNX files, for a helpful message. */
function sniff(b: Uint8Array): string | null {
  if (b.length >= 4 && ascii(b, 0, 4) === 'PK\x03\x04')
    return 'a ZIP archive (a PyTorch .pt/.pth checkpoint or .npz?); export it with torch.onnx.export, or load safetensors with the checkpoint loader';
  if (b.length >= 8 && ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return 'a PNG image';
  if (b.length >= 4 && ascii(b, 0, 4) === 'GGUF') return 'a GGUF file';
  if (b.length >= 1 && (b[0] === 0x7b || b[0] === 0x5b)) return 'JSON text';
  if (b.length >= 9) {
    const n = new DataView(b.buffer, b.byteOffset, 8).getUint32(0, true);
    const hi = new DataView(b.buffer, b.byteOffset, 8).getUint32(4, true);
    if (hi === 0 && n > 1 && n + 8 <= b.length && b[8] === 0x7b)
      return 'a safetensors file; load it with the checkpoint loader (src/io/checkpoint.ts)';
  }
  return null;
}

function decode(bytes: Uint8Array, src: string): ModelProto {
  if (bytes.length === 0) throw new OnnxImportError(`${src}: empty file, not an ONNX model`);
  const other = sniff(bytes);
  if (other) throw new OnnxImportError(`${src}: not an ONNX model: this looks like ${other}`);
  let m: ModelProto;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    // Every ONNX writer (protobuf serialises in field order) starts with ir_version: tag byte 0x08.
    if (e instanceof ProtoDecodeError)
      throw new OnnxImportError(
        e.truncated && bytes[0] === 0x08
          ? `${src}: truncated or corrupt ONNX file (${bytes.length} bytes; ${e.message}); download or copy it again`
          : `${src}: not an ONNX model (protobuf decoding failed: ${e.message})`,
      );
    throw e;
  }
  if (!(m.irVersion > 0) || !m.graph || m.opsetImport.length === 0)
    throw new OnnxImportError(
      `${src}: not an ONNX model, or a truncated one (${[
        m.irVersion > 0 ? null : 'no ir_version',
        m.graph ? null : 'no graph',
        m.opsetImport.length ? null : 'no opset_import',
      ]
        .filter(Boolean)
        .join(', ')})`,
    );
  return m;
}

/** Initializers and Constant-node values, by name. Throws for external or sparse data. */
function collectTensors(m: ModelProto, src: string): Map<string, TensorProto> {
  const g = m.graph!;
  if (g.sparseInitializerCount)
    throw new OnnxImportError(`${src}: ${g.sparseInitializerCount} sparse initializer(s): sparse tensors are not supported`);
  const out = new Map<string, TensorProto>();
  for (const t of g.initializer) out.set(t.name, t);
  for (const n of g.node)
    if (n.opType === 'Constant' && (n.domain ?? '') === '' && n.output[0]) {
      const v = n.attribute.find((a) => a.name === 'value' && a.t);
      if (v?.t) out.set(n.output[0], { ...v.t, name: n.output[0] });
    }
  const external = [...out.values()].filter((t) => t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0);
  if (external.length) {
    const files = new Set(external.map((t) => t.externalData?.find((e) => e.key === 'location')?.value ?? '?'));
    throw new OnnxImportError(
      `${src}: ${external.length} initializer(s) use external data (weights stored outside the .onnx file, in ${[...files]
        .map((f) => `'${f}'`)
        .join(', ')}: e.g. ${external
        .slice(0, 3)
        .map((t) => t.name)
        .join(', ')}). External data is not supported: save the model with the weights embedded ` +
        `(Python: onnx.save_model(model, path, save_as_external_data=False); possible below 2 GB)`,
    );
  }
  return out;
}

/** Float weights by name, plus linears recovered from MatMul(x, Wᵀ) + Add(bias) patterns. */
function namedWeights(m: ModelProto, tensors: Map<string, TensorProto>, notes: string[]): Map<string, Named> {
  const named = new Map<string, Named>();
  const get = (t: TensorProto): Named => ({ dims: t.dims.slice(), data: tensorToFloat32(t) });
  const isFloat = (t: TensorProto) => t.dataType === 1 || t.dataType === 10 || t.dataType === 11 || t.dataType === 16;
  for (const [k, t] of tensors) if (isFloat(t) && /(^|\.)(weight|bias|cls_token|pos_embed|position_embeddings)$/.test(k)) named.set(k, get(t));

  const g = m.graph!;
  const consumers = new Map<string, string[][]>(); // value → input lists of the Add nodes reading it
  for (const n of g.node) if (n.opType === 'Add') for (const i of n.input) (consumers.get(i) ?? consumers.set(i, []).get(i)!).push(n.input);
  let recovered = 0;
  for (const n of g.node) {
    if (n.opType !== 'MatMul' || n.input.length !== 2) continue;
    const wName = n.input[1]!;
    const w = tensors.get(wName);
    if (!w || named.has(wName) || !isFloat(w) || w.dims.length !== 2) continue;
    for (const inputs of consumers.get(n.output[0]!) ?? []) {
      const biasName = inputs.find((i) => i !== n.output[0] && i.endsWith('.bias') && tensors.has(i));
      if (!biasName) continue;
      const target = `${biasName.slice(0, -'.bias'.length)}.weight`;
      if (named.has(target)) continue;
      const [rows, cols] = [w.dims[0]!, w.dims[1]!]; // (in, out)
      const src = tensorToFloat32(w);
      const t = new Float32Array(src.length); // (out, in)
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = src[r * cols + c]!;
      named.set(target, { dims: [cols, rows], data: t });
      recovered++;
    }
  }
  if (recovered) notes.push(`${recovered} linear weight(s) recovered from MatMul(x, Wᵀ) + Add(bias) and transposed back to (out, in)`);
  return named;
}

interface Scheme {
  naming: 'timm' | 'hf';
  prefix: string;
}

function detectScheme(named: Map<string, Named>, src: string): Scheme {
  for (const k of named.keys()) {
    if (k.endsWith('embeddings.cls_token')) return { naming: 'hf', prefix: k.slice(0, -'embeddings.cls_token'.length) };
  }
  for (const k of named.keys()) if (k === 'cls_token' || k.endsWith('.cls_token')) return { naming: 'timm', prefix: k.slice(0, -'cls_token'.length) };
  const some = [...named.keys()].slice(0, 8);
  throw new OnnxImportError(
    `${src}: no ViT parameters found: expected initializers named like timm (cls_token, pos_embed, blocks.0.attn.qkv.weight) ` +
      `or Hugging Face (vit.embeddings.cls_token, vit.encoder.layer.0.attention.attention.query.weight); ` +
      (some.length ? `found e.g. ${some.join(', ')}` : 'found no weight/bias initializers'),
  );
}

/** For each timm parameter name, the source tensors (concatenated along rows) in the file's naming. */
function sourceMap(c: ViTConfig, s: Scheme): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const p = s.prefix;
  if (s.naming === 'timm') {
    for (const spec of paramSpecs(c)) out.set(spec.name, [p + spec.name]);
    return out;
  }
  const wb = (dst: string, srcs: string[]) => {
    out.set(`${dst}.weight`, srcs.map((x) => `${x}.weight`));
    out.set(`${dst}.bias`, srcs.map((x) => `${x}.bias`));
  };
  out.set('cls_token', [`${p}embeddings.cls_token`]);
  out.set('pos_embed', [`${p}embeddings.position_embeddings`]);
  wb('patch_embed.proj', [`${p}embeddings.patch_embeddings.projection`]);
  for (let i = 0; i < c.depth; i++) {
    const l = `${p}encoder.layer.${i}`;
    const b = `blocks.${i}`;
    wb(`${b}.norm1`, [`${l}.layernorm_before`]);
    wb(`${b}.attn.qkv`, ['query', 'key', 'value'].map((q) => `${l}.attention.attention.${q}`));
    wb(`${b}.attn.proj`, [`${l}.attention.output.dense`]);
    wb(`${b}.norm2`, [`${l}.layernorm_after`]);
    wb(`${b}.mlp.fc1`, [`${l}.intermediate.dense`]);
    wb(`${b}.mlp.fc2`, [`${l}.output.dense`]);
  }
  wb('norm', [`${p}layernorm`]);
  wb('head', ['classifier']);
  // keep only the names paramSpecs defines (qkv bias, head may be absent)
  const want = new Set(paramSpecs(c).map((x) => x.name));
  for (const k of [...out.keys()]) if (!want.has(k)) out.delete(k);
  return out;
}

function parseMetaConfig(json: string, src: string): ViTConfig {
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    throw new OnnxImportError(`${src}: metadata "vit.config" is not valid JSON`);
  }
  const keys: (keyof ViTConfig)[] = [
    'imageSize', 'patchSize', 'channels', 'width', 'depth', 'heads', 'mlpRatio', 'layerNormEps', 'qkvBias', 'numClasses', 'mean', 'std',
  ];
  if (typeof o !== 'object' || o === null) throw new OnnxImportError(`${src}: metadata "vit.config" is not an object`);
  const rec = o as Record<string, unknown>;
  const missing = keys.filter((k) => !(k in rec));
  if (missing.length) throw new OnnxImportError(`${src}: metadata "vit.config" lacks ${missing.join(', ')}`);
  const c = Object.fromEntries(keys.map((k) => [k, rec[k]])) as unknown as ViTConfig;
  try {
    return validateConfig(c);
  } catch (e) {
    throw new OnnxImportError(`${src}: metadata "vit.config": ${(e as Error).message}`);
  }
}

function inferConfig(m: ModelProto, named: Map<string, Named>, s: Scheme, opts: ImportOptions, notes: string[], src: string): ViTConfig {
  const hf = s.naming === 'hf';
  const p = s.prefix;
  const errs: string[] = [];
  const dims = (name: string) => named.get(name)?.dims;
  const cls = dims(hf ? `${p}embeddings.cls_token` : `${p}cls_token`)!;
  const pos = dims(hf ? `${p}embeddings.position_embeddings` : `${p}pos_embed`);
  const patchW = dims(hf ? `${p}embeddings.patch_embeddings.projection.weight` : `${p}patch_embed.proj.weight`);
  const C = cls[cls.length - 1]!;
  if (!pos || pos.length !== 3) errs.push(`position embedding missing or not (1, N, C)`);
  if (!patchW || patchW.length !== 4 || patchW[2] !== patchW[3]) errs.push(`patch embedding weight missing or not (C, 3, P, P)`);
  if (errs.length) throw new OnnxImportError(`${src}: cannot infer the ViT config: ${errs.join('; ')}`);
  const P = patchW![2]!;
  const grid = Math.round(Math.sqrt(pos![1]! - 1));
  if (grid * grid !== pos![1]! - 1) throw new OnnxImportError(`${src}: position embedding has ${pos![1]} rows, not 1 + G² (CLS + square grid)`);
  const layerRe = hf ? /encoder\.layer\.(\d+)\./ : /(?:^|\.)blocks\.(\d+)\./;
  let depth = 0;
  for (const k of named.keys()) {
    const mm = layerRe.exec(k);
    if (mm && k.startsWith(p)) depth = Math.max(depth, Number(mm[1]) + 1);
  }
  const fc1 = dims(hf ? `${p}encoder.layer.0.intermediate.dense.weight` : `${p}blocks.0.mlp.fc1.weight`);
  const qkvBias = named.has(hf ? `${p}encoder.layer.0.attention.attention.query.bias` : `${p}blocks.0.attn.qkv.bias`);
  const head = dims(hf ? 'classifier.weight' : `${p}head.weight`);

  // eps: options, else the graph's LayerNormalization nodes (all must agree)
  let eps = opts.layerNormEps;
  if (eps === undefined) {
    const found = new Set<number>();
    for (const n of m.graph!.node)
      if (n.opType === 'LayerNormalization') found.add(n.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-5);
    if (found.size === 1) {
      // the attribute is a float32: snap 9.99999997e-7 back to 1e-6 and the like
      eps = Number([...found][0]!.toPrecision(6));
      notes.push(`layerNormEps ${eps} read from the graph's LayerNormalization nodes`);
    }
  }
  const missing: string[] = [];
  if (opts.heads === undefined) {
    const guess = Object.entries(timmSizes).filter(([, v]) => v.width === C).map(([k, v]) => `${v.heads} for ${k}`);
    missing.push(
      `heads (the number of attention heads cannot be inferred from weights; pass { heads }${guess.length ? `, e.g. ${guess.join(' / ')}` : ''})`,
    );
  }
  if (eps === undefined) missing.push('layerNormEps (no LayerNormalization nodes to read it from; pass { layerNormEps }: 1e-6 for timm, 1e-12 for Hugging Face)');
  if (missing.length)
    throw new OnnxImportError(`${src}: no "vit.config" metadata (not exported by this project), so these must be given as import options: ${missing.join('; ')}`);
  if (!opts.mean || !opts.std) notes.push('no mean/std given: assuming 0.5 / 0.5 (timm/google ViT); pass { mean, std } for ImageNet-normalised models');
  const config: ViTConfig = {
    imageSize: grid * P, patchSize: P, channels: patchW![1]!, width: C, depth, heads: opts.heads!,
    mlpRatio: fc1 ? fc1[0]! / C : 4, layerNormEps: eps!, qkvBias, numClasses: head ? head[0]! : 0,
    mean: opts.mean ?? [0.5, 0.5, 0.5], std: opts.std ?? [0.5, 0.5, 0.5],
  };
  try {
    return validateConfig(config);
  } catch (e) {
    throw new OnnxImportError(`${src}: inferred config is invalid: ${(e as Error).message}`);
  }
}

/** Parses an ONNX ViT into a config and a timm-named parameter table. */
export function importVitOnnx(input: Uint8Array | ArrayBuffer, opts: ImportOptions = {}): ImportedVit {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const src = opts.source ?? 'ONNX file';
  const m = decode(bytes, src);
  const notes: string[] = [];
  const tensors = collectTensors(m, src);
  const meta = new Map(m.metadataProps.map((e) => [e.key, e.value]));
  const named = namedWeights(m, tensors, notes);
  const scheme = detectScheme(named, src);
  const metaJson = meta.get('vit.config');
  let config: ViTConfig;
  let naming: OnnxNaming = scheme.naming;
  if (metaJson !== undefined) {
    config = parseMetaConfig(metaJson, src);
    if (meta.get('vit.format') === ONNX_FORMAT_TAG) naming = 'sdlora';
    const conflicts = (['heads', 'layerNormEps'] as const).filter((k) => opts[k] !== undefined && opts[k] !== config[k]);
    if (conflicts.length)
      throw new OnnxImportError(
        `${src}: options ${conflicts.map((k) => `${k} = ${opts[k]}`).join(', ')} contradict the file's "vit.config" metadata (${conflicts
          .map((k) => `${k} = ${config[k]}`)
          .join(', ')})`,
      );
  } else config = inferConfig(m, named, scheme, opts, notes, src);
  if (opts.imageSize !== undefined && opts.imageSize !== config.imageSize)
    throw new OnnxImportError(
      `${src}: the model is built for ${config.imageSize}×${config.imageSize} images (position embedding of ${numTokens(config)} tokens), ` +
        `not ${opts.imageSize}×${opts.imageSize}; resample the position embedding (checkpoint loader) and re-export for another size`,
    );

  // Gather every parameter; report all problems at once.
  const params: ParamTable = new Map();
  const missing: string[] = [];
  const misshaped: string[] = [];
  const sources = sourceMap(config, scheme);
  for (const spec of paramSpecs(config)) {
    const srcNames = sources.get(spec.name)!;
    const parts = srcNames.map((n) => named.get(n));
    const absent = srcNames.filter((_, i) => !parts[i]);
    if (absent.length) {
      missing.push(...absent);
      continue;
    }
    const total = parts.reduce((a, t) => a + t!.data.length, 0);
    const shapes = parts.map((t) => `[${t!.dims.join(', ')}]`).join(' + ');
    // same element count and the same trailing dims (rows may be split across q/k/v)
    const tail = (d: number[]) => d.slice(1).join(',');
    const ok =
      total === numel(spec.shape) &&
      parts.every((t) => (parts.length === 1 ? t!.dims.join(',') === spec.shape.join(',') : tail(t!.dims) === tail(spec.shape)));
    if (!ok) {
      misshaped.push(`${srcNames.join(' + ')} is ${shapes}, expected [${spec.shape.join(', ')}] for ${spec.name}`);
      continue;
    }
    const data = new Float32Array(total);
    let o = 0;
    for (const t of parts) {
      data.set(t!.data, o);
      o += t!.data.length;
    }
    params.set(spec.name, data);
  }
  if (missing.length || misshaped.length)
    throw new OnnxImportError(
      `${src} (${scheme.naming} naming${scheme.prefix ? `, prefix "${scheme.prefix}"` : ''}): ` +
        [missing.length ? `missing tensors: ${missing.join(', ')}` : '', misshaped.length ? `wrong shapes: ${misshaped.join('; ')}` : '']
          .filter(Boolean)
          .join('; '),
    );
  return { config, params, naming, notes };
}
