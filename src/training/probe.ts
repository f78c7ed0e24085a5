// Frozen-feature probe: nearest-class-mean (NCM) accuracy. Class means come from the train split's features,
// each test feature goes to the nearest mean. Two metrics:
//   'euclidean': argmin_k ‖f − μ_k‖², μ_k = mean of class k's features (what the prototype head does);
//   'cosine':    features L2-normalised first, μ_k = mean of the normalised features, argmax_k cos(f, μ_k)
//                (the tiny-prototype study's NCM; insensitive to feature scale).
// Pure functions on host arrays; the feature extraction on the GPU is in src/cli/probe.ts.

export type NcmMetric = 'euclidean' | 'cosine';

export interface FeatureSet {
  features: Float32Array; // (n, C)
  labels: ArrayLike<number>; // (n), class ids in [0, K)
}

function normalised(f: Float32Array, C: number): Float32Array {
  const out = new Float32Array(f.length);
  for (let i = 0; i < f.length / C; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += f[i * C + c]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = 0; c < C; c++) out[i * C + c] = f[i * C + c]! * inv;
  }
  return out;
}

/** Class means (K, C) of the rows of `set` (float64 sums); a class without rows gets NaN (never chosen). */
export function classMeans(set: FeatureSet, K: number, C: number): Float64Array {
  const sums = new Float64Array(K * C); // (K, C)
  const counts = new Float64Array(K); // (K)
  for (let i = 0; i < set.labels.length; i++) {
    const k = set.labels[i]!;
    counts[k]!++;
    for (let c = 0; c < C; c++) sums[k * C + c] += set.features[i * C + c]!;
  }
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) sums[k * C + c] = counts[k] ? sums[k * C + c]! / counts[k]! : NaN;
  return sums;
}

/** Predicted class of every test row (ties: the lowest class id). */
export function ncmPredict(train: FeatureSet, test: Float32Array, K: number, C: number, metric: NcmMetric): Int32Array {
  const tr = metric === 'cosine' ? { ...train, features: normalised(train.features, C) } : train;
  const te = metric === 'cosine' ? normalised(test, C) : test;
  const means = classMeans(tr, K, C);
  const norms = new Float64Array(K); // ‖μ_k‖ for cosine
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += means[k * C + c]! ** 2;
    norms[k] = Math.sqrt(s);
  }
  const n = te.length / C;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let k = 0; k < K; k++) {
      if (Number.isNaN(means[k * C]!)) continue;
      let score: number;
      if (metric === 'euclidean') {
        let d = 0;
        for (let c = 0; c < C; c++) d += (te[i * C + c]! - means[k * C + c]!) ** 2;
        score = -d;
      } else {
        let dot = 0;
        for (let c = 0; c < C; c++) dot += te[i * C + c]! * means[k * C + c]!;
        score = norms[k]! > 0 ? dot / norms[k]! : -Infinity;
      }
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** NCM top-1 accuracy in [0, 1]. */
export function ncmAccuracy(train: FeatureSet, test: FeatureSet, K: number, C: number, metric: NcmMetric = 'cosine'): number {
  const p = ncmPredict(train, test.features, K, C, metric);
  let correct = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === test.labels[i]) correct++;
  return p.length ? correct / p.length : 0;
}
