// matmulTexture: the matmul of shaders/matmulSubgroup.wgsl (same maths, overrides and epilogue) with op(B)
// read from an rgba32float TEXTURE instead of a storage buffer; for software GPUs with subgroups of SG ∈ {4, 8}.
// Declared as read-only storage textures (what lavapipe binds); GpuContext compiles them as sampled textures elsewhere.
//   z = ALPHA·op(A)·op(B) + bias + BETA·C_old;  PRE = z;  C = act(z) + R,  act ∈ {identity, exact GELU}.
//   NN: A (M, K), B (K, N)   NT: A (M, K), B (N, K)   TN: A (K, M), B (K, N)   C, PRE, R: (M, N)   bias: (N)
// `tb` holds B's elements in storage order, 4 floats per texel, laid out LINEARLY: texel i (elements 4i .. 4i+3)
// is at (i % TW, i / TW). GpuContext fills it so (copyBufferToTexture of whole TW-texel rows plus the rest),
// which works for any row length; the kernel only needs B's stored rows to be whole texels (N % 4 == 0 for
// NN/TN, K % 4 == 0 for NT) so that a texel never straddles two rows. BATCH_B counts elements as elsewhere.
// Why: llvmpipe scalarises every buffer load into a per-lane loop with a bounds branch per component, but
// fetches a whole 16-byte texel per lane at once (one call for all lanes; a storage-texture load costs about half a
// sampled texture's textureLoad, which goes through the sampler's function table: the small32 products 1.3×). B is
// the operand every lane loads for every k (A is loaded once per SG values of k and shared with subgroupBroadcast), so
// B is the one worth moving (~1.3–2× on lavapipe).
// Entry points tileA and tileA4 (NN only, K % (4·SG) == 0) read A from a second texture as well, with TM_A = 16 or 32
// rows per workgroup (below); tileA4 is tileA with the epilogue by vec4s, for N % 4 == 0.
//
// Entry point `tile`: a workgroup is one subgroup of SG lanes and owns TM = 8 rows × 4·SG columns; lane l owns
// the 4 adjacent columns 4q .. 4q+3, q = wg.x·SG + l: for NN/TN one texel per k; for NT the 4 columns are 4
// stored rows of B, so 4 texel loads cover 4 values of k and are transposed in registers.
// Dispatch (⌈N / (4·SG)⌉, ⌈M / TM⌉, batch). Bounds: rows and k clamped (A is zero past K), columns masked at
// the store.
// Backward (launcher's job, not a kernel): dA = dC·Bᵀ (NT), dB = Aᵀ·dC (TN); gelu'(PRE) by a GELU = 2 epilogue.
enable subgroups;

override M: u32 = 1u;
override N: u32 = 1u;
override K: u32 = 1u;
override LAYOUT: u32 = 0u; // 0 NN, 1 NT, 2 TN
override BATCH_A: u32 = 0u; // batch strides in elements; 0 broadcasts one operand to every batch item
override BATCH_B: u32 = 0u; // 0: one B shared by every batch item
override BATCH_C: u32 = 0u; // also PRE's
override BATCH_R: u32 = 0u;
override ALPHA: f32 = 1.0;
override BETA: f32 = 0.0; // 0: C is write-only (never read, so it may hold garbage)
override HAS_BIAS: u32 = 0u;
override GELU: u32 = 0u; // 0 none, 1 GELU (PRE stored when STORE_PRE), 2 times gelu'(PRE) (matmul.wgsl)
override STORE_PRE: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override SG: u32 = 8u; // the subgroup size the dispatch relies on; also the workgroup size
override TW: u32 = 1024u; // texels per texture row of the linear layout (GpuContext's TEXTURE_ROW_TEXELS)
// NN/TN: texels per stored row of B when its rows are longer than N (zero-padded to whole texels, e.g. a transposed
// copy of an NT product's B with N % 4 ≠ 0); 0: N / 4. The columns past N are computed and never stored.
override LDB4: u32 = 0u;
// tileA split-K: batch item j is the chunk of k in [j·K, min((j+1)·K, KTOTAL)) of a longer product (BATCH_A = K:
// A's first column of the chunk; BATCH_B = K·N), A's stored rows are LDA4 texels long (0: K / 4), and a chunk stops
// at KTOTAL (0: never; a whole number of K blocks, like K). C's batch item j receives chunk j's partial product.
override LDA4: u32 = 0u;
override KTOTAL: u32 = 0u;

const TM = 8u; // rows per workgroup; fixed because the accumulators are spelled out as registers

@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read_write> pre: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var tb: texture_storage_2d<rgba32float, read>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> resid: array<f32>;
@group(0) @binding(6) var ta: texture_storage_2d<rgba32float, read>; // entry point tileA only: A's storage in the same linear layout
// The same bindings seen as vec4s, for tileA's epilogue (NN: N % 4 == 0 and every batch stride a multiple of N, so a
// lane's 4 columns are one aligned vec4): one vec4 load or store a row where the scalar views take four, each a
// per-lane loop on llvmpipe (the small32 products 4–13 % faster, GELU's and the residual's most). An entry point uses
// one view of a binding or the other, never both (tile the scalar ones).
@group(0) @binding(0) var<storage, read_write> c4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> pre4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> resid4: array<vec4<f32>>;

// ---------------------------------------------------------------- epilogue (same maths as matmul.wgsl)

// erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), as in gelu.wgsl.
fn erf4(v: vec4<f32>) -> vec4<f32> {
  let x = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-x * x);
  return select(-r, r, v >= vec4<f32>(0.0));
}

// gelu'(p) = Φ(p) + p·φ(p) with A&S 7.1.26 for Φ; φ(p) = exp(−p²/2)/√(2π) is the exp(−x²) the erf already takes
// (x = |p|/√2), so one exp serves both (the two-exp form cost ~5 % more in a fused backward product on lavapipe).
fn geluGrad4(p: vec4<f32>) -> vec4<f32> {
  let x = abs(p) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = exp(-x * x);
  let r = 1.0 - poly * e;
  return 0.5 + 0.5 * select(-r, r, p >= vec4<f32>(0.0)) + p * (0.39894228040143268 * e);
}

fn gelu4(z: vec4<f32>) -> vec4<f32> { return z * (0.5 + 0.5 * erf4(z * 0.70710678118654752)); }

