// decode: PNG of every colour type round-trips to the expected RGBA (alpha over white), JPEG within
// JPEG error, anything else fails with a message naming what the bytes look like.
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { applyInputConvention, decodeImage, decodePngAlpha, ImageDecodeError, packImages, sniffFormat } from './decode';

const W = 13; // odd sizes: rows of sub-byte images end mid-byte
const H = 7;

/** Expected 8-bit channel of sample c with alpha a (both on [0, M]) over white, computed in floats. */
function over(c: number, a: number, M: number): number {
  const alpha = a / M;
  return Math.round(((c / M) * alpha + (1 - alpha)) * 255);
}

/** Checks decoded RGBA against an expected (r, g, b) per pixel index. */
function expectPixels(rgba: Uint8Array, expected: (i: number) => [number, number, number], tol = 0): void {
  expect(rgba.length).toBe(W * H * 4);
  let worst = 0;
  for (let i = 0; i < W * H; i++) {
    const e = expected(i);
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(rgba[4 * i + c]! - e[c]!));
    expect(rgba[4 * i + 3]).toBe(255);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

const val8 = (i: number, k: number) => (i * 37 + k * 91 + 11) % 256;
const val16 = (i: number, k: number) => (i * 4099 + k * 21011 + 7) % 65536;

function pngBytes(channels: number, depth: 8 | 16, value: (i: number, k: number) => number, interlace = false): Uint8Array {
  const data = depth === 16 ? new Uint16Array(W * H * channels) : new Uint8Array(W * H * channels);
  for (let i = 0; i < W * H; i++) for (let k = 0; k < channels; k++) data[i * channels + k] = value(i, k);
  return encodePng({ width: W, height: H, data, channels, depth }, interlace ? { interlace: 'Adam7' } : {});
}

// ---- a PNG chunk writer, for a tRNS colour key (fast-png's encoder never writes one) ----

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Inserts a chunk right after IHDR (signature 8 bytes + IHDR 25 bytes). */
function insertChunk(png: Uint8Array, type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const dv = new DataView(chunk.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  dv.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, 33));
  out.set(chunk, 33);
  out.set(png.subarray(33), 33 + chunk.length);
  return out;
}

function base64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

// 16×8 JPEGs written by libjpeg-turbo's cjpeg -quality 100 (jpeg-js only writes baseline YCbCr):
// gray: value x·12 + y·8; progressive RGB without chroma subsampling (-sample 1x1): (x·12 + 20, y·24 + 20, 235 − x·12).
const GRAY_JPEG =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAIABABAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APwv/Yk/Zt/5BH+gf88P+WX+77V/YB+xJ+zb/wAgj/QP+eH/ACy/3fav/9k=';
const PROGRESSIVE_JPEG =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/2wBDAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wgARCAAIABADAREAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAB//EABYBAQEBAAAAAAAAAAAAAAAAAAgHCf/aAAwDAQACEAMQAAABFWfDUfPxwf/EABYQAAMAAAAAAAAAAAAAAAAAAAAEB//aAAgBAQABBQJWfis/P//EABsRAAAHAQAAAAAAAAAAAAAAAAAGByQzQlLh/9oACAEDAQE/ASArcLnN+hP1bhc5uP/EABkRAAEFAAAAAAAAAAAAAAAAAAcAIzNCUv/aAAgBAgEBPwEkked/VkSSRO/qy//EABcQAAMBAAAAAAAAAAAAAAAAAAABI6L/2gAIAQEABj8CUcijk//EABYQAAMAAAAAAAAAAAAAAAAAAADR8P/aAAgBAQABPyGEiEj/2gAMAwEAAgADAAAAEJv/xAAXEQADAQAAAAAAAAAAAAAAAAAAUfBh/9oACAEDAQE/EKxCMWn/xAAbEQABBQEBAAAAAAAAAAAAAAABABEhYXFB0f/aAAgBAgEBPxAZi2uuP4jCe43a/8QAGxAAAgMAAwAAAAAAAAAAAAAAAREAMfBhcZH/2gAIAQEAAT8QsXKA8Z1E8KAzHP/Z';

