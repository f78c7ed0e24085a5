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

  it('a tensor read repeatedly keeps its own texture, refreshed after every kind of write to its range', async () => {
    const c = ctx();
    const [M, K, N] = [40, 64, 48];
    const aData = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 11) - 5);
    const a = c.fromArray(aData, [M, K], 'res.a');
    // B is the first half of a larger buffer: writes to the second half leave it alone, writes to it do not.
    const pack = c.tensor([2 * K * N], 'res.pack');
    const b = { ...pack, shape: [K, N], label: 'res.b' };
    const rest = { ...pack, byteOffset: K * N * 4, shape: [K * N], label: 'res.rest' };
    const out = c.tensor([M, N], 'res.c');
    let bData = Float32Array.from({ length: K * N }, (_, i) => ((i * 5) % 13) - 6);
    c.write(b, bData);
    const check = async (what: string) => {
      for (let round = 0; round < 3; round++) {
        matmul.nn(c, { c: out, a, b });
        const want = matmulRef({ layout: 'NN', M, N, K, batch: 1 }, { a: Float64Array.from(aData), b: Float64Array.from(bData) }).c;
        const got = await c.read(out);
        for (let i = 0; i < M * N; i++) if (got[i] !== want[i]) throw new Error(`${what}, round ${round}: c[${i}] = ${got[i]}, want ${want[i]}`);
      }
    };
    await check('first reads');
    bData = bData.map((v) => v + 1);
    c.write(b, bData);
    await check('after write()');
    const src = c.fromArray(bData.map((v) => 2 * v), [K, N], 'res.src');
    bData = bData.map((v) => 2 * v);
    c.copy(b, src);
    await check('after copy()');
    c.copyRange(pack, 10, src, 0, 5);
    bData.set(bData.slice(0, 5), 10);
    await check('after copyRange() into part of it');
    c.zero(pack, 100, 30);
    bData.fill(0, 100, 130);
    await check('after zero() of part of it');
    c.write(src, bData);
    elementwise.scale(c, b, 3, src);
    bData = bData.map((v) => 3 * v);
    await check('after a dispatch wrote it');
    c.write(rest, new Float32Array(K * N).fill(7));
    await check('after a write next to it');
    c.release(a, pack, out, src);
  });
});
