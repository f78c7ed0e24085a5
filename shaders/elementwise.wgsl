// elementwise: small memory-bound ops the ViT forward/backward and the trainer glue need.
//   add            y = a + b                                  a, b, y: (n)
//   mul            y = a ⊙ b                                  a, b, y: (n)
//   axpy           y ← y + α·x                                x, y: (n)    (residual backward, gradient accumulation)
//   scale          y = α·x                                    x, y: (n)
//   scaleInPlace   y ← α·y                                    y: (n)
//   fill           y = value                                  y: (n)
//   addRow         y = x + row broadcast                      x, y: (n) = (R, L) flat, row: (L), L = period
//   addRowInPlace  y ← y + row broadcast                      y: (R, L), row: (L)
//   mulRow         y = x ⊙ row broadcast                      x, y: (R, L), row: (L)
//                  "row broadcast" means y[i] uses row[i mod L]: a bias (C) over (B·N, C) has L = C; a position
//                  embedding (N, C) over (B, N, C) has L = N·C. n must be a multiple of L.
//   selectRow      out[b, :] = x[b, index, :]                 x: (B, N, C), out: (B, C)   (the CLS token: index 0)
//   selectRowBackward  dx[b, t, :] = (t == index) ? dy[b, :] : 0     (writes every element of dx)
//   selectRowBackward4, concatClsPos4  the same by vec4s when C % 4 == 0
//   gatherColumns4  out = column blocks of x side by side (vec4s)
//   concatCls      out[b, 0, :] = cls, out[b, 1 + t, :] = patches[b, t, :]     cls: (C), patches: (B, N, C), out: (B, N+1, C)
//   concatClsPos   the same plus pos[t', :] on token t' (the position embedding, pos: (N+1, C)) in the same pass
//   concatClsBackward  dpatches[b, t, :] = dout[b, 1 + t, :],  dcls (+)= Σ_b dout[b, 0, :]
//   transpose      out[j, i] = x[i, j] (i < R), 0 (R ≤ i < P)  x: (R, C), out: (C, P), P ≥ R (zero-padded rows of xᵀ;
//                  its backward is a transpose too)
//   transpose4     the same by 4×4 blocks (4 vec4 loads, 4 vec4 stores per invocation) when R, C and P are multiples of 4
// Backward of the rest: add → da = db = dy; mul → da = dy⊙b, db = dy⊙a; mulRow → dx = dy⊙row, drow = Σ_rows dy⊙x (reduce.sumRows); axpy → dx = α·dy (dy passes through to y's input); scale → dx = α·dy;
// addRow → dx = dy, drow = Σ_rows dy (kernels/reduce.ts sumRows). "(+)=" means the entry overwrites, or accumulates when accumulate = 1
// (parameter gradients summed over micro-batches).
// A binding may not be both read and written in one dispatch in WebGPU, hence the separate in-place entry points.
// Dispatch: 1-D over the output elements, WG threads per workgroup; the grid may wrap into y (see kernels/grid.ts).
// concatCls, concatClsPos, selectRow and selectRowBackward take their shapes as overrides (SB, SN, SC, SINDEX): their
// index arithmetic divides by them, which is a multiply by a constant, where a division by a uniform is a scalar
// division per lane on llvmpipe (those entries ran 2–3× slower).

override WG: u32 = 256;

