// The preprocessing reference has no backward; it is checked on images whose resampling is known in closed form.
import { describe, expect, it } from 'vitest';
import * as pre from './preprocess';

const identityNorm = { mean: [0, 0, 0], std: [1, 1, 1] };

/** One image (H, W) whose R channel is rOf(x, y), G = 255 − R, B = 7. */
function image(W: number, H: number, rOf: (x: number, y: number) => number): Uint32Array {
  const bytes = new Uint8Array(W * H * 4); // (H, W, 4)
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) bytes.set([rOf(x, y), 255 - rOf(x, y), 7, 255], (y * W + x) * 4);
  return pre.packRgba(bytes);
}

describe('reference preprocess', () => {
  it('unpacks ImageData byte order (R in the low byte)', () => {
    const w = pre.packRgba(new Uint8Array([10, 20, 30, 40]))[0]!;
    expect(w).toBe(40 * 2 ** 24 + 30 * 65536 + 20 * 256 + 10);
    expect(pre.unpack(w)).toEqual([10, 20, 30]);
  });

  it('an identity box at the same size returns the pixels, channel-first', () => {
    const sq = image(4, 4, (x, y) => 13 * x + 50 * y + 1);
    const o = pre.forward(sq, new Uint32Array([4, 4, 0, 0]), [0, 0, 4, 4], 4, identityNorm.mean, identityNorm.std);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) {
        expect(o[(0 * 4 + y) * 4 + x]! * 255).toBeCloseTo(13 * x + 50 * y + 1, 10);
        expect(o[(1 * 4 + y) * 4 + x]! * 255).toBeCloseTo(255 - (13 * x + 50 * y + 1), 10);
        expect(o[(2 * 4 + y) * 4 + x]! * 255).toBeCloseTo(7, 10);
      }
  });

  it('a linear ramp is resampled exactly at sx = x0 + (j + 0.5)·w/S − 0.5, with flip and edge clamping', () => {
    const [W, H] = [33, 5];
    const px = image(W, H, (x) => 7 * x); // R = 7x up to 224
    const [x0, y0, w, h, S] = [3.25, 1, 20.5, 3, 6];
    for (const flip of [0, 1]) {
      const o = pre.forward(px, new Uint32Array([W, H, 0, flip]), [x0, y0, w, h], S, identityNorm.mean, identityNorm.std);
      for (let j = 0; j < S; j++) {
        const jj = flip ? S - 1 - j : j;
        const sx = x0 + ((jj + 0.5) * w) / S - 0.5;
        for (let i = 0; i < S; i++) expect(o[i * S + j]! * 255).toBeCloseTo(7 * sx, 9);
      }
    }
    // A box hanging off the left edge clamps to column 0.
    const o = pre.forward(px, new Uint32Array([W, H, 0, 0]), [-10, 0, 4, 5], 2, identityNorm.mean, identityNorm.std);
    expect(o[0]).toBe(0);
  });

  it('downscaling 2→1 averages the two pixel centres; normalisation is (v/255 − mean)/std', () => {
    const px = image(2, 1, (x) => 255 * x);
    const o = pre.forward(px, new Uint32Array([2, 1, 0, 0]), [0, 0, 2, 1], 1, [0.25, 0.5, 0], [0.5, 2, 1]);
    expect(o[0]).toBeCloseTo((0.5 - 0.25) / 0.5, 14);
    expect(o[1]).toBeCloseTo((0.5 - 0.5) / 2, 14);
    expect(o[2]).toBeCloseTo(7 / 255, 14);
  });

  it('images of different sizes are addressed by their offsets', () => {
    const a = image(2, 2, () => 40);
    const b = image(3, 1, () => 90);
    const px = new Uint32Array([...a, ...b]);
    const o = pre.forward(px, new Uint32Array([2, 2, 0, 0, 3, 1, 4, 1]), [0, 0, 2, 2, 0, 0, 3, 1], 2, [0, 0, 0], [1, 1, 1]);
    expect(o[0]! * 255).toBeCloseTo(40, 10);
    expect(o[3 * 4]! * 255).toBeCloseTo(90, 10);
  });
});
