// matmulSubgroup: the matmul of shaders/matmul.wgsl (same maths, same bindings, same overrides), written for
// software GPUs with one fixed subgroup size SG ∈ {4, 8} (lavapipe: 8 = its AVX2 width, SwiftShader: 4).
// It lives in its own file because `enable subgroups` makes the whole module invalid on a device without the
// feature; matmul.wgsl is the portable twin. Semantics (see matmul.wgsl for the full statement):
//   z = ALPHA·op(A)·op(B) + bias + BETA·C_old;  PRE = z;  C = act(z) + R,  per batch item z-index.
//   NN: A (M, K), B (K, N)   NT: A (M, K), B (N, K)   TN: A (K, M), B (K, N)   C, PRE, R: (M, N)   bias: (N)
// Why this shape of kernel: llvmpipe runs 8 invocations as one SIMD register, but turns every load whose
// address is not a compile-time constant into a per-lane scalar loop with a bounds check. So the design
// minimises loaded elements per FMA: a workgroup is ONE subgroup, owns TM = 8 rows; A is loaded once per
// lane (each lane a different k) and handed around with subgroupBroadcast (an extract + splat); each loaded
// B element feeds TM FMAs. Shapes are overrides, so addresses fold into constants. No workgroup memory and
// no barriers (both are slow on llvmpipe); bounds are clamped indices, never branches in the K loop.
//
// Entry point `tile`: any shape. A workgroup is one subgroup of SG lanes and owns TM rows × 2·SG columns;
// lane l owns columns l and l + SG (so one B load by the SG lanes is one contiguous run) for all TM rows.
// Dispatch (⌈N / (2·SG)⌉, ⌈M / TM⌉, batch). Measured alternative that lost on lavapipe: vec4 operands with
// 4 adjacent columns per lane (slower, spills, 10× the compile time), see bench/README.md.
// Backward (launcher's job, not a kernel): dA = dC·Bᵀ (NT), dB = Aᵀ·dC (TN); gelu'(PRE) by a GELU = 2 epilogue.
enable subgroups;

override M: u32 = 1u;
override N: u32 = 1u;
override K: u32 = 1u;
override LAYOUT: u32 = 0u; // 0 NN, 1 NT, 2 TN
override BATCH_A: u32 = 0u; // batch strides in elements; 0 broadcasts one operand to every batch item
override BATCH_B: u32 = 0u;
override BATCH_C: u32 = 0u; // also PRE's
override BATCH_R: u32 = 0u;
override ALPHA: f32 = 1.0;
override BETA: f32 = 0.0; // 0: C is write-only (never read, so it may hold garbage)
override HAS_BIAS: u32 = 0u;
override GELU: u32 = 0u; // 0 none, 1 GELU (PRE stored when STORE_PRE), 2 times gelu'(PRE) (matmul.wgsl)
override STORE_PRE: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override SG: u32 = 8u; // the subgroup size the dispatch relies on; also the workgroup size

const TM = 8u; // rows per workgroup; fixed because the accumulators are spelled out as registers

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read_write> pre: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> resid: array<f32>;

// ---------------------------------------------------------------- epilogue (same maths as matmul.wgsl)

// erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), as in gelu.wgsl.
fn erf2(v: vec2<f32>) -> vec2<f32> {
  let x = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-x * x);
  return select(-r, r, v >= vec2<f32>(0.0));
}

// gelu'(p) = Φ(p) + p·φ(p) with A&S 7.1.26 for Φ; φ(p) = exp(−p²/2)/√(2π) is the exp(−x²) the erf already takes
// (x = |p|/√2), so one exp serves both (the two-exp form cost ~5 % more in a fused backward product on lavapipe).
fn geluGrad2(p: vec2<f32>) -> vec2<f32> {
  let x = abs(p) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = exp(-x * x);
  let r = 1.0 - poly * e;
  return 0.5 + 0.5 * select(-r, r, p >= vec2<f32>(0.0)) + p * (0.39894228040143268 * e);
}

fn gelu2(z: vec2<f32>) -> vec2<f32> { return z * (0.5 + 0.5 * erf2(z * 0.70710678118654752)); }

