// lora: the low-rank path of SD-LoRA for a stack of K components, never forming a dOut×dIn matrix.
//   forward   y[:, slice] += Σ_k s_k·(x·D_kᵀ)·U_kᵀ          (spec §4.1, §4.3)
// Components are concatenated: D_cat = [D_0; D_1; …] (R, dIn), U_cat = [U_0 U_1 …] (dOut, R), R = Σ r_k;
// component k owns rows/columns [offsets[k], offsets[k+1]) so ranks may differ (SD-LoRA-RR).
// Shapes: x, dx (T, dIn); y, g: (T, ·) row stride outStride, the op's columns start at outOffset (timm's
//   fused qkv: q = columns [0, C), v = [2C, 3C)); h, gu (T, R); scales (K); offsets (K+1) u32;
//   colScale (R) = s of the component owning each column; dU (dOut, r_t); dD (r_t, dIn);
//   partial (ceil(T/TM), R) per-row-tile column sums of gu ⊙ h; p (K).
// Backward (g = dL/dy on the slice; gu = g·U_cat, unscaled):
//   dx += (gu ⊙ colScale)·D_cat                      = Σ_k s_k (g U_k) D_k
//   dU_t = s_t·gᵀ·h_t                                 (dOut, r_t), columns of h owned by component t
//   dD_t = s_t·gu_tᵀ·x                                (r_t, dIn)
//   p_k  = ⟨g U_k, h_k⟩_F = Σ_{rows, j∈k} gu ⊙ h     then dα_k = p_k·∂s_k/∂α_k (caller, summed over blocks)
//   (gradProject also writes each row tile's column sums of gu ⊙ h; alphaReduce adds them per component.)
// projectGradSites and gradFactorsSites do project + gradProject and gradFactors for several sites that share x and g (the
// q, k, v slices of one fused qkv), one trainable component each, in one dispatch each (grid z = site): each site's
// D, U (in uCat/dCat: a packed buffer), h and gu blocks, α partials and dU, dD (in dF: a packed buffer) sit at the
// element offsets of its row of `sites`.
//
// Dispatch of the six product kernels: one workgroup = one subgroup of SG lanes (SG = the device's subgroup
// size, 8 on lavapipe, 4 on SwiftShader). A workgroup owns a TM-row × (SG·TN)-column output tile; lane l
// owns columns l + SG·j. The reduction runs in slabs of SG: every lane loads one A element per tile row
// and the SG values are redistributed with subgroupShuffle (constant lane after unrolling: an
// extract+splat on llvmpipe), so each A load is shared by SG lanes and each B load feeds TM FMAs.
// No workgroup memory, no barriers (both are slow on llvmpipe, see docs/webgpu-env.md §3). Out-of-range
// rows/columns are clamped on load (zeroed on the A side) and only the final stores are guarded.
// Grid: (ceil(columns/(SG·TN)), ceil(rows/TM)). SG ≤ 8 (the register arrays hold 8 lanes' slab); where
// subgroups are wider, a workgroup of 8 is one partial subgroup, which is still correct.
// Measured (lavapipe, T=1576, d=192, contended 2-core machine): forward+backward ≈ 2–3 GFLOP per CPU-second,
// 4–5× a one-output-per-invocation kernel; at small R the y/dx read-modify-write dominates.

enable subgroups;

const TM: u32 = 8u; // tile rows per workgroup
const TN: u32 = 2u; // columns per lane
override SG: u32 = 8u; // subgroup size = workgroup size
override WG: u32 = 64u; // workgroup size of the small elementwise/reduction kernels

