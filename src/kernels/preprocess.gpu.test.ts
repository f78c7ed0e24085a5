import { expect, it } from 'vitest';
import { assertClose, EPS32 } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { rng } from '../testing/rng';
import * as ref from '../reference/preprocess';
import * as preprocess from './preprocess';

interface Source {
  width: number;
  height: number;
  flip: boolean;
  box: [number, number, number, number]; // x0, y0, w, h
}

/** Random RGBA words for all images back to back: (Σ H·W) u32. */
function randomPixels(count: number, seed: number): Uint32Array {
  const r = rng(seed);
  const px = new Uint32Array(count);
  for (let k = 0; k < count; k++) px[k] = Math.floor(r() * 2 ** 32) >>> 0;
  return px;
}

const { mean, std } = preprocess.IMAGENET_NORMALIZATION;

await describeGpu('preprocess kernel', (ctx) => {
  /** Runs kernel and reference; `sameImage`: every entry reads the first image's pixels (offset 0). */
  async function run(sources: Source[], S: number, norm: preprocess.Normalization, seed: number, sameImage = false) {
    const c = ctx();
    const table = preprocess.sourceTable(sources); // (B, 4)
    if (sameImage) for (let b = 0; b < sources.length; b++) table[4 * b + 2] = 0;
    const boxes = Float32Array.from(sources.flatMap((s) => s.box)); // (B, 4), f32 on both sides
    const pixels = randomPixels(sources.reduce((t, s) => t + s.width * s.height, 0), seed);
    const tp = c.fromArray(pixels, [pixels.length], 'pixels');
    const ts = c.fromArray(table, [sources.length, 4], 'sources');
    const tb = c.fromArray(boxes, [sources.length, 4], 'boxes');
    const tout = c.tensor([sources.length, 3, S, S], 'out');
    preprocess.forward(c, tout, tp, ts, tb, norm);
    const got = await c.read(tout);
    c.release(tp, ts, tb, tout);
    return { got, want: ref.forward(pixels, table, boxes, S, norm.mean, norm.std), pixels };
  }

  // Tolerance: the sampling coordinate sx has magnitude up to X = max source extent, so its f32 rounding is a fraction
  // of ε·X pixels, and random pixels change by up to 255 levels per pixel, i.e. 1/std ≈ 4.4 normalised units per
  // pixel, against outputs of rms ~1.3. Measured: the error needs ≈ 0.6·X ulps (0.36·X at X = 40, 0.63·X at X = 4096);
  // ulps = 2·X leaves 3× headroom. (0.6·X ulps at X = 4096 is 0.02 grey levels.)
  const ulpsFor = (sources: Source[]) => 2 * Math.max(...sources.map((s) => Math.max(s.width, s.height, s.box[0] + s.box[2], s.box[1] + s.box[3])));

  it('batch of odd sizes: 7×5 → 4, 33×40 → 4, crops off the origin, flips, boxes over the edge, upscaling', async () => {
    const sources: Source[] = [
      { width: 7, height: 5, flip: false, box: [0, 0, 7, 5] },
      { width: 7, height: 5, flip: true, box: [1.5, 0.25, 4.5, 4] },
      { width: 33, height: 40, flip: false, box: [3.7, 9.2, 25.1, 27.9] },
      { width: 33, height: 40, flip: true, box: [-2, 30, 12, 15] }, // hangs over the left and bottom edges
      { width: 5, height: 3, flip: true, box: [0.5, 0.5, 3, 2] }, // upsampled ~1.3–2×
    ];
    const { got, want } = await run(sources, 4, preprocess.IMAGENET_NORMALIZATION, 1);
    assertClose(got, want, { ulps: ulpsFor(sources), label: 'S=4' });
  });

  it('33×40 → 16 and 5×3 → 16 (upsampling), timm ViT normalisation', async () => {
    const sources: Source[] = [
      { width: 33, height: 40, flip: false, box: [2.25, 5.5, 28, 28] },
      { width: 5, height: 3, flip: false, box: [0, 0, 5, 3] },
    ];
    const { got, want } = await run(sources, 16, preprocess.HALF_NORMALIZATION, 2);
    assertClose(got, want, { ulps: ulpsFor(sources), label: 'S=16' });
  });

  it('flip mirrors the output exactly (same image, same box)', async () => {
    const sources: Source[] = [
      { width: 33, height: 40, flip: false, box: [2.25, 5.5, 28, 28] },
      { width: 33, height: 40, flip: true, box: [2.25, 5.5, 28, 28] },
    ];
    const { got, want } = await run(sources, 16, preprocess.HALF_NORMALIZATION, 5, true);
    assertClose(got, want, { ulps: ulpsFor(sources), label: 'flip' });
    // Flip mirrors the output exactly: image 1 is image 0 reversed along each row.
    const plane = 16 * 16;
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 16; i++)
        for (let j = 0; j < 16; j++) expect(got[(3 + c) * plane + i * 16 + j]).toBe(got[c * plane + i * 16 + 15 - j]);
  });

  it('extreme range: a 4096-wide photo strip cropped near its far end', async () => {
    const sources: Source[] = [{ width: 4096, height: 3, flip: false, box: [4070.3, 0.4, 23.9, 2.2] }];
    const { got, want } = await run(sources, 8, preprocess.IMAGENET_NORMALIZATION, 3);
    assertClose(got, want, { ulps: ulpsFor(sources), label: 'far crop' });
  });

  it('an identity box at the same size reproduces the pixels exactly', async () => {
    const S = 16;
    const sources: Source[] = [
      { width: S, height: S, flip: false, box: [0, 0, S, S] },
      { width: S, height: S, flip: false, box: [0, 0, S, S] },
    ];
    const { got, pixels } = await run(sources, S, { mean: [0, 0, 0], std: [1, 1, 1] }, 4);
    for (let b = 0; b < 2; b++)
      for (let k = 0; k < S * S; k++) {
        const rgb = ref.unpack(pixels[b * S * S + k]!);
        for (let c = 0; c < 3; c++) {
          const v = got[(b * 3 + c) * S * S + k]!;
          // The sample is the byte itself; only the final /255 rounds (WGSL division: within 2.5 ulp).
          expect(Math.round(v * 255)).toBe(rgb[c]);
          expect(Math.abs(v - rgb[c]! / 255)).toBeLessThanOrEqual(3 * EPS32 * (rgb[c]! / 255));
        }
      }
  });

  it('rejects an output that is not (B, 3, S, S)', () => {
    const c = ctx();
    const t = c.tensor([1, 3, 4, 5]);
    const u = c.fromArray(new Uint32Array(4), [1, 4]);
    expect(() => preprocess.forward(c, t, u, u, t, preprocess.HALF_NORMALIZATION)).toThrow(/\(B, 3, S, S\)/);
    c.release(t, u);
  });
});
