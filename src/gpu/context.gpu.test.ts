import { expect, it } from 'vitest';
import * as elementwise from '../kernels/elementwise';
import * as matmul from '../kernels/matmul';
import { forward as matmulRef } from '../reference/matmul';
import { describeGpu } from '../testing/gpu';

await describeGpu('context bind-group cache', (ctx) => {
  it('reuses a bind group only for the same pipeline and the same buffers, ranges and uniform slot', async () => {
    const c = ctx();
    const n = 1000;
    const x = c.fromArray(Float32Array.from({ length: n }, (_, i) => i), [n], 'bg.x');
    const x2 = c.fromArray(Float32Array.from({ length: n }, (_, i) => -i), [n], 'bg.x2');
    const y = c.tensor([n], 'bg.y');
    await c.flush();
    const created = () => c.bindGroupsCreated;
    const before = created();
    elementwise.scale(c, y, 2, x);
    expect((await c.read(y))[7]).toBe(14);
    const first = created();
    expect(first).toBeGreaterThan(before);
    // The same dispatch in the same place of a submission: cached (a different α is uniform data, not a binding).
    elementwise.scale(c, y, 3, x);
    expect((await c.read(y))[7]).toBe(21);
    expect(created()).toBe(first);
    // Another input buffer: a bind group of its own, and the right data.
    elementwise.scale(c, y, 3, x2);
    expect((await c.read(y))[7]).toBe(-21);
    expect(created()).toBeGreaterThan(first);
    // A released tensor's place taken by a new one with other data: the cached binding reads the new data.
    c.release(x2);
    const x3 = c.fromArray(Float32Array.from({ length: n }, (_, i) => i + 0.5), [n], 'bg.x3');
    elementwise.scale(c, y, 2, x3);
    expect((await c.read(y))[7]).toBe(15);
    c.release(x, x3, y);
  });

  it('a cached texture-operand matmul sees B’s new contents every time', async () => {
    const c = ctx();
    const [M, K, N] = [40, 64, 48];
    const aData = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 11) - 5);
    const a = c.fromArray(aData, [M, K], 'bg.a');
    const b = c.tensor([K, N], 'bg.b');
    const out = c.tensor([M, N], 'bg.c');
    for (const seed of [1, 2]) {
      const bData = Float32Array.from({ length: K * N }, (_, i) => ((i * seed * 5) % 13) - 6);
      c.write(b, bData);
      matmul.nn(c, { c: out, a, b });
      const want = matmulRef({ layout: 'NN', M, N, K, batch: 1 }, { a: Float64Array.from(aData), b: Float64Array.from(bData) }).c;
      const got = await c.read(out);
      for (let i = 0; i < M * N; i++) expect(got[i]).toBe(want[i]);
    }
    c.release(a, b, out);
  });
});
