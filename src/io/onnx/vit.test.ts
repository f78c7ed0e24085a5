// ONNX export/import of the ViT:
//   export(tiny, seeded random params) runs in ONNX Runtime (onnxruntime-web, wasm backend, 1 thread)
//   and matches the float64 reference forward (src/reference/vit.ts) within 1e-5 abs;
//   import(export(p)) gives back the same config and bit-identical params;
//   foreign files (timm / Hugging Face names, anonymous transposed MatMul weights, no metadata) import
//   once heads are given; every failure mode has a clear message.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presets, type ViTConfig } from '../../model/vit/config';
import { numel, paramSpecs, type ParamTable } from '../../model/vit/params';
import { forward, toFloat64 } from '../../reference/vit';
import { normal, uniform } from '../../testing/rng';
import { exportVitOnnx } from './exportVit';
import { importVitOnnx } from './importVit';
import { decodeModel, encodeModel, floatTensor, tensorToFloat32, type ModelProto, type NodeProto, type TensorProto } from './proto';

const tiny: ViTConfig = presets.tiny;

/** Every tensor random (biases and LN affine too, so each one matters in the comparison). */
function randomParams(c: ViTConfig, seed: number): ParamTable {
  const t: ParamTable = new Map();
  paramSpecs(c).forEach((s, i) => {
    const n = numel(s.shape);
    const z = normal(n, seed * 1000 + i);
    const out = new Float32Array(n);
    for (let j = 0; j < n; j++)
      out[j] = s.init === 'ones' ? 1 + 0.2 * z[j]! : s.init === 'zeros' ? 0.2 * z[j]! : (z[j]! * 1.5) / Math.sqrt(numel(s.shape.slice(1)));
    t.set(s.name, out);
  });
  return t;
}

const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + '/';

describe('ViT ONNX export in ONNX Runtime', () => {
  const params = randomParams(tiny, 7);
  const bytes = exportVitOnnx(tiny, params);
  let session: ort.InferenceSession;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = ortDist;
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  }, 60_000);
  afterAll(async () => {
    await session?.release();
  });

  it('logits match the float64 reference within 1e-5', async () => {
    const S = tiny.imageSize;
    const B = 3;
    const n = B * 3 * S * S;
    const xn = Float32Array.from(uniform(n, 11, -2, 2)); // (B, 3, S, S), already normalised
    expect(session.inputNames).toEqual(['pixel_values']);
    expect(session.outputNames).toEqual(['logits']);
    const out = await session.run({ pixel_values: new ort.Tensor('float32', xn, [B, 3, S, S]) });
    const logits = out.logits!;
    expect(logits.dims).toEqual([B, tiny.numClasses]);
    // The reference normalises raw pixels itself: hand it x = xn·std + mean (exact in float64).
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ch = Math.floor(i / (S * S)) % 3;
      raw[i] = xn[i]! * tiny.std[ch]! + tiny.mean[ch]!;
    }
    const ref = forward(tiny, toFloat64(params), [], raw, B).logits;
    const got = logits.data as Float32Array;
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref[i]!));
      maxRef = Math.max(maxRef, Math.abs(ref[i]!));
    }
    console.log(`ORT vs float64 reference: max |Δlogit| = ${maxDiff.toExponential(2)} (max |logit| ${maxRef.toFixed(3)})`);
    expect(maxRef).toBeGreaterThan(0.1); // a non-degenerate model
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('no head / no qkv bias / batch 1: "features" match the reference', async () => {
    const c2: ViTConfig = { ...tiny, numClasses: 0, qkvBias: false, heads: 4, mean: [0, 0, 0], std: [1, 1, 1] };
    const p2 = randomParams(c2, 8);
    const s2 = await ort.InferenceSession.create(exportVitOnnx(c2, p2), { executionProviders: ['wasm'] });
    const S = c2.imageSize;
    const x = Float32Array.from(uniform(3 * S * S, 12, -2, 2)); // (1, 3, S, S); mean 0 / std 1: raw = normalised
    const out = await s2.run({ pixel_values: new ort.Tensor('float32', x, [1, 3, S, S]) });
    await s2.release();
    expect(s2.outputNames).toEqual(['features']);
    const got = out.features!.data as Float32Array;
    const ref = forward(c2, toFloat64(p2), [], Float64Array.from(x), 1).features;
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref[i]!));
    expect(ref.length).toBe(c2.width);
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('rejects an image size other than the config’s', async () => {
    const S = 2 * tiny.imageSize;
    const x = new ort.Tensor('float32', new Float32Array(3 * S * S), [1, 3, S, S]);
    await expect(session.run({ pixel_values: x })).rejects.toThrow(/pixel_values[\s\S]*(Got: 16[\s\S]*Expected: 8)/);
    expect(() => importVitOnnx(bytes, { imageSize: S })).toThrow(/built for 8×8 images .* not 16×16/);
  });
});

