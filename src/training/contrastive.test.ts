import { describe, expect, it } from 'vitest';
import { contrastiveLoss, parseContrastive } from './contrastive';
import { mulberry32 } from '../data/random';

const features = (B: number, C: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: B * C }, () => 2 * r() - 1);
};

describe('contrastiveLoss', () => {
  for (const positives of ['views', 'class'] as const)
    it(`matches central finite differences (${positives})`, () => {
      const B = 8;
      const C = 5;
      const f = features(B, C, 3);
      const labels = [0, 1, 0, 2, 0, 1, 0, 2]; // rows i and i + 4 share a label, as two views do
      const o = { temperature: 0.3, positives };
      const { grad } = contrastiveLoss(f, B, C, o, labels);
      const h = 1e-6;
      let worst = 0;
      for (let k = 0; k < B * C; k++) {
        const up = Float64Array.from(f);
        const dn = Float64Array.from(f);
        up[k]! += h;
        dn[k]! -= h;
        const fd = (contrastiveLoss(up, B, C, o, labels).loss - contrastiveLoss(dn, B, C, o, labels).loss) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - grad[k]!) / Math.max(1e-3, Math.abs(fd)));
      }
      // float32 gradient against a float64 difference quotient: ~1e-7 relative, plus h² truncation.
      expect(worst).toBeLessThan(1e-4);
    });

  it('is low when the two views agree and other images are far apart, high when views are strangers', () => {
    const C = 4;
    // Two images, two views each: rows 0/2 along e0, rows 1/3 along e1.
    const agree = [1, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0];
    const swapped = [1, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 2, 0, 0, 0];
    const o = { temperature: 0.1, positives: 'views' as const };
    const good = contrastiveLoss(agree, 4, C, o).loss;
    const bad = contrastiveLoss(swapped, 4, C, o).loss;
    expect(good).toBeLessThan(1e-3);
    expect(bad).toBeGreaterThan(9);
    // Scale does not matter: the loss sees directions only.
    expect(contrastiveLoss(agree.map((v) => 7 * v), 4, C, o).loss).toBeCloseTo(good, 12);
  });

  it('refuses an odd batch, a size mismatch and class positives without labels', () => {
    expect(() => contrastiveLoss(new Float32Array(6), 3, 2, { temperature: 1, positives: 'views' })).toThrow(/two views/);
    expect(() => contrastiveLoss(new Float32Array(7), 4, 2, { temperature: 1, positives: 'views' })).toThrow(/4×2/);
    expect(() => contrastiveLoss(new Float32Array(8), 4, 2, { temperature: 1, positives: 'class' })).toThrow(/label/);
  });
});

describe('parseContrastive', () => {
  it('reads weight, temperature and positives, with defaults; 0 turns it off', () => {
    expect(parseContrastive('0.5')).toEqual({ weight: 0.5, temperature: 0.2, positives: 'views' });
    expect(parseContrastive('1,0.1,class')).toEqual({ weight: 1, temperature: 0.1, positives: 'class' });
    expect(parseContrastive('0')).toBeNull();
    expect(() => parseContrastive('1,0,views')).toThrow(/temperature/);
    expect(() => parseContrastive('1,0.2,pairs')).toThrow(/views\|class/);
  });
});
