// Image bytes → 8-bit RGBA, without the DOM (Node, workers and the browser alike).
//
// PNG via fast-png, JPEG via jpeg-js. Whatever the source format, the result is (H, W, 4) RGBA with
// alpha 255: transparent pixels are composited over white, because the network has no alpha input
// and white is what a viewer shows behind a transparent emoji or icon:
//   out = (c·a + M·(M − a)) / M, then rescaled from [0, M] to [0, 255] and rounded,
// with M = 2^depth − 1 (255 or 65535). 16-bit samples keep their precision until that single rounding.
//
// PNG colour types: gray (1/2/4/8/16 bit), gray+alpha, RGB, RGBA (8/16 bit), palette (1/2/4/8 bit,
// with tRNS alpha), tRNS colour keys on gray/RGB; Adam7 interlacing. JPEG: baseline and progressive,
// 1 (gray), 3 (YCbCr/RGB) and 4 (Adobe CMYK/YCCK) components, as jpeg-js supports. Anything else throws
// an `ImageDecodeError` whose message says what the bytes look like.
//
// No CPU resize: the GPU preprocess kernel crops and resizes. `packImages` lays decoded images back to
// back in the (P) u32 pixel buffer that shaders/preprocess.wgsl reads (one RGBA pixel per u32, R in
// the low byte), with the (B, 4) source table from src/kernels/preprocess.ts.

import { decode as decodePngRaw, type DecodedPng } from 'fast-png';
import { decode as decodeJpegRaw } from 'jpeg-js';
import { sourceTable } from '../kernels/preprocess';
import { packRgba } from '../reference/preprocess';

export { packRgba };

export type ImageFormat = 'png' | 'jpeg';

export interface RgbaImage {
  width: number;
  height: number;
  /** (H, W, 4) RGBA, alpha always 255. */
  rgba: Uint8Array;
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this before decoding (memory guard). Default 50 M pixels. */
  maxPixels?: number;
}

const DEFAULT_MAX_PIXELS = 50_000_000;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** 'png' or 'jpeg' from the magic bytes, else null. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** A short guess of what non-PNG/JPEG bytes are, for the error message. */
function describeBytes(bytes: Uint8Array): string {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  if (bytes.length === 0) return 'the file is empty';
  let guess = '';
  if (ascii(0, 4) === 'GIF8') guess = 'GIF';
  else if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') guess = 'WebP';
  else if (ascii(0, 2) === 'BM') guess = 'BMP';
  else if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') guess = 'TIFF';
  else if (ascii(4, 8) === 'ftyp') guess = `ISO media (${ascii(8, 12).trim()}: HEIC/AVIF/MP4)`;
  else if (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') guess = 'damaged PNG signature';
  else if (ascii(0, 5).toLowerCase() === '<?xml' || ascii(0, 4).toLowerCase() === '<svg') guess = 'XML/SVG';
  else if (bytes.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))) guess = 'text';
  return `starts with ${hex}${guess ? `, looks like ${guess}` : ''}`;
}

/** Decodes PNG or JPEG bytes to 8-bit RGBA over white. Throws ImageDecodeError. */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): RgbaImage {
  const format = sniffFormat(bytes);
  if (format === 'png') return decodePng(bytes, options);
  if (format === 'jpeg') return decodeJpeg(bytes, options);
  throw new ImageDecodeError(`not a PNG or JPEG image (${describeBytes(bytes)})`);
}