struct Size { n: u32 }
struct Scaled { n: u32, alpha: f32 }
struct Fill { n: u32, value: f32 }
struct Rows { n: u32, period: u32 }
override SB: u32 = 1u; // B
override SN: u32 = 1u; // N: patches of concatCls*, tokens of selectRow*
override SC: u32 = 1u; // C
override SINDEX: u32 = 0u; // selectRow's token
struct ClsBackward { B: u32, N: u32, C: u32, accumulate: u32 }
struct Transpose { R: u32, C: u32, P: u32, batch: u32 }
// gatherColumns4, in vec4s: rows of x4 ld4 long; count blocks of width4 starting at off0 .. off3 of each row.
struct Gather { rows: u32, ld4: u32, width4: u32, count: u32, off0: u32, off1: u32, off2: u32, off3: u32 }

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> dcls: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpatches: array<f32>;
@group(0) @binding(5) var<storage, read> a: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;
@group(0) @binding(7) var<storage, read> x: array<f32>;
@group(0) @binding(8) var<storage, read> row: array<f32>;
@group(0) @binding(9) var<storage, read> dy: array<f32>;
@group(0) @binding(10) var<storage, read> cls: array<f32>;
@group(0) @binding(11) var<storage, read> patches: array<f32>;
@group(0) @binding(12) var<storage, read> dout: array<f32>;
@group(0) @binding(13) var<uniform> size: Size;
@group(0) @binding(14) var<uniform> scaled: Scaled;
@group(0) @binding(15) var<uniform> fillArgs: Fill;
@group(0) @binding(16) var<uniform> rows: Rows;
@group(0) @binding(19) var<uniform> clsBackArgs: ClsBackward;
@group(0) @binding(20) var<storage, read_write> dx: array<f32>;
@group(0) @binding(22) var<uniform> transposeArgs: Transpose;
// out and x seen as vec4s, for transpose4.
@group(0) @binding(23) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(24) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(25) var<storage, read> pos: array<f32>;
@group(0) @binding(26) var<uniform> gatherArgs: Gather;
// cls, patches, pos, dy and dx seen as vec4s, for concatClsPos4 and selectRowBackward4 (SC % 4 == 0). An entry point
// uses one view of a binding or the other, never both, so the shared binding numbers never collide.
@group(0) @binding(10) var<storage, read> cls4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> patches4: array<vec4<f32>>;
@group(0) @binding(25) var<storage, read> pos4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(20) var<storage, read_write> dx4: array<vec4<f32>>;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= size.n) { return; }
  y[i] = a[i] + b[i];
}

@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= size.n) { return; }
  y[i] = a[i] * b[i];
}

@compute @workgroup_size(WG)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= scaled.n) { return; }
  y[i] = y[i] + scaled.alpha * x[i];
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= scaled.n) { return; }
  y[i] = scaled.alpha * x[i];
}

@compute @workgroup_size(WG)
fn scaleInPlace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= scaled.n) { return; }
  y[i] = scaled.alpha * y[i];
}

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= fillArgs.n) { return; }
  y[i] = fillArgs.value;
}

@compute @workgroup_size(WG)
fn addRow(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= rows.n) { return; }
  y[i] = x[i] + row[i % rows.period];
}

@compute @workgroup_size(WG)
fn addRowInPlace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= rows.n) { return; }
  y[i] = y[i] + row[i % rows.period];
}

@compute @workgroup_size(WG)
fn mulRow(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= rows.n) { return; }
  y[i] = x[i] * row[i % rows.period];
}

@compute @workgroup_size(WG)
fn concatCls(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= SB * (SN + 1u) * SC) { return; }
  out[i] = concatAt(i);
}

@compute @workgroup_size(WG)
fn concatClsPos(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= SB * (SN + 1u) * SC) { return; }
  out[i] = concatAt(i) + pos[i % ((SN + 1u) * SC)];
}

// concatClsPos by vec4s (SC % 4 == 0): a quarter of the invocations, one 16-byte load or store per operand.
@compute @workgroup_size(WG)
fn concatClsPos4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let C4 = SC / 4u;
  if (i >= SB * (SN + 1u) * C4) { return; }
  let c = i % C4;
  let r = i / C4;
  let bi = r / (SN + 1u);
  let t = r % (SN + 1u);
  let v = select(patches4[(bi * SN + max(t, 1u) - 1u) * C4 + c], cls4[c], t == 0u);
  out4[i] = v + pos4[i % ((SN + 1u) * C4)];
}

// Element i of [cls; patches] (B, N+1, C).
fn concatAt(i: u32) -> f32 {
  let c = i % SC;
  let r = i / SC; // row of out viewed as (B·(N+1), C)
  let bi = r / (SN + 1u);
  let t = r % (SN + 1u);
  return select(patches[(bi * SN + max(t, 1u) - 1u) * SC + c], cls[c], t == 0u);
}

// Threads [0, B·N·C) copy dpatches; threads [B·N·C, B·N·C + C) each sum one column of dcls over the batch.
@compute @workgroup_size(WG)
fn concatClsBackward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let B = clsBackArgs.B;
  let N = clsBackArgs.N;
  let C = clsBackArgs.C;
  let np = B * N * C;
  if (i < np) {
    let c = i % C;
    let r = i / C; // row of dpatches viewed as (B·N, C)
    let bi = r / N;
    let t = r % N;
    dpatches[i] = dout[(bi * (N + 1u) + t + 1u) * C + c];
    return;
  }
  let c = i - np;
  if (c >= C) { return; }
  var s = 0.0;
  for (var bi = 0u; bi < B; bi++) { s += dout[bi * (N + 1u) * C + c]; }
  dcls[c] = select(s, dcls[c] + s, clsBackArgs.accumulate != 0u);
}