// The shape fields of `dims` as pipeline constants where the launcher fixes them (0: read `dims`): the grouped
// kernels of a model's step run with one shape every time, and constant loop bounds and clamps fold away on
// llvmpipe (a small32 step's LoRA backward: bench/README.md).
override FIX_T: u32 = 0u;
override FIX_IN: u32 = 0u;
override FIX_OUT: u32 = 0u;
override FIX_R: u32 = 0u;
override FIX_STRIDE: u32 = 0u;
fn nT() -> u32 { if (FIX_T != 0u) { return FIX_T; } return dims.T; }
fn nIn() -> u32 { if (FIX_IN != 0u) { return FIX_IN; } return dims.dIn; }
fn nOut() -> u32 { if (FIX_OUT != 0u) { return FIX_OUT; } return dims.dOut; }
fn nR() -> u32 { if (FIX_R != 0u) { return FIX_R; } return dims.R; }
fn nStride() -> u32 { if (FIX_STRIDE != 0u) { return FIX_STRIDE; } return dims.outStride; }

struct Dims {
  T: u32,
  dIn: u32,
  dOut: u32,
  R: u32,
  K: u32,
  outStride: u32, // row stride of y / g
  outOffset: u32, // first column of the op in y / g
  comp: u32, // trainable component t
  compOffset: u32, // offsets[t], host copy (sizes the grid)
  compRank: u32, // r_t
  accumulate: u32, // 1: dx/dU/dD += result, 0: overwrite
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>; // (T, outStride)
@group(0) @binding(1) var<storage, read_write> h: array<f32>; // (T, R)
@group(0) @binding(2) var<storage, read_write> gu: array<f32>; // (T, R)
@group(0) @binding(3) var<storage, read_write> dx: array<f32>; // (T, dIn)
@group(0) @binding(4) var<storage, read_write> dU: array<f32>; // (dOut, r_t)
@group(0) @binding(5) var<storage, read_write> dD: array<f32>; // (r_t, dIn)
@group(0) @binding(6) var<storage, read_write> partial: array<f32>; // (ceil(T/TM), R)
@group(0) @binding(7) var<storage, read_write> p: array<f32>; // (K)
@group(0) @binding(8) var<storage, read_write> colScale: array<f32>; // (R)
@group(0) @binding(9) var<storage, read> x: array<f32>; // (T, dIn)
@group(0) @binding(10) var<storage, read> g: array<f32>; // (T, outStride)
@group(0) @binding(11) var<storage, read> dCat: array<f32>; // (R, dIn)
@group(0) @binding(12) var<storage, read> uCat: array<f32>; // (dOut, R)
@group(0) @binding(13) var<storage, read> scales: array<f32>; // (K)
@group(0) @binding(14) var<storage, read> offsets: array<u32>; // (K+1)
@group(0) @binding(15) var<uniform> dims: Dims;
@group(0) @binding(16) var<storage, read_write> dF: array<f32>; // every site's dU and dD (…Sites)
@group(0) @binding(17) var<storage, read> sites: array<u32>; // (sites, 8): see Site
@group(0) @binding(18) var tx: texture_storage_2d<rgba32float, read>; // projectGradRows: x's storage as texels (TW a texture row)
@group(0) @binding(19) var tg: texture_storage_2d<rgba32float, read>; // projectGradRows: g's storage as texels
override TW: u32 = 1024u;

// acc[i·TN + j] += Σ_kk A[i][kk]·b[kk][j] over one slab; a[i] is this lane's A element of row i (column
// k0 + lane of the slab), b holds this lane's B row for every kk (b[kk·TN + j]).
fn slab(acc: ptr<function, array<f32, 16>>, a: array<f32, 8>, b: array<f32, 16>) {
  for (var kk = 0u; kk < SG; kk++) {
    for (var i = 0u; i < TM; i++) {
      let ai = subgroupShuffle(a[i], kk);
      for (var j = 0u; j < TN; j++) {
        (*acc)[i * TN + j] = fma(ai, b[kk * TN + j], (*acc)[i * TN + j]);
      }
    }
  }
}

fn zeroIfOut(v: f32, inRange: bool) -> f32 { return select(0.0, v, inRange); }

// ---------------------------------------------------------------- forward

// colScale[j] = scales[k] for offsets[k] ≤ j < offsets[k+1]. 1-D over R.
@compute @workgroup_size(WG)
fn columnScales(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= nR()) { return; }
  var s = 0.0;
  for (var k = 0u; k < dims.K; k++) {
    if (j >= offsets[k] && j < offsets[k + 1u]) { s = scales[k]; }
  }
  colScale[j] = s;
}

