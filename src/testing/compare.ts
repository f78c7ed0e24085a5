// GPU (float32) against reference (float64) comparison with a tolerance that scales with the
// reduction length: |gpu − ref| ≤ ULPS · ε32 · √K · (|ref| + mag), llm.c's t_eff idea.
//   ε32 = 2⁻²³: float32 rounding unit.
//   √K: rounding errors of a K-term sum grow like a random walk.
//   mag: the rms of the reference, so entries that cancel to ~0 are judged at the scale of their terms.
//   ULPS: slack for the kernel's own operation count (exp, division, several passes). Default 16.

export const EPS32 = 2 ** -23;

export interface CloseOptions {
  /** Length of the longest sum behind each output (K of a matmul, the row length of a norm). */
  reduction?: number;
  /** Multiplier on ε32 (default 16). */
  ulps?: number;
  /** Magnitude scale (default: rms of the reference). */
  mag?: number;
  label?: string;
}

export interface CloseReport {
  ok: boolean;
  maxAbs: number;
  maxRatio: number; // max |err| / tolerance; ≤ 1 passes
  worst: number;
  message: string;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}): CloseReport {
  const label = opts.label ?? 'value';
  if (actual.length !== expected.length)
    return { ok: false, maxAbs: Infinity, maxRatio: Infinity, worst: -1, message: `${label}: length ${actual.length} ≠ ${expected.length}` };
  let ss = 0;
  for (let i = 0; i < expected.length; i++) ss += expected[i]! * expected[i]!;
  const mag = opts.mag ?? Math.max(Math.sqrt(ss / Math.max(1, expected.length)), 1e-30);
  const k = Math.max(1, opts.reduction ?? 1);
  const unit = (opts.ulps ?? 16) * EPS32 * Math.sqrt(k);
  let maxAbs = 0;
  let maxRatio = 0;
  let worst = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e);
    const tol = unit * (Math.abs(e) + mag);
    const ratio = !Number.isFinite(a) ? Infinity : err === 0 ? 0 : err / tol;
    if (err > maxAbs || !Number.isFinite(a)) maxAbs = Number.isFinite(a) ? Math.max(maxAbs, err) : Infinity;
    if (ratio > maxRatio || worst < 0) {
      maxRatio = ratio;
      worst = i;
    }
  }
  const ok = maxRatio <= 1;
  const message = `${label}: max |err| ${maxAbs.toExponential(2)}, worst at [${worst}] got ${actual[worst]} want ${expected[worst]} (${maxRatio.toFixed(3)}× tolerance, K=${k})`;
  return { ok, maxAbs, maxRatio, worst, message };
}

/** Throws with a descriptive message unless actual ≈ expected (see compare). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}): CloseReport {
  const r = compare(actual, expected, opts);
  if (!r.ok) throw new Error(r.message);
  return r;
}