describe('decode PNG', () => {
  it('8-bit gray, RGB, RGBA and gray+alpha (alpha composited over white)', () => {
    const gray = decodeImage(pngBytes(1, 8, val8));
    expect([gray.width, gray.height]).toEqual([W, H]);
    expectPixels(gray.rgba, (i) => [val8(i, 0), val8(i, 0), val8(i, 0)]);
    expectPixels(decodeImage(pngBytes(3, 8, val8)).rgba, (i) => [val8(i, 0), val8(i, 1), val8(i, 2)]);
    expectPixels(decodeImage(pngBytes(4, 8, val8)).rgba, (i) => [0, 1, 2].map((k) => over(val8(i, k), val8(i, 3), 255)) as [number, number, number]);
    expectPixels(decodeImage(pngBytes(2, 8, val8)).rgba, (i) => {
      const v = over(val8(i, 0), val8(i, 1), 255);
      return [v, v, v];
    });
  });

  it('16-bit gray, RGB and RGBA keep precision until one rounding to 8 bits', () => {
    const M = 65535;
    expectPixels(decodeImage(pngBytes(1, 16, val16)).rgba, (i) => {
      const v = Math.round((val16(i, 0) / M) * 255);
      return [v, v, v];
    });
    expectPixels(decodeImage(pngBytes(3, 16, val16)).rgba, (i) => [0, 1, 2].map((k) => Math.round((val16(i, k) / M) * 255)) as [number, number, number]);
    expectPixels(decodeImage(pngBytes(4, 16, val16)).rgba, (i) => [0, 1, 2].map((k) => over(val16(i, k), val16(i, 3), M)) as [number, number, number]);
  });

  it('fully transparent pixels become white, opaque ones keep their colour', () => {
    const rgba = decodeImage(pngBytes(4, 8, (i, k) => (k === 3 ? (i % 2) * 255 : 40 + k))).rgba;
    expect(Array.from(rgba.subarray(0, 8))).toEqual([255, 255, 255, 255, 40, 41, 42, 255]);
  });

  it('sub-byte gray (1, 2, 4 bit) scales to the full 8-bit range', () => {
    for (const depth of [1, 2, 4] as const) {
      const max = (1 << depth) - 1;
      const rowBytes = Math.ceil((W * depth) / 8);
      const data = new Uint8Array(rowBytes * H);
      const v = (i: number) => (i * 5 + 3) % (max + 1);
      for (let i = 0; i < W * H; i++) {
        const x = i % W;
        const y = Math.floor(i / W);
        data[y * rowBytes + Math.floor((x * depth) / 8)]! |= v(i) << (8 - depth - ((x * depth) % 8));
      }
      const png = encodePng({ width: W, height: H, data, channels: 1, depth });
      expectPixels(decodeImage(png).rgba, (i) => {
        const g = Math.round((v(i) * 255) / max);
        return [g, g, g];
      });
    }
  });

  it('palette images (8-bit and 2-bit indices, with tRNS alpha)', () => {
    // Translucent entries first: fast-png 8.0.0's encoder writes tRNS as the list of non-opaque
    // alphas, which is only right when they lead the palette (the decoder side is fine).
    const palette = [
      [0, 128, 255, 0],
      [10, 20, 30, 128],
      [255, 0, 0, 255],
      [200, 100, 50, 255],
    ];
    const idx = (i: number) => (i * 3 + 1) % 4;
    const expected = (i: number) => palette[idx(i)]!.slice(0, 3).map((c) => over(c, palette[idx(i)]![3]!, 255)) as [number, number, number];
    const p8 = encodePng({ width: W, height: H, data: Uint8Array.from({ length: W * H }, (_, i) => idx(i)), channels: 1, depth: 8, palette });
    expectPixels(decodeImage(p8).rgba, expected);

    const rowBytes = Math.ceil((W * 2) / 8);
    const packed = new Uint8Array(rowBytes * H);
    for (let i = 0; i < W * H; i++) {
      const x = i % W;
      packed[Math.floor(i / W) * rowBytes + (x >> 2)]! |= idx(i) << (6 - 2 * (x % 4));
    }
    const p2 = encodePng({ width: W, height: H, data: packed, channels: 1, depth: 2, palette });
    expectPixels(decodeImage(p2).rgba, expected);
  });

  it('decodePngAlpha keeps the alpha of RGBA, gray+alpha and palette PNGs instead of compositing over white', () => {
    const a = (i: number) => (i * 37) % 256;
    const rgba = encodePng({ width: W, height: H, data: Uint8Array.from({ length: W * H * 4 }, (_, j) => (j % 4 === 3 ? a(j >> 2) : val8(j >> 2, j % 4))), channels: 4, depth: 8 });
    const kept = decodePngAlpha(rgba).rgba;
    for (let i = 0; i < W * H; i++) expect(Array.from(kept.subarray(4 * i, 4 * i + 4))).toEqual([val8(i, 0), val8(i, 1), val8(i, 2), a(i)]);
    expectPixels(decodeImage(rgba).rgba, (i) => [0, 1, 2].map((k) => over(val8(i, k), a(i), 255)) as [number, number, number]);
    const ga16 = encodePng({ width: W, height: H, data: Uint16Array.from({ length: W * H * 2 }, (_, j) => (j % 2 ? 257 * a(j >> 1) : 257 * val8(j >> 1, 0))), channels: 2, depth: 16 });
    const g = decodePngAlpha(ga16).rgba;
    for (let i = 0; i < W * H; i++) expect(Array.from(g.subarray(4 * i, 4 * i + 4))).toEqual([val8(i, 0), val8(i, 0), val8(i, 0), a(i)]);
    const palette = [
      [0, 128, 255, 0],
      [255, 0, 0, 255],
    ];
    const p8 = encodePng({ width: W, height: H, data: Uint8Array.from({ length: W * H }, (_, i) => i % 2), channels: 1, depth: 8, palette });
    const p = decodePngAlpha(p8).rgba;
    for (let i = 0; i < W * H; i++) expect(Array.from(p.subarray(4 * i, 4 * i + 4))).toEqual(palette[i % 2]);
    expect(() => decodePngAlpha(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...new Array(40).fill(0)]))).toThrow(/not a PNG/);
  });

  it('Adam7-interlaced RGB', () => {
    expectPixels(decodeImage(pngBytes(3, 8, val8, true)).rgba, (i) => [val8(i, 0), val8(i, 1), val8(i, 2)]);
  });

  it('tRNS colour key on RGB makes matching pixels white', () => {
    const value = (i: number, k: number) => (i % 3 === 0 ? [10, 20, 30][k]! : val8(i, k));
    const keyed = insertChunk(pngBytes(3, 8, value), 'tRNS', Uint8Array.from([0, 10, 0, 20, 0, 30]));
    expectPixels(decodeImage(keyed).rgba, (i) => (i % 3 === 0 ? [255, 255, 255] : [val8(i, 0), val8(i, 1), val8(i, 2)]));
  });

  it('corrupt PNGs fail with "corrupt PNG"', () => {
    const good = pngBytes(3, 8, val8);
    expect(() => decodeImage(good.subarray(0, Math.floor(good.length / 2)))).toThrow(ImageDecodeError);
    expect(() => decodeImage(good.subarray(0, Math.floor(good.length / 2)))).toThrow(/corrupt PNG/);
    const flipped = good.slice();
    flipped[50] ^= 0xff; // inside IDAT: CRC mismatch
    expect(() => decodeImage(flipped)).toThrow(/corrupt PNG/);
    expect(() => decodeImage(good.subarray(0, 20))).toThrow(/corrupt PNG/);
  });

  it('refuses images over maxPixels before decoding', () => {
    expect(() => decodeImage(pngBytes(3, 8, val8), { maxPixels: 50 })).toThrow(/too large: 13×7/);
  });
});

