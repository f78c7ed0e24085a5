// layerNorm: y = (x − μ)·rstd·γ + β over the last dim, μ = mean_c x, rstd = 1/√(var_c x + eps) (biased
// variance, as torch; timm ViT uses eps = 1e-6).
// x, y, dy, dx: (R, C); weight γ, bias β, dweight, dbias: (C); mean, rstd: (R) saved by forward.
// forward, backward: one thread per row (grid1d over R); forward4, backward4, backwardResidual4 the same by vec4s
//   when C % 4 == 0. Rows are read three times (mean, centred
//   variance, output) rather than with one-pass Σx² so rows with a large offset keep their precision.
// Backward (x̂ = (x − μ)·rstd, g = dy·γ):  dx = rstd·(g − mean_c g − x̂·mean_c(g·x̂)),
//   dγ = Σ_r dy·x̂,  dβ = Σ_r dy.
// backwardResidual: the same dx plus a residual gradient res (R, C): the add of a pre-LN block's two paths.
// backwardParams: thread (c, g) sums rows [g·chunk, (g+1)·chunk) of column c into partial (groups, 2C) =
//   [dγ part | dβ part]; grid (⌈C/WG⌉, groups). paramsFinal: thread c sums the groups partials in order
//   (deterministic, no float atomics) and writes or accumulates dweight, dbias; grid ⌈C/WG⌉.

override WG: u32 = 64;

struct Dims { R: u32, C: u32, eps: f32 }
struct ParamDims { rows: u32, cols: u32, chunk: u32, groups: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
@group(0) @binding(5) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(7) var<storage, read> x: array<f32>;
@group(0) @binding(8) var<storage, read> weight: array<f32>;
@group(0) @binding(9) var<storage, read> bias: array<f32>;
@group(0) @binding(10) var<storage, read> dy: array<f32>;
@group(0) @binding(11) var<uniform> dims: Dims;
@group(0) @binding(12) var<uniform> pdims: ParamDims;
@group(0) @binding(13) var<storage, read> res: array<f32>;
// The row tensors and the parameters seen as vec4s, for forward4 / backward4 / backwardResidual4 (C % 4 == 0). An entry
// point uses one view of a binding or the other, never both, so the shared binding numbers never collide.
@group(0) @binding(0) var<storage, read_write> y4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dx4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> weight4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(13) var<storage, read> res4: array<vec4<f32>>;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  // Clamp the row for loads and guard only the stores: llvmpipe masks everything after a divergent return.
  let base = min(r, dims.R - 1u) * dims.C;
  let invC = 1.0 / f32(dims.C);
  var s = 0.0;
  for (var c = 0u; c < dims.C; c++) { s += x[base + c]; }
  let mu = s * invC;
  var v = 0.0;
  for (var c = 0u; c < dims.C; c++) {
    let d = x[base + c] - mu;
    v += d * d;
  }
  let rs = inverseSqrt(v * invC + dims.eps);
  if (r < dims.R) {
    for (var c = 0u; c < dims.C; c++) { y[base + c] = (x[base + c] - mu) * rs * weight[c] + bias[c]; }
    mean[r] = mu;
    rstd[r] = rs;
  }
}

// forward by vec4s: the same three passes over the row, 4 columns per load (C % 4 == 0).
@compute @workgroup_size(WG)
fn forward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  let C4 = dims.C / 4u;
  let base = min(r, dims.R - 1u) * C4;
  let invC = 1.0 / f32(dims.C);
  var s = vec4<f32>(0.0);
  for (var c = 0u; c < C4; c++) { s += x4[base + c]; }
  let mu = (s.x + s.y + s.z + s.w) * invC;
  var v = vec4<f32>(0.0);
  for (var c = 0u; c < C4; c++) {
    let d = x4[base + c] - mu;
    v += d * d;
  }
  let rs = inverseSqrt((v.x + v.y + v.z + v.w) * invC + dims.eps);
  if (r < dims.R) {
    for (var c = 0u; c < C4; c++) { y4[base + c] = (x4[base + c] - mu) * rs * weight4[c] + bias4[c]; }
    mean[r] = mu;
    rstd[r] = rs;
  }
}

