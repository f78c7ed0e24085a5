import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/matmulSubgroup';
import * as matmul from './matmul';
import * as matmulSubgroup from './matmulSubgroup';

// The full epilogue/layout matrix runs in matmul.gpu.test.ts through `auto`; this file pins the subgroup
// path itself (a K tail, clamped rows and columns, a batch) and its refusal without usable subgroups.
await describeGpu('matmulSubgroup kernel', (ctx) => {
  it('NT with K, M and N not multiples of the tile, batched', async () => {
    const c = ctx();
    if (c.subgroupSize !== 4 && c.subgroupSize !== 8) return; // the portable path is tested elsewhere
    const [batch, M, N, K] = [2, 11, 21, 29];
    const a = f32(normal(batch * M * K, 1));
    const b = f32(normal(batch * N * K, 2));
    const ta = c.fromArray(a, [batch, M, K], 'a');
    const tb = c.fromArray(b, [batch, N, K], 'b');
    const tc = c.tensor([batch, M, N], 'c');
    matmul.run(c, { c: tc, a: ta, b: tb, layout: 'NT', path: 'subgroup' });
    const want = ref.forward({ layout: 'NT', M, N, K, batch }, { a: f64(a), b: f64(b) });
    assertClose(await c.read(tc), want.c, { reduction: K, label: 'c' });
    c.release(ta, tb, tc);
  });

  it('refuses a context without subgroups of 4 or 8', () => {
    const c = ctx();
    const fake = Object.create(c, { subgroupSize: { value: null } }) as typeof c;
    const t = c.tensor([2, 2], 't');
    const p = matmul.plan(c, { c: t, a: t, b: t });
    expect(() => matmulSubgroup.run(fake, p)).toThrow(/subgroups of 4 or 8/);
    expect(matmul.choosePath(fake)).toBe('portable');
    c.release(t);
  });
});