function checkSize(width: number, height: number, maxPixels: number, what: string): void {
  if (!(width > 0 && height > 0)) throw new ImageDecodeError(`${what} has no pixels (${width}×${height})`);
  if (width * height > maxPixels) throw new ImageDecodeError(`${what} is too large: ${width}×${height} is over ${maxPixels} pixels`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- PNG ----------------------------------------------------------------------------------------

export function decodePng(bytes: Uint8Array, options: DecodeOptions = {}): RgbaImage {
  return pngToRgba(readPng(bytes, options), false);
}

/**
 * decodePng with the image's own alpha kept (straight, not premultiplied; 255 where the PNG has none) instead of
 * compositing over white: for generators that place a transparent image on a background of their own
 * (scripts/data/pretrain-corpus.ts's clip art).
 */
export function decodePngAlpha(bytes: Uint8Array, options: DecodeOptions = {}): RgbaImage {
  if (sniffFormat(bytes) !== 'png') throw new ImageDecodeError(`not a PNG image (${describeBytes(bytes)})`);
  return pngToRgba(readPng(bytes, options), true);
}

/** The PNG's samples, its size checked against the memory guard before anything is inflated. */
function readPng(bytes: Uint8Array, options: DecodeOptions): DecodedPng {
  // IHDR is always the first chunk: read the size before inflating anything.
  if (bytes.length < 33) throw new ImageDecodeError('corrupt PNG: shorter than its header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkSize(dv.getUint32(16), dv.getUint32(20), options.maxPixels ?? DEFAULT_MAX_PIXELS, 'PNG');
  try {
    return decodePngRaw(bytes, { checkCrc: true });
  } catch (e) {
    throw new ImageDecodeError(`corrupt PNG: ${errorText(e)}`);
  }
}

/** Unpacked samples of a decoded PNG: value of sample s (pixel-major, channel-minor), and its max. */
function samples(png: DecodedPng): { get: (i: number) => number; max: number } {
  const { data, depth, width, channels, height } = png;
  if (depth >= 8) {
    const want = width * height * channels;
    if (data.length < want) throw new ImageDecodeError(`corrupt PNG: ${data.length} samples, expected ${want}`);
    return { get: (i) => data[i]!, max: depth === 16 ? 65535 : 255 };
  }
  // Sub-byte depths (gray or palette, 1 channel): each row starts on a byte boundary.
  const rowBytes = Math.ceil((width * depth) / 8);
  if (data.length < rowBytes * height) throw new ImageDecodeError(`corrupt PNG: ${data.length} bytes, expected ${rowBytes * height}`);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  return {
    get: (i) => {
      const y = Math.floor(i / width);
      const x = i - y * width;
      const byte = data[y * rowBytes + Math.floor(x / perByte)]!;
      return (byte >> (8 - depth * ((x % perByte) + 1))) & mask;
    },
    max: mask,
  };
}

/** RGBA bytes of a decoded PNG: composited over white (alpha 255), or with its alpha kept (`keepAlpha`). */
function pngToRgba(png: DecodedPng, keepAlpha: boolean): RgbaImage {
  const { width, height, channels } = png;
  const n = width * height;
  const out = new Uint8Array(n * 4); // (H, W, 4)
  const { get, max } = samples(png);
  const scale = 255 / (max * max);
  // Composite (c, a) over white and rescale to 8 bits; a = max means opaque. keepAlpha: only the rescale.
  const over = keepAlpha ? (c: number) => Math.round((c * 255) / max) : (c: number, a: number) => Math.round((c * a + max * (max - a)) * scale);
  const alpha = (a: number) => (keepAlpha ? Math.round((a * 255) / max) : 255);

  if (png.palette) {
    const pal = png.palette;
    for (let i = 0; i < n; i++) {
      const entry = pal[get(i)];
      if (!entry) throw new ImageDecodeError(`corrupt PNG: palette index ${get(i)} out of range (${pal.length} colours)`);
      const a = entry[3] ?? 255;
      // Palette entries are 8-bit whatever the index depth.
      for (let c = 0; c < 3; c++) out[4 * i + c] = keepAlpha ? entry[c]! : Math.round((entry[c]! * a + 255 * (255 - a)) / 255);
      out[4 * i + 3] = keepAlpha ? a : 255;
    }
    return { width, height, rgba: out };
  }

  const key = png.transparency; // tRNS colour key: [gray] or [r, g, b] in sample units
  const hasKey = key !== undefined && key.length === (channels === 1 ? 1 : 3) && (channels === 1 || channels === 3);
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    let r: number, g: number, b: number, a: number;
    if (channels === 1 || channels === 2) {
      r = g = b = get(s);
      a = channels === 2 ? get(s + 1) : max;
      if (hasKey && r === key[0]) a = 0;
    } else {
      r = get(s);
      g = get(s + 1);
      b = get(s + 2);
      a = channels === 4 ? get(s + 3) : max;
      if (hasKey && r === key[0] && g === key[1] && b === key[2]) a = 0;
    }
    out[4 * i] = over(r, a);
    out[4 * i + 1] = over(g, a);
    out[4 * i + 2] = over(b, a);
    out[4 * i + 3] = alpha(a);
  }
  return { width, height, rgba: out };
}

// ---- JPEG ---------------------------------------------------------------------------------------

/** Reads the frame size from the SOFn marker without decoding (null if none is found). */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  let off = 2;
  while (off + 9 < bytes.length) {
    if (bytes[off] !== 0xff) return null;
    const marker = bytes[off + 1]!;
    if (marker === 0xff) {
      off++;
      continue;
    }
    const len = (bytes[off + 2]! << 8) | bytes[off + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[off + 5]! << 8) | bytes[off + 6]!, width: (bytes[off + 7]! << 8) | bytes[off + 8]! };
    }
    if (marker === 0xda) return null; // scan data before any frame header
    off += 2 + len;
  }
  return null;
}

