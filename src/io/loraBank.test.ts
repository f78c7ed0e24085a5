import { describe, expect, it } from 'vitest';
import { presets } from '../model/vit/config';
import { normal } from '../testing/rng';
import { normProduct, readLoraBank, writeLoraBank, type LoraBank } from './loraBank';
import { writeSafetensors } from './safetensors';

const c = presets.tiny;
const f = (n: number, seed: number) => Float32Array.from(normal(n, seed));

function bank(): LoraBank {
  const comp = (rank: number, alpha: number, normalized: boolean, seed: number) => ({
    rank,
    alpha,
    normalized,
    blocks: Array.from({ length: c.depth }, (_, l) => ({
      q: { U: f(c.width * rank, seed + 4 * l), D: f(rank * c.width, seed + 4 * l + 1) },
      v: { U: f(c.width * rank, seed + 4 * l + 2), D: f(rank * c.width, seed + 4 * l + 3) },
    })),
  });
  return {
    config: c,
    components: [comp(3, 1.25, true, 10), comp(2, 0.8, false, 20)],
    head: { weight: f(4 * c.width, 30), bias: f(4, 31), classes: 4 },
    meta: { method: 'sdlora', classOrder: '[3,1,0,2]' },
  };
}

describe('LoRA bank file', () => {
  it('round trip is bit-exact, with metadata, ranks, α and head', () => {
    const b = bank();
    const back = readLoraBank(writeLoraBank(b));
    expect(back.config).toEqual(b.config);
    expect(back.meta).toEqual(b.meta);
    expect(back.components.map((x) => [x.rank, x.alpha, x.normalized])).toEqual([
      [3, 1.25, true],
      [2, Math.fround(0.8), false],
    ]);
    for (let k = 0; k < 2; k++)
      for (let l = 0; l < c.depth; l++)
        for (const p of ['q', 'v'] as const) {
          expect(back.components[k]!.blocks[l]![p].U).toEqual(b.components[k]!.blocks[l]![p].U);
          expect(back.components[k]!.blocks[l]![p].D).toEqual(b.components[k]!.blocks[l]![p].D);
        }
    expect(back.head!.weight).toEqual(b.head!.weight);
    expect(back.head!.classes).toBe(4);
  });

  it('stores the norm products the forward pass uses', () => {
    const b = bank();
    const bytes = writeLoraBank(b);
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    expect(json).toContain('"lora.norms"');
    expect(normProduct(b.components[0]!.blocks[1]!.v)).toBeGreaterThan(0);
  });

  it('rejects a safetensors file that is not a bank, and an incomplete bank', () => {
    const other = writeSafetensors({ w: { shape: [1], data: Float32Array.of(1) } });
    expect(() => readLoraBank(other, 'model.safetensors')).toThrow(/not an SD-LoRA bank/);
    const b = bank();
    b.components[1]!.blocks = b.components[1]!.blocks.slice(0, 1);
    expect(() => writeLoraBank(b)).toThrow(/component 1 has 1 blocks/);
  });
});
