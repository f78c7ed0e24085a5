// Float64 reference for src/kernels/elementwise.ts (shaders/elementwise.wgsl): the same ops as plain loops,
// forward and backward side by side. Row broadcast: element i of an (R, L) tensor uses row[i mod L].

/** y = a + b. a, b: (n) */
export function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length); // (n)
  for (let i = 0; i < a.length; i++) y[i] = a[i]! + b[i]!;
  return y;
}

/** da = db = dy. */
export function addBackward(dy: Float64Array): { da: Float64Array; db: Float64Array } {
  return { da: dy.slice(), db: dy.slice() };
}

/** y + alpha·x (returns the new y). x, y: (n) */
/** y = a ⊙ b. a, b, y: (n) */
export function mul(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i]! * b[i]!;
  return y;
}

/** y = x ⊙ row[i mod L]. x, y: (R, L), row: (L) */
export function mulRow(x: Float64Array, row: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! * row[i % row.length]!;
  return y;
}

/** Backward of mulRow: dx = dy ⊙ row, drow = Σ_r dy ⊙ x. */
export function mulRowBackward(dy: Float64Array, x: Float64Array, row: Float64Array): { dx: Float64Array; drow: Float64Array } {
  const L = row.length;
  return { dx: mulRow(dy, row), drow: sumRows(mul(dy, x), L) };
}

export function axpy(y: Float64Array, alpha: number, x: Float64Array): Float64Array {
  const out = new Float64Array(y.length); // (n)
  for (let i = 0; i < y.length; i++) out[i] = y[i]! + alpha * x[i]!;
  return out;
}

/** Gradients of axpy's output with respect to its y input and x. */
export function axpyBackward(dout: Float64Array, alpha: number): { dy: Float64Array; dx: Float64Array } {
  return { dy: dout.slice(), dx: scale(alpha, dout) };
}

/** alpha·x. x: (n) */
export function scale(alpha: number, x: Float64Array): Float64Array {
  const y = new Float64Array(x.length); // (n)
  for (let i = 0; i < x.length; i++) y[i] = alpha * x[i]!;
  return y;
}

/** dx = alpha·dy. */
export function scaleBackward(dy: Float64Array, alpha: number): Float64Array {
  return scale(alpha, dy);
}

/** n copies of value. */
export function fill(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value); // (n)
}

/** y = x + row broadcast. x: (R, L) flat, row: (L) */
export function addRow(x: Float64Array, row: Float64Array): Float64Array {
  const L = row.length;
  if (x.length % L !== 0) throw new Error(`addRow: ${x.length} is not a multiple of ${L}`);
  const y = new Float64Array(x.length); // (R, L)
  for (let i = 0; i < x.length; i++) y[i] = x[i]! + row[i % L]!;
  return y;
}

/** dx = dy, drow = Σ_r dy[r, :]. dy: (R, L) */
export function addRowBackward(dy: Float64Array, L: number): { dx: Float64Array; drow: Float64Array } {
  return { dx: dy.slice(), drow: sumRows(dy, L) };
}

/** Σ_r dy[r, :]. dy: (R, L) → (L) */
export function sumRows(dy: Float64Array, L: number): Float64Array {
  const drow = new Float64Array(L); // (L)
  for (let r = 0; r < dy.length / L; r++) for (let j = 0; j < L; j++) drow[j]! += dy[r * L + j]!;
  return drow;
}

/** out = [cls; patches] along tokens. cls: (C), patches: (B, N, C) → out: (B, N+1, C) */
export function concatCls(cls: Float64Array, patches: Float64Array, B: number, N: number, C: number): Float64Array {
  const out = new Float64Array(B * (N + 1) * C); // (B, N+1, C)
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) out[b * (N + 1) * C + c] = cls[c]!;
    for (let t = 0; t < N; t++)
      for (let c = 0; c < C; c++) out[(b * (N + 1) + 1 + t) * C + c] = patches[(b * N + t) * C + c]!;
  }
  return out;
}

/** dcls = Σ_b dout[b, 0, :], dpatches = dout[:, 1:, :]. dout: (B, N+1, C) */
export function concatClsBackward(dout: Float64Array, B: number, N: number, C: number): { dcls: Float64Array; dpatches: Float64Array } {
  const dcls = new Float64Array(C); // (C)
  const dpatches = new Float64Array(B * N * C); // (B, N, C)
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) dcls[c]! += dout[b * (N + 1) * C + c]!;
    for (let t = 0; t < N; t++)
      for (let c = 0; c < C; c++) dpatches[(b * N + t) * C + c] = dout[(b * (N + 1) + 1 + t) * C + c]!;
  }
  return { dcls, dpatches };
}

/** out (B, C) = x[:, index, :] for x (B, N, C). */
export function selectRow(x: Float64Array, B: number, N: number, C: number, index: number): Float64Array {
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out[b * C + c] = x[(b * N + index) * C + c]!;
  return out;
}

/** dx (B, N, C): dy at row `index`, zeros elsewhere. */
export function selectRowBackward(dy: Float64Array, B: number, N: number, C: number, index: number): Float64Array {
  const dx = new Float64Array(B * N * C);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) dx[(b * N + index) * C + c] = dy[b * C + c]!;
  return dx;
}

/** out (C, P) = xᵀ for x (R, C) row-major, each row zero-padded from R to P ≥ R values; `batch` such matrices one
 *  after another. Its backward is the transpose of dy. */
export function transpose(x: Float64Array, R: number, C: number, P = R, batch = 1): Float64Array {
  const out = new Float64Array(batch * P * C);
  for (let b = 0; b < batch; b++) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) out[b * C * P + j * P + i] = x[b * R * C + i * C + j]!;
  return out;
}

/** out (rows, offsets.length·width): the column blocks [o, o + width) of every row of x (rows, ld), side by side. */
export function gatherColumns(x: Float64Array, rows: number, ld: number, offsets: readonly number[], width: number): Float64Array {
  const out = new Float64Array(rows * offsets.length * width);
  for (let r = 0; r < rows; r++)
    offsets.forEach((o, s) => {
      for (let j = 0; j < width; j++) out[(r * offsets.length + s) * width + j] = x[r * ld + o + j]!;
    });
  return out;
}