// h = x·D_catᵀ: rows t, columns j (lanes), reduction over dIn.
@compute @workgroup_size(SG)
fn project(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let t0 = wg.y * TM;
  let jBase = wg.x * SG * TN + lane;
  storeH(t0, jBase, projectTile(t0, jBase, lane, 0u), 0u);
}

// h[hBase + …] of a tile.
fn storeH(t0: u32, jBase: u32, acc: array<f32, 16>, hBase: u32) {
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = jBase + j * SG;
      if (t0 + i < nT() && col < nR()) { h[hBase + (t0 + i) * nR() + col] = acc[i * TN + j]; }
    }
  }
}

// This lane's part of the h tile at rows t0…, columns jBase + SG·j, D_cat at element dBase of dCat.
fn projectTile(t0: u32, jBase: u32, lane: u32, dBase: u32) -> array<f32, 16> {
  var acc: array<f32, 16>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  for (var k0 = 0u; k0 < nIn(); k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, nIn() - 1u);
    var a: array<f32, 8>;
    for (var i = 0u; i < TM; i++) {
      a[i] = zeroIfOut(x[min(t0 + i, nT() - 1u) * nIn() + kc], k < nIn());
    }
    var b: array<f32, 16>;
    for (var kk = 0u; kk < SG; kk++) {
      let kb = min(k0 + kk, nIn() - 1u);
      for (var j = 0u; j < TN; j++) {
        b[kk * TN + j] = dCat[dBase + min(jBase + j * SG, nR() - 1u) * nIn() + kb];
      }
    }
    slab(&acc, a, b);
  }
  return acc;
}

// y[:, outOffset + o] += Σ_j h[t][j]·colScale[j]·U_cat[o][j]: rows t, columns o (lanes), reduction over R.
@compute @workgroup_size(SG)
fn expand(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let t0 = wg.y * TM;
  let oBase = wg.x * SG * TN + lane;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < nR(); k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, nR() - 1u);
    let s = zeroIfOut(colScale[kc], k < nR());
    var a: array<f32, 8>;
    for (var i = 0u; i < TM; i++) { a[i] = s * h[min(t0 + i, nT() - 1u) * nR() + kc]; }
    var b: array<f32, 16>;
    for (var kk = 0u; kk < SG; kk++) {
      let kb = min(k0 + kk, nR() - 1u);
      for (var j = 0u; j < TN; j++) {
        b[kk * TN + j] = uCat[min(oBase + j * SG, nOut() - 1u) * nR() + kb];
      }
    }
    slab(&acc, a, b);
  }
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = oBase + j * SG;
      if (t0 + i < nT() && col < nOut()) {
        let at = (t0 + i) * nStride() + dims.outOffset + col;
        y[at] = y[at] + acc[i * TN + j];
      }
    }
  }
}

// ---------------------------------------------------------------- backward

// gu = g[:, slice]·U_cat (unscaled): rows t, columns j (lanes), reduction over dOut.
@compute @workgroup_size(SG)
fn gradProject(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let t0 = wg.y * TM;
  let jBase = wg.x * SG * TN + lane;
  let acc = guTile(t0, jBase, lane, 0u, dims.outOffset);
  // Fused α partial sums: this tile's column sums of gu ⊙ h, so gu is never re-read for p.
  for (var j = 0u; j < TN; j++) {
    let col = jBase + j * SG;
    let cc = min(col, nR() - 1u);
    var colSum = 0.0;
    for (var i = 0u; i < TM; i++) {
      let v = acc[i * TN + j];
      if (t0 + i < nT() && col < nR()) { gu[(t0 + i) * nR() + col] = v; }
      colSum = fma(select(0.0, v, t0 + i < nT()), h[min(t0 + i, nT() - 1u) * nR() + cc], colSum);
    }
    if (col < nR()) { partial[wg.y * nR() + col] = colSum; }
  }
}

