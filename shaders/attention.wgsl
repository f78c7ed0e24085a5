// attention: timm multi-head self-attention core (between the qkv linear and proj), scale = 1/√D.
//   qkv: (B, N, 3C) packed [q | k | v], C = H·D, head h = columns [h·D, (h+1)·D) of each part.
//   probs P: (B, H, N, N) = softmax(q_h·k_hᵀ·scale), saved for backward.   out: (B, N, C), heads re-concatenated.
// Forward:  scores (S·scale into probs) → softmaxRows (in place) → context (out = P·v).
// Backward (dout: (B, N, C); out from forward; dScores: (B, H, N, N) and rowD: (B, H, N) are scratch):
//   rowDot:     rowD_i = Σ_d dout_i·out_i  (= Σ_j P_ij·dP_ij, since out_i = Σ_j P_ij v_j; avoids a row pass over dP)
//   scoresGrad: dS = scale·P ⊙ (dout·vᵀ − rowD)      (scale folded in here, once)
//   dq = dS·k,  dk = dSᵀ·q,  dv = Pᵀ·dout            → the three column blocks of dqkv: (B, N, 3C).
// Geometry: the matmul-like entries give each thread a TM×TN = 4×4 output tile (4 vec4 accumulators) with
//   grid (⌈tiles/WG⌉, B·H): per step of the reduction a thread loads 4 + 4 values for 16 FMAs. llvmpipe
//   scalarises every load whose address is not a constant, so reuse per load is what counts; no workgroup
//   memory (its barriers are coroutine switches on llvmpipe). Out-of-range rows/columns are clamped on load
//   and skipped on store, never branched around. softmaxRows and rowDot: one thread per row, grid1d over B·H·N.
// Memory: probs and dScores hold B·H·N² floats in one binding, which must stay ≤ maxStorageBufferBindingSize
//   (128 MiB on lavapipe and by default: B·H·N² ≤ 2²⁵, e.g. B ≤ 288 for ViT-Tiny); callers chunk the batch.
//
// The matmul path (src/kernels/attention.ts, the default where it is faster) runs the six products through the
// batched matmul on head-major copies (B, H, N, D) — one contiguous (N, D) matrix per (b, h) — and uses only
// the small entries below (plus softmaxRows and rowDot above), all memory-bound, one thread per element, grid1d:
//   splitQkv:  qkv (B, N, 3C) → hq, hk, hv (B, H, N, D)          (forward, and again in backward: not kept)
//   splitOut:  dout (B, N, C) → hg (B, H, N, D)
//   mergeOut:  ho (B, H, N, D) → out (B, N, C)
//   mergeQkv:  hq, hk, hv (B, H, N, D) → dqkv (B, N, 3C)          (here they hold dq, dk, dv)
//   gradScores (in place): dScores = P ⊙ (dScores − rowD)       (dScores holds dP = dO·vᵀ on entry; the 1/√D
//              is folded into the alpha of the dq and dk products, so it is applied once per output)

override WG: u32 = 64;
const TM = 4u; // tile rows per thread (the four vec4 accumulators below)
const TN = 4u; // tile columns per thread (one vec4)

