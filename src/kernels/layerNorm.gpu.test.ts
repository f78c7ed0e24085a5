import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/layerNorm';
import * as layerNorm from './layerNorm';

await describeGpu('layerNorm kernel', (ctx) => {
  // (R, C, |x| scale, row offset): odd shapes, a ViT-Tiny shape, and an extreme-range case (|x| ~ 1e3 around an
  // offset of 1e4: huge variance and a large mean, which one-pass Σx² would ruin). C % 4 == 0 (4, 96, 192) takes the
  // vec4 entry points, the others the scalar ones.
  for (const [R, C, mag, offset] of [[1, 1, 1, 0], [7, 5, 1, 0], [131, 67, 2, 0.5], [1576, 192, 1, 0], [33, 192, 1e3, 1e4], [9, 4, 1, 0], [544, 96, 2, 0.5]] as const) {
    it(`forward and backward R=${R} C=${C} (|x|~${mag}, offset ${offset})`, async () => {
      const c = ctx();
      const eps = 1e-6;
      const x = f32(normal(R * C, R * C, mag).map((v) => v + offset)); // (R, C)
      const weight = f32(normal(C, 2).map((v) => 1 + 0.5 * v)); // (C)
      const bias = f32(normal(C, 3)); // (C)
      const dy = f32(normal(R * C, 4)); // (R, C)
      const prior = f32(normal(2 * C, 5)); // (2C): existing dweight | dbias for the accumulate check
      const t = {
        x: c.fromArray(x, [R, C], 'x'),
        weight: c.fromArray(weight, [C], 'weight'),
        bias: c.fromArray(bias, [C], 'bias'),
        dy: c.fromArray(dy, [R, C], 'dy'),
        y: c.tensor([R, C], 'y'),
        mean: c.tensor([R], 'mean'),
        rstd: c.tensor([R], 'rstd'),
        dx: c.tensor([R, C], 'dx'),
        dweight: c.fromArray(prior.subarray(0, C), [C], 'dweight'),
        dbias: c.fromArray(prior.subarray(C), [C], 'dbias'),
        dxOnly: c.tensor([R, C], 'dxOnly'),
        res: c.fromArray(f32(normal(R * C, 6)), [R, C], 'res'),
        dxRes: c.tensor([R, C], 'dxRes'),
      };
      layerNorm.forward(c, t.y, t.mean, t.rstd, t.x, t.weight, t.bias, R, C, eps);
      layerNorm.backward(c, t.dx, t.dweight, t.dbias, t.dy, t.x, t.weight, t.mean, t.rstd, R, C, { accumulate: true });
      layerNorm.backward(c, t.dxOnly, null, null, t.dy, t.x, t.weight, t.mean, t.rstd, R, C); // a frozen layer norm: dx only
      // With a residual branch's gradient added in the same pass (a pre-LN block's two paths).
      layerNorm.backward(c, t.dxRes, null, null, t.dy, t.x, t.weight, t.mean, t.rstd, R, C, { residual: t.res });
      const f = ref.forward(f64(x), f64(weight), f64(bias), R, C, eps);
      const b = ref.backward(f64(dy), f64(x), f64(weight), f.mean, f.rstd, R, C);
      // Outputs come from C-term sums (μ, var) and, for dγ/dβ, R-term sums.
      assertClose(await c.read(t.y), f.y, { reduction: C, label: 'y' });
      assertClose(await c.read(t.mean), f.mean, { reduction: C, label: 'mean' });
      assertClose(await c.read(t.rstd), f.rstd, { reduction: C, label: 'rstd' });
      assertClose(await c.read(t.dx), b.dx, { reduction: C, label: 'dx' });
      expect(await c.read(t.dxOnly)).toEqual(await c.read(t.dx));
      const res = await c.read(t.res);
      assertClose(await c.read(t.dxRes), b.dx.map((v, i) => v + res[i]!), { reduction: C + 1, label: 'dx + residual' });
      const dw = b.dweight.map((v, i) => v + prior[i]!);
      const db = b.dbias.map((v, i) => v + prior[C + i]!);
      assertClose(await c.read(t.dweight), dw, { reduction: R, label: 'dweight' });
      assertClose(await c.read(t.dbias), db, { reduction: R, label: 'dbias' });
      c.release(...Object.values(t));
    });
  }
});