@compute @workgroup_size(WG)
fn selectRow(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= SB * SC) { return; }
  out[i] = x[(i / SC * SN + SINDEX) * SC + i % SC];
}

@compute @workgroup_size(WG)
fn selectRowBackward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= SB * SN * SC) { return; }
  let t = (i / SC) % SN;
  let bi = i / (SN * SC);
  dx[i] = select(0.0, dy[bi * SC + i % SC], t == SINDEX);
}

// out (rows, count·width) = the column blocks [off_s, off_s + width) of every row of x, side by side (in vec4s: every
// width, offset and row length a multiple of 4). E.g. the q and v columns of a qkv gradient, for a product that needs
// only those.
@compute @workgroup_size(WG)
fn gatherColumns4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let g = gatherArgs;
  let per = g.count * g.width4;
  if (i >= g.rows * per) { return; }
  let j = i % per;
  let s = j / g.width4;
  let off = select(select(select(g.off0, g.off1, s == 1u), g.off2, s == 2u), g.off3, s == 3u);
  out4[i] = x4[(i / per) * g.ld4 + off + j % g.width4];
}

// selectRowBackward by vec4s (SC % 4 == 0).
@compute @workgroup_size(WG)
fn selectRowBackward4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let C4 = SC / 4u;
  if (i >= SB * SN * C4) { return; }
  let t = (i / C4) % SN;
  let bi = i / (SN * C4);
  dx4[i] = select(vec4<f32>(0.0), dy4[bi * C4 + i % C4], t == SINDEX);
}

// One thread per output element, in output order (writes contiguous, reads strided); `batch` matrices, each x (R, C)
// into out (C, P).
@compute @workgroup_size(WG)
fn transpose(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_index(gid, nwg);
  let P = transposeArgs.P;
  let per = P * transposeArgs.C;
  if (o >= per * transposeArgs.batch) { return; }
  let m = o / per; // the matrix
  let j = (o % per) / P;
  let i = o % P;
  out[o] = select(0.0, x[m * transposeArgs.R * transposeArgs.C + min(i, transposeArgs.R - 1u) * transposeArgs.C + j], i < transposeArgs.R);
}

// One invocation per 4×4 block of out, in output order: x's rows i0 .. i0+3 at columns 4·jb .. 4·jb+3 are four vec4
// loads; their transpose is four vec4 stores (zeros for rows in the padding, ≥ R). Needs C and P multiples of 4.
@compute @workgroup_size(WG)
fn transpose4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_index(gid, nwg);
  let P4 = transposeArgs.P / 4u;
  let C4 = transposeArgs.C / 4u;
  let per = P4 * C4;
  if (o >= per * transposeArgs.batch) { return; }
  let m = o / per; // the matrix
  let jb = (o % per) / P4;
  let ib = o % P4;
  let i0 = 4u * ib;
  let xb = m * transposeArgs.R * C4; // its first vec4 in x
  let ob = m * transposeArgs.C * P4; // and in out
  var r0 = vec4<f32>(0.0);
  var r1 = vec4<f32>(0.0);
  var r2 = vec4<f32>(0.0);
  var r3 = vec4<f32>(0.0);
  // Rows past R (the padding, or the last block's tail when R % 4 ≠ 0) stay zero.
  let R = transposeArgs.R;
  if (i0 < R) { r0 = x4[xb + i0 * C4 + jb]; }
  if (i0 + 1u < R) { r1 = x4[xb + (i0 + 1u) * C4 + jb]; }
  if (i0 + 2u < R) { r2 = x4[xb + (i0 + 2u) * C4 + jb]; }
  if (i0 + 3u < R) { r3 = x4[xb + (i0 + 3u) * C4 + jb]; }
  let j0 = 4u * jb;
  out4[ob + j0 * P4 + ib] = vec4<f32>(r0.x, r1.x, r2.x, r3.x);
  out4[ob + (j0 + 1u) * P4 + ib] = vec4<f32>(r0.y, r1.y, r2.y, r3.y);
  out4[ob + (j0 + 2u) * P4 + ib] = vec4<f32>(r0.z, r1.z, r2.z, r3.z);
  out4[ob + (j0 + 3u) * P4 + ib] = vec4<f32>(r0.w, r1.w, r2.w, r3.w);
}
