// Central finite differences in float64, the oracle for every reference backward pass.
// Step 1e-6 is safe in float64 (truncation error ~h², rounding ~ε64/h ≈ 2e-10); it would be noise in float32.

/** Numerical gradient of the scalar f at x (x is perturbed in place and restored). */
export function numericGrad(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v + h;
    const fp = f();
    x[i] = v - h;
    const fm = f();
    x[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Max |analytic − numeric| / (|numeric| + scale) over all entries; scale = rms of numeric (or 1e-8). */
export function gradError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  let ss = 0;
  for (let i = 0; i < numeric.length; i++) ss += numeric[i]! * numeric[i]!;
  const scale = Math.max(Math.sqrt(ss / Math.max(1, numeric.length)), 1e-8);
  let worst = 0;
  for (let i = 0; i < numeric.length; i++) {
    const e = Math.abs(analytic[i]! - numeric[i]!) / (Math.abs(numeric[i]!) + scale);
    if (!(e <= worst)) worst = e; // also catches NaN
  }
  return worst;
}

/** A fixed random linear functional: loss = Σ w_i y_i, so dL/dy = w. Used to drive backward passes. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
