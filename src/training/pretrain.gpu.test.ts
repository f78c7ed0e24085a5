// Pretraining loop on a tiny synthetic corpus (4 flat-colour classes, 8×8 images, the 'tiny' ViT): 3 steps give
// finite, decreasing loss; a resumed run (2 steps, checkpoint through the state file, 1 more step) ends with the
// same weights as 3 uninterrupted steps; the shipped model files round-trip through loadCheckpoint to the
// F16-rounded weights and to identical logits.
import { expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { CORPUS_FORMAT, type Corpus } from '../data/pretrainCorpus';
import { loadCheckpoint } from '../io/checkpoint';
import { f16BitsToF32Bits, f32BitsToF16Bits } from '../io/safetensors';
import { presets, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import { initParams, type ParamTable } from '../model/vit/params';
import { describeGpu } from '../testing/gpu';
import { rng } from '../testing/rng';
import { CorpusBatcher, learningRateAt, pretrain, type PretrainOptions, type TrainState } from './pretrain';
import { modelFiles, readStateFile, stateFile } from './pretrainFiles';

const K = 4;
const PER = 6;
const S = 8;

function tinyCorpus(): Corpus {
  const r = rng(3);
  const colours = [[230, 20, 20], [20, 200, 40], [30, 40, 220], [240, 240, 240]];
  const N = K * PER;
  const images = new Uint8Array(N * S * S * 3);
  const labels = new Uint32Array(N);
  const meta = new Uint8Array(2 * N);
  for (let i = 0; i < N; i++) {
    const k = i % K;
    labels[i] = k;
    meta[2 * i + 1] = i >= N - K ? 1 : 0; // last image of each class: validation
    for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) images[(i * S * S + p) * 3 + c] = Math.max(0, Math.min(255, colours[k]![c]! + (r() - 0.5) * 40));
  }
  return {
    index: {
      format: CORPUS_FORMAT, image: { width: S, height: S, channels: 3 }, count: N,
      classes: Array.from({ length: K }, (_, k) => ({ kind: 'cjk' as const, key: (0x4e00 + k).toString(16), char: String.fromCodePoint(0x4e00 + k) })),
      renditions: [{ name: 'synthetic', package: 'none' }], packages: [{ name: 'none', version: '0', registry: 'npm', license: 'MIT', used: 'test' }],
      seed: 3, params: {}, files: { images: '', labels: '', meta: '' }, hashes: { images: '', labels: '', meta: '' }, splits: { train: N - K, val: K },
    },
    images, labels, meta,
  };
}

const config: ViTConfig = { ...presets.tiny, imageSize: S, numClasses: K };
const opts: PretrainOptions = { steps: 3, batch: 8, learningRate: 5e-3, warmupSteps: 1, minLearningRate: 1e-4, weightDecay: 0.05, seed: 5, cropScale: [0.6, 1], flip: true };
const fresh = (): TrainState => ({ step: 0, params: initParams(config, 2), optimizer: null });

async function logits(ctx: GpuContext, params: ParamTable, corpus: Corpus): Promise<Float32Array> {
  const vit = new GpuViT(ctx, config, params, { batch: 8, mode: 'none' });
  const batcher = new CorpusBatcher(ctx, corpus, config, 8);
  batcher.load(Uint32Array.from({ length: 8 }, (_, i) => i), null);
  const out = await ctx.read(vit.forward(batcher.images));
  batcher.destroy();
  vit.destroy();
  return out;
}

const f16Round = (a: Float32Array) => {
  const bits = new Uint32Array(Float32Array.from(a).buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = f16BitsToF32Bits(f32BitsToF16Bits(bits[i]!));
  return new Float32Array(bits.buffer);
};

await describeGpu('pretraining loop', (getCtx) => {
  it('schedule: warm-up then cosine down to the minimum', () => {
    const o = { steps: 100, learningRate: 1, warmupSteps: 10, minLearningRate: 0.1 };
    expect(learningRateAt(o, 0)).toBeCloseTo(0.1);
    expect(learningRateAt(o, 9)).toBeCloseTo(1);
    expect(learningRateAt(o, 55)).toBeCloseTo(0.55);
    expect(learningRateAt(o, 100)).toBeCloseTo(0.1);
  });

  it('3 steps: finite loss that goes down; resume gives the same weights; checkpoint files round-trip', async () => {
    const ctx = getCtx();
    const corpus = tinyCorpus();
    const losses: number[] = [];
    let validation: number | null = null;
    const full = await pretrain(ctx, corpus, config, fresh(), opts, {
      onStep: (s) => losses.push(s.loss),
      validationLimit: 4,
      onCheckpoint: (_s, v) => {
        validation = v?.accuracy ?? null;
      },
    });
    expect(losses).toHaveLength(3);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[2]!).toBeLessThan(losses[0]!);
    expect(validation).not.toBeNull();
    expect(full.step).toBe(3);

    // Interrupted after 2 steps, saved through the state file, resumed for the third.
    let saved: Uint8Array | null = null;
    await pretrain(ctx, corpus, config, fresh(), opts, {
      shouldStop: () => true, // stops (with a checkpoint) after the first step it takes…
      onCheckpoint: (s) => {
        saved = stateFile(config, s);
      },
    });
    let st = readStateFile(config, saved!);
    expect(st.step).toBe(1);
    st = readStateFile(config, stateFile(config, await pretrain(ctx, corpus, config, st, { ...opts, steps: 2 })));
    expect(st.step).toBe(2);
    const resumed = await pretrain(ctx, corpus, config, st, opts);
    for (const [name, w] of full.params) expect(Array.from(resumed.params.get(name)!), name).toEqual(Array.from(w));

    // Model files: F16 weights, HF config, read back by loadCheckpoint.
    const files = modelFiles(config, full.params, { keepHead: true });
    const loaded = loadCheckpoint({ config: files['config.json'], preprocessor: files['preprocessor_config.json'], weights: files['model.safetensors'] });
    expect(loaded.config).toEqual(config);
    const rounded: ParamTable = new Map([...full.params].map(([k, v]) => [k, f16Round(v)]));
    for (const [name, w] of rounded) expect(Array.from(loaded.params.get(name)!), name).toEqual(Array.from(w));
    const a = await logits(ctx, loaded.params, corpus);
    const b = await logits(ctx, rounded, corpus);
    expect(Array.from(a)).toEqual(Array.from(b));
    // Without the head (the shipped default): a ViTModel with the same trunk.
    const trunk = modelFiles(config, full.params);
    const t = loadCheckpoint({ config: trunk['config.json'], weights: trunk['model.safetensors'] });
    expect(t.config.numClasses).toBe(0);
    expect(Array.from(t.params.get('blocks.1.attn.qkv.weight')!)).toEqual(Array.from(rounded.get('blocks.1.attn.qkv.weight')!));
  });

  // The contrastive term: reported every step, it lowers itself over a few steps of a high weight, and it changes
  // the weights (a term that never reached the backward would leave them as cross-entropy alone leaves them).
  it('contrastive recipe: its loss is reported and falls, and it moves the weights; an odd batch is refused', async () => {
    const ctx = getCtx();
    const corpus = tinyCorpus();
    const con = { ...opts, steps: 6, learningRate: 2e-3, contrastive: { weight: 4, temperature: 0.5, positives: 'views' as const } };
    const terms: number[] = [];
    const withTerm = await pretrain(ctx, corpus, config, fresh(), con, { onStep: (s) => terms.push(s.contrastive!) });
    expect(terms).toHaveLength(6);
    expect(terms.every(Number.isFinite)).toBe(true);
    expect(terms[5]!).toBeLessThan(terms[0]!);
    const plain = await pretrain(ctx, corpus, config, fresh(), { ...con, contrastive: { ...con.contrastive, weight: 0 } });
    const w = 'blocks.0.attn.qkv.weight';
    const diff = withTerm.params.get(w)!.reduce((m, v, i) => Math.max(m, Math.abs(v - plain.params.get(w)![i]!)), 0);
    expect(diff).toBeGreaterThan(1e-4);
    await expect(pretrain(ctx, corpus, config, fresh(), { ...con, batch: 7 })).rejects.toThrow(/even batch/);
  });
});
