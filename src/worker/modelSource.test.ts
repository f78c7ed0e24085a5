// Model sources without a browser: which picked files make a model, reading them with the project's loaders
// (Hugging Face and timm names, F16, ONNX), the messages for wrong or partial files, and the JSON forms of a source.
import { describe, expect, it } from 'vitest';
import { exportTensors, hfConfigJson, timmConfigJson } from '../io/checkpoint';
import { exportVitOnnx } from '../io/onnx/exportVit';
import { writeSafetensors, type WriteDtype } from '../io/safetensors';
import { presets, type ViTConfig } from '../model/vit/config';
import { initParams, paramCount } from '../model/vit/params';
import {
  buildPreset,
  classifyModelFiles,
  filesSource,
  ModelFilesError,
  modelFilesName,
  parseModelSource,
  pretrainingLine,
  readModelFiles,
  sourceLabel,
  type NamedBytes,
} from './modelSource';

const tiny: ViTConfig = { ...presets.tiny, imageSize: 8, numClasses: 0 };
const enc = new TextEncoder();

function hfFiles(c: ViTConfig, opts: { dtype?: WriteDtype; drop?: string; prefix?: string } = {}): NamedBytes[] {
  const params = initParams(c, 3);
  const tensors = exportTensors(c, params, 'hf', opts.prefix ?? '');
  if (opts.drop) tensors.delete(opts.drop);
  return [
    { name: 'config.json', bytes: enc.encode(JSON.stringify(hfConfigJson(c))) },
    { name: 'model.safetensors', bytes: writeSafetensors(tensors, { dtype: opts.dtype ?? 'F32' }) },
  ];
}

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFilesError);
    return (e as Error).message;
  }
  throw new Error('expected a ModelFilesError');
};

describe('classifyModelFiles', () => {
  it('takes config.json + model.safetensors (+ preprocessor_config.json), or one .onnx', () => {
    expect(classifyModelFiles(['vit/model.safetensors', 'vit/config.json', 'vit/README.md'])).toEqual({ format: 'checkpoint', config: 1, weights: 0, preprocessor: null, ignored: ['README.md'] });
    expect(classifyModelFiles(['config.json', 'preprocessor_config.json', 'model.safetensors'])).toMatchObject({ format: 'checkpoint', config: 0, weights: 2, preprocessor: 1 });
    expect(classifyModelFiles(['model.onnx'])).toEqual({ format: 'onnx', onnx: 0, ignored: [] });
  });
  it('says what is missing or too much', () => {
    expect(errorOf(() => classifyModelFiles(['model.safetensors']))).toContain('needs its config.json');
    expect(errorOf(() => classifyModelFiles(['config.json']))).toContain('without its weights');
    expect(errorOf(() => classifyModelFiles(['a.onnx', 'b.onnx']))).toContain('2 ONNX files');
    expect(errorOf(() => classifyModelFiles(['model.onnx', 'model.safetensors', 'config.json']))).toContain('pick one model');
    expect(errorOf(() => classifyModelFiles(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'config.json']))).toContain('sharded');
    expect(errorOf(() => classifyModelFiles(['cat.png', 'notes.txt']))).toContain('none of the picked files is a model');
    expect(errorOf(() => classifyModelFiles([]))).toContain('no files');
  });
  it('names the source by its folder, else by its weights', () => {
    expect(modelFilesName(['my-vit/config.json', 'my-vit/model.safetensors'])).toBe('my-vit');
    expect(modelFilesName(['config.json', 'model.safetensors'])).toBe('model.safetensors');
    expect(filesSource('x', ['a/config.json', 'a/model.safetensors', 'a/README.md'])).toEqual({ kind: 'files', name: 'x', format: 'checkpoint', files: ['config.json', 'model.safetensors'] });
  });
});

