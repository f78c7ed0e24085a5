import { expect, it } from 'vitest';
import { describeGpu } from '../testing/gpu';
import * as elementwise from '../kernels/elementwise';
import * as matmul from '../kernels/matmul';

await describeGpu('profiler', (ctx) => {
  it('times every dispatch per kernel entry point and grid, and leaves results unchanged', async () => {
    const c = ctx();
    const n = 4096;
    const x = c.fromArray(Float32Array.from({ length: n }, (_, i) => i), [n], 'p.x');
    const y = c.tensor([n], 'p.y');
    const a = c.fromArray(Float32Array.from({ length: 64 * 48 }, (_, i) => (i % 7) - 3), [64, 48], 'p.a');
    const b = c.fromArray(Float32Array.from({ length: 48 * 40 }, (_, i) => (i % 5) - 2), [48, 40], 'p.b');
    const out = c.tensor([64, 40], 'p.out');
    c.startProfiling();
    for (let i = 0; i < 3; i++) elementwise.scale(c, y, 2, x);
    matmul.nn(c, { c: out, a, b });
    const entries = await c.stopProfiling();
    const scale = entries.filter((e) => e.label.startsWith('elementwise.'));
    expect(scale.reduce((s, e) => s + e.count, 0)).toBe(3);
    expect(entries.some((e) => /^matmul\w*\.\w+ \d+×\d+×\d+$/.test(e.label))).toBe(true);
    for (const e of entries) expect(e.ms).toBeGreaterThanOrEqual(0);
    expect((await c.read(y))[n - 1]).toBe(2 * (n - 1));
    // Work recorded after stopProfiling is not timed and still runs.
    elementwise.scale(c, y, 3, x);
    expect((await c.read(y))[5]).toBe(15);
    expect(await c.stopProfiling()).toEqual([]);
    c.release(x, y, a, b, out);
  });
});
