// attentionFused: the attention core of shaders/attention.wgsl for short sequences, one workgroup per (batch, head)
// doing the whole head in workgroup memory: forward in one dispatch, backward in one (the matmul path takes 5 and
// 9, and on software GPUs every dispatch costs ~0.1 ms before any work). Same layouts and maths as attention.wgsl:
//   qkv (B, N, 3C) packed [q | k | v], C = H·D;  out, dout (B, N, C);  probs (B, H, N, N) saved by forward;
//   dqkv (B, N, 3C) written whole by backward.  scale = 1/√D.
// Forward:  S = scale·q·kᵀ → P = softmax rows (→ probs) → out = P·v.
// Backward: dP = dout·vᵀ;  dS = scale·P ⊙ (dP − rowD), rowD_i = Σ_j P_ij·dP_ij;  dq = dS·k, dk = dSᵀ·q, dv = Pᵀ·dout.
// Workgroup memory: `rows` holds the head's q, k, v (and dout in backward) as vec4s, N·D/4 each; `mat` holds P
// (and dS) as N×N floats. A head fits when N·D ≤ ROWS_VEC4 and 2·N² ≤ MAT_FLOATS (src/kernels/attention.ts
// `fusedFits`; e.g. N = 17 tokens with D = 32); 16 KiB in all, the WebGPU default limit.
// Each thread strides over the outputs of a phase (4×4 tiles of N×N, or one vec4 column of D for 4 tokens), so a
// workgroup-memory load serves four outputs; barriers separate phases.

override WG: u32 = 64;
override TOKENS: u32 = 1; // N
override HEAD_DIM: u32 = 4; // D, a multiple of 4
override HEADS: u32 = 1;
override BATCH: u32 = 1;

const ROWS_VEC4 = 640u; // 10 KiB
const MAT_FLOATS = 1536u; // 6 KiB

@group(0) @binding(0) var<storage, read> qkv4: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read> dout4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> dqkv4: array<vec4<f32>>;

var<workgroup> rows: array<vec4<f32>, ROWS_VEC4>;
var<workgroup> mat: array<f32, MAT_FLOATS>;

fn d4() -> u32 { return HEAD_DIM / 4u; }
// vec4 offset of token i's slice of `part` (0 q, 1 k, 2 v) for head h of batch b in qkv / dqkv.
fn qkvAt(b: u32, i: u32, part: u32, h: u32) -> u32 {
  let c4 = HEADS * d4();
  return (b * TOKENS + i) * 3u * c4 + part * c4 + h * d4();
}
fn outAt(b: u32, i: u32, h: u32) -> u32 { return (b * TOKENS + i) * HEADS * d4() + h * d4(); }
// Region r (0 q, 1 k, 2 v, 3 dout) of `rows`, token i, vec4 column d.
fn at(r: u32, i: u32, d: u32) -> u32 { return (r * TOKENS + i) * d4() + d; }

// A 4×4 tile of row-pair dot products: entry (m, n) = rows[ra] token i0+m · rows[rb] token j0+n (over D), as four
// vec4s (one per m, components n). Out-of-range tokens read the last token; callers skip storing them. Per vec4
// column of D a thread loads 8 vec4s for 16 dot products (software GPUs gather every workgroup-memory load).
fn dotTile(ra: u32, i0: u32, rb: u32, j0: u32) -> array<vec4<f32>, 4> {
  let last = TOKENS - 1u;
  let ia = array<u32, 4>(min(i0, last), min(i0 + 1u, last), min(i0 + 2u, last), min(i0 + 3u, last));
  let jb = array<u32, 4>(min(j0, last), min(j0 + 1u, last), min(j0 + 2u, last), min(j0 + 3u, last));
  var acc = array<vec4<f32>, 4>();
  for (var d = 0u; d < d4(); d++) {
    let b0 = rows[at(rb, jb[0], d)];
    let b1 = rows[at(rb, jb[1], d)];
    let b2 = rows[at(rb, jb[2], d)];
    let b3 = rows[at(rb, jb[3], d)];
    for (var m = 0u; m < 4u; m++) {
      let a = rows[at(ra, ia[m], d)];
      acc[m] += vec4<f32>(dot(a, b0), dot(a, b1), dot(a, b2), dot(a, b3));
    }
  }
  return acc;
}

// Stores a dotTile, times `scale`, into mat[base + i·N + j] for the in-range entries.
fn storeTile(base: u32, i0: u32, j0: u32, acc: array<vec4<f32>, 4>, scale: f32) {
  for (var m = 0u; m < 4u; m++) {
    for (var n = 0u; n < 4u; n++) {
      if (i0 + m < TOKENS && j0 + n < TOKENS) { mat[base + (i0 + m) * TOKENS + j0 + n] = scale * acc[m][n]; }
    }
  }
}

fn tiles() -> u32 { return (TOKENS + 3u) / 4u; }

// mat[base + i·N + j] = scale · rows[ra] token i · rows[rb] token j for all i, j: the workgroup's threads stride
// over the 4×4 tiles.
fn tileProducts(ra: u32, rb: u32, base: u32, scale: f32, lid: u32) {
  for (var e = lid; e < tiles() * tiles(); e += WG) {
    let i0 = (e / tiles()) * 4u;
    let j0 = (e % tiles()) * 4u;
    storeTile(base, i0, j0, dotTile(ra, i0, rb, j0), scale);
  }
}

