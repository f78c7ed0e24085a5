// Float64 reference for shaders/merge.wgsl: W = W0 + Σ_k s_k·U_k·D_k on a block of a wider weight.

export interface WeightBlock {
  stride: number; // row stride of the wider weight
  rowOffset: number;
  colOffset: number;
}

/** Returns a copy of w0 with ΔW = Σ_k s_k U_k D_k added to the block (rowOffset.., colOffset..). */
export function forward(
  w0: ArrayLike<number>, // (rows, stride) wider weight
  uCat: ArrayLike<number>, // (dOut, R)
  dCat: ArrayLike<number>, // (R, dIn)
  scales: ArrayLike<number>, // (K)
  ranks: readonly number[], // (K)
  dOut: number,
  dIn: number,
  block: WeightBlock,
): Float64Array {
  const R = ranks.reduce((a, b) => a + b, 0);
  const w = Float64Array.from(w0); // (rows, stride)
  let c0 = 0;
  for (let k = 0; k < ranks.length; k++) {
    for (let o = 0; o < dOut; o++)
      for (let i = 0; i < dIn; i++) {
        let s = 0;
        for (let c = c0; c < c0 + ranks[k]!; c++) s += uCat[o * R + c]! * dCat[c * dIn + i]!;
        w[(block.rowOffset + o) * block.stride + block.colOffset + i]! += scales[k]! * s;
      }
    c0 += ranks[k]!;
  }
  return w;
}
