import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/reduce';
import * as reduce from './reduce';

await describeGpu('reduce kernel', (ctx) => {
  // (R, C, scale of x): single-pass shapes, a two-pass one (R > 64) with odd C, and an extreme-range case.
  for (const [R, C, mag] of [[1, 1, 1], [5, 3, 1], [197, 67, 1], [3001, 5, 1e4], [1576, 192, 1]] as const) {
    it(`sumRows R=${R} C=${C} (|x|~${mag}), with scale and accumulate`, async () => {
      const c = ctx();
      const x = f32(normal(R * C, R + C, mag)); // (R, C)
      const prior = f32(normal(C, 7)); // (C)
      const tx = c.fromArray(x, [R, C], 'x');
      const tout = c.tensor([C], 'out');
      const tacc = c.fromArray(prior, [C], 'acc');
      reduce.sumRows(c, tout, tx, R, C);
      reduce.sumRows(c, tacc, tx, R, C, { scale: 0.25, accumulate: true });
      assertClose(await c.read(tout), ref.sumRows(f64(x), R, C), { reduction: R, label: 'sumRows' });
      assertClose(await c.read(tacc), ref.sumRows(f64(x), R, C, 0.25, f64(prior)), { reduction: R, label: 'sumRows accumulate' });
      c.release(tx, tout, tacc);
    });
  }

  for (const [n, mag] of [[1, 1], [1000, 1], [77777, 1], [300001, 1e3]] as const) {
    it(`sumAll and sumSquares n=${n} (|x|~${mag})`, async () => {
      const c = ctx();
      const x = f32(normal(n, n, mag)); // (n)
      const tx = c.fromArray(x, [n], 'x');
      const ts = c.tensor([1], 'sum');
      const tq = c.fromArray(new Float32Array([2]), [1], 'sumSquares');
      reduce.sumAll(c, ts, tx, { scale: 0.5 });
      reduce.sumSquares(c, tq, tx, { accumulate: true });
      // mag: the sum of n random terms cancels to ~|x|·√n, so judge it at the scale of its terms' own size.
      assertClose(await c.read(ts), [ref.sumAll(f64(x), 0.5)], { reduction: n, mag: 0.5 * mag * Math.sqrt(n), label: 'sumAll' });
      assertClose(await c.read(tq), [ref.sumSquares(f64(x), 1, 2)], { reduction: n, label: 'sumSquares' });
      c.release(tx, ts, tq);
    });
  }

  it('is deterministic: the same input gives bit-identical sums', async () => {
    const c = ctx();
    const x = f32(normal(50000, 3)); // (n)
    const tx = c.fromArray(x, [50000], 'x');
    const a = c.tensor([1], 'a');
    const b = c.tensor([1], 'b');
    reduce.sumAll(c, a, tx);
    reduce.sumAll(c, b, tx);
    expect((await c.read(a))[0]).toBe((await c.read(b))[0]);
    c.release(tx, a, b);
  });
});