// The head's q, k, v into `rows` (backward adds dout itself: an entry point binds only what it uses).
fn loadQkv(b: u32, h: u32, lid: u32) {
  for (var e = lid; e < TOKENS * d4(); e += WG) {
    let i = e / d4();
    let d = e % d4();
    rows[at(0u, i, d)] = qkv4[qkvAt(b, i, 0u, h) + d];
    rows[at(1u, i, d)] = qkv4[qkvAt(b, i, 1u, h) + d];
    rows[at(2u, i, d)] = qkv4[qkvAt(b, i, 2u, h) + d];
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bh = wid.x + wid.y * nwg.x;
  if (bh >= BATCH * HEADS) { return; } // the grid's spare workgroups (uniform: whole workgroups leave)
  let b = bh / HEADS;
  let h = bh % HEADS;
  let nn = TOKENS * TOKENS;
  let scale = 1.0 / sqrt(f32(HEAD_DIM));
  loadQkv(b, h, lid);
  workgroupBarrier();
  tileProducts(0u, 1u, 0u, scale, lid); // S = scale·q·kᵀ
  workgroupBarrier();
  // Softmax, one thread per row; max-subtraction keeps exp's argument ≤ 0 (no overflow, Σexp ≥ 1).
  let pBase = bh * nn;
  for (var i = lid; i < TOKENS; i += WG) {
    var m = -3.4e38;
    for (var j = 0u; j < TOKENS; j++) { m = max(m, mat[i * TOKENS + j]); }
    var s = 0.0;
    for (var j = 0u; j < TOKENS; j++) {
      let p = exp(mat[i * TOKENS + j] - m);
      mat[i * TOKENS + j] = p;
      s += p;
    }
    let inv = 1.0 / s;
    for (var j = 0u; j < TOKENS; j++) {
      let p = mat[i * TOKENS + j] * inv;
      mat[i * TOKENS + j] = p;
      probs[pBase + i * TOKENS + j] = p;
    }
  }
  workgroupBarrier();
  // out_i = Σ_j P_ij·v_j: a thread takes one vec4 column d of four rows i0..i0+3 (each v load serves four rows).
  let last = TOKENS - 1u;
  for (var e = lid; e < tiles() * d4(); e += WG) {
    let i0 = (e / d4()) * 4u;
    let d = e % d4();
    var acc = array<vec4<f32>, 4>();
    for (var j = 0u; j < TOKENS; j++) {
      let v = rows[at(2u, j, d)];
      for (var m = 0u; m < 4u; m++) { acc[m] = fma(vec4<f32>(mat[min(i0 + m, last) * TOKENS + j]), v, acc[m]); }
    }
    for (var m = 0u; m < 4u; m++) { if (i0 + m < TOKENS) { out4[outAt(b, i0 + m, h) + d] = acc[m]; } }
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bh = wid.x + wid.y * nwg.x;
  if (bh >= BATCH * HEADS) { return; } // the grid's spare workgroups (uniform: whole workgroups leave)
  let b = bh / HEADS;
  let h = bh % HEADS;
  let nn = TOKENS * TOKENS;
  let scale = 1.0 / sqrt(f32(HEAD_DIM));
  loadQkv(b, h, lid);
  for (var e = lid; e < TOKENS * d4(); e += WG) { rows[at(3u, e / d4(), e % d4())] = dout4[outAt(b, e / d4(), h) + e % d4()]; }
  // mat[0, nn): P; mat[nn, 2nn): dP, then dS.
  let pBase = bh * nn;
  for (var e = lid; e < nn; e += WG) { mat[e] = probs[pBase + e]; }
  workgroupBarrier();
  tileProducts(3u, 2u, nn, 1.0, lid); // dP = dout·vᵀ
  workgroupBarrier();
  for (var i = lid; i < TOKENS; i += WG) {
    var rd = 0.0;
    for (var j = 0u; j < TOKENS; j++) { rd += mat[i * TOKENS + j] * mat[nn + i * TOKENS + j]; }
    for (var j = 0u; j < TOKENS; j++) {
      let k = i * TOKENS + j;
      mat[nn + k] = scale * mat[k] * (mat[nn + k] - rd);
    }
  }
  workgroupBarrier();
  // dq_r = Σ_t dS_rt·k_t;  dk_r = Σ_t dS_tr·q_t;  dv_r = Σ_t P_tr·dout_t: a thread takes one vec4 column d of four
  // tokens r0..r0+3 (each k, q, dout load serves four tokens).
  let last = TOKENS - 1u;
  for (var e = lid; e < tiles() * d4(); e += WG) {
    let r0 = (e / d4()) * 4u;
    let d = e % d4();
    var dq = array<vec4<f32>, 4>();
    var dk = array<vec4<f32>, 4>();
    var dv = array<vec4<f32>, 4>();
    for (var t = 0u; t < TOKENS; t++) {
      let kt = rows[at(1u, t, d)];
      let qt = rows[at(0u, t, d)];
      let gt = rows[at(3u, t, d)];
      for (var m = 0u; m < 4u; m++) {
        let r = min(r0 + m, last);
        dq[m] = fma(vec4<f32>(mat[nn + r * TOKENS + t]), kt, dq[m]);
        dk[m] = fma(vec4<f32>(mat[nn + t * TOKENS + r]), qt, dk[m]);
        dv[m] = fma(vec4<f32>(mat[t * TOKENS + r]), gt, dv[m]);
      }
    }
    for (var m = 0u; m < 4u; m++) {
      if (r0 + m < TOKENS) {
        dqkv4[qkvAt(b, r0 + m, 0u, h) + d] = dq[m];
        dqkv4[qkvAt(b, r0 + m, 1u, h) + d] = dk[m];
        dqkv4[qkvAt(b, r0 + m, 2u, h) + d] = dv[m];
      }
    }
  }
}
