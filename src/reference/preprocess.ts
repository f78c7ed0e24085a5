// Float64 reference for src/kernels/preprocess.ts (shaders/preprocess.wgsl): crop box → bilinear resize at pixel
// centres (clamped to the image) → optional horizontal flip → /255 → (x − mean_c)/std_c, channel-first output.

/** RGB bytes of one RGBA pixel word (R in the low byte, as ImageData's bytes read as a little-endian u32). */
export function unpack(word: number): [number, number, number] {
  return [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff];
}

/** Packs RGBA bytes (ImageData.data layout, (H, W, 4)) into one u32 per pixel, (H, W). */
export function packRgba(bytes: Uint8Array | Uint8ClampedArray): Uint32Array {
  const out = new Uint32Array(bytes.length / 4); // (H, W)
  for (let k = 0; k < out.length; k++)
    out[k] = (bytes[4 * k]! | (bytes[4 * k + 1]! << 8) | (bytes[4 * k + 2]! << 16) | (bytes[4 * k + 3]! << 24)) >>> 0;
  return out;
}

/**
 * pixels: (P) RGBA words; sources: (B, 4) [W, H, offset, flip]; boxes: (B, 4) [x0, y0, w, h]; → (B, 3, S, S).
 * mean/std: per channel R, G, B.
 */
export function forward(
  pixels: Uint32Array,
  sources: Uint32Array,
  boxes: ArrayLike<number>,
  S: number,
  mean: readonly number[],
  std: readonly number[],
): Float64Array {
  const B = sources.length / 4;
  const out = new Float64Array(B * 3 * S * S); // (B, 3, S, S)
  for (let b = 0; b < B; b++) {
    const [W, H, offset, flip] = [sources[4 * b]!, sources[4 * b + 1]!, sources[4 * b + 2]!, sources[4 * b + 3]!];
    const [x0, y0, w, h] = [boxes[4 * b]!, boxes[4 * b + 1]!, boxes[4 * b + 2]!, boxes[4 * b + 3]!];
    const at = (y: number, x: number) => unpack(pixels[offset + y * W + x]!);
    for (let i = 0; i < S; i++) {
      const sy = Math.min(Math.max(y0 + ((i + 0.5) * h) / S - 0.5, 0), H - 1);
      const yl = Math.floor(sy);
      const yh = Math.min(yl + 1, H - 1);
      const fy = sy - yl;
      for (let j = 0; j < S; j++) {
        const jj = flip ? S - 1 - j : j;
        const sx = Math.min(Math.max(x0 + ((jj + 0.5) * w) / S - 0.5, 0), W - 1);
        const xl = Math.floor(sx);
        const xh = Math.min(xl + 1, W - 1);
        const fx = sx - xl;
        const [p00, p01, p10, p11] = [at(yl, xl), at(yl, xh), at(yh, xl), at(yh, xh)];
        for (let c = 0; c < 3; c++) {
          const v =
            (1 - fy) * ((1 - fx) * p00[c]! + fx * p01[c]!) + fy * ((1 - fx) * p10[c]! + fx * p11[c]!);
          out[((b * 3 + c) * S + i) * S + j] = (v / 255 - mean[c]!) / std[c]!;
        }
      }
    }
  }
  return out;
}
