// attentionFused: the attention core of shaders/attention.wgsl for short sequences in few dispatches (one forward,
// two backward; the matmul path takes 5 and 9, and on software GPUs every dispatch costs ~0.1 ms before any work).
// Same layouts and maths as attention.wgsl, for the first Q ≤ N query rows of every (batch, head) (Q = N: all;
// Q = 1: the CLS token, all a ViT's last block needs):
//   qkv (B, N, 3C) packed [q | k | v], C = H·D;  out, dout (B, Q, C);  probs, dS (B, H, Q, N);
//   dqkv (B, N, 3C) written whole by backward (dq = 0 on rows ≥ Q).  scale = 1/√D.
// Forward:  S = scale·q·kᵀ → P = softmax rows (→ probs) → out = P·v.
// Backward: dP = dout·vᵀ;  dS = scale·P ⊙ (dP − rowD), rowD_i = Σ_j P_ij·dP_ij;  dq = dS·k, dk = dSᵀ·q, dv = Pᵀ·dout.
// One invocation owns RPL rows of one (batch, head): query rows in `forward` and `backwardQuery` (which also leaves
// dS in `dscores`), key rows in `backwardKey` (which also zeroes dq of rows ≥ Q). It keeps its rows' q (or dout, or
// the P/dS columns) in registers and streams the head's other rows past them, so every operand load serves RPL rows;
// no workgroup memory, no barriers.
// q, k, v and dout are read as rgba32float texels of read-only storage textures (GpuContext copies a texture
// binding's tensor in, linear layout, TW texels per texture row): llvmpipe fetches a whole texel per lane, where it splits a vec4 buffer load into
// per-component loads with a bounds branch each, and gathers every workgroup-memory load (the previous version of
// this kernel held a head in workgroup memory and ran ~2× slower forward on lavapipe; bench/README.md).
// Limits (src/kernels/attentionFused.ts `unfit`): N ≤ MAXN, D ≤ 4·MAXD4, D % 4 = 0, RPL ≤ MAXR.
// Note: `var a: array<…>;` inside a loop body was not re-zeroed per iteration on Dawn + lavapipe; accumulators
// declared in loops are initialised explicitly.

override TOKENS: u32 = 1; // N
override QUERIES: u32 = 1; // Q ≤ N: query rows, the first Q tokens
override HEAD_DIM: u32 = 4; // D, a multiple of 4
override HEADS: u32 = 1;
override BATCH: u32 = 1;
override TW: u32 = 1024u; // texels per texture row (GpuContext's TEXTURE_ROW_TEXELS)
override WG: u32 = 64u;
override RPL: u32 = 4u; // rows per invocation, ≤ MAXR

const MAXN = 32u;
const MAXD4 = 16u;
const MAXR = 4u;

@group(0) @binding(0) var tqkv: texture_storage_2d<rgba32float, read>;
@group(0) @binding(1) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var tdout: texture_storage_2d<rgba32float, read>;
@group(0) @binding(4) var<storage, read_write> dqkv4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dscores: array<f32>;
@group(0) @binding(6) var<storage, read> probsIn: array<f32>;
@group(0) @binding(7) var<storage, read> dscoresIn: array<f32>;

fn d4() -> u32 { return HEAD_DIM / 4u; }
fn qkvTexel(i: u32) -> vec4<f32> { return textureLoad(tqkv, vec2<i32>(i32(i % TW), i32(i / TW))); }
fn doutTexel(i: u32) -> vec4<f32> { return textureLoad(tdout, vec2<i32>(i32(i % TW), i32(i / TW))); }
// vec4 offset of token i's slice of `part` (0 q, 1 k, 2 v) for head h of batch b in qkv / dqkv.
fn qkvAt(b: u32, i: u32, part: u32, h: u32) -> u32 {
  let c4 = HEADS * d4();
  return (b * TOKENS + i) * 3u * c4 + part * c4 + h * d4();
}
fn outAt(b: u32, i: u32, h: u32) -> u32 { return (b * QUERIES + i) * HEADS * d4() + h * d4(); }
// Offset of query row i's scores (probs, dS) in head bh.
fn scoreRow(bh: u32, i: u32) -> u32 { return (bh * QUERIES + i) * TOKENS; }
fn zero4() -> array<vec4<f32>, MAXR> { return array<vec4<f32>, MAXR>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0)); }

