import { describe, expect, it } from 'vitest';
import { presets } from '../model/vit/config';
import { LORA_TARGETS, targetSite, type LoraTarget } from '../model/vit/loraTargets';
import { normal } from '../testing/rng';
import { normProduct, readLoraBank, writeLoraBank, type LoraBank } from './loraBank';
import { writeSafetensors } from './safetensors';

const c = presets.tiny;
const f = (n: number, seed: number) => Float32Array.from(normal(n, seed));

function bank(targets: readonly LoraTarget[] = ['q', 'v']): LoraBank {
  const comp = (rank: number, alpha: number, normalized: boolean, seed: number) => ({
    rank,
    alpha,
    normalized,
    targets,
    blocks: Array.from({ length: c.depth }, (_, l) =>
      targets.map((t, i) => {
        const { dOut, dIn } = targetSite(c, t);
        return { U: f(dOut * rank, seed + 12 * l + 2 * i), D: f(rank * dIn, seed + 12 * l + 2 * i + 1) };
      }),
    ),
  });
  return {
    config: c,
    components: [comp(3, 1.25, true, 10), comp(2, 0.8, false, 20)],
    head: { weight: f(4 * c.width, 30), bias: f(4, 31), classes: 4 },
    meta: { method: 'sdlora', classOrder: '[3,1,0,2]' },
  };
}

describe('LoRA bank file', () => {
  it.each([[['q', 'v']], [[...LORA_TARGETS]]] as [LoraTarget[]][])('round trip on %j is bit-exact, with metadata, ranks, targets, α and head', (targets) => {
    const b = bank(targets);
    const back = readLoraBank(writeLoraBank(b));
    expect(back.config).toEqual(b.config);
    expect(back.meta).toEqual(b.meta);
    expect(back.components.map((x) => [x.rank, x.alpha, x.normalized, x.targets])).toEqual([
      [3, 1.25, true, targets],
      [2, Math.fround(0.8), false, targets],
    ]);
    for (let k = 0; k < 2; k++)
      for (let l = 0; l < c.depth; l++)
        for (let i = 0; i < targets.length; i++) {
          expect(back.components[k]!.blocks[l]![i]!.U).toEqual(b.components[k]!.blocks[l]![i]!.U);
          expect(back.components[k]!.blocks[l]![i]!.D).toEqual(b.components[k]!.blocks[l]![i]!.D);
        }
    expect(back.head!.weight).toEqual(b.head!.weight);
    expect(back.head!.classes).toBe(4);
  });

  it('stores the norm products the forward pass uses', () => {
    const b = bank();
    const bytes = writeLoraBank(b);
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    expect(json).toContain('"lora.norms"');
    expect(json).toContain(`"lora.0.blocks.1.v.D"`);
    expect(normProduct(b.components[0]!.blocks[1]![0]!)).toBeGreaterThan(0);
  });

  it('rejects a safetensors file that is not a bank, and an incomplete bank', () => {
    const other = writeSafetensors({ w: { shape: [1], data: Float32Array.of(1) } });
    expect(() => readLoraBank(other, 'model.safetensors')).toThrow(/not an SD-LoRA bank/);
    const b = bank();
    b.components[1]!.blocks = b.components[1]!.blocks.slice(0, 1);
    expect(() => writeLoraBank(b)).toThrow(/component 1 has 1 blocks/);
    const mixed = bank();
    mixed.components[1] = { ...mixed.components[1]!, targets: ['q', 'k'] };
    expect(() => writeLoraBank(mixed)).toThrow(/adapt different maps/);
  });

  it('names mis-shaped factors', () => {
    const b = bank(['fc1']);
    const bytes = writeLoraBank(b);
    const wrongConfig = { ...b, config: { ...c, mlpRatio: 4 } }; // fc1 would be (4C, C): the stored (2C, C) factors do not fit
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as { __metadata__: Record<string, string> };
    header.__metadata__.config = JSON.stringify(wrongConfig.config);
    const patched = bytes.slice();
    const text = new TextEncoder().encode(JSON.stringify(header));
    expect(text.length).toBeLessThanOrEqual(n);
    patched.set(text, 8);
    patched.fill(0x20, 8 + text.length, 8 + n);
    expect(() => readLoraBank(patched)).toThrow(/mis-shaped factors: lora\.0\.blocks\.0\.fc1 \(expected U 64×3/);
  });

  it('reads a bank written before targets existed as q and v', () => {
    const bytes = writeLoraBank(bank());
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as { __metadata__: Record<string, string> };
    const comps = JSON.parse(header.__metadata__.components!) as Record<string, unknown>[];
    header.__metadata__.components = JSON.stringify(comps.map(({ targets: _t, ...rest }) => rest));
    const old = new TextEncoder().encode(JSON.stringify(header).padEnd(n, ' '));
    expect(old.length).toBeLessThanOrEqual(n);
    const patched = bytes.slice();
    patched.set(old, 8);
    patched.fill(0x20, 8 + old.length, 8 + n);
    expect(readLoraBank(patched).components.map((x) => x.targets)).toEqual([
      ['q', 'v'],
      ['q', 'v'],
    ]);
  });
});