// Where one site's tensors start (elements) in the bindings the `…Sites` entry points share with its group: D in
// dCat, U in uCat, its first column of g, h and gu (same offset in each), its α partials, dU and dD in dF; and the
// row of p its K inner products go to (alphaReduceSites).
struct Site { d: u32, u: u32, outOffset: u32, hg: u32, partial: u32, dU: u32, dD: u32, pRow: u32 }

fn siteAt(s: u32) -> Site {
  let e = 8u * s;
  return Site(sites[e], sites[e + 1u], sites[e + 2u], sites[e + 3u], sites[e + 4u], sites[e + 5u], sites[e + 6u], sites[e + 7u]);
}

// project and gradProject for several sites sharing x and g (the q, k, v slices of one fused qkv output) in one
// dispatch, h kept in registers for the partial sums (a model that merges its components into the weight needs h
// only in backward): grid z = site, each site's offsets from `sites` (8 u32 per site, see Site); R columns per site,
// one component or a stack (the partial sums are per column either way).
@compute @workgroup_size(SG)
fn projectGradSites(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let st = siteAt(wg.z);
  let t0 = wg.y * TM;
  let jBase = wg.x * SG * TN + lane;
  let hAcc = projectTile(t0, jBase, lane, st.d);
  storeH(t0, jBase, hAcc, st.hg);
  let acc = guTile(t0, jBase, lane, st.u, st.outOffset);
  for (var j = 0u; j < TN; j++) {
    let col = jBase + j * SG;
    var colSum = 0.0;
    for (var i = 0u; i < TM; i++) {
      let v = acc[i * TN + j];
      if (t0 + i < nT() && col < nR()) { gu[st.hg + (t0 + i) * nR() + col] = v; }
      colSum = fma(select(0.0, v, t0 + i < nT()), hAcc[i * TN + j], colSum);
    }
    if (col < nR()) { partial[st.partial + wg.y * nR() + col] = colSum; }
  }
}

// projectGradSites with rows per lane, for SG = TM = 8 and R ≤ RMAX (a model's trainable component): lane l owns
// rows t = 16·wg.y + l and t + 8 and keeps their R values of h and of gu in registers. Its rows of x (or of g's
// slice) are read as texels, two per row and 8 values of k; the factors are shared: for each 8 values of k, lane l
// loads D[j][k0 + l] (or U[k0 + l][j]) for every j and subgroupShuffle hands value kk to every lane, where it feeds
// both rows. Per 8 values of k a lane makes 4 texel fetches and R loads for 16·R multiply-adds; projectGradSites'
// tiles (8 rows × 16 columns, R of them used) make 24 loads for 128. The partial sums of gu ⊙ h over each 8 rows are
// one subgroupAdd per column. Needs dIn, g's row stride and every site's outOffset to be multiples of 4 (whole texels).
const RMAX = 16u;

fn texelOf(t: texture_storage_2d<rgba32float, read>, i: u32) -> vec4<f32> { return textureLoad(t, vec2<i32>(i32(i % TW), i32(i / TW))); }

// Rows tA and tB of op(A)·F for projectGradRows: A's rows are `cols` values from texel column `first` of a texture
// with `rowTexels` texels a row, F's element (k, j) is dCat[fBase + k·fk + j·fj] (D: (fk, fj) = (1, dIn); U: (R, 1)).
struct RowPair { a: array<f32, RMAX>, b: array<f32, RMAX> }