export function decodeJpeg(bytes: Uint8Array, options: DecodeOptions = {}): RgbaImage {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const size = jpegSize(bytes);
  if (size) checkSize(size.width, size.height, maxPixels, 'JPEG');
  let img: { width: number; height: number; data: Uint8Array };
  try {
    // tolerantDecoding off: a truncated or damaged file should be reported, not half-decoded.
    img = decodeJpegRaw(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: Math.max(1, Math.ceil(maxPixels / 1e6)),
      maxMemoryUsageInMB: 1024,
    });
  } catch (e) {
    throw new ImageDecodeError(`corrupt or unsupported JPEG: ${errorText(e)}`);
  }
  checkSize(img.width, img.height, maxPixels, 'JPEG');
  if (img.data.length !== img.width * img.height * 4) throw new ImageDecodeError('corrupt JPEG: pixel data has the wrong size');
  return { width: img.width, height: img.height, rgba: img.data };
}

// ---- packing for the GPU ------------------------------------------------------------------------

/** A backbone's input convention (ViTConfig grayscale / lightOnDark), applied by packImages. */
export interface InputConvention {
  grayscale?: boolean;
  lightOnDark?: boolean;
}

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

/**
 * The image as a backbone with this input convention expects it: gray = round(Rec. 601 luma) in every channel (a gray
 * image comes back unchanged); light on dark = 255 − v when the mean luma of the outermost pixel ring is above
 * 127.5 (a dark object on a white page becomes a light object on black, as in the pretraining's darkBackground).
 * The same image object when the convention asks for nothing.
 */
export function applyInputConvention(im: RgbaImage, c: InputConvention | undefined): RgbaImage {
  if (!c?.grayscale && !c?.lightOnDark) return im;
  const { width: W, height: H } = im;
  const out = new Uint8Array(im.rgba);
  if (c.grayscale)
    for (let q = 0; q < out.length; q += 4) {
      const v = Math.round(luma(out[q]!, out[q + 1]!, out[q + 2]!));
      out[q] = v;
      out[q + 1] = v;
      out[q + 2] = v;
    }
  if (c.lightOnDark) {
    let sum = 0;
    let n = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if (y !== 0 && y !== H - 1 && x !== 0 && x !== W - 1) continue;
        const q = (y * W + x) * 4;
        sum += luma(out[q]!, out[q + 1]!, out[q + 2]!);
        n++;
      }
    if (n > 0 && sum / n > 127.5)
      for (let q = 0; q < out.length; q += 4) {
        out[q] = 255 - out[q]!;
        out[q + 1] = 255 - out[q + 1]!;
        out[q + 2] = 255 - out[q + 2]!;
      }
  }
  return { width: W, height: H, rgba: out };
}

/**
 * Lays decoded images back to back as RGBA words for shaders/preprocess.wgsl:
 * pixels (P) u32 with P = Σ W·H, sources (B, 4) u32 [W, H, offset, flip]. `convention`: the backbone's input
 * convention (applyInputConvention), applied to each image first.
 */
export function packImages(
  images: readonly RgbaImage[],
  flips?: readonly boolean[],
  convention?: InputConvention,
): { pixels: Uint32Array; sources: Uint32Array } {
  let total = 0;
  for (const im of images) total += im.width * im.height;
  const pixels = new Uint32Array(total); // (P)
  let offset = 0;
  for (const im of images) {
    pixels.set(packRgba(applyInputConvention(im, convention).rgba), offset);
    offset += im.width * im.height;
  }
  const sources = sourceTable(images.map((im, b) => ({ width: im.width, height: im.height, flip: flips?.[b] ?? false })));
  return { pixels, sources };
}