struct Dims { B: u32, N: u32, H: u32, D: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(3) var<storage, read_write> dScores: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowD: array<f32>;
@group(0) @binding(5) var<storage, read> qkv: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<f32>;
@group(0) @binding(7) var<uniform> dims: Dims;
// Head-major (B, H, N, D) buffers of the matmul path; read_write because each is written by one entry and
// read by another (the launcher decides which tensor plays which part).
@group(0) @binding(8) var<storage, read_write> hq: array<f32>;
@group(0) @binding(9) var<storage, read_write> hk: array<f32>;
@group(0) @binding(10) var<storage, read_write> hv: array<f32>;
@group(0) @binding(11) var<storage, read_write> hg: array<f32>;
@group(0) @binding(12) var<storage, read> ho: array<f32>;
// vec4 views of the layout kernels' buffers, for split*4/merge*4 (HEAD_DIM % 4 == 0). An entry point uses one
// view or the other, never both, so the shared binding numbers never collide.
@group(0) @binding(0) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dqkv4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> qkv4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> dout4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> hq4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> hk4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> hv4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> hg4: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read> ho4: array<vec4<f32>>;

struct Tile { i0: u32, j0: u32, b: u32, h: u32, valid: bool }

// Tile t of an (N × cols) output of head gid.y; column tiles vary fastest so a subgroup shares its rows.
fn tileOf(gid: vec3<u32>, cols: u32) -> Tile {
  let tilesJ = (cols + TN - 1u) / TN;
  let tilesI = (dims.N + TM - 1u) / TM;
  let t = min(gid.x, tilesI * tilesJ - 1u);
  return Tile((t / tilesJ) * TM, (t % tilesJ) * TN, gid.y / dims.H, gid.y % dims.H, gid.x < tilesI * tilesJ);
}

fn scale() -> f32 { return 1.0 / sqrt(f32(dims.D)); }
// Offset of token i of batch b in qkv (i clamped into range), plus `part`·C + h·D: the start of that head's slice.
fn qkvAt(b: u32, i: u32, part: u32, h: u32) -> u32 {
  let C = dims.H * dims.D;
  return (b * dims.N + min(i, dims.N - 1u)) * 3u * C + part * C + h * dims.D;
}
fn outAt(b: u32, i: u32, h: u32) -> u32 { return (b * dims.N + min(i, dims.N - 1u)) * dims.H * dims.D + h * dims.D; }
fn probsAt(b: u32, h: u32, i: u32) -> u32 { return ((b * dims.H + h) * dims.N + min(i, dims.N - 1u)) * dims.N; }
fn clampD(d: u32) -> u32 { return min(d, dims.D - 1u); }
fn clampN(j: u32) -> u32 { return min(j, dims.N - 1u); }

@compute @workgroup_size(WG)
fn scores(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = tileOf(gid, dims.N);
  let q0 = qkvAt(t.b, t.i0, 0u, t.h); let q1 = qkvAt(t.b, t.i0 + 1u, 0u, t.h);
  let q2 = qkvAt(t.b, t.i0 + 2u, 0u, t.h); let q3 = qkvAt(t.b, t.i0 + 3u, 0u, t.h);
  let k0 = qkvAt(t.b, t.j0, 1u, t.h); let k1 = qkvAt(t.b, t.j0 + 1u, 1u, t.h);
  let k2 = qkvAt(t.b, t.j0 + 2u, 1u, t.h); let k3 = qkvAt(t.b, t.j0 + 3u, 1u, t.h);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var d = 0u; d < dims.D; d++) {
    let kv = vec4<f32>(qkv[k0 + d], qkv[k1 + d], qkv[k2 + d], qkv[k3 + d]);
    a0 = fma(vec4<f32>(qkv[q0 + d]), kv, a0); a1 = fma(vec4<f32>(qkv[q1 + d]), kv, a1);
    a2 = fma(vec4<f32>(qkv[q2 + d]), kv, a2); a3 = fma(vec4<f32>(qkv[q3 + d]), kv, a3);
  }
  let s = scale();
  putProbs(t, 0u, a0 * s); putProbs(t, 1u, a1 * s); putProbs(t, 2u, a2 * s); putProbs(t, 3u, a3 * s);
}

fn putProbs(t: Tile, m: u32, v: vec4<f32>) {
  let i = t.i0 + m;
  if (!t.valid || i >= dims.N) { return; }
  let base = probsAt(t.b, t.h, i);
  for (var n = 0u; n < TN; n++) { if (t.j0 + n < dims.N) { probs[base + t.j0 + n] = v[n]; } }
}

