// gelu: exact (erf) GELU, elementwise.   y = x·Φ(x),  Φ(x) = ½(1 + erf(x/√2))
// x, y, dy, dx: (n) flat.
// Dispatch: 1-D over n, WG threads per workgroup; the grid may wrap into y (see kernels/grid.ts).
// forward4/backward4: the same over n/4 vec4s when n % 4 == 0 (fewer invocations: faster on software GPUs).
// Backward: dx = dy · (Φ(x) + x·φ(x)),  φ(x) = exp(−x²/2)/√(2π).
// erf: Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7, well below float32 resolution at the scale of GELU's output.

override WG: u32 = 256;

struct Dims { n: u32 }

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;
// The same buffers seen as vec4s, for the forward4/backward4 entry points (n % 4 == 0; dims.n counts vec4s).
// An entry point uses one view or the other, never both, so the shared binding numbers never collide.
@group(0) @binding(0) var<storage, read_write> y4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dx4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dy4: array<vec4<f32>>;

fn erf_approx(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return select(-r, r, v >= 0.0);
}

fn cdf(v: f32) -> f32 { return 0.5 * (1.0 + erf_approx(v * 0.70710678118654752)); }

fn erf4(v: vec4<f32>) -> vec4<f32> {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return select(-r, r, v >= vec4<f32>(0.0));
}

fn cdf4(v: vec4<f32>) -> vec4<f32> { return 0.5 * (1.0 + erf4(v * 0.70710678118654752)); }

// gelu'(p) = Φ(p) + p·φ(p) with A&S 7.1.26 for Φ; φ(p) = exp(−p²/2)/√(2π) is the exp(−a²) the erf already takes
// (a = |p|/√2), so one exp serves both (the two-exp form cost ~5 % more in a fused backward product on lavapipe).
fn geluGrad(p: f32) -> f32 {
  let a = abs(p) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = exp(-a * a);
  let r = 1.0 - poly * e;
  return 0.5 + 0.5 * select(-r, r, p >= 0.0) + p * (0.39894228040143268 * e);
}

// The same by vec4s.
fn geluGrad4(p: vec4<f32>) -> vec4<f32> {
  let a = abs(p) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = exp(-a * a);
  let r = 1.0 - poly * e;
  return 0.5 + 0.5 * select(-r, r, p >= vec4<f32>(0.0)) + p * (0.39894228040143268 * e);
}

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dims.n) { return; }
  let v = x[i];
  y[i] = v * cdf(v);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dims.n) { return; }
  dx[i] = dy[i] * geluGrad(x[i]);
}

@compute @workgroup_size(WG)
fn forward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dims.n) { return; }
  let v = x4[i];
  y4[i] = v * cdf4(v);
}

@compute @workgroup_size(WG)
fn backward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dims.n) { return; }
  dx4[i] = dy4[i] * geluGrad4(x4[i]);
}
