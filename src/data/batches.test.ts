// batches: every index exactly once per epoch, seeded and reproducible per (seed, epoch), last batch
// dropped / padded with a mask / short as asked.
import { describe, expect, it } from 'vitest';
import { batchCount, batches, epochOrder, evalBatches, trainBatches, type Batch } from './batches';

const labelsOf = (n: number) => Int32Array.from({ length: n }, (_, i) => (i * 7) % 5);

function realIndices(bs: Batch[]): number[] {
  return bs.flatMap((b) => Array.from(b.indices.subarray(0, b.count)));
}

describe('batches', () => {
  it('covers every index exactly once per epoch (short and pad)', () => {
    for (const n of [1, 7, 32, 33, 100]) {
      for (const last of ['short', 'pad'] as const) {
        const bs = [...batches(labelsOf(n), { batchSize: 8, seed: 3, epoch: 2, last })];
        expect(bs.length).toBe(batchCount(n, 8, last));
        expect(realIndices(bs).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }
  });

  it('drop: full batches only, each index at most once; a set smaller than one batch is padded', () => {
    const bs = [...trainBatches(labelsOf(30), 8, 1, 0)];
    expect(bs.map((b) => b.count)).toEqual([8, 8, 8]);
    expect(new Set(realIndices(bs)).size).toBe(24);
    const small = [...trainBatches(labelsOf(5), 8, 1, 0)];
    expect(small).toHaveLength(1);
    expect(small[0]!.count).toBe(5);
    expect(small[0]!.indices).toHaveLength(8);
  });

  it('labels follow the indices; padding repeats real items and is masked out', () => {
    const labels = labelsOf(11);
    const bs = [...evalBatches(labels, 4)];
    expect(bs.map((b) => b.count)).toEqual([4, 4, 3]);
    expect(Array.from(bs[0]!.indices)).toEqual([0, 1, 2, 3]); // eval keeps the order
    const lastB = bs[2]!;
    expect(Array.from(lastB.indices)).toEqual([8, 9, 10, 8]);
    expect(Array.from(lastB.mask)).toEqual([1, 1, 1, 0]);
    for (const b of bs) b.indices.forEach((idx, k) => expect(b.labels[k]).toBe(labels[idx]));
    const short = [...batches(labels, { batchSize: 4, last: 'short' })][2]!;
    expect(short.indices).toHaveLength(3);
    expect(Array.from(short.mask)).toEqual([1, 1, 1]);
  });

  it('same (seed, epoch) → same order; other epochs and seeds differ', () => {
    const a = epochOrder(64, 9, 0);
    expect(epochOrder(64, 9, 0)).toEqual(a);
    expect(epochOrder(64, 9, 1)).not.toEqual(a);
    expect(epochOrder(64, 10, 0)).not.toEqual(a);
    const fromBatches = realIndices([...trainBatches(labelsOf(64), 16, 9, 0)]);
    expect(fromBatches).toEqual(Array.from(a));
  });

  it('rejects a bad batch size and yields nothing for no items', () => {
    expect(() => [...batches(labelsOf(3), { batchSize: 0 })]).toThrow(/batchSize/);
    expect([...evalBatches([], 4)]).toEqual([]);
  });
});