// Row rc's statistics for dx: (mean_c g, mean_c(g·x̂), μ, rstd), g = dy·γ; read once per row, then held in
// registers (mean and rstd are read_write bindings, so their loads would not be hoisted past the dx stores).
fn backwardRow(rc: u32) -> vec4<f32> {
  let base = rc * dims.C;
  let mu = mean[rc];
  let rs = rstd[rc];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = 0u; c < dims.C; c++) {
    let g = dy[base + c] * weight[c];
    sg += g;
    sgx += g * (x[base + c] - mu) * rs;
  }
  let invC = 1.0 / f32(dims.C);
  return vec4<f32>(sg * invC, sgx * invC, mu, rs);
}

// dx at element i (row of m, column c), given m = backwardRow(row).
fn dxAt(i: u32, c: u32, m: vec4<f32>) -> f32 {
  let xh = (x[i] - m.z) * m.w;
  return m.w * (dy[i] * weight[c] - m.x - xh * m.y);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  let m = backwardRow(min(r, dims.R - 1u));
  if (r < dims.R) {
    for (var c = 0u; c < dims.C; c++) { dx[r * dims.C + c] = dxAt(r * dims.C + c, c, m); }
  }
}

// backward plus a residual branch's gradient: dx = res + dx of the layer norm (a pre-LN block's two paths meet).
@compute @workgroup_size(WG)
fn backwardResidual(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  let m = backwardRow(min(r, dims.R - 1u));
  if (r < dims.R) {
    for (var c = 0u; c < dims.C; c++) { dx[r * dims.C + c] = res[r * dims.C + c] + dxAt(r * dims.C + c, c, m); }
  }
}

// backwardRow, dxAt, backward and backwardResidual by vec4s (C % 4 == 0).
fn backwardRow4(rc: u32) -> vec4<f32> {
  let C4 = dims.C / 4u;
  let base = rc * C4;
  let mu = mean[rc];
  let rs = rstd[rc];
  var sg = vec4<f32>(0.0);
  var sgx = vec4<f32>(0.0);
  for (var c = 0u; c < C4; c++) {
    let g = dy4[base + c] * weight4[c];
    sg += g;
    sgx += g * (x4[base + c] - mu) * rs;
  }
  let invC = 1.0 / f32(dims.C);
  return vec4<f32>((sg.x + sg.y + sg.z + sg.w) * invC, (sgx.x + sgx.y + sgx.z + sgx.w) * invC, mu, rs);
}

fn dxAt4(i: u32, c: u32, m: vec4<f32>) -> vec4<f32> {
  let xh = (x4[i] - m.z) * m.w;
  return m.w * (dy4[i] * weight4[c] - m.x - xh * m.y);
}

@compute @workgroup_size(WG)
fn backward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  let C4 = dims.C / 4u;
  let m = backwardRow4(min(r, dims.R - 1u));
  if (r < dims.R) {
    for (var c = 0u; c < C4; c++) { dx4[r * C4 + c] = dxAt4(r * C4 + c, c, m); }
  }
}

@compute @workgroup_size(WG)
fn backwardResidual4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  let C4 = dims.C / 4u;
  let m = backwardRow4(min(r, dims.R - 1u));
  if (r < dims.R) {
    for (var c = 0u; c < C4; c++) { dx4[r * C4 + c] = res4[r * C4 + c] + dxAt4(r * C4 + c, c, m); }
  }
}

@compute @workgroup_size(WG)
fn backwardParams(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let g = gid.y;
  let cl = min(c, pdims.cols - 1u);
  let r0 = g * pdims.chunk;
  let r1 = min(pdims.rows, r0 + pdims.chunk);
  var sw = 0.0;
  var sb = 0.0;
  for (var r = r0; r < r1; r++) {
    let d = dy[r * pdims.cols + cl];
    sw += d * (x[r * pdims.cols + cl] - mean[r]) * rstd[r];
    sb += d;
  }
  if (c < pdims.cols) {
    partial[g * 2u * pdims.cols + c] = sw;
    partial[g * 2u * pdims.cols + pdims.cols + c] = sb;
  }
}

@compute @workgroup_size(WG)
fn paramsFinal(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let cl = min(c, pdims.cols - 1u);
  var sw = 0.0;
  var sb = 0.0;
  for (var g = 0u; g < pdims.groups; g++) {
    sw += partial[g * 2u * pdims.cols + cl];
    sb += partial[g * 2u * pdims.cols + pdims.cols + cl];
  }
  if (c < pdims.cols) {
    // select, not multiply: stale NaNs in the outputs must not leak when accumulate = 0.
    dweight[c] = sw + select(0.0, dweight[c], pdims.accumulate != 0u);
    dbias[c] = sb + select(0.0, dbias[c], pdims.accumulate != 0u);
  }
}
