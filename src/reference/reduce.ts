// Float64 reference for the reductions in shaders/reduce.wgsl: column sums of a matrix (bias gradients),
// the sum of all elements and the sum of squares (gradient norms).

/** out[c] = scale · Σ_r x[r, c] (+ out[c] when `accumulate` is given). x: (R, C); result: (C). */
export function sumRows(x: Float64Array, R: number, C: number, scale = 1, accumulate?: Float64Array): Float64Array {
  const out = new Float64Array(C); // (C)
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let r = 0; r < R; r++) s += x[r * C + c]!;
    out[c] = scale * s + (accumulate ? accumulate[c]! : 0);
  }
  return out;
}

/** scale · Σ x (+ accumulate). x: (n). */
export function sumAll(x: Float64Array, scale = 1, accumulate = 0): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return scale * s + accumulate;
}

/** scale · Σ x² (+ accumulate). x: (n). Its gradient is 2·scale·x. */
export function sumSquares(x: Float64Array, scale = 1, accumulate = 0): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return scale * s + accumulate;
}