@compute @workgroup_size(WG)
fn softmaxRows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  let rows = dims.B * dims.H * dims.N;
  let base = min(r, rows - 1u) * dims.N;
  // Max-subtraction keeps exp's argument ≤ 0: no overflow, Σexp ≥ 1.
  var m = -3.4e38;
  for (var j = 0u; j < dims.N; j++) { m = max(m, probs[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < dims.N; j++) { s += exp(probs[base + j] - m); }
  let inv = 1.0 / s;
  if (r < rows) {
    for (var j = 0u; j < dims.N; j++) { probs[base + j] = exp(probs[base + j] - m) * inv; }
  }
}

@compute @workgroup_size(WG)
fn context(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = tileOf(gid, dims.D);
  let p0 = probsAt(t.b, t.h, t.i0); let p1 = probsAt(t.b, t.h, t.i0 + 1u);
  let p2 = probsAt(t.b, t.h, t.i0 + 2u); let p3 = probsAt(t.b, t.h, t.i0 + 3u);
  let c0 = clampD(t.j0); let c1 = clampD(t.j0 + 1u); let c2 = clampD(t.j0 + 2u); let c3 = clampD(t.j0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var j = 0u; j < dims.N; j++) {
    let v = qkvAt(t.b, j, 2u, t.h);
    let vv = vec4<f32>(qkv[v + c0], qkv[v + c1], qkv[v + c2], qkv[v + c3]);
    a0 = fma(vec4<f32>(probs[p0 + j]), vv, a0); a1 = fma(vec4<f32>(probs[p1 + j]), vv, a1);
    a2 = fma(vec4<f32>(probs[p2 + j]), vv, a2); a3 = fma(vec4<f32>(probs[p3 + j]), vv, a3);
  }
  putOut(t, 0u, a0); putOut(t, 1u, a1); putOut(t, 2u, a2); putOut(t, 3u, a3);
}

fn putOut(t: Tile, m: u32, v: vec4<f32>) {
  let i = t.i0 + m;
  if (!t.valid || i >= dims.N) { return; }
  let base = outAt(t.b, i, t.h);
  for (var n = 0u; n < TN; n++) { if (t.j0 + n < dims.D) { out[base + t.j0 + n] = v[n]; } }
}

@compute @workgroup_size(WG)
fn rowDot(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG; // (b·H + h)·N + i
  let rows = dims.B * dims.H * dims.N;
  let rc = min(r, rows - 1u);
  let i = rc % dims.N;
  let h = (rc / dims.N) % dims.H;
  let b = rc / (dims.N * dims.H);
  let base = outAt(b, i, h);
  var s = 0.0;
  for (var d = 0u; d < dims.D; d++) { s += dout[base + d] * out[base + d]; }
  if (r < rows) { rowD[r] = s; }
}

@compute @workgroup_size(WG)
fn scoresGrad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = tileOf(gid, dims.N);
  let g0 = outAt(t.b, t.i0, t.h); let g1 = outAt(t.b, t.i0 + 1u, t.h);
  let g2 = outAt(t.b, t.i0 + 2u, t.h); let g3 = outAt(t.b, t.i0 + 3u, t.h);
  let v0 = qkvAt(t.b, t.j0, 2u, t.h); let v1 = qkvAt(t.b, t.j0 + 1u, 2u, t.h);
  let v2 = qkvAt(t.b, t.j0 + 2u, 2u, t.h); let v3 = qkvAt(t.b, t.j0 + 3u, 2u, t.h);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var d = 0u; d < dims.D; d++) {
    let vv = vec4<f32>(qkv[v0 + d], qkv[v1 + d], qkv[v2 + d], qkv[v3 + d]);
    a0 = fma(vec4<f32>(dout[g0 + d]), vv, a0); a1 = fma(vec4<f32>(dout[g1 + d]), vv, a1);
    a2 = fma(vec4<f32>(dout[g2 + d]), vv, a2); a3 = fma(vec4<f32>(dout[g3 + d]), vv, a3);
  }
  putScoresGrad(t, 0u, a0); putScoresGrad(t, 1u, a1); putScoresGrad(t, 2u, a2); putScoresGrad(t, 3u, a3);
}

fn putScoresGrad(t: Tile, m: u32, dp: vec4<f32>) {
  let i = t.i0 + m;
  if (!t.valid || i >= dims.N) { return; }
  let base = probsAt(t.b, t.h, i);
  let rd = rowD[(t.b * dims.H + t.h) * dims.N + i];
  let s = scale();
  for (var n = 0u; n < TN; n++) {
    let j = t.j0 + n;
    if (j < dims.N) { dScores[base + j] = s * probs[base + j] * (dp[n] - rd); }
  }
}

@compute @workgroup_size(WG)
fn dq(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = tileOf(gid, dims.D);
  let s0 = probsAt(t.b, t.h, t.i0); let s1 = probsAt(t.b, t.h, t.i0 + 1u);
  let s2 = probsAt(t.b, t.h, t.i0 + 2u); let s3 = probsAt(t.b, t.h, t.i0 + 3u);
  let c0 = clampD(t.j0); let c1 = clampD(t.j0 + 1u); let c2 = clampD(t.j0 + 2u); let c3 = clampD(t.j0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var j = 0u; j < dims.N; j++) {
    let k = qkvAt(t.b, j, 1u, t.h);
    let kv = vec4<f32>(qkv[k + c0], qkv[k + c1], qkv[k + c2], qkv[k + c3]);
    a0 = fma(vec4<f32>(dScores[s0 + j]), kv, a0); a1 = fma(vec4<f32>(dScores[s1 + j]), kv, a1);
    a2 = fma(vec4<f32>(dScores[s2 + j]), kv, a2); a3 = fma(vec4<f32>(dScores[s3 + j]), kv, a3);
  }
  putDqkv(t, 0u, 0u, a0); putDqkv(t, 0u, 1u, a1); putDqkv(t, 0u, 2u, a2); putDqkv(t, 0u, 3u, a3);
}

