// Float64 reference for cross-entropy over a column range [lo, hi) of the logits (masked softmax: only the
// current task's classes compete). Labels are ABSOLUTE class indices in [lo, hi).
//   loss[b] = logsumexp_{j∈[lo,hi)} z[b,j] − z[b,label_b];   mean = Σ loss / B.
//   dlogits[b,j] = gradScale·(softmax_j − [j = label_b]) for j ∈ [lo,hi), 0 elsewhere; gradScale = 1/B
//   makes dlogits the gradient of the mean loss.

export interface CrossEntropyForward {
  loss: Float64Array; // (B)
  mean: number;
  dlogits: Float64Array; // (B, K)
}

/** logits: (B, K), labels: (B) absolute indices in [lo, hi). */
export function forward(
  logits: Float64Array,
  labels: ArrayLike<number>,
  B: number,
  K: number,
  lo: number,
  hi: number,
  gradScale = 1 / B,
): CrossEntropyForward {
  const loss = new Float64Array(B); // (B)
  const dlogits = new Float64Array(B * K); // (B, K)
  let total = 0;
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let j = lo; j < hi; j++) m = Math.max(m, logits[b * K + j]!);
    let s = 0;
    for (let j = lo; j < hi; j++) s += Math.exp(logits[b * K + j]! - m);
    const label = labels[b]!;
    loss[b] = m + Math.log(s) - logits[b * K + label]!;
    total += loss[b]!;
    for (let j = lo; j < hi; j++) dlogits[b * K + j] = gradScale * (Math.exp(logits[b * K + j]! - m) / s - (j === label ? 1 : 0));
  }
  return { loss, mean: total / B, dlogits };
}

/** Index (absolute) of the largest logit in [lo, hi) per row; the first one wins ties. logits: (B, K) → (B). */
export function argmax(logits: Float64Array, B: number, K: number, lo: number, hi: number): Uint32Array {
  const out = new Uint32Array(B); // (B)
  for (let b = 0; b < B; b++) {
    let best = lo;
    for (let j = lo + 1; j < hi; j++) if (logits[b * K + j]! > logits[b * K + best]!) best = j;
    out[b] = best;
  }
  return out;
}
