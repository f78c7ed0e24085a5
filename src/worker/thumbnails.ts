// Per-class counts and a few thumbnails for the Data section, in the worker. Only the thumbnails' images are read
// and decoded (the project's own decoder, src/data/decode.ts), shrunk here and sent as small PNG data URLs: the
// data set itself is never held in memory for a preview.

import { decodeImage, type RgbaImage } from '../data/decode';
import { fetchSource, listImages, loadManifest } from '../data/builtin';
import type { LabeledImages } from '../training/experiment';
import type { ClassPreview, FolderSummary } from './protocol';

/** Thumbnails per class and their longest side in pixels. */
export const THUMBS_PER_CLASS = 4;
export const THUMB_SIZE = 40;

/** The image shrunk (area average) so its longest side is at most `max`; smaller images are kept as they are. */
export function shrink(im: RgbaImage, max: number): RgbaImage {
  const scale = Math.max(im.width, im.height) / max;
  if (scale <= 1) return im;
  const w = Math.max(1, Math.round(im.width / scale));
  const h = Math.max(1, Math.round(im.height / scale));
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * im.height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * im.height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * im.width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * im.width) / w));
      const acc = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++)
        for (let sx = x0; sx < x1; sx++) for (let c = 0; c < 4; c++) acc[c]! += im.rgba[(sy * im.width + sx) * 4 + c]!;
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = Math.round(acc[c]! / n);
    }
  }
  return { width: w, height: h, rgba: out };
}

/** A decoded image as a PNG data URL (OffscreenCanvas: workers have no DOM). */
async function pngUrl(im: RgbaImage): Promise<string> {
  const canvas = new OffscreenCanvas(im.width, im.height);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas in the worker');
  g.putImageData(new ImageData(new Uint8ClampedArray(im.rgba), im.width, im.height), 0, 0);
  const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(bin)}`;
}

/** Thumbnails of the given images' bytes; one that cannot be read or decoded is left out (the run reports it). */
async function thumbs(reads: (() => Promise<Uint8Array>)[]): Promise<string[]> {
  const out: string[] = [];
  for (const read of reads) {
    try {
      out.push(await pngUrl(shrink(decodeImage(await read()), THUMB_SIZE)));
    } catch {
      // Skipped files are listed by the folder check and the run, not here.
    }
  }
  return out;
}

/** First `n` items of each label, in order. */
function firstPerLabel<T extends { label: number }>(items: readonly T[], classes: number, n: number): T[][] {
  const out: T[][] = Array.from({ length: classes }, () => []);
  for (const it of items) {
    const list = out[it.label];
    if (list && list.length < n) list.push(it);
  }
  return out;
}

/** A built-in benchmark: counts from its manifest, thumbnails from the first training images of each class. */
export async function builtinPreview(dataset: string): Promise<ClassPreview[]> {
  const src = fetchSource(`${import.meta.env.BASE_URL}data/`, (url) => fetch(url));
  const manifest = await loadManifest(src, dataset);
  const train = listImages(manifest, 'train');
  const test = listImages(manifest, 'test');
  const K = manifest.classes.length;
  const count = (list: { label: number }[]) => list.reduce((a, e) => (a[e.label]!++, a), new Array<number>(K).fill(0));
  const trainCounts = count(train);
  const testCounts = count(test);
  const firsts = firstPerLabel(train, K, THUMBS_PER_CLASS);
  return Promise.all(
    manifest.classes.map(async (name, c) => ({
      name,
      train: trainCounts[c]!,
      test: testCounts[c]!,
      thumbs: await thumbs(firsts[c]!.map((e) => () => src.bytes(e.path))),
    })),
  );
}

/** The user's checked folder: counts from its summary, thumbnails from its first training images per class. */
export async function folderPreview(data: LabeledImages, summary: FolderSummary): Promise<ClassPreview[]> {
  const firsts = firstPerLabel(data.train, data.classNames.length, THUMBS_PER_CLASS);
  return Promise.all(
    data.classNames.map(async (name, c) => {
      const counts = summary.classes.find((k) => k.className === name);
      return { name, train: counts?.train ?? 0, test: counts?.test ?? 0, thumbs: await thumbs(firsts[c]!.map((r) => () => r.bytes())) };
    }),
  );
}
