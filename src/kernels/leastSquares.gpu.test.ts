import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/leastSquares';
import * as leastSquares from './leastSquares';

/** Basis V (dim, n) of random columns, dim = 4n: the Gram's condition number stays below ~10
 *  (Marchenko–Pastur: singular values in 1 ± 1/√4), so f32 Cholesky loses at most ~cond·ε32. */
function problem(n: number, seed: number, scale = 1) {
  const dim = 4 * n + 3;
  const V = normal(dim * n, seed, scale); // (dim, n)
  const t = normal(dim, seed + 1, scale); // (dim)
  return ref.normalEquations(V, t, dim, n);
}

await describeGpu('leastSquares kernel', (ctx) => {
  // Extreme range: vectors of size 1e±4 put G at 1e±8 (the ridge scales with trace(G)).
  for (const [n, scale] of [[1, 1], [5, 1], [17, 1], [32, 1], [7, 1e4], [7, 1e-4]] as const) {
    it(`packed system n=${n} scale=${scale}`, async () => {
      const c = ctx();
      const { G, b, targetSq } = problem(n, n * 7, scale);
      const G32 = f32(G), b32 = f32(b), t32 = Math.fround(targetSq);
      const want = ref.solve(f64(G32), f64(b32), t32, n);
      const tg = c.fromArray(G32, [n, n], 'G');
      const trhs = c.fromArray(f32([...b32, t32]), [n + 1], 'rhs');
      const tc = c.tensor([n], 'c');
      const ti = c.tensor([4], 'info');
      leastSquares.solve(c, tc, ti, tg, trhs, leastSquares.packed(n));
      // ulps 256: forward error of an f32 Cholesky solve ≲ n·cond·ε32 with cond ≲ 10 (see problem()).
      assertClose(await c.read(tc), want.c, { reduction: n, ulps: 256, label: 'c' });
      const info = await c.read(ti);
      expect(info[2]).toBe(0);
      // The residual comes from ‖t‖² − cᵀb, which cancels: judge it at the scale of ‖t‖ (mag), √ε32 relative.
      const norm = Math.sqrt(targetSq);
      expect(Math.abs(info[0]! - want.residual)).toBeLessThan(2e-3 * norm);
      expect(Math.abs(info[1]! - want.relative)).toBeLessThan(2e-3);
      assertClose([info[3]!], [want.ridge], { ulps: 64, label: 'ridge' });
      c.release(tg, trhs, tc, ti);
    });
  }

  it('augmented Gram layout (basis 0..n−1, target column n), read twice from one tensor', async () => {
    const c = ctx();
    const K = 9, n = 8;
    const { G } = problem(K, 99); // (K, K): the last component plays the target
    const G32 = f32(G);
    const b = Float64Array.from({ length: n }, (_, k) => G32[k * K + n]!);
    const sub = new Float64Array(n * n); // (n, n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sub[i * n + j] = G32[i * K + j]!;
    const want = ref.solve(sub, b, G32[n * K + n]!, n);
    const tg = c.fromArray(G32, [K, K], 'G');
    const tc = c.tensor([n], 'c');
    const ti = c.tensor([4], 'info');
    leastSquares.solve(c, tc, ti, tg, tg, leastSquares.augmented(K, n));
    assertClose(await c.read(tc), want.c, { reduction: n, ulps: 256, label: 'c' });
    const info = await c.read(ti);
    expect(Math.abs(info[1]! - want.relative)).toBeLessThan(2e-3);
    c.release(tg, tc, ti);
  });

  it('duplicated direction: the ridge keeps it solvable; indefinite: failure flag and c = 0', async () => {
    const c = ctx();
    // G of [d0, d1, d0] with target 2·d0 − 0.5·d1: singular, in the span.
    const g00 = 3, g01 = 0.5, g11 = 2;
    const G = f32([g00, g01, g00, g01, g11, g01, g00, g01, g00]);
    const tb = [2 * g00 - 0.5 * g01, 2 * g01 - 0.5 * g11, 2 * g00 - 0.5 * g01];
    const tt = 4 * g00 - 2 * g01 + 0.25 * g11;
    const tg = c.fromArray(G, [3, 3]);
    const trhs = c.fromArray(f32([...tb, tt]), [4]);
    const tc = c.tensor([3]);
    const ti = c.tensor([4]);
    leastSquares.solve(c, tc, ti, tg, trhs, leastSquares.packed(3), { ridgeRel: 1e-5 }); // f32 needs a larger ridge than 1e-10
    const cs = await c.read(tc);
    const info = await c.read(ti);
    expect(info[2]).toBe(0);
    expect(cs[0]! + cs[2]!).toBeCloseTo(2, 2);
    expect(cs[1]).toBeCloseTo(-0.5, 2);
    expect(info[1]).toBeLessThan(0.02);

    const bad = c.fromArray(f32([1, 2, 2, 1]), [2, 2]);
    const brhs = c.fromArray(f32([1, 1, 1]), [3]);
    const bc = c.fromArray(f32([7, 7]), [2]);
    leastSquares.solve(c, bc, ti, bad, brhs, leastSquares.packed(2));
    expect(Array.from(await c.read(bc))).toEqual([0, 0]);
    const binfo = await c.read(ti);
    expect(binfo[2]).toBe(1);
    expect(binfo[1]).toBe(1); // nothing explained
    c.release(tg, trhs, tc, ti, bad, brhs, bc);
  });
});
