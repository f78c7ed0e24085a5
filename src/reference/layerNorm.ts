// Float64 reference for layer normalisation over the last dim (timm ViT: eps 1e-6).
//   y = (x − μ)·rstd·γ + β,  μ = mean_c x,  rstd = 1/√(var_c x + eps)  (biased variance, as torch).
// Backward: x̂ = (x − μ)·rstd, g = dy·γ;  dx = rstd·(g − mean_c g − x̂·mean_c(g·x̂)),  dγ = Σ_r dy·x̂,  dβ = Σ_r dy.

export interface LayerNormForward {
  y: Float64Array; // (R, C)
  mean: Float64Array; // (R)
  rstd: Float64Array; // (R)
}

/** x: (R, C), weight/bias: (C). */
export function forward(x: Float64Array, weight: Float64Array, bias: Float64Array, R: number, C: number, eps: number): LayerNormForward {
  const y = new Float64Array(R * C); // (R, C)
  const mean = new Float64Array(R); // (R)
  const rstd = new Float64Array(R); // (R)
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x[r * C + c]!;
    const m = s / C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c]! - m) ** 2;
    const rs = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c]! - m) * rs * weight[c]! + bias[c]!;
    mean[r] = m;
    rstd[r] = rs;
  }
  return { y, mean, rstd };
}

export interface LayerNormBackward {
  dx: Float64Array; // (R, C)
  dweight: Float64Array; // (C)
  dbias: Float64Array; // (C)
}

/** dy, x: (R, C); weight: (C); mean, rstd: (R) from forward. */
export function backward(
  dy: Float64Array,
  x: Float64Array,
  weight: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  R: number,
  C: number,
): LayerNormBackward {
  const dx = new Float64Array(R * C); // (R, C)
  const dweight = new Float64Array(C); // (C)
  const dbias = new Float64Array(C); // (C)
  for (let r = 0; r < R; r++) {
    let sg = 0;
    let sgx = 0;
    for (let c = 0; c < C; c++) {
      const xh = (x[r * C + c]! - mean[r]!) * rstd[r]!;
      const g = dy[r * C + c]! * weight[c]!;
      sg += g;
      sgx += g * xh;
      dweight[c] += dy[r * C + c]! * xh;
      dbias[c] += dy[r * C + c]!;
    }
    for (let c = 0; c < C; c++) {
      const xh = (x[r * C + c]! - mean[r]!) * rstd[r]!;
      const g = dy[r * C + c]! * weight[c]!;
      dx[r * C + c] = rstd[r]! * (g - sg / C - (xh * sgx) / C);
    }
  }
  return { dx, dweight, dbias };
}
