import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/gelu';
import * as gelu from './gelu';

await describeGpu('gelu kernel', (ctx) => {
  // Odd sizes exercise the bounds guard; the large scale is the "extreme range" case (exp underflow, tails).
  // n % 4 == 0 runs the vec4 entry points (1000, 4096), the rest the scalar ones.
  for (const [n, scale] of [[1, 1], [1000, 2], [4099, 30], [4096, 30]] as const) {
    it(`forward and backward, n=${n}, scale=${scale}`, async () => {
      const c = ctx();
      const x = f32(normal(n, n, scale));
      const dy = f32(normal(n, n + 1));
      const tx = c.fromArray(x, [n], 'x');
      const tdy = c.fromArray(dy, [n], 'dy');
      const ty = c.tensor([n], 'y');
      const tdx = c.tensor([n], 'dx');
      gelu.forward(c, ty, tx);
      gelu.backward(c, tdx, tdy, tx);
      // ulps 64: erf approximation error 1.5e-7 ≈ 1.3 ε32 relative to Φ, times |x| up to ~100.
      assertClose(await c.read(ty), ref.forward(f64(x)), { ulps: 64, label: 'y' });
      assertClose(await c.read(tdx), ref.backward(f64(dy), f64(x)), { ulps: 64, label: 'dx' });
      c.release(tx, tdy, ty, tdx);
    });
  }

  it('rejects a launcher that binds the wrong names', () => {
    const c = ctx();
    const t = c.tensor([4]);
    expect(() => c.run('gelu', 'forward', { bindings: { y: t, input: t }, uniforms: { n: 4 }, workgroups: [1] })).toThrow(
      /missing bindings \[x\].*unexpected bindings \[input\]/,
    );
    c.release(t);
  });
});
