import { expect, it } from 'vitest';
import { describeGpu } from '../testing/gpu';
import { describeTuning } from './context';
import * as elementwise from '../kernels/elementwise';
import * as matmul from '../kernels/matmul';
import * as ref from '../reference/matmul';

// GpuContext.autotune: the pipelines a recorded step dispatches whose kernel declares `override INSTANCE` are compiled
// several times and timed on scratch tensors; the fastest instance serves later dispatches. The real work runs once.

await describeGpu('autotune', (ctx) => {
  it('times each tunable pipeline once, leaves the real tensors to the real work, and keeps results exact', async () => {
    const c = ctx();
    const [M, K, N] = [40, 24, 36];
    const av = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 11) - 5);
    const bv = Float32Array.from({ length: K * N }, (_, i) => ((i * 5) % 9) - 4);
    const a = c.fromArray(av, [M, K], 't.a');
    const b = c.fromArray(bv, [K, N], 't.b');
    const out = c.fromArray(new Float32Array(M * N).fill(1), [M, N], 't.out');
    const x = c.fromArray(Float32Array.from({ length: 64 }, (_, i) => i), [64], 't.x');
    const y = c.tensor([64], 't.y');
    // out = a·b + out: had a timing replay touched `out`, the product would be added more than once.
    const step = () => {
      matmul.nn(c, { c: out, a, b, beta: 1 });
      elementwise.scale(c, y, 2, x);
    };
    const tunable = matmul.choosePath(c, b) !== 'portable';
    const tuned = await c.autotune(step, { instances: 3, targetMs: 5 });
    // Small integers: every product and sum is exact in f32, so the GPU result must equal the reference exactly.
    const exact = ref.forward({ layout: 'NN', M, N, K, batch: 1, beta: 1 }, { a: Float64Array.from(av), b: Float64Array.from(bv), c0: new Float64Array(M * N).fill(1) }).c;
    expect(Array.from(await c.read(out))).toEqual(Array.from(exact));
    expect((await c.read(y))[63]).toBe(126);
    if (tunable) {
      // One matmul pipeline; the elementwise kernel declares no INSTANCE and is not tuned.
      expect(tuned.length).toBe(1);
      expect(tuned[0]!.pipeline).toMatch(/^matmul(Texture|Subgroup)\|tile\|/);
      expect(tuned[0]!.ms.length).toBe(3);
      for (const ms of tuned[0]!.ms) expect(ms).toBeGreaterThan(0);
      expect(tuned[0]!.ms[tuned[0]!.chosen]).toBe(Math.min(...tuned[0]!.ms));
      expect(describeTuning(tuned)).toMatch(/^1 of 1 pipelines tuned, 3 compiles each; kept instance vs the first compile: median [\d.]+×/);
    } else expect(tuned).toEqual([]);
    // Tuned pipelines are not tuned again; the kept instance computes the same product.
    expect(await c.autotune(step, { instances: 3, targetMs: 5 })).toEqual([]);
    c.write(out, new Float32Array(M * N).fill(1));
    matmul.nn(c, { c: out, a, b, beta: 1 });
    expect(Array.from(await c.read(out))).toEqual(Array.from(exact));
    c.release(a, b, out, x, y);
  });

  it('with repeats, a pipeline too short-lived to repay more compiles keeps its first one', async () => {
    const c = ctx();
    const a = c.fromArray(Float32Array.from({ length: 24 * 16 }, (_, i) => i % 3), [24, 16], 'r.a');
    const b = c.fromArray(Float32Array.from({ length: 16 * 20 }, (_, i) => i % 5), [16, 20], 'r.b');
    const out = c.tensor([24, 20], 'r.out');
    const tuned = await c.autotune(() => matmul.nn(c, { c: out, a, b }), { instances: 3, targetMs: 5, repeats: 0 });
    if (matmul.choosePath(c, b) !== 'portable') {
      expect(tuned.length).toBe(1);
      expect(tuned[0]!.ms.length).toBe(1); // measured once, no further compiles
      expect(tuned[0]!.chosen).toBe(0);
      expect(describeTuning(tuned)).toBe('0 of 1 pipelines tuned (the rest run too briefly to repay more compiles)');
    }
    expect(await c.autotune(() => matmul.nn(c, { c: out, a, b }), { instances: 3, targetMs: 5 })).toEqual([]); // decided
    c.release(a, b, out);
  });
});
