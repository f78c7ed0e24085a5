// NCM on a hand-checkable 2-D case.
import { describe, expect, it } from 'vitest';
import { classMeans, ncmAccuracy, ncmPredict } from './probe';

// Class 0 at (2, 0) and (4, 0) → mean (3, 0); class 1 at (0, 2) and (0, 6) → mean (0, 4).
const train = { features: Float32Array.from([2, 0, 4, 0, 0, 2, 0, 6]), labels: [0, 0, 1, 1] };

describe('NCM probe', () => {
  it('class means', () => {
    expect(Array.from(classMeans(train, 2, 2))).toEqual([3, 0, 0, 4]);
  });

  it('euclidean: nearest mean by distance', () => {
    // (1, 1): d² to (3,0) = 5, to (0,4) = 10 → 0.  (0.5, 2.5): 6.25+6.25 = 12.5 vs 0.25+2.25 = 2.5 → 1.
    // (2, 2.9): 1+8.41 = 9.41 vs 4+1.21 = 5.21 → 1; (6, 5): 9+25 = 34 vs 36+1 = 37 → 0.
    const test = Float32Array.from([1, 1, 0.5, 2.5, 2, 2.9, 6, 5]);
    expect(Array.from(ncmPredict(train, test, 2, 2, 'euclidean'))).toEqual([0, 1, 1, 0]);
    expect(ncmAccuracy(train, { features: test, labels: [0, 1, 0, 0] }, 2, 2, 'euclidean')).toBe(0.75);
  });

  it('cosine: direction only (scale does not matter)', () => {
    // Normalised train rows: class 0 → (1, 0), class 1 → (0, 1), so cosine picks the larger coordinate:
    // (10, 9) → 0, (0.1, 0.2) → 1. Euclidean on the raw means (3, 0) and (0, 4) says the opposite:
    // (10, 9): 49+81 = 130 vs 100+25 = 125 → 1; (0.1, 0.2): 8.41+0.04 = 8.45 vs 0.01+14.44 = 14.45 → 0.
    const test = Float32Array.from([10, 9, 0.1, 0.2]);
    expect(Array.from(ncmPredict(train, test, 2, 2, 'euclidean'))).toEqual([1, 0]);
    expect(Array.from(ncmPredict(train, test, 2, 2, 'cosine'))).toEqual([0, 1]);
  });

  it('a class without train rows is never predicted', () => {
    const test = Float32Array.from([0, 100]);
    expect(Array.from(ncmPredict(train, test, 3, 2, 'euclidean'))).toEqual([1]);
  });
});
