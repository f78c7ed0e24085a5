import { expect, it } from 'vitest';
import { describeGpu } from '../testing/gpu';
import { Arena, planMemory } from './arena';

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

  it('refuses a plan that does not fit, with the numbers', () => {
    const c = ctx();
    const huge = Math.ceil(c.limits.maxStorageBufferBindingSize / 4) + 1;
    const plan = planMemory([{ name: 'attn.probs', shape: [huge] }], c.limits, 1e6);
    expect(plan.problems.length).toBe(2);
    expect(() => new Arena(c, 'vit', plan)).toThrow(/attn\.probs .* above this device's .* per-buffer limit.*budget/);
  });
});