fn rowsTimesFactor(t: texture_storage_2d<rgba32float, read>, tA: u32, tB: u32, rowTexels: u32, first: u32, last: u32, cols: u32, fBase: u32, fk: u32, fj: u32, lane: u32) -> RowPair {
  let R = nR();
  var out: RowPair;
  for (var j = 0u; j < RMAX; j++) { out.a[j] = 0.0; out.b[j] = 0.0; }
  for (var k0 = 0u; k0 < cols; k0 += SG) {
    let kl = min(k0 + lane, cols - 1u);
    var f: array<f32, RMAX>;
    for (var j = 0u; j < R; j++) { f[j] = select(0.0, dCat[fBase + kl * fk + j * fj], k0 + lane < cols); }
    let aLo = texelOf(t, min(tA * rowTexels + first + k0 / 4u, last));
    let aHi = texelOf(t, min(tA * rowTexels + first + k0 / 4u + 1u, last));
    let bLo = texelOf(t, min(tB * rowTexels + first + k0 / 4u, last));
    let bHi = texelOf(t, min(tB * rowTexels + first + k0 / 4u + 1u, last));
    for (var kk = 0u; kk < SG; kk++) {
      let va = select(aHi[kk % 4u], aLo[kk % 4u], kk < 4u);
      let vb = select(bHi[kk % 4u], bLo[kk % 4u], kk < 4u);
      for (var j = 0u; j < R; j++) {
        let fv = subgroupShuffle(f[j], kk);
        out.a[j] = fma(va, fv, out.a[j]);
        out.b[j] = fma(vb, fv, out.b[j]);
      }
    }
  }
  return out;
}

@compute @workgroup_size(SG)
fn projectGradRows(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let st = siteAt(wg.z);
  let R = nR();
  // Two rows a lane, SG apart: each shuffled factor value feeds both.
  let rowA = 2u * wg.y * SG + lane;
  let rowB = rowA + SG;
  let tA = min(rowA, nT() - 1u);
  let tB = min(rowB, nT() - 1u);
  // h[t][j] = Σ_k x[t][k]·D[j][k];  gu[t][j] = Σ_o g[t][outOffset + o]·U[o][j]. Texels past a tensor's end are never
  // fetched (their values would be 0·garbage).
  let hs = rowsTimesFactor(tx, tA, tB, nIn() / 4u, 0u, nT() * nIn() / 4u - 1u, nIn(), st.d, 1u, nIn(), lane);
  let gus = rowsTimesFactor(tg, tA, tB, nStride() / 4u, st.outOffset / 4u, nT() * nStride() / 4u - 1u, nOut(), st.u, R, 1u, lane);
  let liveA = rowA < nT();
  let liveB = rowB < nT();
  let tiles = (nT() + SG - 1u) / SG; // partial rows: one per SG (= TM) rows
  for (var j = 0u; j < R; j++) {
    if (liveA) {
      h[st.hg + tA * R + j] = hs.a[j];
      gu[st.hg + tA * R + j] = gus.a[j];
    }
    if (liveB) {
      h[st.hg + tB * R + j] = hs.b[j];
      gu[st.hg + tB * R + j] = gus.b[j];
    }
    let sumA = subgroupAdd(select(0.0, hs.a[j] * gus.a[j], liveA));
    let sumB = subgroupAdd(select(0.0, hs.b[j] * gus.b[j], liveB));
    if (lane == 0u) {
      partial[st.partial + 2u * wg.y * R + j] = sumA;
      if (2u * wg.y + 1u < tiles) { partial[st.partial + (2u * wg.y + 1u) * R + j] = sumB; }
    }
  }
}

