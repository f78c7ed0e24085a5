import { expect, it } from 'vitest';
import { describeGpu } from '../testing/gpu';
import { Arena, PACK_ALIGN, packLayout, planMemory } from './arena';
import { Optimizer, planRuns } from '../training/optimizer';

await describeGpu('arena', (ctx) => {
  it('allocates named tensors that hold independent data', async () => {
    const c = ctx();
    const plan = planMemory(
      [
        { name: 'a', shape: [3] },
        { name: 'b', shape: [5, 7] },
        { name: 'c', shape: [1] },
      ],
      c.limits,
      1e9,
    );
    expect(plan.problems).toEqual([]);
    expect(plan.totalBytes).toBe((3 + 35 + 1) * 4);
    const arena = new Arena(c, 'test', plan);
    const a = arena.get('a'), b = arena.get('b'), t = arena.get('c');
    expect(a.buffer).not.toBe(b.buffer); // separate buffers: any two may be read and written in one dispatch
    c.write(a, [1, 2, 3]);
    c.write(b, Float32Array.from({ length: 35 }, (_, i) => i));
    c.write(t, [9]);
    expect(Array.from(await c.read(a))).toEqual([1, 2, 3]);
    expect((await c.read(b))[34]).toBe(34);
    expect(Array.from(await c.read(t))).toEqual([9]);
    arena.destroy();
  });

  it('packs: aligned views into shared buffers, a new buffer past the cap; data stays apart', async () => {
    const reqs = [{ name: 'a', shape: [3] }, { name: 'b', shape: [70] }, { name: 'c', shape: [1] }];
    // 3 floats at 0, 70 at 256 (ends at 536), 1 at 768; with a 600-byte cap c opens a second buffer.
    expect(packLayout(reqs, 1 << 20).map((b) => [b.offsets, b.size])).toEqual([[[0, PACK_ALIGN, 3 * PACK_ALIGN], 3 * PACK_ALIGN + 16]]);
    expect(packLayout(reqs, 600).map((b) => [b.offsets, b.members.map((m) => m.name)])).toEqual([[[0, PACK_ALIGN], ['a', 'b']], [[0], ['c']]]);
    const c = ctx();
    const arena = new Arena(c, 'test', planMemory([...reqs.map((r) => ({ ...r, pack: 'p' })), { name: 'd', shape: [2] }], c.limits, 1e9));
    const [a, b, t, d] = ['a', 'b', 'c', 'd'].map((n) => arena.get(n));
    expect(a!.buffer).toBe(b!.buffer);
    expect(t!.buffer).toBe(a!.buffer);
    expect(d!.buffer).not.toBe(a!.buffer); // not in the pack
    expect([a!.byteOffset, b!.byteOffset, t!.byteOffset]).toEqual([0, PACK_ALIGN, 3 * PACK_ALIGN]);
    c.write(a!, [1, 2, 3]);
    c.write(b!, Float32Array.from({ length: 70 }, (_, i) => 10 + i));
    c.write(t!, [9]);
    expect(Array.from(await c.read(a!))).toEqual([1, 2, 3]);
    expect(Array.from(await c.read(b!)).slice(68)).toEqual([78, 79]);
    expect(Array.from(await c.read(t!))).toEqual([9]);
    arena.destroy();
  });

  // The optimizer updates a run of packed tensors in one dispatch: the same numbers as one dispatch per tensor, a
  // tensor left out of the table (a hole in the pack) untouched and splitting the run.
  it('optimizer runs over packed tensors: one dispatch per run, the same result as per tensor', async () => {
    const c = ctx();
    const shapes: [string, number[]][] = [['w', [5, 7]], ['frozen', [3]], ['b', [7]], ['alpha', [1]]];
    const arena = new Arena(c, 'test', planMemory(shapes.flatMap(([n, s]) => [{ name: n, shape: s, pack: 'params' }, { name: `grad.${n}`, shape: s, pack: 'grads' }]), c.limits, 1e9));
    const single = new Map(shapes.map(([n, s]) => [n, c.tensor(s, `single.${n}`)]));
    const singleGrads = new Map(shapes.map(([n, s]) => [n, c.tensor(s, `single.grad.${n}`)]));
    const trained = ['w', 'b', 'alpha'];
    for (const [i, [n, s]] of shapes.entries()) {
      const size = s.reduce((x, y) => x * y, 1);
      const p = Float32Array.from({ length: size }, (_, k) => Math.sin(i + k));
      const g = Float32Array.from({ length: size }, (_, k) => Math.cos(3 * i + k));
      for (const t of [arena.get(n), single.get(n)!]) c.write(t, p);
      for (const t of [arena.get(`grad.${n}`), singleGrads.get(n)!]) c.write(t, g);
    }
    const pick = (f: (n: string) => ReturnType<typeof c.tensor>) => new Map(trained.map((n) => [n, f(n)]));
    const packed = pick((n) => arena.get(n));
    const packedGrads = pick((n) => arena.get(`grad.${n}`));
    expect(planRuns(packed, packedGrads).map((r) => r.names)).toEqual([['w'], ['b', 'alpha']]); // 'frozen' splits them
    const cfg = { kind: 'adam', learningRate: 0.1, weightDecay: 0.05, decoupled: true } as const;
    const a = new Optimizer(c, packed, packedGrads, cfg);
    const b = new Optimizer(c, pick((n) => single.get(n)!), pick((n) => singleGrads.get(n)!), cfg);
    expect([a.dispatchesPerStep, b.dispatchesPerStep]).toEqual([2, 3]);
    for (let s = 0; s < 3; s++) {
      a.step();
      b.step();
    }
    // Every tensor equal, 'frozen' included: outside the table, it kept its values in both.
    for (const [n] of shapes) expect(Array.from(await c.read(arena.get(n))), n).toEqual(Array.from(await c.read(single.get(n)!)));
    const stA = await a.readState();
    const stB = await b.readState();
    for (const n of trained) expect(stA.slots.get(n)!.map((x) => Array.from(x)), n).toEqual(stB.slots.get(n)!.map((x) => Array.from(x)));
    a.destroy();
    b.destroy();
    arena.destroy();
    c.release(...single.values(), ...singleGrads.values());
  });

  it('refuses a plan that does not fit, with the numbers', () => {
    const c = ctx();
    const huge = Math.ceil(c.limits.maxStorageBufferBindingSize / 4) + 1;
    const plan = planMemory([{ name: 'attn.probs', shape: [huge] }], c.limits, 1e6);
    expect(plan.problems.length).toBe(2);
    expect(() => new Arena(c, 'vit', plan)).toThrow(/attn\.probs .* above this device's .* per-buffer limit.*budget/);
  });
});