@compute @workgroup_size(WG)
fn dk(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = tileOf(gid, dims.D);
  // dSᵀ: the tile's 4 rows i0..i0+3 are 4 adjacent columns of dS row j.
  let r0 = clampN(t.i0); let r1 = clampN(t.i0 + 1u); let r2 = clampN(t.i0 + 2u); let r3 = clampN(t.i0 + 3u);
  let c0 = clampD(t.j0); let c1 = clampD(t.j0 + 1u); let c2 = clampD(t.j0 + 2u); let c3 = clampD(t.j0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var j = 0u; j < dims.N; j++) {
    let q = qkvAt(t.b, j, 0u, t.h);
    let s = probsAt(t.b, t.h, j);
    let qv = vec4<f32>(qkv[q + c0], qkv[q + c1], qkv[q + c2], qkv[q + c3]);
    a0 = fma(vec4<f32>(dScores[s + r0]), qv, a0); a1 = fma(vec4<f32>(dScores[s + r1]), qv, a1);
    a2 = fma(vec4<f32>(dScores[s + r2]), qv, a2); a3 = fma(vec4<f32>(dScores[s + r3]), qv, a3);
  }
  putDqkv(t, 1u, 0u, a0); putDqkv(t, 1u, 1u, a1); putDqkv(t, 1u, 2u, a2); putDqkv(t, 1u, 3u, a3);
}

@compute @workgroup_size(WG)
fn dv(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = tileOf(gid, dims.D);
  let r0 = clampN(t.i0); let r1 = clampN(t.i0 + 1u); let r2 = clampN(t.i0 + 2u); let r3 = clampN(t.i0 + 3u);
  let c0 = clampD(t.j0); let c1 = clampD(t.j0 + 1u); let c2 = clampD(t.j0 + 2u); let c3 = clampD(t.j0 + 3u);
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  for (var j = 0u; j < dims.N; j++) {
    let g = outAt(t.b, j, t.h);
    let p = probsAt(t.b, t.h, j);
    let gv = vec4<f32>(dout[g + c0], dout[g + c1], dout[g + c2], dout[g + c3]);
    a0 = fma(vec4<f32>(probs[p + r0]), gv, a0); a1 = fma(vec4<f32>(probs[p + r1]), gv, a1);
    a2 = fma(vec4<f32>(probs[p + r2]), gv, a2); a3 = fma(vec4<f32>(probs[p + r3]), gv, a3);
  }
  putDqkv(t, 2u, 0u, a0); putDqkv(t, 2u, 1u, a1); putDqkv(t, 2u, 2u, a2); putDqkv(t, 2u, 3u, a3);
}

fn putDqkv(t: Tile, part: u32, m: u32, v: vec4<f32>) {
  let i = t.i0 + m;
  if (!t.valid || i >= dims.N) { return; }
  let base = qkvAt(t.b, i, part, t.h);
  for (var n = 0u; n < TN; n++) { if (t.j0 + n < dims.D) { dqkv[base + t.j0 + n] = v[n]; } }
}

// ---------------------------------------------------------------- matmul path: layout changes and dS
// These read the shape from override constants (one pipeline per shape, like the matmul): llvmpipe has no
// SIMD integer division, so dividing by a uniform costs a scalar loop per lane, by a constant a multiply-shift.

override BATCH: u32;
override TOKENS: u32;
override HEADS: u32;
override HEAD_DIM: u32;
override HEAD_ELEMS: u32 = BATCH * HEADS * TOKENS * HEAD_DIM; // elements of one (B, H, N, D) buffer
override WIDTH: u32 = HEADS * HEAD_DIM; // C

