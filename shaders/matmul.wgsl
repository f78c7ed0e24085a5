// matmul: batched C = α·op(A)·op(B) (+ bias, + β·C, exact-GELU, + residual), the portable kernel.
// Layouts (LAYOUT override): NN C = A·B, NT C = A·Bᵀ, TN C = Aᵀ·B. Per batch item z (grid z):
//   NN: A (M, K), B (K, N)    NT: A (M, K), B (N, K)    TN: A (K, M), B (K, N)
//   C, PRE: (M, N) at z·BATCH_C;  R: (M, N) at z·BATCH_R;  bias: (N), shared by all items.
//   BATCH_A / BATCH_B / BATCH_R are element strides between batch items; 0 broadcasts one operand (a weight).
// Epilogue, in this order:
//   z   = ALPHA·Σ_k op(A)[m,k]·op(B)[k,n] + bias[n] + BETA·C_old[m,n]   (BETA = 0: C is never read)
//   PRE = z                                                              (only when GELU and STORE_PRE)
//   C   = act(z) + R[m,n],   act = exact GELU x·Φ(x) when GELU = 1, else the identity
//   GELU = 2 (a backward pass through the GELU, fused): C = z ⊙ gelu'(PRE) + R, PRE read (the forward's z),
//   gelu'(p) = Φ(p) + p·φ(p)
// Backward (composed by callers from these same kernels): with dZ = dC ⊙ gelu'(PRE) (or dC without GELU),
//   dA = ALPHA·dZ·op(B)ᵀ, dB = ALPHA·op(A)ᵀ·dZ (an NT and a TN product for NN), dbias = Σ_m dZ, dR = dC,
//   dC_old = BETA·dZ. src/reference/matmul.ts writes each out and checks it by central differences.
// Dispatch (entry `tiled`): workgroup 16×16 threads owns a 64×64 tile of C; each thread 4×4 outputs at
//   rows ty + 16i, columns tx + 16j (strided, so a warp's loads and stores are contiguous); K walks in slabs of
//   16 through workgroup memory (2 × 16×64 floats = 8 KiB). Grid (⌈N/64⌉, ⌈M/64⌉, batch).
// This is the kernel for real GPUs and for adapters without subgroups; software GPUs with subgroups use
// matmulSubgroup.wgsl (same overrides, same bindings), which is several times faster there.

override M: u32 = 1u;
override N: u32 = 1u;
override K: u32 = 1u;
override LAYOUT: u32 = 0u; // 0 NN, 1 NT, 2 TN
override BATCH_A: u32 = 0u;
override BATCH_B: u32 = 0u;
override BATCH_C: u32 = 0u;
override BATCH_R: u32 = 0u;
override ALPHA: f32 = 1.0;
override BETA: f32 = 0.0;
override HAS_BIAS: u32 = 0u;
override GELU: u32 = 0u; // 0 none, 1 GELU (PRE stored when STORE_PRE), 2 times gelu'(PRE)
override STORE_PRE: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;

const TILE = 64u; // rows and columns of C per workgroup
const SLAB = 16u; // k values per trip through workgroup memory
const THREADS = 16u; // per side of the workgroup; each thread owns (TILE / THREADS)² outputs

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read_write> pre: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> resid: array<f32>;

var<workgroup> tileA: array<array<f32, TILE>, SLAB>; // [k][m]
var<workgroup> tileB: array<array<f32, TILE>, SLAB>; // [k][n]

// erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), as in gelu.wgsl.
fn erf1(v: f32) -> f32 {
  let x = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-x * x);
  return select(-r, r, v >= 0.0);
}

// gelu'(p) = Φ(p) + p·φ(p) with A&S 7.1.26 for Φ; φ(p) = exp(−p²/2)/√(2π) is the exp(−x²) the erf already takes
// (x = |p|/√2), so one exp serves both (the two-exp form cost ~5 % more in a fused backward product on lavapipe).
fn geluGrad1(p: f32) -> f32 {
  let x = abs(p) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = exp(-x * x);
  let r = 1.0 - poly * e;
  return 0.5 + 0.5 * select(-r, r, p >= 0.0) + p * (0.39894228040143268 * e);
}

fn epilogue(acc: f32, batch: u32, row: u32, col: u32) {
  let i = batch * BATCH_C + row * N + col;
  var z = ALPHA * acc;
  if (HAS_BIAS != 0u) { z += bias[col]; }
  if (BETA != 0.0) { z += BETA * c[i]; }
  if (GELU == 1u) {
    if (STORE_PRE != 0u) { pre[i] = z; }
    z = z * (0.5 + 0.5 * erf1(z * 0.70710678118654752));
  }
  if (GELU == 2u) {
    let p = pre[i];
    z *= geluGrad1(p);
  }
  if (HAS_RESIDUAL != 0u) { z += resid[batch * BATCH_R + row * N + col]; }
  c[i] = z;
}

// op(A)[m, k] and op(B)[k, n], zero outside the matrix (the slab and tile edges).
fn elemA(base: u32, m: u32, k: u32) -> f32 {
  if (m >= M || k >= K) { return 0.0; }
  if (LAYOUT == 2u) { return a[base + k * M + m]; }
  return a[base + m * K + k];
}

fn elemB(base: u32, k: u32, n: u32) -> f32 {
  if (k >= K || n >= N) { return 0.0; }
  if (LAYOUT == 1u) { return b[base + n * K + k]; }
  return b[base + k * N + n];
}

@compute @workgroup_size(THREADS, THREADS)
fn tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wg.y * TILE;
  let n0 = wg.x * TILE;
  let batch = wg.z;
  let aBase = batch * BATCH_A;
  let bBase = batch * BATCH_B;
  let flat = lid.y * THREADS + lid.x;
  var acc: array<array<f32, 4>, 4>; // [i][j]: row lid.y + 16i, column lid.x + 16j
  for (var k0 = 0u; k0 < K; k0 += SLAB) {
    // 256 threads fill 16×64 slots of each tile, 4 each. For TN/NN the fast index of A/B in memory is m/n,
    // so consecutive threads take consecutive m/n; for NN-A and NT-B it is k, so they take consecutive k.
    for (var r = 0u; r < 4u; r++) {
      let s = flat + r * THREADS * THREADS;
      if (LAYOUT == 2u) {
        tileA[s / TILE][s % TILE] = elemA(aBase, m0 + s % TILE, k0 + s / TILE);
      } else {
        tileA[s % SLAB][s / SLAB] = elemA(aBase, m0 + s / SLAB, k0 + s % SLAB);
      }
      if (LAYOUT == 1u) {
        tileB[s % SLAB][s / SLAB] = elemB(bBase, k0 + s % SLAB, n0 + s / SLAB);
      } else {
        tileB[s / TILE][s % TILE] = elemB(bBase, k0 + s / TILE, n0 + s % TILE);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < SLAB; kk++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { av[i] = tileA[kk][lid.y + i * THREADS]; }
      for (var j = 0u; j < 4u; j++) { bv[j] = tileB[kk][lid.x + j * THREADS]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = m0 + lid.y + i * THREADS;
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + lid.x + j * THREADS;
      if (row < M && col < N) { epilogue(acc[i][j], batch, row, col); }
    }
  }
}