// gradFactorsSites for the groups projectGradRows takes: dU = s·g_sliceᵀ·h and dD = s·guᵀ·x with lane l owning the 4
// columns of one texel (dU: o = 4q … 4q+3 of the slice; dD: i = 4q … 4q+3 of x), q = SG·(its column block) + l, and
// all R rows of the factor in registers (vec4 each). Over t in steps of 8: lane l loads row t0 + l of h (or gu) and
// subgroupShuffle hands row t0 + kk to every lane, each fetch of g's (or x's) texel feeds 4·R multiply-adds.
// Grid: (⌈dOut/(4·SG)⌉ dU column blocks then ⌈dIn/(4·SG)⌉ dD ones, 1, site).
@compute @workgroup_size(SG)
fn gradFactorsRows(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let st = siteAt(wg.z);
  let R = nR();
  let nU = (nOut() + 4u * SG - 1u) / (4u * SG);
  let isU = wg.x < nU;
  let q = select(wg.x - nU, wg.x, isU) * SG + lane; // the lane's texel column
  let cols = select(nIn(), nOut(), isU);
  let rowTexels = select(nIn(), nStride(), isU) / 4u;
  let first = select(0u, st.outOffset / 4u, isU) + min(q, cols / 4u - 1u);
  var acc: array<vec4<f32>, RMAX>;
  for (var j = 0u; j < RMAX; j++) { acc[j] = vec4<f32>(0.0); }
  for (var t0 = 0u; t0 < nT(); t0 += SG) {
    let tl = min(t0 + lane, nT() - 1u);
    var f: array<f32, RMAX>; // row t0 + lane of h (dU) or gu (dD), 0 past T
    // isU is the workgroup's: one of h and gu is read (a select would load both).
    let live = t0 + lane < nT();
    if (isU) {
      for (var j = 0u; j < R; j++) { f[j] = select(0.0, h[st.hg + tl * R + j], live); }
    } else {
      for (var j = 0u; j < R; j++) { f[j] = select(0.0, gu[st.hg + tl * R + j], live); }
    }
    for (var kk = 0u; kk < SG; kk++) {
      let t = min(t0 + kk, nT() - 1u);
      var v: vec4<f32>;
      if (isU) { v = texelOf(tg, t * rowTexels + first); } else { v = texelOf(tx, t * rowTexels + first); }
      for (var j = 0u; j < R; j++) { acc[j] = fma(vec4<f32>(subgroupShuffle(f[j], kk)), v, acc[j]); }
    }
  }
  let s = scales[0];
  let keep = dims.accumulate != 0u;
  if (4u * q >= cols) { return; }
  for (var j = 0u; j < R; j++) {
    for (var c = 0u; c < 4u; c++) {
      var at: u32;
      if (isU) { at = st.dU + (4u * q + c) * R + j; } else { at = st.dD + j * nIn() + 4u * q + c; }
      dF[at] = select(0.0, dF[at], keep) + s * acc[j][c];
    }
  }
}

// This lane's part of the gu tile at rows t0…, columns jBase + SG·j: U_cat at element uBase of uCat, the op's
// columns of g from outOffset.
fn guTile(t0: u32, jBase: u32, lane: u32, uBase: u32, outOffset: u32) -> array<f32, 16> {
  var acc: array<f32, 16>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  for (var k0 = 0u; k0 < nOut(); k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, nOut() - 1u);
    var a: array<f32, 8>;
    for (var i = 0u; i < TM; i++) {
      a[i] = zeroIfOut(g[min(t0 + i, nT() - 1u) * nStride() + outOffset + kc], k < nOut());
    }
    var b: array<f32, 16>;
    for (var kk = 0u; kk < SG; kk++) {
      let kb = min(k0 + kk, nOut() - 1u);
      for (var j = 0u; j < TN; j++) {
        b[kk * TN + j] = uCat[uBase + kb * nR() + min(jBase + j * SG, nR() - 1u)];
      }
    }
    slab(&acc, a, b);
  }
  return acc;
}