// Two columns at once (the scalar kernel's pair n, n + SG); `live` masks columns past N.
fn epilogue2(acc: vec2<f32>, batch: u32, row: u32, n0: u32, live: vec2<bool>) {
  let base = batch * BATCH_C + row * N;
  let rbase = batch * BATCH_R + row * N;
  let n = vec2<u32>(n0, n0 + SG);
  var z = ALPHA * acc;
  if (HAS_BIAS != 0u) { z += vec2<f32>(bias[min(n.x, N - 1u)], bias[min(n.y, N - 1u)]); }
  if (BETA != 0.0) { z += BETA * vec2<f32>(c[base + min(n.x, N - 1u)], c[base + min(n.y, N - 1u)]); }
  if (GELU == 1u) {
    if (STORE_PRE != 0u) {
      if (live.x) { pre[base + n.x] = z.x; }
      if (live.y) { pre[base + n.y] = z.y; }
    }
    z = gelu2(z);
  }
  if (GELU == 2u) {
    let p = vec2<f32>(pre[base + min(n.x, N - 1u)], pre[base + min(n.y, N - 1u)]);
    z *= geluGrad2(p);
  }
  if (HAS_RESIDUAL != 0u) { z += vec2<f32>(resid[rbase + min(n.x, N - 1u)], resid[rbase + min(n.y, N - 1u)]); }
  if (live.x) { c[base + n.x] = z.x; }
  if (live.y) { c[base + n.y] = z.y; }
}

// ---------------------------------------------------------------- tile: the kernel

// A(row, k), zero when k ≥ K (the tail of the last K block), row already clamped.
// Clamps and masks cost instructions on llvmpipe, so they fold away (constant conditions) when K % SG == 0.
fn loadA(base: u32, row: u32, k: u32) -> f32 {
  let kc = clampK(k);
  var v: f32;
  if (LAYOUT == 2u) { v = a[base + kc * M + row]; } else { v = a[base + row * K + kc]; }
  if (K % SG == 0u) { return v; }
  return select(0.0, v, k < K);
}

fn clampK(k: u32) -> u32 {
  if (K % SG == 0u) { return k; }
  return min(k, K - 1u);
}

// Row/column clamps, folded away when the tile divides the shape.
fn clampRow(m: u32) -> u32 {
  if (M % TM == 0u) { return m; }
  return min(m, M - 1u);
}

fn clampCol(n: u32) -> u32 {
  if (N % (2u * SG) == 0u) { return n; }
  return min(n, N - 1u);
}

// B(k, n) for the lane's two columns (already clamped); k clamped, its A partner is zero past K.
fn loadB2(base: u32, k: u32, n0: u32, n1: u32) -> vec2<f32> {
  let kc = clampK(k);
  if (LAYOUT == 1u) { return vec2<f32>(b[base + n0 * K + kc], b[base + n1 * K + kc]); }
  return vec2<f32>(b[base + kc * N + n0], b[base + kc * N + n1]);
}