// The invocation's (batch, head) and first of its RPL rows among `rows` (QUERIES or TOKENS); false for the grid's
// spare invocations.
struct Item { ok: bool, b: u32, h: u32, bh: u32, r0: u32 }
fn item(gid: vec3<u32>, nwg: vec3<u32>, rows: u32) -> Item {
  let e = gid.x + gid.y * nwg.x * WG;
  let groups = (rows + RPL - 1u) / RPL;
  let bh = e / groups;
  return Item(e < BATCH * HEADS * groups, bh / HEADS, bh % HEADS, bh, (e % groups) * RPL);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let it = item(gid, nwg, QUERIES);
  if (!it.ok) { return; }
  let scale = 1.0 / sqrt(f32(HEAD_DIM));
  let last = QUERIES - 1u;
  var q: array<vec4<f32>, 64>; // [r·MAXD4 + d]
  for (var r = 0u; r < RPL; r++) {
    let a = qkvAt(it.b, min(it.r0 + r, last), 0u, it.h);
    for (var d = 0u; d < d4(); d++) { q[r * MAXD4 + d] = qkvTexel(a + d); }
  }
  var s: array<f32, 128>; // [r·MAXN + j]
  var m = array<f32, MAXR>(-3.4e38, -3.4e38, -3.4e38, -3.4e38);
  for (var j = 0u; j < TOKENS; j++) {
    let a = qkvAt(it.b, j, 1u, it.h);
    var acc = zero4();
    for (var d = 0u; d < d4(); d++) {
      let k = qkvTexel(a + d);
      for (var r = 0u; r < RPL; r++) { acc[r] = fma(q[r * MAXD4 + d], k, acc[r]); }
    }
    for (var r = 0u; r < RPL; r++) {
      let v = scale * (acc[r].x + acc[r].y + acc[r].z + acc[r].w);
      s[r * MAXN + j] = v;
      m[r] = max(m[r], v);
    }
  }
  // Softmax; max-subtraction keeps exp's argument ≤ 0 (no overflow, Σexp ≥ 1).
  for (var r = 0u; r < RPL; r++) {
    var sum = 0.0;
    for (var j = 0u; j < TOKENS; j++) {
      let p = exp(s[r * MAXN + j] - m[r]);
      s[r * MAXN + j] = p;
      sum += p;
    }
    let inv = 1.0 / sum;
    for (var j = 0u; j < TOKENS; j++) { s[r * MAXN + j] *= inv; }
  }
  var o: array<vec4<f32>, 64>;
  for (var j = 0u; j < TOKENS; j++) {
    let a = qkvAt(it.b, j, 2u, it.h);
    for (var d = 0u; d < d4(); d++) {
      let v = qkvTexel(a + d);
      for (var r = 0u; r < RPL; r++) { o[r * MAXD4 + d] = fma(vec4<f32>(s[r * MAXN + j]), v, o[r * MAXD4 + d]); }
    }
  }
  for (var r = 0u; r < RPL; r++) {
    let i = it.r0 + r;
    if (i < QUERIES) {
      let pb = scoreRow(it.bh, i);
      for (var j = 0u; j < TOKENS; j++) { probs[pb + j] = s[r * MAXN + j]; }
      let a = outAt(it.b, i, it.h);
      for (var d = 0u; d < d4(); d++) { out4[a + d] = o[r * MAXD4 + d]; }
    }
  }
}

