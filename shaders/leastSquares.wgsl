// leastSquares: min_c ‖target − Σ_k c_k d_k‖² from its normal equations, for SD-LoRA-KD (spec §11.2).
// Solves (G + λI)·c = b by Cholesky, G = [⟨d_j, d_k⟩] (n, n) SPD, b_k = ⟨d_k, target⟩,
// λ = ridgeAbs + ridgeRel·trace(G)/n (spec default ridgeRel = 1e-10), and reports
//   residual = sqrt(max(0, ‖target‖² − cᵀb)),  relative = residual / ‖target‖.
// Inputs are read in place from wider tensors: G[i][j] = gram[gOffset + i·ldG + j],
//   b_k = rhs[bOffset + k·bStride], ‖target‖² = rhs[tOffset]. With the augmented (K, K) Gram of
//   frobenius.blockGram (basis 0..n−1, target n) both bindings are that Gram, bOffset = n, bStride = K,
//   tOffset = n·K + n; an explicit b is rhs = [b…, ‖target‖²].
// Outputs: c (n); info (4) = [residual, relative, failed (1: a pivot ≤ 0 or not finite, c = 0), λ].
// Dispatch: one invocation (n ≤ MAXN = 32, ~n³/6 FMAs: serial work is cheaper than any barrier).
// f32 throughout: the error in c grows like cond(G + λI)·ε32, and ‖target‖² − cᵀb cancels, so residuals
// below ~3e-4·‖target‖ (√ε32) are noise. No backward.

const MAXN: u32 = 32u;

struct Dims {
  n: u32,
  ldG: u32,
  gOffset: u32,
  bOffset: u32,
  bStride: u32,
  tOffset: u32,
  ridgeAbs: f32,
  ridgeRel: f32,
}

@group(0) @binding(0) var<storage, read_write> c: array<f32>; // (n)
@group(0) @binding(1) var<storage, read_write> info: array<f32>; // (4)
@group(0) @binding(2) var<storage, read> gram: array<f32>; // G inside a wider tensor
@group(0) @binding(3) var<storage, read> rhs: array<f32>; // b and ‖target‖² inside a wider tensor
@group(0) @binding(4) var<uniform> dims: Dims;

var<workgroup> L: array<f32, 1024>; // (MAXN, MAXN) lower Cholesky factor, row-major
var<workgroup> z: array<f32, 32>; // (MAXN) forward-substitution result, then c

fn isBad(v: f32) -> bool {
  // NaN/inf by bits: `v != v` is false for NaN on lavapipe and SwiftShader.
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

@compute @workgroup_size(1)
fn solve() {
  let n = min(dims.n, MAXN);
  var trace = 0.0;
  for (var i = 0u; i < n; i++) { trace += gram[dims.gOffset + i * dims.ldG + i]; }
  let ridge = dims.ridgeAbs + dims.ridgeRel * trace / f32(max(n, 1u));
  var failed = false;
  // Cholesky–Banachiewicz: row by row, L[i][j] = (G[i][j] − Σ_{p<j} L[i][p] L[j][p]) / L[j][j].
  for (var i = 0u; i < n; i++) {
    for (var j = 0u; j <= i; j++) {
      var s = gram[dims.gOffset + i * dims.ldG + j];
      for (var p = 0u; p < j; p++) { s -= L[i * MAXN + p] * L[j * MAXN + p]; }
      if (i == j) {
        s += ridge;
        if (!(s > 0.0) || isBad(s)) { failed = true; s = 1.0; }
        L[i * MAXN + i] = sqrt(s);
      } else {
        L[i * MAXN + j] = s / L[j * MAXN + j];
      }
    }
  }
  // L z = b, then Lᵀ c = z.
  for (var i = 0u; i < n; i++) {
    var s = rhs[dims.bOffset + i * dims.bStride];
    for (var p = 0u; p < i; p++) { s -= L[i * MAXN + p] * z[p]; }
    z[i] = s / L[i * MAXN + i];
  }
  for (var ii = 0u; ii < n; ii++) {
    let i = n - 1u - ii;
    var s = z[i];
    for (var p = i + 1u; p < n; p++) { s -= L[p * MAXN + i] * z[p]; }
    z[i] = s / L[i * MAXN + i];
  }
  var cb = 0.0;
  for (var i = 0u; i < n; i++) {
    let ci = select(z[i], 0.0, failed);
    if (isBad(ci)) { failed = true; }
    c[i] = ci;
    cb += ci * rhs[dims.bOffset + i * dims.bStride];
  }
  if (failed) {
    for (var i = 0u; i < n; i++) { c[i] = 0.0; }
    cb = 0.0;
  }
  let tt = rhs[dims.tOffset];
  let residual = sqrt(max(0.0, tt - cb));
  info[0] = residual;
  info[1] = select(0.0, residual / sqrt(tt), tt > 0.0);
  info[2] = select(0.0, 1.0, failed);
  info[3] = ridge;
}
