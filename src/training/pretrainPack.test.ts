import { describe, expect, it } from 'vitest';
import type { Corpus } from '../data/pretrainCorpus';
import { packBatch } from './pretrain';

// Two 1×2 RGB images; packBatch turns them into RGBA words (R in the low byte), with optional gray / invert.
const corpus = {
  index: { image: { width: 2, height: 1, channels: 3 } },
  images: Uint8Array.from([10, 20, 30, 200, 100, 0, /* image 1 */ 255, 0, 0, 0, 0, 255]),
} as unknown as Corpus;

const unpack = (w: number) => [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];

describe('packBatch', () => {
  it('packs RGB as RGBA words and fills short batches with the last image', () => {
    const px = new Uint32Array(3 * 2);
    packBatch(corpus, [1, 0], 3, px);
    expect(unpack(px[0]!)).toEqual([255, 0, 0, 255]);
    expect(unpack(px[2]!)).toEqual([10, 20, 30, 255]);
    expect(unpack(px[4]!)).toEqual([10, 20, 30, 255]); // slot 2 repeats the last index
  });

  it('applies gray (Rec. 601 luma) and inversion per slot, alpha untouched', () => {
    const px = new Uint32Array(2 * 2);
    packBatch(corpus, [0, 0], 2, px, [
      { gray: true, invert: false },
      { gray: true, invert: true },
    ]);
    const luma = Math.round(0.299 * 10 + 0.587 * 20 + 0.114 * 30);
    expect(unpack(px[0]!)).toEqual([luma, luma, luma, 255]);
    const luma2 = Math.round(0.299 * 200 + 0.587 * 100);
    expect(unpack(px[3]!)).toEqual([255 - luma2, 255 - luma2, 255 - luma2, 255]);
  });

  it('darkBackground inverts only images whose border is brighter than mid-grey', () => {
    // 3×3 images: a bright border with a dark centre, and a dark border with a bright centre.
    const bright = [...Array(9)].flatMap((_, p) => (p === 4 ? [0, 0, 0] : [250, 250, 250]));
    const dark = [...Array(9)].flatMap((_, p) => (p === 4 ? [240, 240, 240] : [5, 5, 5]));
    const c = { index: { image: { width: 3, height: 3, channels: 3 } }, images: Uint8Array.from([...bright, ...dark]) } as unknown as Corpus;
    const px = new Uint32Array(2 * 9);
    packBatch(c, [0, 1], 2, px, [
      { gray: false, invert: false, darkBackground: true },
      { gray: false, invert: false, darkBackground: true },
    ]);
    expect(unpack(px[0]!)).toEqual([5, 5, 5, 255]); // inverted: now light on dark
    expect(unpack(px[4]!)).toEqual([255, 255, 255, 255]);
    expect(unpack(px[9]!)).toEqual([5, 5, 5, 255]); // already light on dark: unchanged
    expect(unpack(px[13]!)).toEqual([240, 240, 240, 255]);
  });
});