// Query rows i: dP_ij = dout_i·v_j, rowD, dS_ij (→ dscores), dq_i = Σ_j dS_ij·k_j.
@compute @workgroup_size(WG)
fn backwardQuery(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let it = item(gid, nwg, QUERIES);
  if (!it.ok) { return; }
  let scale = 1.0 / sqrt(f32(HEAD_DIM));
  let last = QUERIES - 1u;
  var g: array<vec4<f32>, 64>; // dout rows
  for (var r = 0u; r < RPL; r++) {
    let a = outAt(it.b, min(it.r0 + r, last), it.h);
    for (var d = 0u; d < d4(); d++) { g[r * MAXD4 + d] = doutTexel(a + d); }
  }
  var s: array<f32, 128>; // dP, then dS
  var rd = array<f32, MAXR>(0.0, 0.0, 0.0, 0.0);
  for (var j = 0u; j < TOKENS; j++) {
    let a = qkvAt(it.b, j, 2u, it.h);
    var acc = zero4();
    for (var d = 0u; d < d4(); d++) {
      let v = qkvTexel(a + d);
      for (var r = 0u; r < RPL; r++) { acc[r] = fma(g[r * MAXD4 + d], v, acc[r]); }
    }
    for (var r = 0u; r < RPL; r++) {
      let dp = acc[r].x + acc[r].y + acc[r].z + acc[r].w;
      s[r * MAXN + j] = dp;
      rd[r] += probsIn[scoreRow(it.bh, min(it.r0 + r, last)) + j] * dp;
    }
  }
  var dq: array<vec4<f32>, 64>;
  for (var j = 0u; j < TOKENS; j++) {
    let a = qkvAt(it.b, j, 1u, it.h);
    var ds = array<f32, MAXR>(0.0, 0.0, 0.0, 0.0);
    for (var r = 0u; r < RPL; r++) {
      let p = probsIn[scoreRow(it.bh, min(it.r0 + r, last)) + j];
      ds[r] = scale * p * (s[r * MAXN + j] - rd[r]);
      s[r * MAXN + j] = ds[r];
    }
    for (var d = 0u; d < d4(); d++) {
      let k = qkvTexel(a + d);
      for (var r = 0u; r < RPL; r++) { dq[r * MAXD4 + d] = fma(vec4<f32>(ds[r]), k, dq[r * MAXD4 + d]); }
    }
  }
  for (var r = 0u; r < RPL; r++) {
    let i = it.r0 + r;
    if (i < QUERIES) {
      let pb = scoreRow(it.bh, i);
      for (var j = 0u; j < TOKENS; j++) { dscores[pb + j] = s[r * MAXN + j]; }
      let a = qkvAt(it.b, i, 0u, it.h);
      for (var d = 0u; d < d4(); d++) { dqkv4[a + d] = dq[r * MAXD4 + d]; }
    }
  }
}

// Key rows j: dk_j = Σ_i dS_ij·q_i, dv_j = Σ_i P_ij·dout_i over the query rows i (columns j of dS and P).
@compute @workgroup_size(WG)
fn backwardKey(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let it = item(gid, nwg, TOKENS);
  if (!it.ok) { return; }
  let last = TOKENS - 1u;
  var dk: array<vec4<f32>, 64>;
  var dv: array<vec4<f32>, 64>;
  for (var i = 0u; i < QUERIES; i++) {
    let row = scoreRow(it.bh, i);
    var ds = array<f32, MAXR>(0.0, 0.0, 0.0, 0.0);
    var p = array<f32, MAXR>(0.0, 0.0, 0.0, 0.0);
    for (var r = 0u; r < RPL; r++) {
      let j = min(it.r0 + r, last);
      ds[r] = dscoresIn[row + j];
      p[r] = probsIn[row + j];
    }
    let qa = qkvAt(it.b, i, 0u, it.h);
    let ga = outAt(it.b, i, it.h);
    for (var d = 0u; d < d4(); d++) {
      let q = qkvTexel(qa + d);
      let g = doutTexel(ga + d);
      for (var r = 0u; r < RPL; r++) {
        dk[r * MAXD4 + d] = fma(vec4<f32>(ds[r]), q, dk[r * MAXD4 + d]);
        dv[r * MAXD4 + d] = fma(vec4<f32>(p[r]), g, dv[r * MAXD4 + d]);
      }
    }
  }
  for (var r = 0u; r < RPL; r++) {
    let j = it.r0 + r;
    if (j < TOKENS) {
      let ka = qkvAt(it.b, j, 1u, it.h);
      for (var d = 0u; d < d4(); d++) {
        dqkv4[ka + d] = dk[r * MAXD4 + d];
        dqkv4[ka + HEADS * d4() + d] = dv[r * MAXD4 + d];
      }
      // Not a query row: its q had no gradient (backwardQuery writes the query rows' dq).
      if (j >= QUERIES) {
        let qa = qkvAt(it.b, j, 0u, it.h);
        for (var d = 0u; d < d4(); d++) { dqkv4[qa + d] = vec4<f32>(0.0); }
      }
    }
  }
}