describe('decode JPEG', () => {
  it('baseline RGB from jpeg-js round-trips within JPEG error', () => {
    const rgba = new Uint8Array(W * H * 4);
    const smooth = (i: number, k: number) => 30 + (i % W) * 6 + Math.floor(i / W) * 9 + k * 40;
    for (let i = 0; i < W * H; i++) {
      for (let k = 0; k < 3; k++) rgba[4 * i + k] = smooth(i, k);
      rgba[4 * i + 3] = 255;
    }
    const jpg = new Uint8Array(encodeJpeg({ width: W, height: H, data: rgba }, 95).data);
    expect(sniffFormat(jpg)).toBe('jpeg');
    const d = decodeImage(jpg);
    expect([d.width, d.height]).toEqual([W, H]);
    expectPixels(d.rgba, (i) => [smooth(i, 0), smooth(i, 1), smooth(i, 2)], 8);
  });

  it('grayscale and progressive JPEGs (libjpeg-turbo fixtures)', () => {
    const gray = decodeImage(base64(GRAY_JPEG));
    expect([gray.width, gray.height]).toEqual([16, 8]);
    const prog = decodeImage(base64(PROGRESSIVE_JPEG));
    expect([prog.width, prog.height]).toEqual([16, 8]);
    let worstGray = 0;
    let worstProg = 0;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 16; x++) {
        const p = 4 * (y * 16 + x);
        const g = x * 12 + y * 8;
        for (let c = 0; c < 3; c++) worstGray = Math.max(worstGray, Math.abs(gray.rgba[p + c]! - g));
        const e = [x * 12 + 20, y * 24 + 20, 235 - x * 12];
        for (let c = 0; c < 3; c++) worstProg = Math.max(worstProg, Math.abs(prog.rgba[p + c]! - e[c]!));
        expect(gray.rgba[p + 3]).toBe(255);
      }
    }
    expect(worstGray).toBeLessThanOrEqual(3);
    expect(worstProg).toBeLessThanOrEqual(3);
  });

  it('a truncated JPEG fails', () => {
    const jpg = base64(PROGRESSIVE_JPEG);
    expect(() => decodeImage(jpg.subarray(0, 300))).toThrow(/JPEG/);
  });
});

