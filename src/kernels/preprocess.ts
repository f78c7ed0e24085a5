// Launcher for shaders/preprocess.wgsl: RGBA8 images (each its own size) → (B, 3, S, S) normalised float input,
// with a per-image crop box, bilinear resize, and horizontal flip. Reference: src/reference/preprocess.ts.

import type { GpuContext } from '../gpu/context';
import { numel, shapeString, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 256;

export interface Normalization {
  mean: readonly [number, number, number]; // per channel R, G, B, on the [0, 1] scale
  std: readonly [number, number, number];
}

export const IMAGENET_NORMALIZATION: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** timm's original ViT checkpoints (augreg) normalise to [−1, 1]. */
export const HALF_NORMALIZATION: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/** The (B, 4) `sources` table for images stored back to back in one pixel buffer: [W, H, offset, flip] per image. */
export function sourceTable(images: readonly { width: number; height: number; flip?: boolean }[]): Uint32Array {
  const table = new Uint32Array(images.length * 4); // (B, 4)
  let offset = 0;
  images.forEach((im, b) => {
    table.set([im.width, im.height, offset, im.flip ? 1 : 0], b * 4);
    offset += im.width * im.height;
  });
  return table;
}

/**
 * out = normalise(bilinear(crop(pixels))), see the shader header.
 * out: (B, 3, S, S) f32; pixels: (P) u32 RGBA; sources: (B, 4) u32 [W, H, offset, flip]; boxes: (B, 4) f32 [x0, y0, w, h].
 */
export function forward(ctx: GpuContext, out: GpuTensor, pixels: GpuTensor, sources: GpuTensor, boxes: GpuTensor, norm: Normalization): void {
  const [B, channels, S, S2] = out.shape as [number, number, number, number];
  if (out.shape.length !== 4 || channels !== 3 || S !== S2) throw new Error(`preprocess: out must be (B, 3, S, S), got ${shapeString(out.shape)}`);
  if (pixels.dtype !== 'u32' || sources.dtype !== 'u32') throw new Error('preprocess: pixels and sources must be u32 tensors');
  if (numel(sources.shape) !== B * 4 || numel(boxes.shape) !== B * 4)
    throw new Error(`preprocess: sources ${shapeString(sources.shape)} and boxes ${shapeString(boxes.shape)} must both be (${B}, 4)`);
  ctx.run('preprocess', 'forward', {
    bindings: { out, pixels, sources, boxes },
    uniforms: {
      B,
      S,
      meanR: norm.mean[0],
      meanG: norm.mean[1],
      meanB: norm.mean[2],
      stdR: norm.std[0],
      stdG: norm.std[1],
      stdB: norm.std[2],
    },
    overrides: { WG },
    workgroups: grid1d(ctx, B * S * S, WG),
  });
}
