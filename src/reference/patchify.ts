// Float64 reference for patchify (im2col of non-overlapping P×P patches).
// x: (B, Ch, S, S) → cols: (B, G², Ch·P²), patch p = py·G + px, column j = c·P² + ky·P + kx.

/** cols (B, G², Ch·P²) from x (B, Ch, S, S). */
export function forward(x: Float64Array, B: number, Ch: number, S: number, P: number): Float64Array {
  const G = S / P;
  const W = Ch * P * P;
  const cols = new Float64Array(B * G * G * W);
  for (let b = 0; b < B; b++)
    for (let py = 0; py < G; py++)
      for (let px = 0; px < G; px++)
        for (let c = 0; c < Ch; c++)
          for (let ky = 0; ky < P; ky++)
            for (let kx = 0; kx < P; kx++)
              cols[(b * G * G + py * G + px) * W + c * P * P + ky * P + kx] =
                x[((b * Ch + c) * S + py * P + ky) * S + px * P + kx]!;
  return cols;
}

/** dx (B, Ch, S, S) from dcols (B, G², Ch·P²): the transpose of the permutation above. */
export function backward(dcols: Float64Array, B: number, Ch: number, S: number, P: number): Float64Array {
  const G = S / P;
  const W = Ch * P * P;
  const dx = new Float64Array(B * Ch * S * S);
  for (let b = 0; b < B; b++)
    for (let py = 0; py < G; py++)
      for (let px = 0; px < G; px++)
        for (let c = 0; c < Ch; c++)
          for (let ky = 0; ky < P; ky++)
            for (let kx = 0; kx < P; kx++)
              dx[((b * Ch + c) * S + py * P + ky) * S + px * P + kx] +=
                dcols[(b * G * G + py * G + px) * W + c * P * P + ky * P + kx]!;
  return dx;
}