// Columns n0 .. n0+3 of bias (buf 0), C (1), R (2) or PRE (3) from element `base`, clamped to N - 1 (clamped
// values belong to masked columns and are never stored).
fn ld4(buf: u32, base: u32, n0: u32) -> vec4<f32> {
  let n = min(vec4<u32>(n0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(N - 1u));
  if (buf == 0u) { return vec4<f32>(bias[n.x], bias[n.y], bias[n.z], bias[n.w]); }
  if (buf == 1u) { return vec4<f32>(c[base + n.x], c[base + n.y], c[base + n.z], c[base + n.w]); }
  if (buf == 3u) { return vec4<f32>(pre[base + n.x], pre[base + n.y], pre[base + n.z], pre[base + n.w]); }
  return vec4<f32>(resid[base + n.x], resid[base + n.y], resid[base + n.z], resid[base + n.w]);
}

// Stores v to columns n0 .. n0+3 of `dst` (0: C, 1: PRE) from element `base`, those < N only. With N % 4 == 0
// (always for NN/TN) a lane's 4 columns are all in or all out, so the per-column tests fold away.
fn store4(dst: u32, base: u32, n0: u32, v: vec4<f32>) {
  if (N % 4u == 0u) {
    if (n0 >= N) { return; }
    if (dst == 0u) { c[base + n0] = v.x; c[base + n0 + 1u] = v.y; c[base + n0 + 2u] = v.z; c[base + n0 + 3u] = v.w; }
    else { pre[base + n0] = v.x; pre[base + n0 + 1u] = v.y; pre[base + n0 + 2u] = v.z; pre[base + n0 + 3u] = v.w; }
    return;
  }
  for (var i = 0u; i < 4u; i++) {
    if (n0 + i < N) {
      if (dst == 0u) { c[base + n0 + i] = v[i]; } else { pre[base + n0 + i] = v[i]; }
    }
  }
}

// bv: the lane's 4 columns of bias, loaded once by epilogueRows. Loaded here, they were loaded again for every row:
// C and PRE are read_write bindings, so nothing tells the compiler that a store to them leaves bias unchanged
// (a small32 step: ~1.5–2 ms of ~54; bench/README.md).
fn epilogue4(acc: vec4<f32>, batch: u32, row: u32, n0: u32, bv: vec4<f32>) {
  let base = batch * BATCH_C + row * N;
  var z = ALPHA * acc;
  if (HAS_BIAS != 0u) { z += bv; }
  if (BETA != 0.0) { z += BETA * ld4(1u, base, n0); }
  if (GELU == 1u) {
    if (STORE_PRE != 0u) { store4(1u, base, n0, z); }
    z = gelu4(z);
  }
  if (GELU == 2u) {
    let p = ld4(3u, base, n0);
    z *= geluGrad4(p);
  }
  if (HAS_RESIDUAL != 0u) { z += ld4(2u, batch * BATCH_R + row * N, n0); }
  store4(0u, base, n0, z);
}

// Eight rows from row m0 (acc_i is row m0 + i; tile stores one such group, tileA two); rows past M are not stored.
fn epilogueRows(batch: u32, m0: u32, nb: u32, acc0: vec4<f32>, acc1: vec4<f32>, acc2: vec4<f32>, acc3: vec4<f32>,
                acc4: vec4<f32>, acc5: vec4<f32>, acc6: vec4<f32>, acc7: vec4<f32>) {
  var bv = vec4<f32>(0.0);
  if (HAS_BIAS != 0u) { bv = ld4(0u, 0u, nb); }
  if (m0 + 0u < M) { epilogue4(acc0, batch, m0 + 0u, nb, bv); }
  if (m0 + 1u < M) { epilogue4(acc1, batch, m0 + 1u, nb, bv); }
  if (m0 + 2u < M) { epilogue4(acc2, batch, m0 + 2u, nb, bv); }
  if (m0 + 3u < M) { epilogue4(acc3, batch, m0 + 3u, nb, bv); }
  if (m0 + 4u < M) { epilogue4(acc4, batch, m0 + 4u, nb, bv); }
  if (m0 + 5u < M) { epilogue4(acc5, batch, m0 + 5u, nb, bv); }
  if (m0 + 6u < M) { epilogue4(acc6, batch, m0 + 6u, nb, bv); }
  if (m0 + 7u < M) { epilogue4(acc7, batch, m0 + 7u, nb, bv); }
}

// epilogue4 and epilogueRows through the vec4 views (tileA).
fn epilogueV(acc: vec4<f32>, batch: u32, row: u32, n0: u32, bv: vec4<f32>) {
  let i = (batch * BATCH_C + row * N + n0) / 4u;
  var z = ALPHA * acc;
  if (HAS_BIAS != 0u) { z += bv; }
  if (BETA != 0.0) { z += BETA * c4[i]; }
  if (GELU == 1u) {
    if (STORE_PRE != 0u) { pre4[i] = z; }
    z = gelu4(z);
  }
  if (GELU == 2u) { z *= geluGrad4(pre4[i]); }
  if (HAS_RESIDUAL != 0u) { z += resid4[(batch * BATCH_R + row * N + n0) / 4u]; }
  c4[i] = z;
}

fn epilogueRowsV(batch: u32, m0: u32, nb: u32, acc0: vec4<f32>, acc1: vec4<f32>, acc2: vec4<f32>, acc3: vec4<f32>,
                acc4: vec4<f32>, acc5: vec4<f32>, acc6: vec4<f32>, acc7: vec4<f32>) {
  if (nb >= N) { return; }
  var bv = vec4<f32>(0.0);
  if (HAS_BIAS != 0u) { bv = bias4[nb / 4u]; }
  if (m0 + 0u < M) { epilogueV(acc0, batch, m0 + 0u, nb, bv); }
  if (m0 + 1u < M) { epilogueV(acc1, batch, m0 + 1u, nb, bv); }
  if (m0 + 2u < M) { epilogueV(acc2, batch, m0 + 2u, nb, bv); }
  if (m0 + 3u < M) { epilogueV(acc3, batch, m0 + 3u, nb, bv); }
  if (m0 + 4u < M) { epilogueV(acc4, batch, m0 + 4u, nb, bv); }
  if (m0 + 5u < M) { epilogueV(acc5, batch, m0 + 5u, nb, bv); }
  if (m0 + 6u < M) { epilogueV(acc6, batch, m0 + 6u, nb, bv); }
  if (m0 + 7u < M) { epilogueV(acc7, batch, m0 + 7u, nb, bv); }
}

// ---------------------------------------------------------------- tile: the kernel

// Clamps and masks cost instructions on llvmpipe, so they fold away (constant conditions) when the tile
// divides the shape.
fn clampK(k: u32) -> u32 {
  if (K % SG == 0u) { return k; }
  return min(k, K - 1u);
}

fn clampRow(m: u32) -> u32 {
  if (M % TM == 0u) { return m; }
  return min(m, M - 1u);
}

// A(row, k), zero when k ≥ K (the tail of the last K block), row already clamped.
fn loadA(base: u32, row: u32, k: u32) -> f32 {
  let kc = clampK(k);
  var v: f32;
  if (LAYOUT == 2u) { v = a[base + kc * M + row]; } else { v = a[base + row * K + kc]; }
  if (K % SG == 0u) { return v; }
  return select(0.0, v, k < K);
}

// Texel i of B's storage (elements 4i .. 4i+3).
fn texel(i: u32) -> vec4<f32> { return textureLoad(tb, vec2<i32>(i32(i % TW), i32(i / TW))); }

// NN/TN: B(k, 4q .. 4q+3) is one texel; k clamped (its A partner is zero past K).
fn texB(q: u32, t0: u32, k: u32) -> vec4<f32> { return texel(t0 + clampK(k) * select(N / 4u, LDB4, LDB4 != 0u) + q); }

// NT: texel x of stored row n of B, i.e. B(n, 4x .. 4x+3).
fn texRow(t0: u32, n: u32, x: u32) -> vec4<f32> { return texel(t0 + n * (K / 4u) + x); }

@compute @workgroup_size(SG)
fn tile(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let qu = wg.x * SG + lane; // the lane's texel column (NN/TN): output columns 4·qu .. 4·qu + 3
  let nb = 4u * qu;
  let q = min(qu, (N - 1u) / 4u);
  let m0 = wg.y * TM;
  let batch = wg.z;
  let aBase = batch * BATCH_A;
  let bRow0 = batch * (BATCH_B / 4u); // B's first texel for this batch item
  // Rows clamped, not branched: out-of-range rows compute a duplicate that is never stored.
  // NT: the lane's 4 columns are 4 texture rows (clamped likewise; masked at the store).
  let n0 = min(nb, N - 1u);
  let n1 = min(nb + 1u, N - 1u);
  let n2 = min(nb + 2u, N - 1u);
  let n3 = min(nb + 3u, N - 1u);
  let r0 = clampRow(m0 + 0u);
  let r1 = clampRow(m0 + 1u);
  let r2 = clampRow(m0 + 2u);
  let r3 = clampRow(m0 + 3u);
  let r4 = clampRow(m0 + 4u);
  let r5 = clampRow(m0 + 5u);
  let r6 = clampRow(m0 + 6u);
  let r7 = clampRow(m0 + 7u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  // One K block = SG values of k; lane l loads A(row, k0 + l) for the TM rows, step g broadcasts lane g's.
  // subgroupBroadcast needs a constant lane, so the steps are spelled out (4…7 exist only when SG = 8).
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
    if (LAYOUT != 1u) {
      let bv = texB(q, bRow0, k0 + 0u);
      acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 0u)), bv, acc0);
      acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 0u)), bv, acc1);
      acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 0u)), bv, acc2);
      acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 0u)), bv, acc3);
      acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 0u)), bv, acc4);
      acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 0u)), bv, acc5);
      acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 0u)), bv, acc6);
      acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 0u)), bv, acc7);
    }
    if (LAYOUT != 1u) {
      let bv = texB(q, bRow0, k0 + 1u);
      acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 1u)), bv, acc0);
      acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 1u)), bv, acc1);
      acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 1u)), bv, acc2);
      acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 1u)), bv, acc3);
      acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 1u)), bv, acc4);
      acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 1u)), bv, acc5);
      acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 1u)), bv, acc6);
      acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 1u)), bv, acc7);
    }
    if (LAYOUT != 1u) {
      let bv = texB(q, bRow0, k0 + 2u);
      acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 2u)), bv, acc0);
      acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 2u)), bv, acc1);
      acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 2u)), bv, acc2);
      acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 2u)), bv, acc3);
      acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 2u)), bv, acc4);
      acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 2u)), bv, acc5);
      acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 2u)), bv, acc6);
      acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 2u)), bv, acc7);
    }
    if (LAYOUT != 1u) {
      let bv = texB(q, bRow0, k0 + 3u);
      acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 3u)), bv, acc0);
      acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 3u)), bv, acc1);
      acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 3u)), bv, acc2);
      acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 3u)), bv, acc3);
      acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 3u)), bv, acc4);
      acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 3u)), bv, acc5);
      acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 3u)), bv, acc6);
      acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 3u)), bv, acc7);
    }
    if (LAYOUT == 1u) {
      let x = min((k0 + 0u) / 4u, (K - 1u) / 4u);
      let t0 = texRow(bRow0, n0, x);
      let t1 = texRow(bRow0, n1, x);
      let t2 = texRow(bRow0, n2, x);
      let t3 = texRow(bRow0, n3, x);
      {
        let bv = vec4<f32>(t0[0], t1[0], t2[0], t3[0]);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 0u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 0u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 0u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 0u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 0u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 0u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 0u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 0u)), bv, acc7);
      }
      {
        let bv = vec4<f32>(t0[1], t1[1], t2[1], t3[1]);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 1u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 1u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 1u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 1u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 1u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 1u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 1u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 1u)), bv, acc7);
      }
      {
        let bv = vec4<f32>(t0[2], t1[2], t2[2], t3[2]);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 2u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 2u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 2u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 2u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 2u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 2u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 2u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 2u)), bv, acc7);
      }
      {
        let bv = vec4<f32>(t0[3], t1[3], t2[3], t3[3]);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 3u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 3u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 3u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 3u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 3u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 3u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 3u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 3u)), bv, acc7);
      }
    }
    if (SG == 8u) {
      if (LAYOUT != 1u) {
        let bv = texB(q, bRow0, k0 + 4u);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 4u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 4u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 4u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 4u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 4u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 4u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 4u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 4u)), bv, acc7);
      }
      if (LAYOUT != 1u) {
        let bv = texB(q, bRow0, k0 + 5u);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 5u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 5u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 5u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 5u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 5u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 5u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 5u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 5u)), bv, acc7);
      }
      if (LAYOUT != 1u) {
        let bv = texB(q, bRow0, k0 + 6u);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 6u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 6u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 6u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 6u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 6u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 6u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 6u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 6u)), bv, acc7);
      }
      if (LAYOUT != 1u) {
        let bv = texB(q, bRow0, k0 + 7u);
        acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 7u)), bv, acc0);
        acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 7u)), bv, acc1);
        acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 7u)), bv, acc2);
        acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 7u)), bv, acc3);
        acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 7u)), bv, acc4);
        acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 7u)), bv, acc5);
        acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 7u)), bv, acc6);
        acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 7u)), bv, acc7);
      }
      if (LAYOUT == 1u) {
        let x = min((k0 + 4u) / 4u, (K - 1u) / 4u);
        let t0 = texRow(bRow0, n0, x);
        let t1 = texRow(bRow0, n1, x);
        let t2 = texRow(bRow0, n2, x);
        let t3 = texRow(bRow0, n3, x);
        {
          let bv = vec4<f32>(t0[0], t1[0], t2[0], t3[0]);
          acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 4u)), bv, acc0);
          acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 4u)), bv, acc1);
          acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 4u)), bv, acc2);
          acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 4u)), bv, acc3);
          acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 4u)), bv, acc4);
          acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 4u)), bv, acc5);
          acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 4u)), bv, acc6);
          acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 4u)), bv, acc7);
        }
        {
          let bv = vec4<f32>(t0[1], t1[1], t2[1], t3[1]);
          acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 5u)), bv, acc0);
          acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 5u)), bv, acc1);
          acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 5u)), bv, acc2);
          acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 5u)), bv, acc3);
          acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 5u)), bv, acc4);
          acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 5u)), bv, acc5);
          acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 5u)), bv, acc6);
          acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 5u)), bv, acc7);
        }
        {
          let bv = vec4<f32>(t0[2], t1[2], t2[2], t3[2]);
          acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 6u)), bv, acc0);
          acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 6u)), bv, acc1);
          acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 6u)), bv, acc2);
          acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 6u)), bv, acc3);
          acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 6u)), bv, acc4);
          acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 6u)), bv, acc5);
          acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 6u)), bv, acc6);
          acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 6u)), bv, acc7);
        }
        {
          let bv = vec4<f32>(t0[3], t1[3], t2[3], t3[3]);
          acc0 = fma(vec4<f32>(subgroupBroadcast(a0, 7u)), bv, acc0);
          acc1 = fma(vec4<f32>(subgroupBroadcast(a1, 7u)), bv, acc1);
          acc2 = fma(vec4<f32>(subgroupBroadcast(a2, 7u)), bv, acc2);
          acc3 = fma(vec4<f32>(subgroupBroadcast(a3, 7u)), bv, acc3);
          acc4 = fma(vec4<f32>(subgroupBroadcast(a4, 7u)), bv, acc4);
          acc5 = fma(vec4<f32>(subgroupBroadcast(a5, 7u)), bv, acc5);
          acc6 = fma(vec4<f32>(subgroupBroadcast(a6, 7u)), bv, acc6);
          acc7 = fma(vec4<f32>(subgroupBroadcast(a7, 7u)), bv, acc7);
        }
      }
    }
  }
  epilogueRows(batch, m0, nb, acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
}

