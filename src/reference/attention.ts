// Float64 reference for timm's multi-head self-attention core (after the qkv linear, before proj).
//   qkv: (B, N, 3C) packed [q | k | v], C = H·D; head h of q is columns [h·D, (h+1)·D), likewise k and v.
//   P[b,h] = softmax(q_h·k_hᵀ·scale) with scale = 1/√D;  out[b, :, h·D:(h+1)·D] = P[b,h]·v_h.
// Backward: dP = dout_h·v_hᵀ;  dS = P ⊙ (dP − rowsum(dP ⊙ P));  dq = scale·dS·k;  dk = scale·dSᵀ·q;  dv = Pᵀ·dout_h.

export interface AttentionForward {
  out: Float64Array; // (B, N, C)
  probs: Float64Array; // (B, H, N, N)
}

/** qkv: (B, N, 3·H·D). */
export function forward(qkv: Float64Array, B: number, N: number, H: number, D: number): AttentionForward {
  const C = H * D;
  const scale = 1 / Math.sqrt(D);
  const out = new Float64Array(B * N * C); // (B, N, C)
  const probs = new Float64Array(B * H * N * N); // (B, H, N, N)
  const q = (b: number, i: number, h: number, d: number) => qkv[(b * N + i) * 3 * C + h * D + d]!;
  const k = (b: number, i: number, h: number, d: number) => qkv[(b * N + i) * 3 * C + C + h * D + d]!;
  const v = (b: number, i: number, h: number, d: number) => qkv[(b * N + i) * 3 * C + 2 * C + h * D + d]!;
  const row = new Float64Array(N); // (N) scores of one query
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < N; i++) {
        let m = -Infinity;
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += q(b, i, h, d) * k(b, j, h, d);
          row[j] = s * scale;
          m = Math.max(m, row[j]!);
        }
        let z = 0;
        for (let j = 0; j < N; j++) z += Math.exp(row[j]! - m);
        const p0 = ((b * H + h) * N + i) * N;
        for (let j = 0; j < N; j++) probs[p0 + j] = Math.exp(row[j]! - m) / z;
        for (let d = 0; d < D; d++) {
          let s = 0;
          for (let j = 0; j < N; j++) s += probs[p0 + j]! * v(b, j, h, d);
          out[(b * N + i) * C + h * D + d] = s;
        }
      }
  return { out, probs };
}

/** dout: (B, N, C), qkv: (B, N, 3C), probs: (B, H, N, N) → dqkv: (B, N, 3C). */
export function backward(dout: Float64Array, qkv: Float64Array, probs: Float64Array, B: number, N: number, H: number, D: number): Float64Array {
  const C = H * D;
  const scale = 1 / Math.sqrt(D);
  const dqkv = new Float64Array(B * N * 3 * C); // (B, N, 3C)
  const at = (b: number, i: number, part: number, h: number, d: number) => (b * N + i) * 3 * C + part * C + h * D + d;
  const dS = new Float64Array(N * N); // (N, N) for one (b, h)
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const p0 = (b * H + h) * N * N;
      for (let i = 0; i < N; i++) {
        let rowDot = 0;
        for (let j = 0; j < N; j++) {
          let dp = 0;
          for (let d = 0; d < D; d++) dp += dout[(b * N + i) * C + h * D + d]! * qkv[at(b, j, 2, h, d)]!;
          dS[i * N + j] = dp;
          rowDot += dp * probs[p0 + i * N + j]!;
        }
        for (let j = 0; j < N; j++) dS[i * N + j] = probs[p0 + i * N + j]! * (dS[i * N + j]! - rowDot);
      }
      for (let i = 0; i < N; i++)
        for (let d = 0; d < D; d++) {
          let dq = 0;
          let dk = 0;
          let dv = 0;
          for (let j = 0; j < N; j++) {
            dq += dS[i * N + j]! * qkv[at(b, j, 1, h, d)]!;
            dk += dS[j * N + i]! * qkv[at(b, j, 0, h, d)]!;
            dv += probs[p0 + j * N + i]! * dout[(b * N + j) * C + h * D + d]!;
          }
          dqkv[at(b, i, 0, h, d)] = scale * dq;
          dqkv[at(b, i, 1, h, d)] = scale * dk;
          dqkv[at(b, i, 2, h, d)] = dv;
        }
    }
  return dqkv;
}