describe('decode: not an image', () => {
  it('names what the bytes look like', () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00');
    expect(() => decodeImage(gif)).toThrow('not a PNG or JPEG image (starts with 47 49 46 38 39 61 01 00, looks like GIF)');
    expect(() => decodeImage(new TextEncoder().encode('hello, world\n'))).toThrow(/looks like text/);
    expect(() => decodeImage(new Uint8Array(0))).toThrow('not a PNG or JPEG image (the file is empty)');
    expect(sniffFormat(gif)).toBeNull();
  });
});

describe('packImages', () => {
  it('packs RGBA words (R in the low byte) back to back with the [W, H, offset, flip] table', () => {
    const a = { width: 2, height: 1, rgba: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]) };
    const b = { width: 1, height: 2, rgba: Uint8Array.from([7, 8, 9, 255, 10, 11, 12, 255]) };
    const { pixels, sources } = packImages([a, b], [false, true]);
    expect(Array.from(pixels)).toEqual([0xff030201, 0xff060504, 0xff090807, 0xff0c0b0a]);
    expect(Array.from(sources)).toEqual([2, 1, 0, 0, 1, 2, 2, 1]);
  });

  it("applies a backbone's input convention: gray, then light on dark when the border is bright", () => {
    // 3×3: a white border (luma 255) around one red pixel (luma round(0.299·255) = 76).
    const rgba = new Uint8Array(9 * 4).fill(255);
    rgba.set([255, 0, 0, 255], 4 * 4);
    const page = { width: 3, height: 3, rgba };
    const gray = applyInputConvention(page, { grayscale: true });
    expect(Array.from(gray.rgba.subarray(16, 20))).toEqual([76, 76, 76, 255]);
    expect(Array.from(gray.rgba.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    const both = applyInputConvention(page, { grayscale: true, lightOnDark: true });
    expect(Array.from(both.rgba.subarray(16, 20))).toEqual([179, 179, 179, 255]); // 255 − 76
    expect(Array.from(both.rgba.subarray(0, 4))).toEqual([0, 0, 0, 255]);
    // Light on dark alone keeps colour and inverts it.
    expect(Array.from(applyInputConvention(page, { lightOnDark: true }).rgba.subarray(16, 20))).toEqual([0, 255, 255, 255]);
    // A dark border stays as it is, a gray image is unchanged by grayscale (exact luma of R = G = B), nothing asked = same object.
    const night = { width: 3, height: 3, rgba: Uint8Array.from({ length: 36 }, (_, i) => (i % 4 === 3 ? 255 : i < 16 ? 10 : 37)) };
    expect(Array.from(applyInputConvention(night, { grayscale: true, lightOnDark: true }).rgba)).toEqual(Array.from(night.rgba));
    expect(applyInputConvention(page, {})).toBe(page);
    expect(Array.from(page.rgba.subarray(16, 20))).toEqual([255, 0, 0, 255]); // the input is never modified
    // packImages applies it to every image before packing.
    const { pixels } = packImages([page], undefined, { grayscale: true, lightOnDark: true });
    expect(pixels[4]).toBe(0xffb3b3b3);
    expect(pixels[0]).toBe(0xff000000);
  });
});
