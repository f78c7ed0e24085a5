// merge: fold a LoRA component stack into a dense weight, W = W0 + Σ_k s_k·U_k·D_k (s_k = α_k/n_k, given).
// The only kernel that forms a dOut×dIn matrix (evaluation, or folding components permanently).
// Shapes: uCat (dOut, R), dCat (R, dIn), scales (K), offsets (K+1) u32 (component k = columns/rows
//   [offsets[k], offsets[k+1]) of U_cat/D_cat). W is a block of a wider row-major weight: element (o, i)
//   is w[(rowOffset + o)·wStride + colOffset + i] (timm's fused qkv weight is (3C, C), PyTorch (out, in):
//   q = rows [0, C), v = rows [2C, 3C)); w0 has the same layout as w.
// Entry points: `merge` writes w = w0 + ΔW (w0 untouched), `mergeInPlace` does w += ΔW (scales may be
//   negative to unmerge). `mergeSitesBoth` does w += ΔW and wT += ΔWᵀ on a transposed copy wT (wStride, wRows) of w
//   (the forward's (in, out) weight on software GPUs, kept without a transpose per step), for several sites at once
//   (grid z = site, one site a merge of its own): site s takes its U_cat, D_cat at element offsets of uCat, dCat, its
//   scales at an offset of `scales` and its block at offsets of w, wT, from `sites` (6 u32 per site: w, wT, U, D and
//   scales offsets, rowOffset); dOut, dIn, the ranks, colOffset, wStride and wRows are shared. For a model whose
//   adapted weights and factors live in packed buffers (one dispatch a step instead of one a site).
// Dispatch: one workgroup = one subgroup of SG lanes owns TM rows o × SG·TN columns i (lane l owns
//   columns l + SG·j); the reduction over R walks each component's columns in slabs of SG, scaling the
//   broadcast U values by s_k, so the ΔW of each component is never stored. Grid (ceil(dIn/(SG·TN)),
//   ceil(dOut/TM)). No workgroup memory, no barriers (see shaders/lora.wgsl for the tile design).
// mergeSitesBoth4: the same by vec4s (4 adjacent columns a lane), bit-identical, where every shape and offset is a multiple of 4.
// No backward: merged weights are not trained through.

enable subgroups;

const TM: u32 = 8u;
const TN: u32 = 2u;
override SG: u32 = 8u;

struct Dims {
  dOut: u32,
  dIn: u32,
  R: u32,
  K: u32,
  wStride: u32,
  rowOffset: u32,
  colOffset: u32,
  wRows: u32, // rows of w (mergeSitesBoth: the row stride of wT)
}

@group(0) @binding(0) var<storage, read_write> w: array<f32>; // (rows ≥ rowOffset + dOut, wStride)
@group(0) @binding(1) var<storage, read> w0: array<f32>; // same layout as w
@group(0) @binding(2) var<storage, read> uCat: array<f32>; // (dOut, R)
@group(0) @binding(3) var<storage, read> dCat: array<f32>; // (R, dIn)
@group(0) @binding(4) var<storage, read> scales: array<f32>; // (K)
@group(0) @binding(5) var<storage, read> offsets: array<u32>; // (K+1)
@group(0) @binding(6) var<uniform> dims: Dims;
@group(0) @binding(7) var<storage, read_write> wT: array<f32>; // (wStride, wRows): wᵀ (mergeSitesBoth)
@group(0) @binding(8) var<storage, read> sites: array<u32>; // (sites, 6) (mergeSitesBoth)
// mergeSitesBoth4 reads D_cat as texels (GpuContext copies the tensor into a texture, TW texels a row; the frozen
// stack's, which does not change, once): one load for all lanes where a storage-buffer vec4 is a per-lane loop.
@group(0) @binding(9) var tdCat: texture_storage_2d<rgba32float, read>;
override TW: u32 = 1024u;
// w, wT and dCat seen as vec4s, for mergeSitesBoth4. An entry point uses one view of a binding or the other, never both.
@group(0) @binding(0) var<storage, read_write> w4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> wT4: array<vec4<f32>>;

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

// ΔW tile: acc[i·TN + j] = Σ_k s_k Σ_{c∈k} U[o0 + i][c]·D[c][iBase + SG·j].
fn delta(lane: u32, o0: u32, iBase: u32) -> array<f32, 16> { return deltaAt(lane, o0, iBase, 0u, 0u, 0u); }

// The same with U_cat at element uBase of uCat, D_cat at dBase of dCat and the scales from sBase of scales.
fn deltaAt(lane: u32, o0: u32, iBase: u32, uBase: u32, dBase: u32, sBase: u32) -> array<f32, 16> {
  var acc: array<f32, 16>;
  for (var i = 0u; i < TM * TN; i++) { acc[i] = 0.0; }
  for (var k = 0u; k < dims.K; k++) {
    let s = scales[sBase + k];
    let cEnd = offsets[k + 1u];
    for (var c0 = offsets[k]; c0 < cEnd; c0 += SG) {
      let c = c0 + lane;
      let cc = min(c, cEnd - 1u);
      let sl = select(0.0, s, c < cEnd); // lanes past the component's end contribute nothing
      var a: array<f32, 8>;
      for (var i = 0u; i < TM; i++) { a[i] = sl * uCat[uBase + min(o0 + i, dims.dOut - 1u) * dims.R + cc]; }
      var b: array<f32, 16>;
      for (var kk = 0u; kk < SG; kk++) {
        let cb = min(c0 + kk, cEnd - 1u);
        for (var j = 0u; j < TN; j++) { b[kk * TN + j] = dCat[dBase + cb * dims.dIn + min(iBase + j * SG, dims.dIn - 1u)]; }
      }
      slab(&acc, a, b);
    }
  }
  return acc;
}

