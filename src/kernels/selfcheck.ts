// Kernel self-check: runs each kernel on seeded random inputs and compares it with the float64
// reference. The same list runs in the browser (the engine page, e2e tests) and in the CLI demo,
// so a user can see on their own device that the GPU computes what the references say.

import type { GpuContext } from '../gpu/context';
import { compare } from '../testing/compare';
import { f32, f64, normal } from '../testing/rng';
import * as geluRef from '../reference/gelu';
import * as gelu from './gelu';

export interface CheckResult {
  name: string;
  ok: boolean;
  maxAbsError: number;
  toleranceRatio: number; // max |err| / tolerance (≤ 1 passes)
  ms: number;
  detail: string;
}

export interface Check {
  name: string;
  run(ctx: GpuContext): Promise<Omit<CheckResult, 'name' | 'ms'>>;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export const checks: Check[] = [
  {
    name: 'gelu forward + backward (n=4099)',
    async run(ctx) {
      const n = 4099;
      const x = f32(normal(n, 1, 3));
      const dy = f32(normal(n, 2));
      const tx = ctx.fromArray(x, [n], 'x');
      const tdy = ctx.fromArray(dy, [n], 'dy');
      const ty = ctx.tensor([n], 'y');
      const tdx = ctx.tensor([n], 'dx');
      gelu.forward(ctx, ty, tx);
      gelu.backward(ctx, tdx, tdy, tx);
      const a = compare(await ctx.read(ty), geluRef.forward(f64(x)), { ulps: 64, label: 'y' });
      const b = compare(await ctx.read(tdx), geluRef.backward(f64(dy), f64(x)), { ulps: 64, label: 'dx' });
      ctx.release(tx, tdy, ty, tdx);
      const worst = a.maxRatio >= b.maxRatio ? a : b;
      return { ok: a.ok && b.ok, maxAbsError: Math.max(a.maxAbs, b.maxAbs), toleranceRatio: worst.maxRatio, detail: worst.message };
    },
  },
];

/** Runs every check; a thrown error becomes a failed result rather than stopping the list. */
export async function runChecks(ctx: GpuContext, onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of checks) {
    const t0 = now();
    let r: CheckResult;
    try {
      r = { name: c.name, ...(await c.run(ctx)), ms: now() - t0 };
    } catch (e) {
      r = { name: c.name, ok: false, maxAbsError: NaN, toleranceRatio: NaN, ms: now() - t0, detail: String((e as Error).message ?? e) };
    }
    results.push(r);
    onResult?.(r);
  }
  return results;
}
