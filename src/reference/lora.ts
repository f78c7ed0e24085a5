// Float64 reference for the SD-LoRA low-rank path (shaders/lora.wgsl), spec §4.1/§4.3.
// K components concatenated: D_cat (R, dIn), U_cat (dOut, R); component k owns [offsets[k], offsets[k+1]).
// y = Σ_k s_k·(x·D_kᵀ)·U_kᵀ, x (T, dIn), y (T, dOut). Never forms a dOut×dIn matrix.

export interface LoraShape {
  T: number;
  dIn: number;
  dOut: number;
  ranks: readonly number[]; // r_k, K = ranks.length
}

/** offsets[k] = Σ_{i<k} r_i, length K+1 (offsets[K] = R). */
export function offsetsOf(ranks: readonly number[]): number[] {
  const out = [0];
  for (const r of ranks) out.push(out[out.length - 1]! + r);
  return out;
}

/** Per-column scale: colScale[j] = s_k for the component k owning column j. (R) */
export function columnScales(ranks: readonly number[], scales: ArrayLike<number>): Float64Array {
  const off = offsetsOf(ranks);
  const out = new Float64Array(off[ranks.length]!); // (R)
  for (let k = 0; k < ranks.length; k++) for (let j = off[k]!; j < off[k + 1]!; j++) out[j] = scales[k]!;
  return out;
}

/** Forward: h = x·D_catᵀ (T, R) and the LoRA output yLora = (h ⊙ colScale)·U_catᵀ (T, dOut). */
export function forward(
  shape: LoraShape,
  x: ArrayLike<number>, // (T, dIn)
  dCat: ArrayLike<number>, // (R, dIn)
  uCat: ArrayLike<number>, // (dOut, R)
  scales: ArrayLike<number>, // (K)
): { y: Float64Array; h: Float64Array } {
  const { T, dIn, dOut, ranks } = shape;
  const R = offsetsOf(ranks)[ranks.length]!;
  const cs = columnScales(ranks, scales); // (R)
  const h = new Float64Array(T * R); // (T, R)
  for (let t = 0; t < T; t++)
    for (let j = 0; j < R; j++) {
      let s = 0;
      for (let i = 0; i < dIn; i++) s += x[t * dIn + i]! * dCat[j * dIn + i]!;
      h[t * R + j] = s;
    }
  const y = new Float64Array(T * dOut); // (T, dOut)
  for (let t = 0; t < T; t++)
    for (let o = 0; o < dOut; o++) {
      let s = 0;
      for (let j = 0; j < R; j++) s += h[t * R + j]! * cs[j]! * uCat[o * R + j]!;
      y[t * dOut + o] = s;
    }
  return { y, h };
}

export interface LoraGrads {
  gu: Float64Array; // (T, R) = g·U_cat, unscaled
  dx: Float64Array; // (T, dIn) = Σ_k s_k (g U_k) D_k
  dU: Float64Array; // (dOut, r_t) = s_t·gᵀ·h_t
  dD: Float64Array; // (r_t, dIn) = s_t·(g U_t)ᵀ·x
  p: Float64Array; // (K) p_k = ⟨g U_k, h_k⟩_F; dL/ds_k = p_k
}

/** Backward for g = dL/dyLora (T, dOut); `comp` is the trainable component t. */
export function backward(
  shape: LoraShape,
  g: ArrayLike<number>, // (T, dOut)
  x: ArrayLike<number>, // (T, dIn)
  h: ArrayLike<number>, // (T, R)
  dCat: ArrayLike<number>, // (R, dIn)
  uCat: ArrayLike<number>, // (dOut, R)
  scales: ArrayLike<number>, // (K)
  comp: number,
): LoraGrads {
  const { T, dIn, dOut, ranks } = shape;
  const off = offsetsOf(ranks);
  const R = off[ranks.length]!;
  const cs = columnScales(ranks, scales); // (R)
  const gu = new Float64Array(T * R); // (T, R)
  for (let t = 0; t < T; t++)
    for (let j = 0; j < R; j++) {
      let s = 0;
      for (let o = 0; o < dOut; o++) s += g[t * dOut + o]! * uCat[o * R + j]!;
      gu[t * R + j] = s;
    }
  const dx = new Float64Array(T * dIn); // (T, dIn)
  for (let t = 0; t < T; t++)
    for (let i = 0; i < dIn; i++) {
      let s = 0;
      for (let j = 0; j < R; j++) s += cs[j]! * gu[t * R + j]! * dCat[j * dIn + i]!;
      dx[t * dIn + i] = s;
    }
  const rt = ranks[comp]!;
  const ot = off[comp]!;
  const st = scales[comp]!;
  const dU = new Float64Array(dOut * rt); // (dOut, r_t)
  for (let o = 0; o < dOut; o++)
    for (let a = 0; a < rt; a++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += g[t * dOut + o]! * h[t * R + ot + a]!;
      dU[o * rt + a] = st * s;
    }
  const dD = new Float64Array(rt * dIn); // (r_t, dIn)
  for (let a = 0; a < rt; a++)
    for (let i = 0; i < dIn; i++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += gu[t * R + ot + a]! * x[t * dIn + i]!;
      dD[a * dIn + i] = st * s;
    }
  const p = new Float64Array(ranks.length); // (K)
  for (let k = 0; k < ranks.length; k++) {
    let s = 0;
    for (let t = 0; t < T; t++) for (let j = off[k]!; j < off[k + 1]!; j++) s += gu[t * R + j]! * h[t * R + j]!;
    p[k] = s;
  }
  return { gu, dx, dU, dD, p };
}

/** Component t's block of U_cat as (dOut, r_t) and of D_cat as (r_t, dIn). */
export function component(
  shape: LoraShape,
  dCat: ArrayLike<number>, // (R, dIn)
  uCat: ArrayLike<number>, // (dOut, R)
  comp: number,
): { u: Float64Array; d: Float64Array } {
  const { dIn, dOut, ranks } = shape;
  const off = offsetsOf(ranks);
  const R = off[ranks.length]!;
  const rt = ranks[comp]!;
  const u = new Float64Array(dOut * rt); // (dOut, r_t)
  for (let o = 0; o < dOut; o++) for (let a = 0; a < rt; a++) u[o * rt + a] = uCat[o * R + off[comp]! + a]!;
  const d = new Float64Array(rt * dIn); // (r_t, dIn)
  for (let i = 0; i < rt * dIn; i++) d[i] = dCat[off[comp]! * dIn + i]!;
  return { u, d };
}
