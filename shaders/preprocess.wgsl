// preprocess: RGBA8 source images → normalised model input, with crop, bilinear resize and horizontal flip.
//   pixels:  (Σ_b H_b·W_b) u32, each image row-major (H_b, W_b), one pixel per u32 holding bytes R,G,B,A from the low
//            byte up (ImageData's byte order read as little-endian u32). Alpha is ignored (ImageData is not
//            premultiplied); grayscale sources arrive with R = G = B.
//   sources: (B, 4) u32, per image [W_b, H_b, offset_b (in pixels, i.e. u32 words, into `pixels`), flip_b (0/1)].
//   boxes:   (B, 4) f32, per image crop box [x0, y0, w, h] in source pixel units (x0, y0 = the box's top-left
//            corner; pixel k covers [k, k+1)). Center-crop and random-resized-crop are the caller's choice of box.
//   out:     (B, 3, S, S) f32, channel-first (PyTorch / timm layout).
// Sampling (pixel centres, align_corners = false): output pixel (i, j), i = row, j = column, reads the source at
//   sx = x0 + (j' + 0.5)·w/S − 0.5,   sy = y0 + (i + 0.5)·h/S − 0.5,   j' = S − 1 − j if flip_b else j,
// each clamped to [0, W_b − 1] / [0, H_b − 1] (edge pixels repeat), then bilinear between the 4 neighbours.
// Then out[b, c, i, j] = (value/255 − mean_c) / std_c.
// An identity box (0, 0, W, H) with S = W = H samples exactly at integers: fx = fy = 0 and the source pixel comes
// back bit for bit (before normalisation).
// Dispatch: 1-D over B·S·S output pixels, WG threads per workgroup (grid may wrap into y, see kernels/grid.ts);
// each thread loads its 4 neighbours once and writes all 3 channels.
// No backward: the input image is not a parameter.

override WG: u32 = 256;

struct Norm {
  B: u32,
  S: u32,
  meanR: f32,
  meanG: f32,
  meanB: f32,
  stdR: f32,
  stdG: f32,
  stdB: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> sources: array<u32>;
@group(0) @binding(3) var<storage, read> boxes: array<f32>;
@group(0) @binding(4) var<uniform> norm: Norm;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

fn rgb(word: u32) -> vec3<f32> {
  return vec3<f32>(f32(word & 0xffu), f32((word >> 8u) & 0xffu), f32((word >> 16u) & 0xffu));
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = flat_index(gid, nwg);
  let S = norm.S;
  let plane = S * S;
  if (idx >= norm.B * plane) { return; }
  let img = idx / plane;
  let i = (idx % plane) / S;
  let j = idx % S;

  let W = sources[img * 4u];
  let H = sources[img * 4u + 1u];
  let offset = sources[img * 4u + 2u];
  let flip = sources[img * 4u + 3u] != 0u;
  let x0 = boxes[img * 4u];
  let y0 = boxes[img * 4u + 1u];
  let w = boxes[img * 4u + 2u];
  let h = boxes[img * 4u + 3u];

  let jj = select(j, S - 1u - j, flip);
  let sx = clamp(x0 + (f32(jj) + 0.5) * (w / f32(S)) - 0.5, 0.0, f32(W - 1u));
  let sy = clamp(y0 + (f32(i) + 0.5) * (h / f32(S)) - 0.5, 0.0, f32(H - 1u));
  let xl = u32(floor(sx));
  let yl = u32(floor(sy));
  let fx = sx - f32(xl);
  let fy = sy - f32(yl);
  let xh = min(xl + 1u, W - 1u);
  let yh = min(yl + 1u, H - 1u);

  let p00 = rgb(pixels[offset + yl * W + xl]);
  let p01 = rgb(pixels[offset + yl * W + xh]);
  let p10 = rgb(pixels[offset + yh * W + xl]);
  let p11 = rgb(pixels[offset + yh * W + xh]);
  // Lerp form: with fx = fy = 0 the result is p00 exactly (no (1 − f)·p + f·q rounding).
  let top = p00 + fx * (p01 - p00);
  let bottom = p10 + fx * (p11 - p10);
  let v = (top + fy * (bottom - top)) / 255.0;

  let base = img * 3u * plane + i * S + j;
  out[base] = (v.x - norm.meanR) / norm.stdR;
  out[base + plane] = (v.y - norm.meanG) / norm.stdG;
  out[base + 2u * plane] = (v.z - norm.meanB) / norm.stdB;
}
