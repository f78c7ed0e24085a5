// The merged model without a GPU: the ONNX of a finished SD-LoRA state (two components, one a normalised
// frozen direction) runs in ONNX Runtime (onnxruntime-web, wasm, 1 thread) and gives the float64 reference's
// logits of the unmerged model; a prototype head ranks classes exactly as nearest-class-mean does; the
// comparison refuses a runtime whose logits differ.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BankComponent } from '../io/loraBank';
import { presets, type ViTConfig } from '../model/vit/config';
import { LORA_TARGETS, targetSite } from '../model/vit/loraTargets';
import { paramSpecs } from '../model/vit/params';
import { forward, toFloat64 } from '../reference/vit';
import { normal, uniform } from '../testing/rng';
import { randomParams } from '../testing/vitFixtures';
import { compareLogits, maxAbsDiff, mergedOnnx, mergedParams, ONNX_CHECK_TOLERANCE } from './mergedExport';
import { DEFAULT_CONFIG, type MethodState } from './methods';

const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
const C = config.width;

// Components on every map LoRA can adapt (q, k, v, proj, fc1, fc2), so the host merge of every target is checked
// against the unmerged float64 reference below.
function component(rank: number, alpha: number, normalized: boolean, seed: number): BankComponent {
  const f = (n: number, s: number) => Float32Array.from(normal(n, s, 0.4));
  return {
    rank,
    alpha,
    normalized,
    targets: LORA_TARGETS,
    blocks: Array.from({ length: config.depth }, (_, l) =>
      LORA_TARGETS.map((t, i) => {
        const { dOut, dIn } = targetSite(config, t);
        return { U: f(dOut * rank, seed + 12 * l + 2 * i), D: f(rank * dIn, seed + 12 * l + 2 * i + 1) };
      }),
    ),
  };
}

function state(): MethodState {
  const all = randomParams(config, 3);
  const base = new Map([...all].filter(([k]) => !k.startsWith('head.')));
  return {
    base,
    head: { weight: all.get('head.weight')!, bias: all.get('head.bias')! },
    components: [component(2, 1.3, true, 100), component(3, 0.7, false, 200)],
    seqLora: null,
    prototypes: null,
    lastResidual: null,
    absResidual: null,
  };
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + '/';
});

describe('merged model', () => {
  it('the ONNX of base + Σ α_k U_k D_k / n_k + head gives the unmerged float64 reference logits in ONNX Runtime', async () => {
    const s = state();
    const run = { ...DEFAULT_CONFIG, method: 'sdlora' as const };
    const params = mergedParams(run, config, s);
    expect([...params.keys()].sort()).toEqual(paramSpecs(config).map((p) => p.name).sort());
    const onnx = mergedOnnx(run, config, params, ['d', 'a', 'c', 'b']);
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
    const B = 3;
    const S = config.imageSize;
    const n = B * 3 * S * S;
    const xn = Float32Array.from(uniform(n, 9, -2, 2));
    const out = await session.run({ pixel_values: new ort.Tensor('float32', xn, [B, 3, S, S]) });
    const theirs = out.logits!.data as Float32Array;
    await session.release();
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ch = Math.floor(i / (S * S)) % 3;
      raw[i] = xn[i]! * config.std[ch]! + config.mean[ch]!;
    }
    const p64 = toFloat64(new Map([...s.base, ['head.weight', s.head!.weight], ['head.bias', s.head!.bias]]));
    const lora = s.components.map((c) => ({ ...c, blocks: c.blocks.map((b) => b.map((f) => ({ U: Float64Array.from(f.U), D: Float64Array.from(f.D) }))) }));
    const ref = forward(config, p64, lora, raw, B).logits;
    const d = maxAbsDiff(Float32Array.from(ref), theirs);
    console.log(`merged ONNX vs unmerged float64 reference: max |Δ| = ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    // Without the LoRA components the model is measurably different: the merge is not a no-op.
    const plain = forward(config, p64, [], raw, B).logits;
    expect(maxAbsDiff(Float32Array.from(plain), theirs)).toBeGreaterThan(1e-2);
  });

  it('a prototype head ranks classes as nearest-class-mean does', () => {
    const s = state();
    const K = config.numClasses;
    s.prototypes = Float32Array.from(normal(K * C, 77, 1));
    const params = mergedParams({ ...DEFAULT_CONFIG, method: 'ncm', head: 'prototype' }, config, s);
    const W = params.get('head.weight')!;
    const b = params.get('head.bias')!;
    for (let trial = 0; trial < 50; trial++) {
      const f = normal(C, 1000 + trial, 1);
      let nearest = 0;
      let best = Infinity;
      let argmax = 0;
      let top = -Infinity;
      for (let k = 0; k < K; k++) {
        let dist = 0;
        let logit = b[k]!;
        for (let c = 0; c < C; c++) {
          dist += (f[c]! - s.prototypes[k * C + c]!) ** 2;
          logit += W[k * C + c]! * f[c]!;
        }
        if (dist < best) [best, nearest] = [dist, k];
        if (logit > top) [top, argmax] = [logit, k];
      }
      expect(argmax).toBe(nearest);
    }
  });

  it('compareLogits accepts float32 noise and refuses a real difference or a wrong shape', () => {
    const ours = Float32Array.from([1, -2, 3, 0.5]);
    expect(compareLogits(ours, Float32Array.from([1 + 1e-6, -2, 3, 0.5]), 1, 4).ok).toBe(true);
    const bad = compareLogits(ours, Float32Array.from([1, -2, 3.01, 0.5]), 1, 4);
    expect(bad.ok).toBe(false);
    expect(bad.maxAbsDiff).toBeCloseTo(0.01, 5);
    expect(bad.message).toContain(`allowed ${ONNX_CHECK_TOLERANCE.toExponential(0)}`);
    expect(compareLogits(ours, Float32Array.from([1, 2]), 1, 4).ok).toBe(false);
    expect(compareLogits(ours, Float32Array.from([1, -2, NaN, 0.5]), 1, 4).ok).toBe(false);
  });
});
