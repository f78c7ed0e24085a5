// softmax: row-wise softmax of the scaled input, y[r, :] = softmax(scale·x[r, :]), numerically stable.
// x, y, dy, dx: (R, K), R = rows (B·H·N for attention scores, B for logits); scale: a uniform (1/√D for scores).
// Dispatch: one thread per row, grid1d over R (no workgroup memory: barriers are slow on llvmpipe, and rows are
//   short). Forward walks the row three times (max, Σexp, write) instead of keeping it in registers.
// Backward: dx = scale · y · (dy − Σ_k dy·y).
// Stability: subtracting the row max keeps exp's argument ≤ 0, so Σexp ∈ [1, K] (no overflow, no log/div of 0,
//   and no inf − inf, which lavapipe would fold to 0).

override WG: u32 = 64;

struct Dims { R: u32, K: u32, scale: f32 }

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  // Clamp for loads, guard the stores: llvmpipe masks every statement after a divergent return.
  let base = min(r, dims.R - 1u) * dims.K;
  var m = -3.4e38;
  for (var k = 0u; k < dims.K; k++) { m = max(m, dims.scale * x[base + k]); }
  var s = 0.0;
  for (var k = 0u; k < dims.K; k++) { s += exp(dims.scale * x[base + k] - m); }
  let inv = 1.0 / s;
  if (r < dims.R) {
    for (var k = 0u; k < dims.K; k++) { y[base + k] = exp(dims.scale * x[base + k] - m) * inv; }
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  let base = min(r, dims.R - 1u) * dims.K;
  var s = 0.0;
  for (var k = 0u; k < dims.K; k++) { s += dy[base + k] * y[base + k]; }
  if (r < dims.R) {
    for (var k = 0u; k < dims.K; k++) { dx[base + k] = dims.scale * y[base + k] * (dy[base + k] - s); }
  }
}