fn at(o: u32, i: u32) -> u32 { return (dims.rowOffset + o) * dims.wStride + dims.colOffset + i; }

@compute @workgroup_size(SG)
fn merge(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let o0 = wg.y * TM;
  let iBase = wg.x * SG * TN + lane;
  let acc = delta(lane, o0, iBase);
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = iBase + j * SG;
      if (o0 + i < dims.dOut && col < dims.dIn) { w[at(o0 + i, col)] = w0[at(o0 + i, col)] + acc[i * TN + j]; }
    }
  }
}

@compute @workgroup_size(SG)
fn mergeInPlace(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let o0 = wg.y * TM;
  let iBase = wg.x * SG * TN + lane;
  let acc = delta(lane, o0, iBase);
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = iBase + j * SG;
      if (o0 + i < dims.dOut && col < dims.dIn) { w[at(o0 + i, col)] = w[at(o0 + i, col)] + acc[i * TN + j]; }
    }
  }
}

@compute @workgroup_size(SG)
fn mergeSitesBoth(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let o0 = wg.y * TM;
  let iBase = wg.x * SG * TN + lane;
  let e = 6u * wg.z;
  let wBase = sites[e];
  let wTBase = sites[e + 1u];
  let row0 = sites[e + 5u];
  let acc = deltaAt(lane, o0, iBase, sites[e + 2u], sites[e + 3u], sites[e + 4u]);
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = iBase + j * SG;
      if (o0 + i < dims.dOut && col < dims.dIn) {
        let a = wBase + (row0 + o0 + i) * dims.wStride + dims.colOffset + col;
        w[a] = w[a] + acc[i * TN + j];
        let t = wTBase + (dims.colOffset + col) * dims.wRows + row0 + o0 + i;
        wT[t] = wT[t] + acc[i * TN + j];
      }
    }
  }
}

// mergeSitesBoth by vec4s: lane l owns the 4 adjacent columns i0 = 4·(wg.x·SG + l) .. i0+3 of TM rows, so D is read
// one vec4 per k, w is updated one vec4 per row and wT one vec4 per 4 rows of a column (the scalar entry: 2 columns
// SG apart, every access a scalar). Each element's sum runs in the same order as in deltaAt (the same fma chain), so
// the results are bit-identical to mergeSitesBoth's. Needs dOut, dIn, wStride, colOffset, wRows, every site's row
// offset and every element offset a multiple of 4 (the launcher checks). Grid (ceil(dIn/(4·SG)), ceil(dOut/TM), sites).
@compute @workgroup_size(SG)
fn mergeSitesBoth4(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let o0 = wg.y * TM;
  let i0 = 4u * (wg.x * SG + lane);
  let e = 6u * wg.z;
  let wBase = sites[e];
  let wTBase = sites[e + 1u];
  let uBase = sites[e + 2u];
  let dBase = sites[e + 3u];
  let sBase = sites[e + 4u];
  let row0 = sites[e + 5u];
  let iq = min(i0, dims.dIn - 4u); // lanes past dIn read the last vec4 and store nothing
  var acc: array<vec4<f32>, 8>;
  for (var i = 0u; i < TM; i++) { acc[i] = vec4<f32>(0.0); }
  for (var k = 0u; k < dims.K; k++) {
    let s = scales[sBase + k];
    let cEnd = offsets[k + 1u];
    for (var c0 = offsets[k]; c0 < cEnd; c0 += SG) {
      let c = c0 + lane;
      let cc = min(c, cEnd - 1u);
      let sl = select(0.0, s, c < cEnd);
      var a: array<f32, 8>;
      for (var i = 0u; i < TM; i++) { a[i] = sl * uCat[uBase + min(o0 + i, dims.dOut - 1u) * dims.R + cc]; }
      for (var kk = 0u; kk < SG; kk++) {
        let cb = min(c0 + kk, cEnd - 1u);
        let ti = (dBase + cb * dims.dIn + iq) / 4u;
        let d = textureLoad(tdCat, vec2<i32>(i32(ti % TW), i32(ti / TW)));
        for (var i = 0u; i < TM; i++) { acc[i] = fma(vec4<f32>(subgroupShuffle(a[i], kk)), d, acc[i]); }
      }
    }
  }
  if (i0 < dims.dIn) {
    for (var i = 0u; i < TM; i++) {
      if (o0 + i < dims.dOut) {
        let a = (wBase + (row0 + o0 + i) * dims.wStride + dims.colOffset + i0) / 4u;
        w4[a] = w4[a] + acc[i];
      }
    }
    for (var h = 0u; h < TM; h += 4u) {
      if (o0 + h < dims.dOut) {
        for (var j = 0u; j < 4u; j++) {
          let t = (wTBase + (dims.colOffset + i0 + j) * dims.wRows + row0 + o0 + h) / 4u;
          wT4[t] = wT4[t] + vec4<f32>(acc[h][j], acc[h + 1u][j], acc[h + 2u][j], acc[h + 3u][j]);
        }
      }
    }
  }
}
