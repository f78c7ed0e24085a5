// Float64 reference for the row-wise softmax with an input scale (attention scores use scale = 1/√D).
//   y[r, :] = softmax(scale · x[r, :]).   Backward: dx = scale · y · (dy − Σ_k dy·y).

/** x: (R, K) → y: (R, K). Subtracts the row max so exp never overflows. */
export function forward(x: Float64Array, R: number, K: number, scale = 1): Float64Array {
  const y = new Float64Array(R * K); // (R, K)
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, scale * x[r * K + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(scale * x[r * K + k]! - m);
    for (let k = 0; k < K; k++) y[r * K + k] = Math.exp(scale * x[r * K + k]! - m) / s;
  }
  return y;
}

/** dy, y: (R, K) → dx: (R, K). */
export function backward(dy: Float64Array, y: Float64Array, R: number, K: number, scale = 1): Float64Array {
  const dx = new Float64Array(R * K); // (R, K)
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += dy[r * K + k]! * y[r * K + k]!;
    for (let k = 0; k < K; k++) dx[r * K + k] = scale * y[r * K + k]! * (dy[r * K + k]! - s);
  }
  return dx;
}
