// checkpointToFiles → checkpointFromFiles gives back the same progress and method state (bank, head,
// prototypes, residuals, seq-lora's pair, and the backbone only when it changed).
import { describe, expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { initParams, type ParamTable } from '../model/vit/params';
import { checkpointFromFiles, checkpointToFiles, progressFromFiles } from './checkpointFiles';
import type { CheckpointData } from './experiment';
import type { BankComponent } from '../io/loraBank';

const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
const C = config.width;
const fill = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s));
const component = (rank: number, alpha: number, normalized: boolean, s: number): BankComponent => ({
  rank,
  alpha, // exact in f32: the bank stores α as f32
  normalized,
  targets: ['q', 'v'],
  blocks: Array.from({ length: config.depth }, (_, b) => [
    { U: fill(C * rank, s + b), D: fill(rank * C, s + b + 0.5) },
    { U: fill(C * rank, s + b + 1), D: fill(rank * C, s + b + 1.5) },
  ]),
});
const base: ParamTable = new Map([...initParams(config, 1)].filter(([k]) => !k.startsWith('head.')));

function data(seq: boolean, changedBase: ParamTable): CheckpointData {
  return {
    counts: [[{ correct: 3, total: 4 }], [{ correct: 1, total: 4 }, { correct: 2, total: 4 }]],
    alpha: [[[1], [0.9]], [[0.9, 1]]],
    loss: [[2.1, 1.9], [1.5]],
    lsResidual: [null, 0.25],
    trainableParams: [100, 120],
    featureDrift: [0, 0.125],
    wallSeconds: [1.5, 2],
    imagesPerSec: [10, 12],
    state: {
      base: changedBase,
      head: { weight: fill(4 * C, 9), bias: fill(4, 10) },
      components: [component(2, 0.75, true, 1), component(2, 1.125, false, 2)],
      seqLora: seq ? component(3, 1, false, 3) : null,
      prototypes: fill(4 * C, 11),
      lastResidual: 0.25,
      absResidual: 1.5,
    },
  };
}

describe('checkpointFiles', () => {
  it('round-trips progress and SD-LoRA state; the base comes from the caller', () => {
    const d = data(false, base);
    const files = checkpointToFiles(2, d, config, false);
    expect([...files.keys()].sort()).toEqual(['bank.safetensors', 'extra.json', 'progress.json']);
    const r = checkpointFromFiles(files, base);
    const { state, ...rest } = d;
    expect(r.done).toBe(2);
    expect({ ...r, state: undefined }).toEqual({ done: 2, ...rest, state: undefined });
    expect(progressFromFiles(files).done).toBe(2);
    expect(r.state.base).toBe(base);
    expect(r.state.components).toEqual(state.components);
    expect(r.state.seqLora).toBeNull();
    expect(r.state.head).toEqual(state.head);
    expect(r.state.prototypes).toEqual(state.prototypes);
    expect(r.state.lastResidual).toBe(0.25);
    expect(r.state.absResidual).toBe(1.5);
  });

  it("keeps seq-lora's pair apart and saves a changed backbone", () => {
    const changed: ParamTable = new Map([...base].map(([k, v]) => [k, v.map((x) => x + 1)]));
    const files = checkpointToFiles(1, data(true, changed), config, true);
    expect(files.has('base.safetensors')).toBe(true);
    const r = checkpointFromFiles(files, base);
    expect(r.state.components).toHaveLength(2);
    expect(r.state.seqLora?.rank).toBe(3);
    expect([...r.state.base.keys()]).toEqual([...base.keys()]);
    for (const [k, v] of changed) expect(r.state.base.get(k)).toEqual(v);
  });

  it('says which file is missing', () => {
    const files = checkpointToFiles(1, data(false, base), config, false);
    files.delete('extra.json');
    expect(() => checkpointFromFiles(files, base)).toThrow(/extra\.json/);
  });
});