// ---------------------------------------------------------------- tileA: both operands textures

// A's rows are read as texels too (4 consecutive k per texel): lane l fetches texel k0/4 + l of each of the TM_A
// rows, so one K block is 4·SG values of k, and step g broadcasts lane g's whole texel. Per 4·SG values of k that is
// TM_A texel fetches and TM_A·SG vec4 broadcasts instead of tile's 4·TM scalar loads (each a per-lane gather on
// llvmpipe) and 4·TM·SG scalar broadcasts; B is read exactly as in tile. Needs K % (4·SG) == 0: with a tail block
// the clamps in every step cost more than the texels save (bench/README.md). Used for NN only: NT ran no faster (its
// B quads are transposed in registers, and the A texels add to the live set), and a TN twin that fetched A's texels
// along M ran no faster than tile either.
// TM_A rows a workgroup, an override of 16 or 32 (rows 16–31 are guarded by TM_A == 32, so they fold away at 16):
// every B texel (a texel fetch per lane, the dominant cost on llvmpipe) then feeds TM_A rows. The accumulators past
// the registers spill, but a spill is a plain vector load or store and a texel fetch is a call. With sampled textures
// (fifth to sixteenth sessions) 16 rows were best (1.2–1.7× against 8 on the ViT-Tiny products; 24 and 32 no better);
// with lavapipe's cheaper read-only storage textures 32 are: the small32 products (M = 544) 7,284 → 6,596 µs, 48 rows
// 6,884; ViT-Tiny's (M = 1576) 65.9 → 63.0 ms (seventeenth session). 32 rows compile in ~2.6 s against ~1.1 s (Mesa
// caches them on disk). The launcher takes 32 on lavapipe's storage textures, 16 elsewhere.
// Dispatch (⌈N / (4·SG)⌉, ⌈M / TM_A⌉, batch).

