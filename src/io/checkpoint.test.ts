import { describe, expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { initParams, paramSpecs, type ParamTable } from '../model/vit/params';
import * as vit from '../reference/vit';
import { uniform } from '../testing/rng';
import {
  bicubicResize, CheckpointError, exportTensors, hfConfigJson, interpolatePosEmbed, loadCheckpoint, parseConfig, timmConfigJson,
} from './checkpoint';
import { writeSafetensors, type WriteTensor } from './safetensors';

const cfg: ViTConfig = { ...presets.tiny, numClasses: 4 };

/** A tiny checkpoint with every tensor distinct (init + noise, so a swapped q/k/v or bias would show). */
function tinyTable(c: ViTConfig): ParamTable {
  const t = initParams(c, 11);
  let seed = 100;
  for (const [, v] of t) {
    const n = uniform(v.length, seed++, -0.5, 0.5);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! + n[i]!;
  }
  return t;
}

const sameTable = (a: ParamTable, b: ParamTable) => {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(b.get(k), k).toEqual(v);
};

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  throw new Error('expected a CheckpointError');
};

describe('checkpoint loading', () => {
  it('the same tiny checkpoint under HF names (vit. prefix, bare) and timm names loads to identical tables and logits', () => {
    const table = tinyTable(cfg);
    const timmBytes = writeSafetensors(exportTensors(cfg, table, 'timm'), { metadata: { format: 'pt' } });
    const hfBytes = writeSafetensors(exportTensors(cfg, table, 'hf', 'vit.'));
    const fromTimm = loadCheckpoint({ config: JSON.stringify(timmConfigJson(cfg)), weights: timmBytes });
    const fromHf = loadCheckpoint({ config: hfConfigJson(cfg, ['a', 'b', 'c', 'd']), weights: hfBytes, preprocessor: { image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] } });
    // HF names with a timm config, and timm names with an HF config, work too: naming is detected from the file.
    const crossed = loadCheckpoint({ config: timmConfigJson(cfg), weights: hfBytes });
    expect(fromHf.naming).toBe('hf');
    expect(fromTimm.naming).toBe('timm');
    expect(fromHf.labels).toEqual(['a', 'b', 'c', 'd']);
    expect(fromTimm.config).toEqual(cfg);
    expect(fromHf.config).toEqual(cfg);
    sameTable(table, fromTimm.params);
    sameTable(table, fromHf.params);
    sameTable(table, crossed.params);
    // The qkv fusion puts query rows first, value rows last (the rows LoRA slices).
    const hfTensors = exportTensors(cfg, table, 'hf');
    const C = cfg.width;
    expect(fromHf.params.get('blocks.1.attn.qkv.weight')!.subarray(2 * C * C)).toEqual(hfTensors.get('vit.encoder.layer.1.attention.attention.value.weight')!.data);
    const images = uniform(2 * 3 * 8 * 8, 5, 0, 1);
    const a = vit.forward(fromTimm.config, vit.toFloat64(fromTimm.params), [], images, 2).logits;
    const b = vit.forward(fromHf.config, vit.toFloat64(fromHf.params), [], images, 2).logits;
    expect(b).toEqual(a);
  });

  it('qkv_bias false: no q/k/v biases expected in either naming', () => {
    const c: ViTConfig = { ...cfg, qkvBias: false };
    const table = tinyTable(c);
    const hf = loadCheckpoint({ config: hfConfigJson(c), weights: writeSafetensors(exportTensors(c, table, 'hf')) });
    expect(hf.config.qkvBias).toBe(false);
    expect(hf.params.has('blocks.0.attn.qkv.bias')).toBe(false);
    sameTable(table, hf.params);
    sameTable(table, loadCheckpoint({ config: timmConfigJson(c), weights: writeSafetensors(exportTensors(c, table, 'timm')) }).params);
  });

  it('HF ViTModel (bare names, no classifier, pooler ignored) and F16 weights', () => {
    const c0: ViTConfig = { ...cfg, numClasses: 0 };
    const table = tinyTable(c0);
    const tensors = exportTensors(c0, table, 'hf', '');
    tensors.set('pooler.dense.weight', { shape: [C(c0), C(c0)], data: new Float32Array(C(c0) * C(c0)) });
    tensors.set('pooler.dense.bias', { shape: [C(c0)], data: new Float32Array(C(c0)) });
    const loaded = loadCheckpoint({ config: { ...hfConfigJson(c0), architectures: ['ViTModel'] }, weights: writeSafetensors(tensors, { dtype: 'F16' }) });
    expect(loaded.config.numClasses).toBe(0);
    expect(loaded.notes.join(' ')).toMatch(/ignored.*pooler\.dense\.weight/);
    expect(loaded.notes.join(' ')).toMatch(/no preprocessor_config/);
    const w = loaded.params.get('blocks.0.mlp.fc1.weight')!;
    const want = table.get('blocks.0.mlp.fc1.weight')!;
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - want[i]!)).toBeLessThanOrEqual(Math.abs(want[i]!) * 2 ** -11 + 2 ** -25);
  });

  it('one message names every missing, mis-shaped and unexpected tensor and the expected format', () => {
    const tensors = exportTensors(cfg, tinyTable(cfg), 'hf');
    tensors.delete('vit.encoder.layer.1.attention.attention.key.weight');
    tensors.delete('classifier.bias');
    tensors.set('vit.encoder.layer.0.intermediate.dense.weight', { shape: [31, 16], data: new Float32Array(31 * 16) });
    tensors.set('vit.embeddings.position_embeddings', { shape: [1, 17, 16], data: new Float32Array(17 * 16) });
    tensors.set('vit.encoder.layer.0.layer_scale1.lambda1', { shape: [16], data: new Float32Array(16) });
    const msg = errorOf(() => loadCheckpoint({ config: hfConfigJson(cfg), weights: writeSafetensors(tensors), configName: 'cfg.json', weightsName: 'w.safetensors' }));
    expect(msg).toMatch(/^w\.safetensors does not match cfg\.json/);
    expect(msg).toMatch(/2 missing: vit\.encoder\.layer\.1\.attention\.attention\.key\.weight, classifier\.bias/);
    expect(msg).toMatch(/vit\.encoder\.layer\.0\.intermediate\.dense\.weight \(expected \[32, 16\], found \[31, 16\]\)/);
    expect(msg).toMatch(/vit\.embeddings\.position_embeddings \(expected \[1, 5, 16\], found \[1, 17, 16\]\)/);
    expect(msg).toMatch(/unexpected.*layer_scale1\.lambda1/);
    expect(msg).toMatch(/expected the model\.safetensors belonging to cfg\.json \(ViT width 16, depth 2, heads 2, patch 4, image 8/);
    const timmMissing = new Map<string, WriteTensor>([...exportTensors(cfg, tinyTable(cfg), 'timm')].filter(([k]) => !k.startsWith('blocks.1.')));
    expect(errorOf(() => loadCheckpoint({ config: timmConfigJson(cfg), weights: writeSafetensors(timmMissing) }))).toMatch(
      /12 missing: blocks\.1\.norm1\.weight, blocks\.1\.norm1\.bias, blocks\.1\.attn\.qkv\.weight, .*blocks\.1\.mlp\.fc2\.bias\./,
    );
    expect(errorOf(() => loadCheckpoint({ config: timmConfigJson(cfg), weights: writeSafetensors({ 'model.embed.weight': { shape: [2], data: new Float32Array(2) } }) }))).toMatch(
      /no ViT tensors recognised \(1 tensors, e\.g\. model\.embed\.weight\)/,
    );
  });

  it('HF config: fields, id2label, preprocessor, and clear rejections', () => {
    const hf = {
      architectures: ['ViTForImageClassification'], model_type: 'vit', hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12,
      intermediate_size: 3072, hidden_act: 'gelu', layer_norm_eps: 1e-12, image_size: 224, patch_size: 16, num_channels: 3, qkv_bias: true,
      id2label: { '0': 'cat', '1': 'dog', '2': 'eel' },
    };
    const p = parseConfig(hf, { image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] });
    expect(p.config).toEqual({ ...presets.vitBase, layerNormEps: 1e-12, numClasses: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect(p.labels).toEqual(['cat', 'dog', 'eel']);
    // The input convention of a backbone trained on gray, light-on-dark images (what npm run pretrain writes).
    const conv = parseConfig(hf, { image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], do_grayscale: true, do_light_on_dark: true });
    expect(conv.config).toMatchObject({ grayscale: true, lightOnDark: true });
    expect(conv.notes.join(' ')).toMatch(/input convention .* made gray and light on dark/);
    expect(parseConfig(hf, { do_grayscale: false }).config.grayscale).toBeUndefined();
    expect(errorOf(() => parseConfig(hf, { do_light_on_dark: 'yes' }))).toMatch(/do_light_on_dark must be true or false/);
    expect(errorOf(() => parseConfig({ ...hf, hidden_act: 'gelu_new', model_type: 'deit' }))).toMatch(
      /model_type "deit" is not supported.*hidden_act "gelu_new" is not supported \(only "gelu"/,
    );
    expect(errorOf(() => parseConfig({ ...hf, num_attention_heads: 7 }))).toMatch(/width 768 is not a multiple of heads 7/);
    expect(errorOf(() => parseConfig({ foo: 1 }))).toMatch(/not a recognised ViT config/);
  });

  it('timm config: architecture name, pretrained_cfg, model_args, rejections', () => {
    const timm = {
      architecture: 'vit_base_patch16_224', num_classes: 1000, num_features: 768, global_pool: 'token',
      pretrained_cfg: { tag: 'augreg2_in21k_ft_in1k', input_size: [3, 224, 224], interpolation: 'bicubic', crop_pct: 0.9, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], num_classes: 1000 },
    };
    expect(parseConfig(timm).config).toEqual({ ...presets.vitBase, numClasses: 1000 });
    expect(parseConfig({ ...timm, architecture: 'vit_tiny_patch16_384', num_classes: 0, pretrained_cfg: { input_size: [3, 384, 384] } }).config).toMatchObject({
      width: 192, depth: 12, heads: 3, imageSize: 384, numClasses: 0,
    });
    expect(errorOf(() => parseConfig({ ...timm, architecture: 'deit_base_distilled_patch16_224' }))).toMatch(/not supported \(plain ViT\/DeiT only/);
    expect(errorOf(() => parseConfig({ ...timm, global_pool: 'avg' }))).toMatch(/global_pool = "avg" is not supported/);
    expect(errorOf(() => parseConfig({ ...timm, model_args: { init_values: 1e-5, reg_tokens: 4 } }))).toMatch(/reg_tokens = 4 is not supported.*init_values = 0\.00001 is not supported/);
  });

  it('bicubic: PyTorch values (a = −0.75, align_corners=False), identity, constants, CLS kept', () => {
    // F.interpolate([[0, 1]], size=4, mode='bicubic', align_corners=False) — hand-derived from the Keys kernel:
    // taps at x = −0.25, 0.25, 0.75, 1.25, borders clamped.
    expect(Array.from(bicubicResize(new Float64Array([0, 1]), 1, 2, 1, 4, 1))).toEqual([-0.10546875, 0.2265625, 0.7734375, 1.10546875]);
    const grid = uniform(5 * 5 * 3, 1);
    expect(bicubicResize(grid, 5, 5, 5, 5, 3)).toEqual(grid);
    const ones = bicubicResize(new Float64Array(4 * 4 * 2).fill(1.5), 4, 4, 7, 7, 2);
    for (const v of ones) expect(v).toBeCloseTo(1.5, 14);
    // Mirror symmetry (align_corners=False centres pixels): resizing the reversed row gives the reversed result.
    // (No linear-ramp check: with a = −0.75 the Keys kernel only reproduces constants exactly, a = −0.5 would.)
    const row = uniform(7, 4);
    const fwd = bicubicResize(row, 1, 7, 1, 12, 1);
    const rev = bicubicResize(row.slice().reverse(), 1, 7, 1, 12, 1).reverse();
    for (let j = 0; j < 12; j++) expect(rev[j]).toBeCloseTo(fwd[j]!, 14);
    const pos = Float32Array.from(uniform(5 * 3, 2));
    const up = interpolatePosEmbed(pos, 2, 4, 3);
    expect(up.length).toBe(17 * 3);
    expect(up.subarray(0, 3)).toEqual(pos.subarray(0, 3));
  });

  it('loading at another image size resamples pos_embed; another class count gets a fresh head', () => {
    const table = tinyTable(cfg);
    const w = writeSafetensors(exportTensors(cfg, table, 'timm'));
    const big = loadCheckpoint({ config: timmConfigJson(cfg), weights: w }, { imageSize: 16, numClasses: 7, headSeed: 3, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(big.config).toEqual({ ...cfg, imageSize: 16, numClasses: 7, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(big.params.get('pos_embed')!.length).toBe(17 * 16);
    expect(big.params.get('head.weight')!.length).toBe(7 * 16);
    expect(big.params.get('head.bias')).toEqual(new Float32Array(7));
    expect([...big.params.keys()]).toEqual(paramSpecs(big.config).map((s) => s.name));
    expect(big.notes.join(' ')).toMatch(/resampled bicubic 2×2 → 4×4.*head replaced: 4 → 7/);
    const logits = vit.forward(big.config, vit.toFloat64(big.params), [], uniform(3 * 16 * 16, 9, 0, 1), 1).logits;
    expect(logits.length).toBe(7);
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(errorOf(() => loadCheckpoint({ config: timmConfigJson(cfg), weights: w }, { imageSize: 10 }))).toMatch(/imageSize 10 is not a multiple of patchSize 4/);
  });
});

const C = (c: ViTConfig) => c.width;
