// The formula-driven silhouettes of the pretraining corpus (kind 'shape'): deterministic, light on dark, inside
// the frame, mirror-symmetric where the class says so, and distinct between classes more than between instances.
import { describe, expect, it } from 'vitest';
import { renderShape, shapeClass } from './shapes';

const grey = (px: Uint8Array) => Float64Array.from({ length: px.length / 3 }, (_, i) => px[3 * i]!);
const dist = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

describe('formula-driven silhouettes', () => {
  it('are deterministic, grey, light on a dark border and of a sensible size', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const c = shapeClass(seed);
      const px = renderShape(c, 7 * seed);
      expect(renderShape(shapeClass(seed), 7 * seed)).toEqual(px);
      expect(px.length).toBe(32 * 32 * 3);
      for (let i = 0; i < px.length; i += 3) expect(px[i] === px[i + 1] && px[i] === px[i + 2]).toBe(true);
      const g = grey(px);
      const lit = g.filter((v) => v > 0).length;
      expect(lit).toBeGreaterThan(32 * 32 * 0.1);
      expect(lit).toBeLessThan(32 * 32 * 0.85);
      // The outermost ring stays (almost) dark: the contour is scaled to reach ≤ 0.47 of the side, shifted ≤ 2 px.
      let ring = 0;
      for (let k = 0; k < 32; k++) ring += g[k]! + g[31 * 32 + k]! + g[32 * k]! + g[32 * k + 31]!;
      expect(ring / (4 * 32)).toBeLessThan(40);
    }
  });

  it('keeps at most five distinct frequencies and a positive radius', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const c = shapeClass(seed);
      const f = c.terms.map((t) => t.f);
      expect(new Set(f).size).toBe(f.length);
      expect(f.length).toBeLessThanOrEqual(5);
      expect(c.terms.reduce((s, t) => s + t.a, 0)).toBeLessThanOrEqual(0.8 + 1e-12);
    }
  });

  it('differ more between classes than between instances of one class', () => {
    let within = 0;
    let between = 0;
    const n = 30;
    for (let seed = 1; seed <= n; seed++) {
      const a = grey(renderShape(shapeClass(seed), 1));
      within += dist(a, grey(renderShape(shapeClass(seed), 2)));
      between += dist(a, grey(renderShape(shapeClass(seed + 1000), 1)));
    }
    expect(within / n).toBeLessThan(between / n);
  });
});