override TM_A: u32 = 16u;

fn clampRowA(m: u32) -> u32 {
  if (M % TM_A == 0u) { return m; }
  return min(m, M - 1u);
}

fn texelA(i: u32) -> vec4<f32> { return textureLoad(ta, vec2<i32>(i32(i % TW), i32(i / TW))); }

// B(k + j, the lane's 4 columns) as column j, j = 0..3 (NN).
fn quadB(q: u32, t0: u32, k: u32) -> mat4x4<f32> {
  return mat4x4<f32>(texB(q, t0, k), texB(q, t0, k + 1u), texB(q, t0, k + 2u), texB(q, t0, k + 3u));
}

// acc + Σ_j av[j]·b[j]
fn fma4(acc: vec4<f32>, av: vec4<f32>, b: mat4x4<f32>) -> vec4<f32> {
  return fma(vec4<f32>(av.w), b[3], fma(vec4<f32>(av.z), b[2], fma(vec4<f32>(av.y), b[1], fma(vec4<f32>(av.x), b[0], acc))));
}

// tileA's products: the accumulators of the workgroup's TM_A rows (32 or 16 used) and where they go.
struct TileAcc { acc: array<vec4<f32>, 32>, m0: u32, nb: u32, batch: u32 }

fn tileAProducts(wg: vec3<u32>, lane: u32) -> TileAcc {
  let qu = wg.x * SG + lane;
  let nb = 4u * qu;
  let q = min(qu, (N - 1u) / 4u);
  let m0 = wg.y * TM_A;
  let batch = wg.z;
  let aT0 = batch * (BATCH_A / 4u); // A's first texel for this batch item
  let bRow0 = batch * (BATCH_B / 4u);
  let LDA = select(K / 4u, LDA4, LDA4 != 0u); // A's row stride in texels
  let kLast = KTOTAL - batch * K; // split-K: where this chunk ends when it is the last, shorter one
  let r0 = clampRowA(m0 + 0u);
  let r1 = clampRowA(m0 + 1u);
  let r2 = clampRowA(m0 + 2u);
  let r3 = clampRowA(m0 + 3u);
  let r4 = clampRowA(m0 + 4u);
  let r5 = clampRowA(m0 + 5u);
  let r6 = clampRowA(m0 + 6u);
  let r7 = clampRowA(m0 + 7u);
  let r8 = clampRowA(m0 + 8u);
  let r9 = clampRowA(m0 + 9u);
  let r10 = clampRowA(m0 + 10u);
  let r11 = clampRowA(m0 + 11u);
  let r12 = clampRowA(m0 + 12u);
  let r13 = clampRowA(m0 + 13u);
  let r14 = clampRowA(m0 + 14u);
  let r15 = clampRowA(m0 + 15u);
  let r16 = clampRowA(m0 + 16u);
  let r17 = clampRowA(m0 + 17u);
  let r18 = clampRowA(m0 + 18u);
  let r19 = clampRowA(m0 + 19u);
  let r20 = clampRowA(m0 + 20u);
  let r21 = clampRowA(m0 + 21u);
  let r22 = clampRowA(m0 + 22u);
  let r23 = clampRowA(m0 + 23u);
  let r24 = clampRowA(m0 + 24u);
  let r25 = clampRowA(m0 + 25u);
  let r26 = clampRowA(m0 + 26u);
  let r27 = clampRowA(m0 + 27u);
  let r28 = clampRowA(m0 + 28u);
  let r29 = clampRowA(m0 + 29u);
  let r30 = clampRowA(m0 + 30u);
  let r31 = clampRowA(m0 + 31u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var acc8 = vec4<f32>(0.0);
  var acc9 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0);
  var acc11 = vec4<f32>(0.0);
  var acc12 = vec4<f32>(0.0);
  var acc13 = vec4<f32>(0.0);
  var acc14 = vec4<f32>(0.0);
  var acc15 = vec4<f32>(0.0);
  var acc16 = vec4<f32>(0.0);
  var acc17 = vec4<f32>(0.0);
  var acc18 = vec4<f32>(0.0);
  var acc19 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0);
  var acc21 = vec4<f32>(0.0);
  var acc22 = vec4<f32>(0.0);
  var acc23 = vec4<f32>(0.0);
  var acc24 = vec4<f32>(0.0);
  var acc25 = vec4<f32>(0.0);
  var acc26 = vec4<f32>(0.0);
  var acc27 = vec4<f32>(0.0);
  var acc28 = vec4<f32>(0.0);
  var acc29 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0);
  var acc31 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += 4u * SG) {
    // A test of overrides only when KTOTAL = 0, so the loop keeps its constant trip count unless split.
    if (KTOTAL != 0u && k0 >= kLast) { break; }
    let x = k0 / 4u + lane;
    let a0 = texelA(aT0 + r0 * LDA + x);
    let a1 = texelA(aT0 + r1 * LDA + x);
    let a2 = texelA(aT0 + r2 * LDA + x);
    let a3 = texelA(aT0 + r3 * LDA + x);
    let a4 = texelA(aT0 + r4 * LDA + x);
    let a5 = texelA(aT0 + r5 * LDA + x);
    let a6 = texelA(aT0 + r6 * LDA + x);
    let a7 = texelA(aT0 + r7 * LDA + x);
    let a8 = texelA(aT0 + r8 * LDA + x);
    let a9 = texelA(aT0 + r9 * LDA + x);
    let a10 = texelA(aT0 + r10 * LDA + x);
    let a11 = texelA(aT0 + r11 * LDA + x);
    let a12 = texelA(aT0 + r12 * LDA + x);
    let a13 = texelA(aT0 + r13 * LDA + x);
    let a14 = texelA(aT0 + r14 * LDA + x);
    let a15 = texelA(aT0 + r15 * LDA + x);
    var a16 = vec4<f32>(0.0);
    var a17 = vec4<f32>(0.0);
    var a18 = vec4<f32>(0.0);
    var a19 = vec4<f32>(0.0);
    var a20 = vec4<f32>(0.0);
    var a21 = vec4<f32>(0.0);
    var a22 = vec4<f32>(0.0);
    var a23 = vec4<f32>(0.0);
    var a24 = vec4<f32>(0.0);
    var a25 = vec4<f32>(0.0);
    var a26 = vec4<f32>(0.0);
    var a27 = vec4<f32>(0.0);
    var a28 = vec4<f32>(0.0);
    var a29 = vec4<f32>(0.0);
    var a30 = vec4<f32>(0.0);
    var a31 = vec4<f32>(0.0);
    if (TM_A == 32u) {
      a16 = texelA(aT0 + r16 * LDA + x);
      a17 = texelA(aT0 + r17 * LDA + x);
      a18 = texelA(aT0 + r18 * LDA + x);
      a19 = texelA(aT0 + r19 * LDA + x);
      a20 = texelA(aT0 + r20 * LDA + x);
      a21 = texelA(aT0 + r21 * LDA + x);
      a22 = texelA(aT0 + r22 * LDA + x);
      a23 = texelA(aT0 + r23 * LDA + x);
      a24 = texelA(aT0 + r24 * LDA + x);
      a25 = texelA(aT0 + r25 * LDA + x);
      a26 = texelA(aT0 + r26 * LDA + x);
      a27 = texelA(aT0 + r27 * LDA + x);
      a28 = texelA(aT0 + r28 * LDA + x);
      a29 = texelA(aT0 + r29 * LDA + x);
      a30 = texelA(aT0 + r30 * LDA + x);
      a31 = texelA(aT0 + r31 * LDA + x);
    }
    {
      let bq = quadB(q, bRow0, k0 + 0u);
      acc0 = fma4(acc0, subgroupBroadcast(a0, 0u), bq);
      acc1 = fma4(acc1, subgroupBroadcast(a1, 0u), bq);
      acc2 = fma4(acc2, subgroupBroadcast(a2, 0u), bq);
      acc3 = fma4(acc3, subgroupBroadcast(a3, 0u), bq);
      acc4 = fma4(acc4, subgroupBroadcast(a4, 0u), bq);
      acc5 = fma4(acc5, subgroupBroadcast(a5, 0u), bq);
      acc6 = fma4(acc6, subgroupBroadcast(a6, 0u), bq);
      acc7 = fma4(acc7, subgroupBroadcast(a7, 0u), bq);
      acc8 = fma4(acc8, subgroupBroadcast(a8, 0u), bq);
      acc9 = fma4(acc9, subgroupBroadcast(a9, 0u), bq);
      acc10 = fma4(acc10, subgroupBroadcast(a10, 0u), bq);
      acc11 = fma4(acc11, subgroupBroadcast(a11, 0u), bq);
      acc12 = fma4(acc12, subgroupBroadcast(a12, 0u), bq);
      acc13 = fma4(acc13, subgroupBroadcast(a13, 0u), bq);
      acc14 = fma4(acc14, subgroupBroadcast(a14, 0u), bq);
      acc15 = fma4(acc15, subgroupBroadcast(a15, 0u), bq);
      if (TM_A == 32u) {
        acc16 = fma4(acc16, subgroupBroadcast(a16, 0u), bq);
        acc17 = fma4(acc17, subgroupBroadcast(a17, 0u), bq);
        acc18 = fma4(acc18, subgroupBroadcast(a18, 0u), bq);
        acc19 = fma4(acc19, subgroupBroadcast(a19, 0u), bq);
        acc20 = fma4(acc20, subgroupBroadcast(a20, 0u), bq);
        acc21 = fma4(acc21, subgroupBroadcast(a21, 0u), bq);
        acc22 = fma4(acc22, subgroupBroadcast(a22, 0u), bq);
        acc23 = fma4(acc23, subgroupBroadcast(a23, 0u), bq);
        acc24 = fma4(acc24, subgroupBroadcast(a24, 0u), bq);
        acc25 = fma4(acc25, subgroupBroadcast(a25, 0u), bq);
        acc26 = fma4(acc26, subgroupBroadcast(a26, 0u), bq);
        acc27 = fma4(acc27, subgroupBroadcast(a27, 0u), bq);
        acc28 = fma4(acc28, subgroupBroadcast(a28, 0u), bq);
        acc29 = fma4(acc29, subgroupBroadcast(a29, 0u), bq);
        acc30 = fma4(acc30, subgroupBroadcast(a30, 0u), bq);
        acc31 = fma4(acc31, subgroupBroadcast(a31, 0u), bq);
      }
    }
    {
      let bq = quadB(q, bRow0, k0 + 4u);
      acc0 = fma4(acc0, subgroupBroadcast(a0, 1u), bq);
      acc1 = fma4(acc1, subgroupBroadcast(a1, 1u), bq);
      acc2 = fma4(acc2, subgroupBroadcast(a2, 1u), bq);
      acc3 = fma4(acc3, subgroupBroadcast(a3, 1u), bq);
      acc4 = fma4(acc4, subgroupBroadcast(a4, 1u), bq);
      acc5 = fma4(acc5, subgroupBroadcast(a5, 1u), bq);
      acc6 = fma4(acc6, subgroupBroadcast(a6, 1u), bq);
      acc7 = fma4(acc7, subgroupBroadcast(a7, 1u), bq);
      acc8 = fma4(acc8, subgroupBroadcast(a8, 1u), bq);
      acc9 = fma4(acc9, subgroupBroadcast(a9, 1u), bq);
      acc10 = fma4(acc10, subgroupBroadcast(a10, 1u), bq);
      acc11 = fma4(acc11, subgroupBroadcast(a11, 1u), bq);
      acc12 = fma4(acc12, subgroupBroadcast(a12, 1u), bq);
      acc13 = fma4(acc13, subgroupBroadcast(a13, 1u), bq);
      acc14 = fma4(acc14, subgroupBroadcast(a14, 1u), bq);
      acc15 = fma4(acc15, subgroupBroadcast(a15, 1u), bq);
      if (TM_A == 32u) {
        acc16 = fma4(acc16, subgroupBroadcast(a16, 1u), bq);
        acc17 = fma4(acc17, subgroupBroadcast(a17, 1u), bq);
        acc18 = fma4(acc18, subgroupBroadcast(a18, 1u), bq);
        acc19 = fma4(acc19, subgroupBroadcast(a19, 1u), bq);
        acc20 = fma4(acc20, subgroupBroadcast(a20, 1u), bq);
        acc21 = fma4(acc21, subgroupBroadcast(a21, 1u), bq);
        acc22 = fma4(acc22, subgroupBroadcast(a22, 1u), bq);
        acc23 = fma4(acc23, subgroupBroadcast(a23, 1u), bq);
        acc24 = fma4(acc24, subgroupBroadcast(a24, 1u), bq);
        acc25 = fma4(acc25, subgroupBroadcast(a25, 1u), bq);
        acc26 = fma4(acc26, subgroupBroadcast(a26, 1u), bq);
        acc27 = fma4(acc27, subgroupBroadcast(a27, 1u), bq);
        acc28 = fma4(acc28, subgroupBroadcast(a28, 1u), bq);
        acc29 = fma4(acc29, subgroupBroadcast(a29, 1u), bq);
        acc30 = fma4(acc30, subgroupBroadcast(a30, 1u), bq);
        acc31 = fma4(acc31, subgroupBroadcast(a31, 1u), bq);
      }
    }
    {
      let bq = quadB(q, bRow0, k0 + 8u);
      acc0 = fma4(acc0, subgroupBroadcast(a0, 2u), bq);
      acc1 = fma4(acc1, subgroupBroadcast(a1, 2u), bq);
      acc2 = fma4(acc2, subgroupBroadcast(a2, 2u), bq);
      acc3 = fma4(acc3, subgroupBroadcast(a3, 2u), bq);
      acc4 = fma4(acc4, subgroupBroadcast(a4, 2u), bq);
      acc5 = fma4(acc5, subgroupBroadcast(a5, 2u), bq);
      acc6 = fma4(acc6, subgroupBroadcast(a6, 2u), bq);
      acc7 = fma4(acc7, subgroupBroadcast(a7, 2u), bq);
      acc8 = fma4(acc8, subgroupBroadcast(a8, 2u), bq);
      acc9 = fma4(acc9, subgroupBroadcast(a9, 2u), bq);
      acc10 = fma4(acc10, subgroupBroadcast(a10, 2u), bq);
      acc11 = fma4(acc11, subgroupBroadcast(a11, 2u), bq);
      acc12 = fma4(acc12, subgroupBroadcast(a12, 2u), bq);
      acc13 = fma4(acc13, subgroupBroadcast(a13, 2u), bq);
      acc14 = fma4(acc14, subgroupBroadcast(a14, 2u), bq);
      acc15 = fma4(acc15, subgroupBroadcast(a15, 2u), bq);
      if (TM_A == 32u) {
        acc16 = fma4(acc16, subgroupBroadcast(a16, 2u), bq);
        acc17 = fma4(acc17, subgroupBroadcast(a17, 2u), bq);
        acc18 = fma4(acc18, subgroupBroadcast(a18, 2u), bq);
        acc19 = fma4(acc19, subgroupBroadcast(a19, 2u), bq);
        acc20 = fma4(acc20, subgroupBroadcast(a20, 2u), bq);
        acc21 = fma4(acc21, subgroupBroadcast(a21, 2u), bq);
        acc22 = fma4(acc22, subgroupBroadcast(a22, 2u), bq);
        acc23 = fma4(acc23, subgroupBroadcast(a23, 2u), bq);
        acc24 = fma4(acc24, subgroupBroadcast(a24, 2u), bq);
        acc25 = fma4(acc25, subgroupBroadcast(a25, 2u), bq);
        acc26 = fma4(acc26, subgroupBroadcast(a26, 2u), bq);
        acc27 = fma4(acc27, subgroupBroadcast(a27, 2u), bq);
        acc28 = fma4(acc28, subgroupBroadcast(a28, 2u), bq);
        acc29 = fma4(acc29, subgroupBroadcast(a29, 2u), bq);
        acc30 = fma4(acc30, subgroupBroadcast(a30, 2u), bq);
        acc31 = fma4(acc31, subgroupBroadcast(a31, 2u), bq);
      }
    }
    {
      let bq = quadB(q, bRow0, k0 + 12u);
      acc0 = fma4(acc0, subgroupBroadcast(a0, 3u), bq);
      acc1 = fma4(acc1, subgroupBroadcast(a1, 3u), bq);
      acc2 = fma4(acc2, subgroupBroadcast(a2, 3u), bq);
      acc3 = fma4(acc3, subgroupBroadcast(a3, 3u), bq);
      acc4 = fma4(acc4, subgroupBroadcast(a4, 3u), bq);
      acc5 = fma4(acc5, subgroupBroadcast(a5, 3u), bq);
      acc6 = fma4(acc6, subgroupBroadcast(a6, 3u), bq);
      acc7 = fma4(acc7, subgroupBroadcast(a7, 3u), bq);
      acc8 = fma4(acc8, subgroupBroadcast(a8, 3u), bq);
      acc9 = fma4(acc9, subgroupBroadcast(a9, 3u), bq);
      acc10 = fma4(acc10, subgroupBroadcast(a10, 3u), bq);
      acc11 = fma4(acc11, subgroupBroadcast(a11, 3u), bq);
      acc12 = fma4(acc12, subgroupBroadcast(a12, 3u), bq);
      acc13 = fma4(acc13, subgroupBroadcast(a13, 3u), bq);
      acc14 = fma4(acc14, subgroupBroadcast(a14, 3u), bq);
      acc15 = fma4(acc15, subgroupBroadcast(a15, 3u), bq);
      if (TM_A == 32u) {
        acc16 = fma4(acc16, subgroupBroadcast(a16, 3u), bq);
        acc17 = fma4(acc17, subgroupBroadcast(a17, 3u), bq);
        acc18 = fma4(acc18, subgroupBroadcast(a18, 3u), bq);
        acc19 = fma4(acc19, subgroupBroadcast(a19, 3u), bq);
        acc20 = fma4(acc20, subgroupBroadcast(a20, 3u), bq);
        acc21 = fma4(acc21, subgroupBroadcast(a21, 3u), bq);
        acc22 = fma4(acc22, subgroupBroadcast(a22, 3u), bq);
        acc23 = fma4(acc23, subgroupBroadcast(a23, 3u), bq);
        acc24 = fma4(acc24, subgroupBroadcast(a24, 3u), bq);
        acc25 = fma4(acc25, subgroupBroadcast(a25, 3u), bq);
        acc26 = fma4(acc26, subgroupBroadcast(a26, 3u), bq);
        acc27 = fma4(acc27, subgroupBroadcast(a27, 3u), bq);
        acc28 = fma4(acc28, subgroupBroadcast(a28, 3u), bq);
        acc29 = fma4(acc29, subgroupBroadcast(a29, 3u), bq);
        acc30 = fma4(acc30, subgroupBroadcast(a30, 3u), bq);
        acc31 = fma4(acc31, subgroupBroadcast(a31, 3u), bq);
      }
    }
    if (SG == 8u) {
      {
        let bq = quadB(q, bRow0, k0 + 16u);
        acc0 = fma4(acc0, subgroupBroadcast(a0, 4u), bq);
        acc1 = fma4(acc1, subgroupBroadcast(a1, 4u), bq);
        acc2 = fma4(acc2, subgroupBroadcast(a2, 4u), bq);
        acc3 = fma4(acc3, subgroupBroadcast(a3, 4u), bq);
        acc4 = fma4(acc4, subgroupBroadcast(a4, 4u), bq);
        acc5 = fma4(acc5, subgroupBroadcast(a5, 4u), bq);
        acc6 = fma4(acc6, subgroupBroadcast(a6, 4u), bq);
        acc7 = fma4(acc7, subgroupBroadcast(a7, 4u), bq);
        acc8 = fma4(acc8, subgroupBroadcast(a8, 4u), bq);
        acc9 = fma4(acc9, subgroupBroadcast(a9, 4u), bq);
        acc10 = fma4(acc10, subgroupBroadcast(a10, 4u), bq);
        acc11 = fma4(acc11, subgroupBroadcast(a11, 4u), bq);
        acc12 = fma4(acc12, subgroupBroadcast(a12, 4u), bq);
        acc13 = fma4(acc13, subgroupBroadcast(a13, 4u), bq);
        acc14 = fma4(acc14, subgroupBroadcast(a14, 4u), bq);
        acc15 = fma4(acc15, subgroupBroadcast(a15, 4u), bq);
        if (TM_A == 32u) {
          acc16 = fma4(acc16, subgroupBroadcast(a16, 4u), bq);
          acc17 = fma4(acc17, subgroupBroadcast(a17, 4u), bq);
          acc18 = fma4(acc18, subgroupBroadcast(a18, 4u), bq);
          acc19 = fma4(acc19, subgroupBroadcast(a19, 4u), bq);
          acc20 = fma4(acc20, subgroupBroadcast(a20, 4u), bq);
          acc21 = fma4(acc21, subgroupBroadcast(a21, 4u), bq);
          acc22 = fma4(acc22, subgroupBroadcast(a22, 4u), bq);
          acc23 = fma4(acc23, subgroupBroadcast(a23, 4u), bq);
          acc24 = fma4(acc24, subgroupBroadcast(a24, 4u), bq);
          acc25 = fma4(acc25, subgroupBroadcast(a25, 4u), bq);
          acc26 = fma4(acc26, subgroupBroadcast(a26, 4u), bq);
          acc27 = fma4(acc27, subgroupBroadcast(a27, 4u), bq);
          acc28 = fma4(acc28, subgroupBroadcast(a28, 4u), bq);
          acc29 = fma4(acc29, subgroupBroadcast(a29, 4u), bq);
          acc30 = fma4(acc30, subgroupBroadcast(a30, 4u), bq);
          acc31 = fma4(acc31, subgroupBroadcast(a31, 4u), bq);
        }
      }
      {
        let bq = quadB(q, bRow0, k0 + 20u);
        acc0 = fma4(acc0, subgroupBroadcast(a0, 5u), bq);
        acc1 = fma4(acc1, subgroupBroadcast(a1, 5u), bq);
        acc2 = fma4(acc2, subgroupBroadcast(a2, 5u), bq);
        acc3 = fma4(acc3, subgroupBroadcast(a3, 5u), bq);
        acc4 = fma4(acc4, subgroupBroadcast(a4, 5u), bq);
        acc5 = fma4(acc5, subgroupBroadcast(a5, 5u), bq);
        acc6 = fma4(acc6, subgroupBroadcast(a6, 5u), bq);
        acc7 = fma4(acc7, subgroupBroadcast(a7, 5u), bq);
        acc8 = fma4(acc8, subgroupBroadcast(a8, 5u), bq);
        acc9 = fma4(acc9, subgroupBroadcast(a9, 5u), bq);
        acc10 = fma4(acc10, subgroupBroadcast(a10, 5u), bq);
        acc11 = fma4(acc11, subgroupBroadcast(a11, 5u), bq);
        acc12 = fma4(acc12, subgroupBroadcast(a12, 5u), bq);
        acc13 = fma4(acc13, subgroupBroadcast(a13, 5u), bq);
        acc14 = fma4(acc14, subgroupBroadcast(a14, 5u), bq);
        acc15 = fma4(acc15, subgroupBroadcast(a15, 5u), bq);
        if (TM_A == 32u) {
          acc16 = fma4(acc16, subgroupBroadcast(a16, 5u), bq);
          acc17 = fma4(acc17, subgroupBroadcast(a17, 5u), bq);
          acc18 = fma4(acc18, subgroupBroadcast(a18, 5u), bq);
          acc19 = fma4(acc19, subgroupBroadcast(a19, 5u), bq);
          acc20 = fma4(acc20, subgroupBroadcast(a20, 5u), bq);
          acc21 = fma4(acc21, subgroupBroadcast(a21, 5u), bq);
          acc22 = fma4(acc22, subgroupBroadcast(a22, 5u), bq);
          acc23 = fma4(acc23, subgroupBroadcast(a23, 5u), bq);
          acc24 = fma4(acc24, subgroupBroadcast(a24, 5u), bq);
          acc25 = fma4(acc25, subgroupBroadcast(a25, 5u), bq);
          acc26 = fma4(acc26, subgroupBroadcast(a26, 5u), bq);
          acc27 = fma4(acc27, subgroupBroadcast(a27, 5u), bq);
          acc28 = fma4(acc28, subgroupBroadcast(a28, 5u), bq);
          acc29 = fma4(acc29, subgroupBroadcast(a29, 5u), bq);
          acc30 = fma4(acc30, subgroupBroadcast(a30, 5u), bq);
          acc31 = fma4(acc31, subgroupBroadcast(a31, 5u), bq);
        }
      }
      {
        let bq = quadB(q, bRow0, k0 + 24u);
        acc0 = fma4(acc0, subgroupBroadcast(a0, 6u), bq);
        acc1 = fma4(acc1, subgroupBroadcast(a1, 6u), bq);
        acc2 = fma4(acc2, subgroupBroadcast(a2, 6u), bq);
        acc3 = fma4(acc3, subgroupBroadcast(a3, 6u), bq);
        acc4 = fma4(acc4, subgroupBroadcast(a4, 6u), bq);
        acc5 = fma4(acc5, subgroupBroadcast(a5, 6u), bq);
        acc6 = fma4(acc6, subgroupBroadcast(a6, 6u), bq);
        acc7 = fma4(acc7, subgroupBroadcast(a7, 6u), bq);
        acc8 = fma4(acc8, subgroupBroadcast(a8, 6u), bq);
        acc9 = fma4(acc9, subgroupBroadcast(a9, 6u), bq);
        acc10 = fma4(acc10, subgroupBroadcast(a10, 6u), bq);
        acc11 = fma4(acc11, subgroupBroadcast(a11, 6u), bq);
        acc12 = fma4(acc12, subgroupBroadcast(a12, 6u), bq);
        acc13 = fma4(acc13, subgroupBroadcast(a13, 6u), bq);
        acc14 = fma4(acc14, subgroupBroadcast(a14, 6u), bq);
        acc15 = fma4(acc15, subgroupBroadcast(a15, 6u), bq);
        if (TM_A == 32u) {
          acc16 = fma4(acc16, subgroupBroadcast(a16, 6u), bq);
          acc17 = fma4(acc17, subgroupBroadcast(a17, 6u), bq);
          acc18 = fma4(acc18, subgroupBroadcast(a18, 6u), bq);
          acc19 = fma4(acc19, subgroupBroadcast(a19, 6u), bq);
          acc20 = fma4(acc20, subgroupBroadcast(a20, 6u), bq);
          acc21 = fma4(acc21, subgroupBroadcast(a21, 6u), bq);
          acc22 = fma4(acc22, subgroupBroadcast(a22, 6u), bq);
          acc23 = fma4(acc23, subgroupBroadcast(a23, 6u), bq);
          acc24 = fma4(acc24, subgroupBroadcast(a24, 6u), bq);
          acc25 = fma4(acc25, subgroupBroadcast(a25, 6u), bq);
          acc26 = fma4(acc26, subgroupBroadcast(a26, 6u), bq);
          acc27 = fma4(acc27, subgroupBroadcast(a27, 6u), bq);
          acc28 = fma4(acc28, subgroupBroadcast(a28, 6u), bq);
          acc29 = fma4(acc29, subgroupBroadcast(a29, 6u), bq);
          acc30 = fma4(acc30, subgroupBroadcast(a30, 6u), bq);
          acc31 = fma4(acc31, subgroupBroadcast(a31, 6u), bq);
        }
      }
      {
        let bq = quadB(q, bRow0, k0 + 28u);
        acc0 = fma4(acc0, subgroupBroadcast(a0, 7u), bq);
        acc1 = fma4(acc1, subgroupBroadcast(a1, 7u), bq);
        acc2 = fma4(acc2, subgroupBroadcast(a2, 7u), bq);
        acc3 = fma4(acc3, subgroupBroadcast(a3, 7u), bq);
        acc4 = fma4(acc4, subgroupBroadcast(a4, 7u), bq);
        acc5 = fma4(acc5, subgroupBroadcast(a5, 7u), bq);
        acc6 = fma4(acc6, subgroupBroadcast(a6, 7u), bq);
        acc7 = fma4(acc7, subgroupBroadcast(a7, 7u), bq);
        acc8 = fma4(acc8, subgroupBroadcast(a8, 7u), bq);
        acc9 = fma4(acc9, subgroupBroadcast(a9, 7u), bq);
        acc10 = fma4(acc10, subgroupBroadcast(a10, 7u), bq);
        acc11 = fma4(acc11, subgroupBroadcast(a11, 7u), bq);
        acc12 = fma4(acc12, subgroupBroadcast(a12, 7u), bq);
        acc13 = fma4(acc13, subgroupBroadcast(a13, 7u), bq);
        acc14 = fma4(acc14, subgroupBroadcast(a14, 7u), bq);
        acc15 = fma4(acc15, subgroupBroadcast(a15, 7u), bq);
        if (TM_A == 32u) {
          acc16 = fma4(acc16, subgroupBroadcast(a16, 7u), bq);
          acc17 = fma4(acc17, subgroupBroadcast(a17, 7u), bq);
          acc18 = fma4(acc18, subgroupBroadcast(a18, 7u), bq);
          acc19 = fma4(acc19, subgroupBroadcast(a19, 7u), bq);
          acc20 = fma4(acc20, subgroupBroadcast(a20, 7u), bq);
          acc21 = fma4(acc21, subgroupBroadcast(a21, 7u), bq);
          acc22 = fma4(acc22, subgroupBroadcast(a22, 7u), bq);
          acc23 = fma4(acc23, subgroupBroadcast(a23, 7u), bq);
          acc24 = fma4(acc24, subgroupBroadcast(a24, 7u), bq);
          acc25 = fma4(acc25, subgroupBroadcast(a25, 7u), bq);
          acc26 = fma4(acc26, subgroupBroadcast(a26, 7u), bq);
          acc27 = fma4(acc27, subgroupBroadcast(a27, 7u), bq);
          acc28 = fma4(acc28, subgroupBroadcast(a28, 7u), bq);
          acc29 = fma4(acc29, subgroupBroadcast(a29, 7u), bq);
          acc30 = fma4(acc30, subgroupBroadcast(a30, 7u), bq);
          acc31 = fma4(acc31, subgroupBroadcast(a31, 7u), bq);
        }
      }
    }
  }
  var t: TileAcc;
  t.m0 = m0;
  t.nb = nb;
  t.batch = batch;
  t.acc[0] = acc0;
  t.acc[1] = acc1;
  t.acc[2] = acc2;
  t.acc[3] = acc3;
  t.acc[4] = acc4;
  t.acc[5] = acc5;
  t.acc[6] = acc6;
  t.acc[7] = acc7;
  t.acc[8] = acc8;
  t.acc[9] = acc9;
  t.acc[10] = acc10;
  t.acc[11] = acc11;
  t.acc[12] = acc12;
  t.acc[13] = acc13;
  t.acc[14] = acc14;
  t.acc[15] = acc15;
  t.acc[16] = acc16;
  t.acc[17] = acc17;
  t.acc[18] = acc18;
  t.acc[19] = acc19;
  t.acc[20] = acc20;
  t.acc[21] = acc21;
  t.acc[22] = acc22;
  t.acc[23] = acc23;
  t.acc[24] = acc24;
  t.acc[25] = acc25;
  t.acc[26] = acc26;
  t.acc[27] = acc27;
  t.acc[28] = acc28;
  t.acc[29] = acc29;
  t.acc[30] = acc30;
  t.acc[31] = acc31;
  return t;
}

