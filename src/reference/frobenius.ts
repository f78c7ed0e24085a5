// Float64 reference for shaders/frobenius.wgsl: Frobenius norms and inner products of the low-rank
// matrices U_mk·D_mk of M stacked component stacks. Two routes: dense (forms each U_k D_k, the oracle)
// and the r×r Gram route the shader uses; the test checks they agree.

export interface Stack {
  M: number;
  dOut: number;
  dIn: number;
  ranks: readonly number[]; // (K)
}

function offsetsOf(ranks: readonly number[]): number[] {
  const out = [0];
  for (const r of ranks) out.push(out[out.length - 1]! + r);
  return out;
}

/** Dense U_mk·D_mk (dOut, dIn). u: M × (dOut, R), d: M × (R, dIn), both packed. */
export function product(s: Stack, u: ArrayLike<number>, d: ArrayLike<number>, m: number, k: number): Float64Array {
  const off = offsetsOf(s.ranks);
  const R = off[s.ranks.length]!;
  const out = new Float64Array(s.dOut * s.dIn); // (dOut, dIn)
  for (let o = 0; o < s.dOut; o++)
    for (let i = 0; i < s.dIn; i++) {
      let v = 0;
      for (let a = off[k]!; a < off[k + 1]!; a++) v += u[m * s.dOut * R + o * R + a]! * d[m * R * s.dIn + a * s.dIn + i]!;
      out[o * s.dIn + i] = v;
    }
  return out;
}

/** P_m = U_mᵀU_m and Q_m = D_m D_mᵀ, each (M, R, R). */
export function grams(s: Stack, u: ArrayLike<number>, d: ArrayLike<number>): { P: Float64Array; Q: Float64Array } {
  const R = s.ranks.reduce((a, b) => a + b, 0);
  const P = new Float64Array(s.M * R * R); // (M, R, R)
  const Q = new Float64Array(s.M * R * R); // (M, R, R)
  for (let m = 0; m < s.M; m++)
    for (let a = 0; a < R; a++)
      for (let b = 0; b < R; b++) {
        let p = 0;
        for (let o = 0; o < s.dOut; o++) p += u[m * s.dOut * R + o * R + a]! * u[m * s.dOut * R + o * R + b]!;
        let q = 0;
        for (let i = 0; i < s.dIn; i++) q += d[m * R * s.dIn + a * s.dIn + i]! * d[m * R * s.dIn + b * s.dIn + i]!;
        P[(m * R + a) * R + b] = p;
        Q[(m * R + a) * R + b] = q;
      }
  return { P, Q };
}

const frob = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** normProd[m][k] = ‖U_mk‖_F‖D_mk‖_F, normUD[m][k] = ‖U_mk D_mk‖_F, both (M, K), dense route. */
export function norms(s: Stack, u: ArrayLike<number>, d: ArrayLike<number>): { normProd: Float64Array; normUD: Float64Array } {
  const off = offsetsOf(s.ranks);
  const R = off[s.ranks.length]!;
  const K = s.ranks.length;
  const normProd = new Float64Array(s.M * K); // (M, K)
  const normUD = new Float64Array(s.M * K); // (M, K)
  for (let m = 0; m < s.M; m++)
    for (let k = 0; k < K; k++) {
      let nu = 0;
      for (let o = 0; o < s.dOut; o++) for (let a = off[k]!; a < off[k + 1]!; a++) nu += u[m * s.dOut * R + o * R + a]! ** 2;
      let nd = 0;
      for (let a = off[k]!; a < off[k + 1]!; a++) for (let i = 0; i < s.dIn; i++) nd += d[m * R * s.dIn + a * s.dIn + i]! ** 2;
      normProd[m * K + k] = Math.sqrt(nu * nd);
      const p = product(s, u, d, m, k);
      normUD[m * K + k] = Math.sqrt(frob(p, p));
    }
  return { normProd, normUD };
}

/** G[j][k] = Σ_m w_mj w_mk ⟨U_mj D_mj, U_mk D_mk⟩_F, w_mk = weights[k]·(bit k of mask ? 1/‖U_mk‖‖D_mk‖ : 1).
 *  (K, K), dense route. */
export function blockGram(s: Stack, u: ArrayLike<number>, d: ArrayLike<number>, weights: ArrayLike<number>, normalizeMask: number): Float64Array {
  const K = s.ranks.length;
  const { normProd } = norms(s, u, d);
  const G = new Float64Array(K * K); // (K, K)
  for (let m = 0; m < s.M; m++) {
    const prods = s.ranks.map((_, k) => product(s, u, d, m, k));
    const w = s.ranks.map((_, k) => weights[k]! * ((normalizeMask >>> k) & 1 ? 1 / Math.max(normProd[m * K + k]!, 1e-30) : 1));
    for (let j = 0; j < K; j++) for (let k = 0; k < K; k++) G[j * K + k]! += w[j]! * w[k]! * frob(prods[j]!, prods[k]!);
  }
  return G;
}

/** ⟨U_mj D_mj, U_mk D_mk⟩ by the Gram route: Σ_{a∈j, b∈k} P_m[a][b]·Q_m[a][b]. */
export function blockInner(s: Stack, P: ArrayLike<number>, Q: ArrayLike<number>, m: number, j: number, k: number): number {
  const off = offsetsOf(s.ranks);
  const R = off[s.ranks.length]!;
  let v = 0;
  for (let a = off[j]!; a < off[j + 1]!; a++) for (let b = off[k]!; b < off[k + 1]!; b++) v += P[(m * R + a) * R + b]! * Q[(m * R + a) * R + b]!;
  return v;
}
