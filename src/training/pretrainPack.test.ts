import { describe, expect, it } from 'vitest';
import type { Corpus } from '../data/pretrainCorpus';
import { applyInputConvention, packImages } from '../data/decode';
import { recipeInputConvention } from '../model/vit/config';
import { budgetPlanner, conventionJitter, jitterBox, packBatch, texturePattern, trainingSampler, type TexturePattern } from './pretrain';

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

  it("a recipe's always-on colour changes are the model's input convention, the same pixels as packImages makes", () => {
    const both = recipeInputConvention({ grayscale: 1, darkBackground: 1 });
    expect(both).toEqual({ grayscale: true, lightOnDark: true });
    expect(recipeInputConvention({ grayscale: 0.5, darkBackground: 0 })).toEqual({});
    expect(recipeInputConvention({ grayscale: 1, darkBackground: 0.5 })).toEqual({ grayscale: true });
    expect(conventionJitter(both)).toEqual({ gray: true, invert: false, darkBackground: true });
    // A colourful 3×3 image on a light page: pretraining's packBatch with the convention and the playground's
    // packImages with the model's grayscale / lightOnDark give the same words.
    const rgb = [...Array(9)].flatMap((_, p) => (p === 4 ? [200, 30, 60] : p % 2 ? [230, 240, 250] : [250, 220, 200]));
    const c = { index: { image: { width: 3, height: 3, channels: 3 } }, images: Uint8Array.from(rgb) } as unknown as Corpus;
    const px = new Uint32Array(9);
    packBatch(c, [0], 1, px, [conventionJitter(both)]);
    const rgba = Uint8Array.from([...Array(9)].flatMap((_, p) => [...rgb.slice(3 * p, 3 * p + 3), 255]));
    const image = { width: 3, height: 3, rgba };
    expect(Array.from(packImages([image], undefined, { grayscale: true, lightOnDark: true }).pixels)).toEqual(Array.from(px));
    expect(applyInputConvention(image, { grayscale: true, lightOnDark: true }).rgba[4 * 4]).toBe(255 - Math.round(0.299 * 200 + 0.587 * 30 + 0.114 * 60));
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

  it('silhouette: pixels far from the border colour take the grey level, the rest 0; contrast scales about the mean', () => {
    // 3×3 white image with a red centre and one near-white pixel (within the threshold of the border colour).
    const img = [...Array(9)].flatMap((_, p) => (p === 4 ? [200, 0, 0] : p === 1 ? [230, 230, 230] : [255, 255, 255]));
    const c = { index: { image: { width: 3, height: 3, channels: 3 } }, images: Uint8Array.from(img) } as unknown as Corpus;
    const px = new Uint32Array(2 * 9);
    packBatch(c, [0, 0], 2, px, [
      { gray: false, invert: false, silhouette: 180 },
      { gray: true, invert: false, contrast: 0.5 },
    ]);
    expect(unpack(px[4]!)).toEqual([180, 180, 180, 255]);
    expect(unpack(px[1]!)).toEqual([0, 0, 0, 255]); // near the border colour: background
    expect(unpack(px[0]!)).toEqual([0, 0, 0, 255]);
    // gray then contrast 0.5 about the mean grey value
    const g = [...Array(9)].map((_, p) => (p === 4 ? Math.round(0.299 * 200) : p === 1 ? 230 : 255));
    const mean = g.reduce((a, b) => a + b, 0) / 9;
    expect(unpack(px[9 + 4]!)[0]).toBe(Math.round(mean + 0.5 * (g[4]! - mean)));
    expect(unpack(px[9]!)[0]).toBe(Math.round(mean + 0.5 * (255 - mean)));
  });

  it('texture: object pixels are scaled by 1 − depth + depth·p(x, y), the background is left alone', () => {
    // 8×8 black image with a white 4×4 square in the middle; vertical stripes of period 4 (angle 0: along x).
    const W = 8;
    const img = [...Array(W * W)].flatMap((_, p) => {
      const x = p % W;
      const y = Math.floor(p / W);
      return x >= 2 && x < 6 && y >= 2 && y < 6 ? [200, 200, 200] : [0, 0, 0];
    });
    const c = { index: { image: { width: W, height: W, channels: 3 } }, images: Uint8Array.from(img) } as unknown as Corpus;
    const t: TexturePattern = { kind: 'stripes', angle: 0, period: 4, depth: 0.5 };
    const px = new Uint32Array(W * W);
    packBatch(c, [0], 1, px, [{ gray: false, invert: false, texture: t }]);
    for (let y = 0; y < W; y++)
      for (let x = 0; x < W; x++) {
        const inside = x >= 2 && x < 6 && y >= 2 && y < 6;
        const want = inside ? Math.round(200 * (0.5 + 0.5 * texturePattern(t, x, y, W, W))) : 0;
        expect(unpack(px[y * W + x]!)[0]).toBe(want);
      }
    // Stripes of period 4 along x: neighbouring columns of the square differ, rows do not.
    expect(unpack(px[3 * W + 2]!)[0]).not.toBe(unpack(px[3 * W + 3]!)[0]);
    expect(unpack(px[2 * W + 3]!)[0]).toBe(unpack(px[5 * W + 3]!)[0]);
  });

  it('texture patterns stay in [0, 1]: stripes, checks that alternate, a ramp that rises along its direction', () => {
    for (const kind of ['stripes', 'checks', 'ramp'] as const)
      for (let i = 0; i < 50; i++) {
        const p = texturePattern({ kind, angle: (i * Math.PI) / 50, period: 2 + (i % 7), depth: 0.5 }, i % 32, (i * 7) % 32, 32, 32);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }
    const checks: TexturePattern = { kind: 'checks', angle: 0, period: 4, depth: 1 };
    expect(texturePattern(checks, 16, 16, 32, 32)).not.toBe(texturePattern(checks, 20, 16, 32, 32));
    expect(texturePattern(checks, 16, 16, 32, 32)).toBe(texturePattern(checks, 20, 20, 32, 32));
    const ramp: TexturePattern = { kind: 'ramp', angle: 0, period: 4, depth: 1 };
    expect(texturePattern(ramp, 0, 5, 32, 32)).toBeLessThan(texturePattern(ramp, 31, 5, 32, 32));
    expect(texturePattern(ramp, 15.5, 5, 32, 32)).toBeCloseTo(0.5, 10);
  });

  it('jitterBox zooms about the centre and shifts within the asked fraction', () => {
    const seq = [1, 0.5, 0.5]; // zoom factor 1 + a, no shift
    let k = 0;
    const [x0, y0, w, h] = jitterBox([0, 0, 32, 32], [0.25, 0.1], () => seq[k++]!);
    expect(w).toBeCloseTo(32 / 1.25);
    expect(h).toBeCloseTo(32 / 1.25);
    expect(x0 + w / 2).toBeCloseTo(16);
    expect(y0 + h / 2).toBeCloseTo(16);
    const shifted = jitterBox([0, 0, 32, 32], [0, 0.1], () => 1);
    expect(shifted).toEqual([3.2, 3.2, 32, 32]);
  });

  it('trainingSampler draws kinds by weight and refuses a kind the corpus lacks', () => {
    const c = {
      index: { classes: [{ kind: 'cjk' }, { kind: 'digit' }] },
      labels: Uint32Array.from([0, 0, 0, 1]),
    } as unknown as Corpus;
    const train = Uint32Array.from([0, 1, 2, 3]);
    let s = 1;
    const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const draw = trainingSampler(c, train, { cjk: 1, digit: 3 });
    let digits = 0;
    for (let i = 0; i < 4000; i++) if (draw(r) === 3) digits++;
    expect(digits / 4000).toBeGreaterThan(0.7);
    expect(digits / 4000).toBeLessThan(0.8);
    expect(() => trainingSampler(c, train, { emoji: 1 })).toThrow(/no training image of kind emoji/);
  });
});