// dx (+)= (gu ⊙ colScale)·D_cat: rows t, columns i (lanes), reduction over R.
@compute @workgroup_size(SG)
fn gradInput(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let t0 = wg.y * TM;
  let iBase = wg.x * SG * TN + lane;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < nR(); k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, nR() - 1u);
    let s = zeroIfOut(colScale[kc], k < nR());
    var a: array<f32, 8>;
    for (var i = 0u; i < TM; i++) { a[i] = s * gu[min(t0 + i, nT() - 1u) * nR() + kc]; }
    var b: array<f32, 16>;
    for (var kk = 0u; kk < SG; kk++) {
      let kb = min(k0 + kk, nR() - 1u);
      for (var j = 0u; j < TN; j++) {
        b[kk * TN + j] = dCat[kb * nIn() + min(iBase + j * SG, nIn() - 1u)];
      }
    }
    slab(&acc, a, b);
  }
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = iBase + j * SG;
      if (t0 + i < nT() && col < nIn()) {
        let at = (t0 + i) * nIn() + col;
        dx[at] = select(0.0, dx[at], dims.accumulate != 0u) + acc[i * TN + j];
      }
    }
  }
}

// dU[o][a] (+)= s_t·Σ_t h[t][off_t + a]·g[t][o]: rows a (of r_t), columns o (lanes), reduction over T.
@compute @workgroup_size(SG)
fn gradU(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) { gradUTile(lane, wg.x, wg.y); }

// dD[a][i] (+)= s_t·Σ_t gu[t][off_t + a]·x[t][i]: rows a (of r_t), columns i (lanes), reduction over T.
@compute @workgroup_size(SG)
fn gradD(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) { gradDTile(lane, wg.x, wg.y); }

// gradU and gradD in one dispatch (each costs ~0.1 ms before any work on a software GPU): the first
// ⌈dOut/(SG·TN)⌉ column tiles of the grid are dU's, the rest dD's.
@compute @workgroup_size(SG)
fn gradFactors(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let nU = (nOut() + SG * TN - 1u) / (SG * TN);
  if (wg.x < nU) { gradUTile(lane, wg.x, wg.y); } else { gradDTile(lane, wg.x - nU, wg.y); }
}

fn gradUTile(lane: u32, wx: u32, wy: u32) {
  let a0 = wy * TM;
  let oBase = wx * SG * TN + lane;
  let acc = gradUAcc(lane, a0, oBase, dims.compOffset, dims.outOffset);
  let s = scales[dims.comp];
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = oBase + j * SG;
      if (a0 + i < dims.compRank && col < nOut()) {
        let at = col * dims.compRank + a0 + i;
        dU[at] = select(0.0, dU[at], dims.accumulate != 0u) + s * acc[i * TN + j];
      }
    }
  }
}

// Σ_t h[t][hCol + a]·g[t][outOffset + o] for this lane's rows a0… (of r_t), columns oBase + SG·j (h at hCol: the
// component's first column, plus a site's offset in the …Sites entry points).
fn gradUAcc(lane: u32, a0: u32, oBase: u32, hCol: u32, outOffset: u32) -> array<f32, 16> {
  var acc: array<f32, 16>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  for (var k0 = 0u; k0 < nT(); k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, nT() - 1u);
    var a: array<f32, 8>;
    for (var i = 0u; i < TM; i++) {
      a[i] = zeroIfOut(h[kc * nR() + hCol + min(a0 + i, dims.compRank - 1u)], k < nT());
    }
    var b: array<f32, 16>;
    for (var kk = 0u; kk < SG; kk++) {
      let kb = min(k0 + kk, nT() - 1u);
      for (var j = 0u; j < TN; j++) {
        b[kk * TN + j] = g[kb * nStride() + outOffset + min(oBase + j * SG, nOut() - 1u)];
      }
    }
    slab(&acc, a, b);
  }
  return acc;
}

fn gradDTile(lane: u32, wx: u32, wy: u32) {
  let a0 = wy * TM;
  let iBase = wx * SG * TN + lane;
  let acc = gradDAcc(lane, a0, iBase, dims.compOffset);
  let s = scales[dims.comp];
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = iBase + j * SG;
      if (a0 + i < dims.compRank && col < nIn()) {
        let at = (a0 + i) * nIn() + col;
        dD[at] = select(0.0, dD[at], dims.accumulate != 0u) + s * acc[i * TN + j];
      }
    }
  }
}

