// frobenius: norms and inner products of low-rank matrices U_k·D_k through r×r Gram matrices, never forming
// a dOut×dIn product (spec §4.2 normalisation, §11.2 SD-LoRA-KD least squares).
// Input: M matrices (e.g. 24 (block, projection) pairs), each a concatenated component stack
//   U_m = [U_m0 U_m1 …] (dOut, R) at u[m·uStride …], D_m = [D_m0; D_m1; …] (R, dIn) at d[m·dStride …];
//   component k owns columns/rows [offsets[k], offsets[k+1]) (ranks may differ).
// Identities (P_m = U_mᵀU_m, Q_m = D_m D_mᵀ, both (R, R)):
//   ‖U_mk‖² = Σ_{a∈k} P[a][a],  ‖D_mk‖² = Σ_{a∈k} Q[a][a]
//   ⟨U_mj D_mj, U_mk D_mk⟩_F = tr(D_jᵀU_jᵀU_k D_k) = Σ_{a∈j, b∈k} P[a][b]·Q[a][b]   (so ‖U_k D_k‖² is the k,k block)
// Entry points, in order:
//   grams      P (M, R, R), Q (M, R, R). One subgroup of SG lanes per TM × SG·TN tile (lane l owns columns
//              l + SG·j), reduction in slabs of SG with subgroupShuffle (design: shaders/lora.wgsl).
//              Grid (ceil(R/(SG·TN)), ceil(R/TM), 2M): z = 2m for P_m, 2m+1 for Q_m.
//   norms      normProd (M, K) = ‖U_mk‖·‖D_mk‖ (the code's normaliser), normUD (M, K) = ‖U_mk D_mk‖.
//              One invocation per (m, k).
//   blockGram  gram (K, K): G[j][k] = Σ_m w_mj w_mk ⟨U_mj D_mj, U_mk D_mk⟩ with
//              w_mk = weights[k] · (bit k of normalizeMask ? 1/max(normProd[m][k], tiny) : 1).
//              One invocation per (j, k). Normalised basis + unnormalised weighted target (kdMerge
//              "function") is mask = basis bits, weights[t] = α_t.
// No backward (used at task boundaries only).

enable subgroups;

const TM: u32 = 8u;
const TN: u32 = 2u;
const TINY: f32 = 1e-30; // guards 1/‖U‖‖D‖ for an all-zero component (spec §4.2 item 4)
override SG: u32 = 8u;
override WG: u32 = 64u;

struct Dims {
  M: u32,
  dOut: u32,
  dIn: u32,
  R: u32,
  K: u32,
  uStride: u32, // elements between consecutive U_m
  dStride: u32, // elements between consecutive D_m
  normalizeMask: u32,
}

@group(0) @binding(0) var<storage, read_write> gramU: array<f32>; // (M, R, R) P_m = U_mᵀU_m
@group(0) @binding(1) var<storage, read_write> gramD: array<f32>; // (M, R, R) Q_m = D_m D_mᵀ
@group(0) @binding(2) var<storage, read_write> normProd: array<f32>; // (M, K)
@group(0) @binding(3) var<storage, read_write> normUD: array<f32>; // (M, K)
@group(0) @binding(4) var<storage, read_write> gram: array<f32>; // (K, K)
@group(0) @binding(5) var<storage, read> u: array<f32>; // M × (dOut, R), stride uStride
@group(0) @binding(6) var<storage, read> d: array<f32>; // M × (R, dIn), stride dStride
@group(0) @binding(7) var<storage, read> offsets: array<u32>; // (K+1)
@group(0) @binding(8) var<storage, read> weights: array<f32>; // (K)
@group(0) @binding(9) var<uniform> dims: Dims;

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

// P[a][b] = Σ_o U[o][a]·U[o][b] (rows a, columns b, reduction over dOut) or
// Q[a][b] = Σ_i D[a][i]·D[b][i] (reduction over dIn), chosen per workgroup by z's parity (uniform).
@compute @workgroup_size(SG)
fn grams(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let m = wg.z / 2u;
  let isD = (wg.z & 1u) == 1u;
  let a0 = wg.y * TM;
  let bBase = wg.x * SG * TN + lane;
  let R = dims.R;
  let n = select(dims.dOut, dims.dIn, isD);
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < n; k0 += SG) {
    let k = k0 + lane;
    let kc = min(k, n - 1u);
    var a: array<f32, 8>;
    var b: array<f32, 16>;
    if (isD) {
      let base = m * dims.dStride;
      for (var i = 0u; i < TM; i++) { a[i] = select(0.0, d[base + min(a0 + i, R - 1u) * n + kc], k < n); }
      for (var kk = 0u; kk < SG; kk++) {
        let kb = min(k0 + kk, n - 1u);
        for (var j = 0u; j < TN; j++) { b[kk * TN + j] = d[base + min(bBase + j * SG, R - 1u) * n + kb]; }
      }
    } else {
      let base = m * dims.uStride;
      for (var i = 0u; i < TM; i++) { a[i] = select(0.0, u[base + kc * R + min(a0 + i, R - 1u)], k < n); }
      for (var kk = 0u; kk < SG; kk++) {
        let kb = min(k0 + kk, n - 1u);
        for (var j = 0u; j < TN; j++) { b[kk * TN + j] = u[base + kb * R + min(bBase + j * SG, R - 1u)]; }
      }
    }
    slab(&acc, a, b);
  }
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN; j++) {
      let col = bBase + j * SG;
      if (a0 + i < R && col < R) {
        let at = (m * R + a0 + i) * R + col;
        if (isD) { gramD[at] = acc[i * TN + j]; } else { gramU[at] = acc[i * TN + j]; }
      }
    }
  }
}

// Σ_{a∈j, b∈k} P_m[a][b]·Q_m[a][b].
fn blockInner(m: u32, j: u32, k: u32) -> f32 {
  let R = dims.R;
  var s = 0.0;
  for (var a = offsets[j]; a < offsets[j + 1u]; a++) {
    for (var b = offsets[k]; b < offsets[k + 1u]; b++) {
      let at = (m * R + a) * R + b;
      s = fma(gramU[at], gramD[at], s);
    }
  }
  return s;
}

@compute @workgroup_size(WG)
fn norms(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x; // m·K + k
  if (idx >= dims.M * dims.K) { return; }
  let m = idx / dims.K;
  let k = idx % dims.K;
  let R = dims.R;
  var nu = 0.0;
  var nd = 0.0;
  for (var a = offsets[k]; a < offsets[k + 1u]; a++) {
    nu += gramU[(m * R + a) * R + a];
    nd += gramD[(m * R + a) * R + a];
  }
  normProd[idx] = sqrt(nu) * sqrt(nd);
  normUD[idx] = sqrt(max(blockInner(m, k, k), 0.0));
}

fn weightOf(m: u32, k: u32) -> f32 {
  let normalize = ((dims.normalizeMask >> k) & 1u) == 1u;
  return weights[k] * select(1.0, 1.0 / max(normProd[m * dims.K + k], TINY), normalize);
}

@compute @workgroup_size(WG)
fn blockGram(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = gid.x; // j·K + k
  if (idx >= dims.K * dims.K) { return; }
  let j = idx / dims.K;
  let k = idx % dims.K;
  var s = 0.0;
  for (var m = 0u; m < dims.M; m++) { s += weightOf(m, j) * weightOf(m, k) * blockInner(m, j, k); }
  gram[idx] = s;
}