describe('budgetPlanner (--minutes)', () => {
  it('plans once, from the speed of steps 10..60 after the start, the count that ends within the budget less 5 %', () => {
    let ms = 0;
    let seconds = 0;
    const plan = budgetPlanner(10, 100, () => seconds, () => ms);
    const got: (number | null)[] = [];
    for (let step = 101; step <= 200; step++) {
      // 2 s of compiling at the start, then 50 ms a step; the budget's clock is 30 s in at step 160.
      ms += step === 101 ? 2000 : 50;
      seconds = step === 160 ? 30 : seconds;
      got.push(plan(step));
    }
    expect(got.filter((g) => g !== null)).toHaveLength(1);
    // 600 s budget − 30 s spent = 570 s, × 0.95 = 541.5 s, at 0.05 s a step: 10,830 more steps after step 160.
    expect(got[59]).toBe(160 + 10830);
  });
  it('without a budget never plans; a budget already spent plans the current step', () => {
    const none = budgetPlanner(null, 0, () => 0, () => 0);
    for (let s = 1; s <= 80; s++) expect(none(s)).toBeNull();
    let ms = 0;
    const spent = budgetPlanner(1, 0, () => 120, () => (ms += 10));
    let planned: number | null = null;
    for (let s = 1; s <= 60; s++) planned = spent(s) ?? planned;
    expect(planned).toBe(60);
  });
});
