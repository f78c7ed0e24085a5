// The thumbnails' shrink: longest side to the limit, aspect kept, colours area-averaged, small images untouched.
import { describe, expect, it } from 'vitest';
import { shrink } from './thumbnails';

describe('shrink', () => {
  it('averages 2×2 blocks of a 4×2 image into 2×1', () => {
    const rgba = Uint8Array.from([0, 0, 0, 255, 100, 100, 100, 255, 200, 0, 0, 255, 200, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100, 255, 0, 0, 200, 255, 0, 0, 200, 255]);
    const out = shrink({ width: 4, height: 2, rgba }, 2);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect(Array.from(out.rgba)).toEqual([50, 50, 50, 255, 100, 0, 100, 255]);
  });
  it('keeps the aspect ratio and leaves small images alone', () => {
    const big = { width: 100, height: 50, rgba: new Uint8Array(100 * 50 * 4).fill(7) };
    const out = shrink(big, 40);
    expect([out.width, out.height]).toEqual([40, 20]);
    expect(out.rgba.every((v) => v === 7)).toBe(true);
    const small = { width: 28, height: 28, rgba: new Uint8Array(28 * 28 * 4) };
    expect(shrink(small, 40)).toBe(small);
  });
});
