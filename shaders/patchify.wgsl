// patchify: cut images into non-overlapping P×P patches (im2col for the ViT's stride-P patch embedding).
// x: (B, Ch, S, S) channel-first images.  cols: (B, Np, Ch·P·P) with Np = G², G = S/P,
// patch p = py·G + px, column j = c·P² + ky·P + kx — the order of a conv weight (C, Ch, P, P) flattened to
// (C, Ch·P²), so the patch embedding is cols · Wᵀ + b (an NT matmul).
// forward4: the same by vec4s when P % 4 == 0 (one invocation per 4 adjacent columns of a patch row).
// Dispatch: one invocation per output element (forward) or per input element (backward), WG per workgroup,
// grid wrapped into y (kernels/grid.ts). The shape is given as overrides, not uniforms: its divisions then compile to
// multiplies and shifts (a small32 batch of 32 took 0.96 ms with uniforms on lavapipe, most of it integer division).
// Backward: the map is a permutation, so dx gathers dcols at the same index (no sums).

override WG: u32 = 256;
override BATCH: u32 = 1;
override CHANNELS: u32 = 1;
override SIZE: u32 = 1;
override PATCH: u32 = 1;

@group(0) @binding(0) var<storage, read_write> cols: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> dcols: array<f32>;
// cols and x seen as vec4s, for forward4 (PATCH % 4 == 0: 4 adjacent columns of a patch row are 4 adjacent pixels).
@group(0) @binding(0) var<storage, read_write> cols4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x4: array<vec4<f32>>;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// Index in x of column j of patch p of image b.
fn image_index(b: u32, p: u32, j: u32) -> u32 {
  let P = PATCH;
  let G = SIZE / P;
  let c = j / (P * P);
  let r = j % (P * P);
  let row = (p / G) * P + r / P;
  let col = (p % G) * P + r % P;
  return ((b * CHANNELS + c) * SIZE + row) * SIZE + col;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let P = PATCH;
  let G = SIZE / P;
  let width = CHANNELS * P * P;
  let total = BATCH * G * G * width;
  if (i >= total) { return; }
  let j = i % width;
  let bp = i / width;
  cols[i] = x[image_index(bp / (G * G), bp % (G * G), j)];
}

@compute @workgroup_size(WG)
fn forward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let P = PATCH;
  let G = SIZE / P;
  let width4 = CHANNELS * P * P / 4u;
  if (i >= BATCH * G * G * width4) { return; }
  let bp = i / width4;
  cols4[i] = x4[image_index(bp / (G * G), bp % (G * G), 4u * (i % width4)) / 4u];
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // One invocation per image element: find its patch and column, then gather.
  let i = flat_index(gid, nwg);
  let S = SIZE;
  let P = PATCH;
  let G = S / P;
  let total = BATCH * CHANNELS * S * S;
  if (i >= total) { return; }
  let col = i % S;
  let row = (i / S) % S;
  let c = (i / (S * S)) % CHANNELS;
  let b = i / (S * S * CHANNELS);
  let p = (row / P) * G + col / P;
  let j = c * P * P + (row % P) * P + col % P;
  dx[i] = dcols[(b * G * G + p) * CHANNELS * P * P + j];
}