describe('ViT ONNX import', () => {
  const params = randomParams(tiny, 3);
  const bytes = exportVitOnnx(tiny, params);

  it('import(export(p)) returns the same config and identical params', () => {
    const { config, params: back, naming } = importVitOnnx(bytes);
    expect(naming).toBe('sdlora');
    expect(config).toEqual(tiny);
    expect([...back.keys()]).toEqual([...params.keys()]);
    for (const [k, v] of params) expect(back.get(k), k).toEqual(v);
    // no head, no qkv bias: output "features", still round-trips
    const c2: ViTConfig = { ...tiny, numClasses: 0, qkvBias: false, heads: 4, layerNormEps: 1e-12 };
    const p2 = randomParams(c2, 4);
    const r2 = importVitOnnx(exportVitOnnx(c2, p2));
    expect(r2.config).toEqual(c2);
    for (const [k, v] of p2) expect(r2.params.get(k), k).toEqual(v);
  });

  it('export rejects a parameter table that does not fit the config, naming every problem', () => {
    const bad = new Map(params);
    bad.delete('blocks.1.mlp.fc2.bias');
    bad.set('pos_embed', new Float32Array(3));
    bad.set('blocks.0.attn.qkv.lora_A', new Float32Array(4));
    let msg = '';
    try {
      exportVitOnnx(tiny, bad);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/missing blocks\.1\.mlp\.fc2\.bias/);
    expect(msg).toMatch(/pos_embed has 3 values, expected 80/);
    expect(msg).toMatch(/unexpected parameters blocks\.0\.attn\.qkv\.lora_A \(merge LoRA/);
  });

  /** Our export rewritten the way torch.onnx.export writes a foreign model: other names, no metadata,
   *  and (optionally) every linear as MatMul(x, Wᵀ) + Add with an anonymous transposed weight. */
  function foreign(rename: (timm: string) => string[] | string, matmul: boolean): Uint8Array {
    const m: ModelProto = decodeModel(bytes);
    const g = m.graph!;
    m.metadataProps = [];
    const inits: TensorProto[] = [];
    const nodes: NodeProto[] = [...g.node];
    let anon = 0;
    for (const t of g.initializer) {
      if (t.name.startsWith('const.')) {
        inits.push(t);
        continue;
      }
      const to = rename(t.name);
      const data = tensorToFloat32(t);
      const names = Array.isArray(to) ? to : [to];
      const rows = t.dims[0]! / names.length;
      names.forEach((name, j) => {
        const dims = [rows, ...t.dims.slice(1)];
        const part = data.slice(j * numel(dims), (j + 1) * numel(dims));
        if (matmul && name.endsWith('.weight') && dims.length === 2 && !/norm|layernorm/.test(name)) {
          const [o, i] = [dims[0]!, dims[1]!];
          const tr = new Float32Array(o * i); // (in, out)
          for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) tr[c * o + r] = part[r * i + c]!;
          const w = `onnx::MatMul_${anon++}`;
          inits.push(floatTensor(w, [i, o], tr));
          nodes.push({ input: ['h', w], output: [`${w}_y`], name: `mm${anon}`, opType: 'MatMul', attribute: [] });
          nodes.push({ input: [`${w}_y`, name.replace(/weight$/, 'bias')], output: [`${w}_z`], name: `add${anon}`, opType: 'Add', attribute: [] });
        } else inits.push(floatTensor(name, dims, part));
      });
    }
    g.initializer = inits;
    g.node = nodes;
    return encodeModel(m);
  }

  const hfName = (n: string): string[] | string => {
    const m = /^blocks\.(\d+)\.(.*)$/.exec(n);
    if (!m) {
      const top: Record<string, string> = {
        cls_token: 'vit.embeddings.cls_token', pos_embed: 'vit.embeddings.position_embeddings',
        'patch_embed.proj.weight': 'vit.embeddings.patch_embeddings.projection.weight',
        'patch_embed.proj.bias': 'vit.embeddings.patch_embeddings.projection.bias',
        'norm.weight': 'vit.layernorm.weight', 'norm.bias': 'vit.layernorm.bias', 'head.weight': 'classifier.weight', 'head.bias': 'classifier.bias',
      };
      return top[n]!;
    }
    const l = `vit.encoder.layer.${m[1]}`;
    const [mod, wb] = [m[2]!.slice(0, m[2]!.lastIndexOf('.')), m[2]!.slice(m[2]!.lastIndexOf('.') + 1)];
    if (mod === 'attn.qkv') return ['query', 'key', 'value'].map((q) => `${l}.attention.attention.${q}.${wb}`);
    const map: Record<string, string> = {
      norm1: 'layernorm_before', 'attn.proj': 'attention.output.dense', norm2: 'layernorm_after', 'mlp.fc1': 'intermediate.dense', 'mlp.fc2': 'output.dense',
    };
    return `${l}.${map[mod]}.${wb}`;
  };

  it('imports Hugging Face and prefixed timm names, also from transposed MatMul weights', () => {
    for (const [file, naming] of [
      [foreign(hfName, false), 'hf'],
      [foreign(hfName, true), 'hf'],
      [foreign((n) => `model.${n}`, true), 'timm'],
    ] as const) {
      expect(() => importVitOnnx(file)).toThrow(/heads \(the number of attention heads cannot be inferred from weights; pass \{ heads \}/);
      const r = importVitOnnx(file, { heads: tiny.heads });
      expect(r.naming).toBe(naming);
      expect(r.config).toEqual(tiny); // eps read from the LayerNormalization nodes; mean/std default 0.5
      for (const [k, v] of params) expect(r.params.get(k), k).toEqual(v);
    }
  });

  it('names every missing tensor', () => {
    const m = decodeModel(bytes);
    m.graph!.initializer = m.graph!.initializer.filter((t) => t.name !== 'blocks.0.norm2.bias' && t.name !== 'head.weight');
    expect(() => importVitOnnx(encodeModel(m))).toThrow(/missing tensors: blocks\.0\.norm2\.bias, head\.weight$/);
  });

  it('rejects non-ONNX, truncated and external-data files clearly', () => {
    expect(() => importVitOnnx(new Uint8Array(0))).toThrow(/empty file/);
    expect(() => importVitOnnx(new TextEncoder().encode('{"model_type": "vit"}'))).toThrow(/not an ONNX model: this looks like JSON/);
    const st = new Uint8Array(16);
    st.set([8, 0, 0, 0, 0, 0, 0, 0]);
    st.set(new TextEncoder().encode('{"a":{}}'), 8);
    expect(() => importVitOnnx(st)).toThrow(/safetensors/);
    expect(() => importVitOnnx(Uint8Array.of(0x50, 0x4b, 3, 4, 0))).toThrow(/ZIP archive/);
    expect(() => importVitOnnx(Float32Array.from(uniform(64, 1)).buffer)).toThrow(/not an ONNX model/);
    expect(() => importVitOnnx(bytes.subarray(0, bytes.length - 1000), { source: 'vit.onnx' })).toThrow(/vit\.onnx: truncated or corrupt ONNX file/);

    const m = decodeModel(bytes);
    for (const t of m.graph!.initializer)
      if (t.name.startsWith('blocks.')) {
        delete t.rawData;
        t.dataLocation = 1;
        t.externalData = [{ key: 'location', value: 'vit.onnx.data' }];
      }
    expect(() => importVitOnnx(encodeModel(m))).toThrow(/use external data .*'vit\.onnx\.data'.*not supported/);
  });
});