@compute @workgroup_size(SG)
fn tile(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  // Lane columns are lane and lane + SG: the SG lanes of one B load touch one contiguous run.
  let nb = wg.x * 2u * SG + lane;
  let n0 = clampCol(nb);
  let n1 = clampCol(nb + SG);
  let m0 = wg.y * TM;
  let batch = wg.z;
  let aBase = batch * BATCH_A;
  let bBase = batch * BATCH_B;
  // Rows clamped, not branched: out-of-range rows compute a duplicate that is never stored.
  let r0 = clampRow(m0);
  let r1 = clampRow(m0 + 1u);
  let r2 = clampRow(m0 + 2u);
  let r3 = clampRow(m0 + 3u);
  let r4 = clampRow(m0 + 4u);
  let r5 = clampRow(m0 + 5u);
  let r6 = clampRow(m0 + 6u);
  let r7 = clampRow(m0 + 7u);
  var acc0 = vec2<f32>(0.0);
  var acc1 = vec2<f32>(0.0);
  var acc2 = vec2<f32>(0.0);
  var acc3 = vec2<f32>(0.0);
  var acc4 = vec2<f32>(0.0);
  var acc5 = vec2<f32>(0.0);
  var acc6 = vec2<f32>(0.0);
  var acc7 = vec2<f32>(0.0);
  // One K block = SG values of k; lane l loads A(row, k0 + l) for the TM rows, step g broadcasts lane g's.
  for (var k0 = 0u; k0 < K; k0 += SG) {
    let ka = k0 + lane;
    let a0 = loadA(aBase, r0, ka);
    let a1 = loadA(aBase, r1, ka);
    let a2 = loadA(aBase, r2, ka);
    let a3 = loadA(aBase, r3, ka);
    let a4 = loadA(aBase, r4, ka);
    let a5 = loadA(aBase, r5, ka);
    let a6 = loadA(aBase, r6, ka);
    let a7 = loadA(aBase, r7, ka);
    // subgroupBroadcast needs a constant lane, so the steps are spelled out (4…7 exist only when SG = 8).
    {
      let bv = loadB2(bBase, k0 + 0u, n0, n1);
      acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 0u)), bv, acc0);
      acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 0u)), bv, acc1);
      acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 0u)), bv, acc2);
      acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 0u)), bv, acc3);
      acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 0u)), bv, acc4);
      acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 0u)), bv, acc5);
      acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 0u)), bv, acc6);
      acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 0u)), bv, acc7);
    }
    {
      let bv = loadB2(bBase, k0 + 1u, n0, n1);
      acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 1u)), bv, acc0);
      acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 1u)), bv, acc1);
      acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 1u)), bv, acc2);
      acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 1u)), bv, acc3);
      acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 1u)), bv, acc4);
      acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 1u)), bv, acc5);
      acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 1u)), bv, acc6);
      acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 1u)), bv, acc7);
    }
    {
      let bv = loadB2(bBase, k0 + 2u, n0, n1);
      acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 2u)), bv, acc0);
      acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 2u)), bv, acc1);
      acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 2u)), bv, acc2);
      acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 2u)), bv, acc3);
      acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 2u)), bv, acc4);
      acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 2u)), bv, acc5);
      acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 2u)), bv, acc6);
      acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 2u)), bv, acc7);
    }
    {
      let bv = loadB2(bBase, k0 + 3u, n0, n1);
      acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 3u)), bv, acc0);
      acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 3u)), bv, acc1);
      acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 3u)), bv, acc2);
      acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 3u)), bv, acc3);
      acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 3u)), bv, acc4);
      acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 3u)), bv, acc5);
      acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 3u)), bv, acc6);
      acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 3u)), bv, acc7);
    }
    if (SG == 8u) {
      {
        let bv = loadB2(bBase, k0 + 4u, n0, n1);
        acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 4u)), bv, acc0);
        acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 4u)), bv, acc1);
        acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 4u)), bv, acc2);
        acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 4u)), bv, acc3);
        acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 4u)), bv, acc4);
        acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 4u)), bv, acc5);
        acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 4u)), bv, acc6);
        acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 4u)), bv, acc7);
      }
      {
        let bv = loadB2(bBase, k0 + 5u, n0, n1);
        acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 5u)), bv, acc0);
        acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 5u)), bv, acc1);
        acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 5u)), bv, acc2);
        acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 5u)), bv, acc3);
        acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 5u)), bv, acc4);
        acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 5u)), bv, acc5);
        acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 5u)), bv, acc6);
        acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 5u)), bv, acc7);
      }
      {
        let bv = loadB2(bBase, k0 + 6u, n0, n1);
        acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 6u)), bv, acc0);
        acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 6u)), bv, acc1);
        acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 6u)), bv, acc2);
        acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 6u)), bv, acc3);
        acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 6u)), bv, acc4);
        acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 6u)), bv, acc5);
        acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 6u)), bv, acc6);
        acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 6u)), bv, acc7);
      }
      {
        let bv = loadB2(bBase, k0 + 7u, n0, n1);
        acc0 = fma(vec2<f32>(subgroupBroadcast(a0, 7u)), bv, acc0);
        acc1 = fma(vec2<f32>(subgroupBroadcast(a1, 7u)), bv, acc1);
        acc2 = fma(vec2<f32>(subgroupBroadcast(a2, 7u)), bv, acc2);
        acc3 = fma(vec2<f32>(subgroupBroadcast(a3, 7u)), bv, acc3);
        acc4 = fma(vec2<f32>(subgroupBroadcast(a4, 7u)), bv, acc4);
        acc5 = fma(vec2<f32>(subgroupBroadcast(a5, 7u)), bv, acc5);
        acc6 = fma(vec2<f32>(subgroupBroadcast(a6, 7u)), bv, acc6);
        acc7 = fma(vec2<f32>(subgroupBroadcast(a7, 7u)), bv, acc7);
      }
    }
  }
  let live = vec2<bool>(nb < N, nb + SG < N);
  if (m0 < M) { epilogue2(acc0, batch, m0, nb, live); }
  if (m0 + 1u < M) { epilogue2(acc1, batch, m0 + 1u, nb, live); }
  if (m0 + 2u < M) { epilogue2(acc2, batch, m0 + 2u, nb, live); }
  if (m0 + 3u < M) { epilogue2(acc3, batch, m0 + 3u, nb, live); }
  if (m0 + 4u < M) { epilogue2(acc4, batch, m0 + 4u, nb, live); }
  if (m0 + 5u < M) { epilogue2(acc5, batch, m0 + 5u, nb, live); }
  if (m0 + 6u < M) { epilogue2(acc6, batch, m0 + 6u, nb, live); }
  if (m0 + 7u < M) { epilogue2(acc7, batch, m0 + 7u, nb, live); }
}