describe('readModelFiles', () => {
  it('reads a Hugging Face checkpoint in F16 (bare or vit.-prefixed names) without a head', () => {
    for (const prefix of ['', 'vit.']) {
      const m = readModelFiles('mine', hfFiles(tiny, { dtype: 'F16', prefix }));
      expect(m.config).toMatchObject({ width: 16, depth: 2, heads: 2, patchSize: 4, imageSize: 8, mlpRatio: 2 });
      expect([...m.params.keys()].some((k) => k.startsWith('head.'))).toBe(false);
      expect(m.info.backboneParams).toBe(paramCount(tiny));
      expect(m.info.format).toContain('F16');
      expect(m.info.bytes).toBeGreaterThan(0);
    }
  });
  it('drops the classifier of a classification checkpoint and keeps the backbone', () => {
    const withHead: ViTConfig = { ...tiny, numClasses: 3 };
    const m = readModelFiles('cls', hfFiles(withHead, { prefix: 'vit.' }));
    expect(m.params.has('head.weight')).toBe(false);
    expect(m.info.backboneParams).toBe(paramCount(tiny));
  });
  it('reads timm names with a timm config', () => {
    const params = initParams(tiny, 5);
    const files: NamedBytes[] = [
      { name: 'config.json', bytes: enc.encode(JSON.stringify(timmConfigJson(tiny))) },
      { name: 'model.safetensors', bytes: writeSafetensors(exportTensors(tiny, params, 'timm'), { dtype: 'BF16' }) },
    ];
    const m = readModelFiles('timm', files);
    expect(m.info.format).toContain('timm');
    expect(m.params.get('blocks.1.attn.qkv.weight')!.length).toBe(3 * 16 * 16);
  });
  it('reads an ONNX export and reports its naming', () => {
    const withHead: ViTConfig = { ...tiny, numClasses: 4 };
    const m = readModelFiles('onnx', [{ name: 'model.onnx', bytes: exportVitOnnx(withHead, initParams(withHead, 2)) }]);
    expect(m.info.format).toContain('ONNX');
    expect(m.config.width).toBe(16);
    expect(m.params.has('head.weight')).toBe(false);
  });
  it('names a missing tensor and says what to do', () => {
    const msg = errorOf(() => readModelFiles('broken', hfFiles(tiny, { drop: 'encoder.layer.1.output.dense.bias' })));
    expect(msg).toContain('1 missing: encoder.layer.1.output.dense.bias');
    expect(msg).toContain('Pick the config.json and model.safetensors');
  });
  it('explains a truncated safetensors file, a config that is not JSON, and random bytes named .onnx', () => {
    const [config, weights] = hfFiles(tiny);
    expect(errorOf(() => readModelFiles('t', [config!, { name: 'model.safetensors', bytes: weights!.bytes.subarray(0, weights!.bytes.length - 100) }]))).toMatch(/model\.safetensors/);
    expect(errorOf(() => readModelFiles('j', [{ name: 'config.json', bytes: enc.encode('{oops') }, weights!]))).toContain('config.json is not JSON');
    const random = Uint8Array.from({ length: 256 }, (_, i) => (i * 73 + 41) & 255);
    const msg = errorOf(() => readModelFiles('r', [{ name: 'random.onnx', bytes: random }]));
    expect(msg).toContain('random.onnx');
    expect(msg).toMatch(/not an ONNX model|truncated or corrupt/);
    expect(msg).toContain('exported by this playground');
  });
  it('refuses weights of another shape than the config says, naming the tensors', () => {
    const [, weights] = hfFiles({ ...tiny, width: 32, heads: 2 });
    const msg = errorOf(() => readModelFiles('m', [hfFiles(tiny)[0]!, weights!]));
    expect(msg).toContain('mis-shaped');
    expect(msg).toContain('expected [16');
  });
});

describe('sources', () => {
  it('builds the presets as the CLI does (seed 1, no head)', () => {
    const m = buildPreset('tiny');
    expect(m.config.imageSize).toBe(8);
    expect(m.params.has('head.weight')).toBe(false);
    expect(Array.from(m.params.get('cls_token')!)).toEqual(Array.from(initParams(m.config, 1).get('cls_token')!));
  });
  it('parses saved and CLI spellings, and refuses anything else', () => {
    expect(parseModelSource('tiny')).toEqual({ kind: 'preset', id: 'tiny' });
    expect(parseModelSource('random:small32')).toEqual({ kind: 'preset', id: 'small32' });
    expect(parseModelSource('random:vitBase')).toBeNull();
    expect(parseModelSource({ kind: 'default' })).toEqual({ kind: 'default' });
    expect(parseModelSource({ kind: 'files', name: 'a', format: 'onnx', files: ['a.onnx'] })).toEqual({ kind: 'files', name: 'a', format: 'onnx', files: ['a.onnx'] });
    expect(parseModelSource({ kind: 'files', name: 'a', format: 'pt', files: [] })).toBeNull();
    expect(parseModelSource('files', { name: 'a', format: 'onnx', files: ['a.onnx'] })).toEqual({ kind: 'files', name: 'a', format: 'onnx', files: ['a.onnx'] });
    expect(sourceLabel({ kind: 'files', name: 'a', format: 'onnx', files: ['a.onnx'] })).toBe('files:a');
  });
  it('summarises pretraining.json in a line', () => {
    expect(pretrainingLine({ step: 1200, steps: 5000, validation: { top1: 0.4321 }, corpus: { classes: 4341 } })).toBe(
      'pretrained for 1200 of 5000 steps, on 4341 classes of glyphs and emoji (none shared with the benchmarks), held-out top-1 43.2%',
    );
    expect(pretrainingLine('nope')).toBeNull();
  });
});
