import { describe, expect, it } from 'vitest';
import { normal } from '../testing/rng';
import { gradError, numericGrad } from './gradcheck';
import * as crossEntropy from './crossEntropy';

describe('reference crossEntropy', () => {
  it('uniform logits give log(range width); columns outside the range do not matter', () => {
    const logits = Float64Array.from([50, 0, 0, 0, -7]); // (1, 5), range [1, 4)
    const { loss, dlogits } = crossEntropy.forward(logits, [2], 1, 5, 1, 4);
    expect(loss[0]).toBeCloseTo(Math.log(3), 14);
    expect(dlogits[0]).toBe(0);
    expect(dlogits[4]).toBe(0);
    expect(dlogits[2]).toBeCloseTo(1 / 3 - 1, 14);
  });

  it('survives ±80 logits', () => {
    const logits = Float64Array.from([80, -80, 80, -80]); // (2, 2)
    const { loss } = crossEntropy.forward(logits, [1, 1], 2, 2, 0, 2);
    expect(loss[0]).toBeCloseTo(160, 10);
    expect(loss[1]).toBeCloseTo(160, 10);
  });

  it('dlogits is the gradient of the mean loss (central differences)', () => {
    const B = 4;
    const K = 9;
    const logits = normal(B * K, 1, 3); // (B, K)
    const labels = [3, 5, 7, 3]; // (B) in [3, 8)
    const { dlogits } = crossEntropy.forward(logits, labels, B, K, 3, 8);
    const numeric = numericGrad(() => crossEntropy.forward(logits, labels, B, K, 3, 8).mean, logits);
    expect(gradError(dlogits, numeric)).toBeLessThan(1e-7);
  });

  it('argmax stays inside the range and keeps the first of ties', () => {
    const logits = Float64Array.from([9, 1, 3, 3, 9, 5, 2, 5]); // (2, 4), range [1, 4): column 0 is out of range
    expect([...crossEntropy.argmax(logits, 2, 4, 1, 4)]).toEqual([2, 1]);
  });
});