// Σ_t gu[t][guCol + a]·x[t][i] for this lane's rows a0… (of r_t), columns iBase + SG·j.
fn gradDAcc(lane: u32, a0: u32, iBase: u32, guCol: u32) -> array<f32, 16> {
  var acc: array<f32, 16>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  for (var k0 = 0u; k0 < nT(); k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, nT() - 1u);
    var a: array<f32, 8>;
    for (var i = 0u; i < TM; i++) {
      a[i] = zeroIfOut(gu[kc * nR() + guCol + min(a0 + i, dims.compRank - 1u)], k < nT());
    }
    var b: array<f32, 16>;
    for (var kk = 0u; kk < SG; kk++) {
      let kb = min(k0 + kk, nT() - 1u);
      for (var j = 0u; j < TN; j++) {
        b[kk * TN + j] = x[kb * nIn() + min(iBase + j * SG, nIn() - 1u)];
      }
    }
    slab(&acc, a, b);
  }
  return acc;
}

// gradFactors for the sites of projectGradSites in one dispatch: grid (dU's then dD's column tiles, rows, site);
// every site's dU and dD in one binding dF (a gradients pack) at its offsets; s_t = scales[0] for all (K = 1).
@compute @workgroup_size(SG)
fn gradFactorsSites(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let st = siteAt(wg.z);
  let nU = (nOut() + SG * TN - 1u) / (SG * TN);
  let a0 = wg.y * TM;
  let s = scales[0];
  let keep = dims.accumulate != 0u;
  if (wg.x < nU) {
    let oBase = wg.x * SG * TN + lane;
    let acc = gradUAcc(lane, a0, oBase, st.hg, st.outOffset);
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) {
        let col = oBase + j * SG;
        if (a0 + i < nR() && col < nOut()) {
          let at = st.dU + col * nR() + a0 + i;
          dF[at] = select(0.0, dF[at], keep) + s * acc[i * TN + j];
        }
      }
    }
  } else {
    let iBase = (wg.x - nU) * SG * TN + lane;
    let acc = gradDAcc(lane, a0, iBase, st.hg);
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) {
        let col = iBase + j * SG;
        if (a0 + i < nR() && col < nIn()) {
          let at = st.dD + (a0 + i) * nIn() + col;
          dF[at] = select(0.0, dF[at], keep) + s * acc[i * TN + j];
        }
      }
    }
  }
}

// alphaReduce for every site of a group at once (after projectGradSites with a K-component stack): invocation
// s·K + k writes p[pRow_s·K + k] = Σ_w Σ_{j∈k} of site s's partials. 1-D over sites·K.
@compute @workgroup_size(WG)
fn alphaReduceSites(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  let nSites = arrayLength(&sites) / 8u;
  if (e >= nSites * dims.K) { return; }
  let st = siteAt(e / dims.K);
  let k = e % dims.K;
  let nTiles = (nT() + TM - 1u) / TM;
  let j0 = offsets[k];
  let j1 = offsets[k + 1u];
  var sum = 0.0;
  for (var w = 0u; w < nTiles; w++) {
    for (var j = j0; j < j1; j++) { sum += partial[st.partial + w * nR() + j]; }
  }
  p[st.pRow * dims.K + k] = sum;
}

// p[k] = Σ_w Σ_{j∈k} partial[w][j] over the ceil(T/TM) row tiles of gradProject. One invocation per k.
@compute @workgroup_size(WG)
fn alphaReduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= dims.K) { return; }
  let nTiles = (nT() + TM - 1u) / TM;
  let j0 = offsets[k];
  let j1 = offsets[k + 1u];
  var sum = 0.0;
  for (var w = 0u; w < nTiles; w++) {
    for (var j = j0; j < j1; j++) { sum += partial[w * nR() + j]; }
  }
  p[k] = sum;
}
