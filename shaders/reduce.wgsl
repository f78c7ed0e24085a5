// reduce: deterministic sums, each as two passes of one entry point (partials, then the partials' sum),
// so the result never depends on scheduling (no float atomics).
//   sumRows: out[c] = scale·Σ_r x[r, c] (+ out[c] if accumulate).   x: (rows, cols), out: (cols)  — bias gradients.
//     Pass 1 (chunk rows per partial): thread (c, g) sums rows [g·chunk, (g+1)·chunk) of column c → out[g·cols + c].
//     Pass 2 runs the same entry on the (groups, cols) partials with chunk = groups. Grid: (⌈cols/WG⌉, groups).
//   sumAll: out[g] = scale·Σ x[i] (or Σ x[i]² when squares = 1) over i ∈ [g·chunk, (g+1)·chunk) of the flat x (n);
//     WG threads stride over the chunk, then a tree reduction in workgroup memory. Grid: (groups).
//     Pass 2: one workgroup over the partials (squares = 0) with the final scale and accumulate flag.
// Backward: sumRows broadcasts dy over rows; sum of squares has gradient 2·scale·x (callers do that elementwise).

override WG: u32 = 64;

struct Dims { rows: u32, cols: u32, chunk: u32, scale: f32, accumulate: u32, squares: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> dims: Dims;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn sumRows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let g = gid.y;
  let r0 = g * dims.chunk;
  let r1 = min(dims.rows, r0 + dims.chunk);
  // Clamp instead of returning early: llvmpipe masks every later statement after a divergent return.
  let cl = min(c, dims.cols - 1u);
  var s = 0.0;
  for (var r = r0; r < r1; r++) { s += x[r * dims.cols + cl]; }
  if (c < dims.cols) {
    let o = g * dims.cols + c;
    // select, not multiply: a stale NaN in out must not leak when accumulate = 0.
    out[o] = dims.scale * s + select(0.0, out[o], dims.accumulate != 0u);
  }
}

@compute @workgroup_size(WG)
fn sumAll(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let n = dims.rows * dims.cols;
  let i0 = wg.x * dims.chunk;
  let i1 = min(n, i0 + dims.chunk);
  var s = 0.0;
  for (var i = i0 + t; i < i1; i += WG) {
    let v = x[i];
    s += select(v, v * v, dims.squares != 0u);
  }
  partial[t] = s;
  workgroupBarrier();
  // Fixed-shape tree: the summation order depends only on WG, hence deterministic.
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) { partial[t] += partial[t + stride]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    out[wg.x] = dims.scale * partial[0] + select(0.0, out[wg.x], dims.accumulate != 0u);
  }
}