// Any N (a transposed operand's padded rows: columns past N computed, never stored): the scalar epilogue.
@compute @workgroup_size(SG)
fn tileA(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let t = tileAProducts(wg, lane);
  epilogueRows(t.batch, t.m0, t.nb, t.acc[0], t.acc[1], t.acc[2], t.acc[3], t.acc[4], t.acc[5], t.acc[6], t.acc[7]);
  epilogueRows(t.batch, t.m0 + 8u, t.nb, t.acc[8], t.acc[9], t.acc[10], t.acc[11], t.acc[12], t.acc[13], t.acc[14], t.acc[15]);
  if (TM_A == 32u) {
    epilogueRows(t.batch, t.m0 + 16u, t.nb, t.acc[16], t.acc[17], t.acc[18], t.acc[19], t.acc[20], t.acc[21], t.acc[22], t.acc[23]);
    epilogueRows(t.batch, t.m0 + 24u, t.nb, t.acc[24], t.acc[25], t.acc[26], t.acc[27], t.acc[28], t.acc[29], t.acc[30], t.acc[31]);
  }
}

// N % 4 == 0 (every ViT product): the epilogue through the vec4 views.
@compute @workgroup_size(SG)
fn tileA4(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let t = tileAProducts(wg, lane);
  epilogueRowsV(t.batch, t.m0, t.nb, t.acc[0], t.acc[1], t.acc[2], t.acc[3], t.acc[4], t.acc[5], t.acc[6], t.acc[7]);
  epilogueRowsV(t.batch, t.m0 + 8u, t.nb, t.acc[8], t.acc[9], t.acc[10], t.acc[11], t.acc[12], t.acc[13], t.acc[14], t.acc[15]);
  if (TM_A == 32u) {
    epilogueRowsV(t.batch, t.m0 + 16u, t.nb, t.acc[16], t.acc[17], t.acc[18], t.acc[19], t.acc[20], t.acc[21], t.acc[22], t.acc[23]);
    epilogueRowsV(t.batch, t.m0 + 24u, t.nb, t.acc[24], t.acc[25], t.acc[26], t.acc[27], t.acc[28], t.acc[29], t.acc[30], t.acc[31]);
  }
}