// Element e of a (B, H, N, D) head-major buffer → offset of the same element in a token-major (B, N, parts·C)
// buffer (part p's head h at columns [p·C + h·D, p·C + (h+1)·D)), without the part offset. Returns the
// clamped e too: out-of-range threads load a valid element and skip the store.
struct HeadMap { e: u32, tok: u32, valid: bool }
fn headMap(gid: vec3<u32>, nwg: vec3<u32>, parts: u32) -> HeadMap {
  let flat = gid.x + gid.y * nwg.x * WG;
  let e = min(flat, HEAD_ELEMS - 1u);
  let d = e % HEAD_DIM;
  let n = (e / HEAD_DIM) % TOKENS;
  let bh = e / (HEAD_DIM * TOKENS);
  let h = bh % HEADS;
  let b = bh / HEADS;
  return HeadMap(e, (b * TOKENS + n) * parts * WIDTH + h * HEAD_DIM + d, flat < HEAD_ELEMS);
}

// The same map over vec4s (HEAD_DIM % 4 == 0): element e4 of the head-major buffer holds d = 4·(e4 % D4) … +3;
// offsets are in vec4s. A quarter of the invocations and of their index arithmetic.
fn headMap4(gid: vec3<u32>, nwg: vec3<u32>, parts: u32) -> HeadMap {
  let D4 = HEAD_DIM / 4u;
  let flat = gid.x + gid.y * nwg.x * WG;
  let e = min(flat, HEAD_ELEMS / 4u - 1u);
  let d = e % D4;
  let n = (e / D4) % TOKENS;
  let bh = e / (D4 * TOKENS);
  let h = bh % HEADS;
  let b = bh / HEADS;
  return HeadMap(e, (b * TOKENS + n) * parts * (WIDTH / 4u) + h * D4 + d, flat < HEAD_ELEMS / 4u);
}

@compute @workgroup_size(WG)
fn splitQkv4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap4(gid, nwg, 3u);
  let W4 = WIDTH / 4u;
  let q = qkv4[m.tok]; let k = qkv4[m.tok + W4]; let v = qkv4[m.tok + 2u * W4];
  if (m.valid) { hq4[m.e] = q; hk4[m.e] = k; hv4[m.e] = v; }
}

@compute @workgroup_size(WG)
fn splitOut4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap4(gid, nwg, 1u);
  let g = dout4[m.tok];
  if (m.valid) { hg4[m.e] = g; }
}

@compute @workgroup_size(WG)
fn mergeOut4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap4(gid, nwg, 1u);
  let o = ho4[m.e];
  if (m.valid) { out4[m.tok] = o; }
}

@compute @workgroup_size(WG)
fn mergeQkv4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap4(gid, nwg, 3u);
  let W4 = WIDTH / 4u;
  let q = hq4[m.e]; let k = hk4[m.e]; let v = hv4[m.e];
  if (m.valid) { dqkv4[m.tok] = q; dqkv4[m.tok + W4] = k; dqkv4[m.tok + 2u * W4] = v; }
}

@compute @workgroup_size(WG)
fn splitQkv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap(gid, nwg, 3u);
  let q = qkv[m.tok]; let k = qkv[m.tok + WIDTH]; let v = qkv[m.tok + 2u * WIDTH];
  if (m.valid) { hq[m.e] = q; hk[m.e] = k; hv[m.e] = v; }
}

@compute @workgroup_size(WG)
fn splitOut(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap(gid, nwg, 1u);
  let g = dout[m.tok];
  if (m.valid) { hg[m.e] = g; }
}

@compute @workgroup_size(WG)
fn mergeOut(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap(gid, nwg, 1u);
  let o = ho[m.e];
  if (m.valid) { out[m.tok] = o; }
}

@compute @workgroup_size(WG)
fn mergeQkv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = headMap(gid, nwg, 3u);
  let q = hq[m.e]; let k = hk[m.e]; let v = hv[m.e];
  if (m.valid) { dqkv[m.tok] = q; dqkv[m.tok + WIDTH] = k; dqkv[m.tok + 2u * WIDTH] = v; }
}

@compute @workgroup_size(WG)
fn gradScores(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let flat = gid.x + gid.y * nwg.x * WG; // ((b·H + h)·N + i)·N + j
  let total = BATCH * HEADS * TOKENS * TOKENS;
  let e = min(flat, total - 1u);
  let ds = probs[e] * (dScores[e] - rowD[e / TOKENS]);
  if (flat < total) { dScores[e] = ds; }
}
