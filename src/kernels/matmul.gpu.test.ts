import { expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/matmul';
import * as matmul from './matmul';

interface Case {
  name: string;
  spec: ref.MatmulSpec;
  bias?: boolean;
  residual?: 'batched' | 'shared';
  pre?: boolean;
  scale?: number;
  path?: matmul.MatmulPath;
}

/** Uploads inputs from the reference's point of view, runs the launcher, compares c (and pre). */
async function check(ctx: GpuContext, t: Case, seed: number): Promise<void> {
  const { layout, M, N, K, batch } = t.spec;
  const scale = t.scale ?? 1;
  const sharedA = t.spec.strideA === 0;
  const sharedB = t.spec.strideB === 0;
  const aShape = layout === 'TN' ? [K, M] : [M, K];
  const bShape = layout === 'NT' ? [N, K] : [K, N];
  const lead = (shared: boolean) => (shared || batch === 1 ? [] : [batch]);
  const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const inputs = {
    a: f32(normal(n([...lead(sharedA), ...aShape]), seed, scale)),
    b: f32(normal(n([...lead(sharedB), ...bShape]), seed + 1, scale)),
    bias: f32(normal(N, seed + 2)),
    c0: f32(normal(batch * M * N, seed + 3)),
    residual: f32(normal((t.residual === 'shared' ? 1 : batch) * M * N, seed + 4)),
  };
  const cShape = [...lead(false), M, N];
  const made: GpuTensor[] = [];
  const up = (data: Float32Array, shape: number[], label: string) => {
    const x = ctx.fromArray(data, shape, label);
    made.push(x);
    return x;
  };
  const c = up(inputs.c0, cShape, 'c');
  const pre = t.pre ? up(new Float32Array(batch * M * N), cShape, 'pre') : undefined;
  matmul.run(ctx, {
    c,
    a: up(inputs.a, [...lead(sharedA), ...aShape], 'a'),
    b: up(inputs.b, [...lead(sharedB), ...bShape], 'b'),
    layout,
    alpha: t.spec.alpha,
    beta: t.spec.beta,
    activation: t.spec.gelu ? 'gelu' : 'none',
    bias: t.bias ? up(inputs.bias, [N], 'bias') : undefined,
    residual: t.residual ? up(inputs.residual, t.residual === 'shared' ? [M, N] : cShape, 'residual') : undefined,
    pre,
    path: t.path,
  });
  const want = ref.forward(
    { ...t.spec, strideR: t.residual === 'shared' ? 0 : undefined },
    {
      a: f64(inputs.a),
      b: f64(inputs.b),
      bias: t.bias ? f64(inputs.bias) : undefined,
      c0: f64(inputs.c0),
      residual: t.residual ? f64(inputs.residual) : undefined,
    },
  );
  // ulps 64 with GELU: its erf approximation (1.5e-7 ≈ 1.3 ε32 of Φ) is scaled by |z|, a few units here.
  const ulps = t.spec.gelu ? 64 : 16;
  const reduction = K + (t.spec.beta ? 1 : 0) + (t.bias ? 1 : 0) + (t.residual ? 1 : 0);
  assertClose(await ctx.read(c), want.c, { reduction, ulps, label: `${t.name} c` });
  if (pre) assertClose(await ctx.read(pre), want.pre, { reduction, ulps, label: `${t.name} pre` });
  ctx.release(...made);
}

const cases: Case[] = [
  { name: '1×1×1 NN', spec: { layout: 'NN', M: 1, N: 1, K: 1, batch: 1 } },
  { name: '7×13×5 NT', spec: { layout: 'NT', M: 7, N: 13, K: 5, batch: 1 } },
  { name: '65×33×17 TN', spec: { layout: 'TN', M: 65, N: 33, K: 17, batch: 1 } },
  { name: '197×19×192 NN', spec: { layout: 'NN', M: 197, N: 19, K: 192, batch: 1 } },
  {
    name: 'batched NN, shared weight, bias, GELU with pre',
    spec: { layout: 'NN', M: 37, N: 20, K: 24, batch: 3, strideB: 0, gelu: true },
    bias: true,
    pre: true,
  },
  { name: 'batched NT, α and β (accumulate)', spec: { layout: 'NT', M: 19, N: 23, K: 40, batch: 2, alpha: 0.25, beta: 1 } },
  {
    name: 'batched TN, shared A, shared residual',
    spec: { layout: 'TN', M: 18, N: 30, K: 77, batch: 2, strideA: 0 },
    residual: 'shared',
  },
  // Extreme range: entries ~±1e4, products ~1e8 summed over K = 300 (f32 range, cancellation).
  { name: 'extreme range NN', spec: { layout: 'NN', M: 9, N: 17, K: 300, batch: 1 }, scale: 1e4 },
  {
    name: 'portable: batched NN, bias, GELU, pre, residual',
    spec: { layout: 'NN', M: 70, N: 65, K: 33, batch: 2, gelu: true },
    bias: true,
    pre: true,
    residual: 'batched',
    path: 'portable',
  },
  { name: 'portable: NT, α, β', spec: { layout: 'NT', M: 5, N: 67, K: 19, batch: 1, alpha: -2, beta: 0.5 }, path: 'portable' },
  { name: 'portable: TN, shared B', spec: { layout: 'TN', M: 66, N: 3, K: 130, batch: 3, strideB: 0 }, path: 'portable' },
];

await describeGpu('matmul kernel', (ctx) => {
  it('picks a path for this adapter', () => {
    const c = ctx();
    const path = matmul.choosePath(c);
    expect(path).toBe(c.subgroupSize === 4 || c.subgroupSize === 8 ? 'subgroup' : 'portable');
  });

  cases.forEach((t, i) => {
    it(t.name, async () => {
      await check(ctx(), t, 100 + 10 * i);
    });
  });

  // The backward pass through a GELU fused into the product that brings its gradient: c = (a·b) ⊙ gelu'(pre),
  // with pre the forward's GELU input, on every kernel (N = 64: B fits the texture twin; N = 20 does not).
  for (const path of ['auto', 'subgroup', 'portable'] as const)
    for (const N of [64, 20])
      it(`GELU backward epilogue (${path}, N=${N}): (a·b) ⊙ gelu'(pre)`, async () => {
        const c = ctx();
        if (path === 'subgroup' && matmul.choosePath(c) === 'portable') return; // no subgroups here: auto covers it
        const [M, K] = [37, 24];
        const a = f32(normal(M * K, 7));
        const b = f32(normal(K * N, 8));
        const pre = f32(normal(M * N, 9, 2));
        const t = { a: c.fromArray(a, [M, K], 'a'), b: c.fromArray(b, [K, N], 'b'), pre: c.fromArray(pre, [M, N], 'pre'), c: c.tensor([M, N], 'c') };
        matmul.nn(c, { c: t.c, a: t.a, b: t.b, activation: 'geluBackward', pre: t.pre, path });
        const ab = ref.forward({ layout: 'NN', M, N, K, batch: 1 }, { a: f64(a), b: f64(b) }).c;
        const want = ab.map((v, i) => v * ref.geluGrad(pre[i]!));
        // gelu'(p) = Φ(p) + p·φ(p): the erf approximation's 1.5e-7 scaled by |p| ~ 2, as for the forward GELU.
        assertClose(await c.read(t.c), want, { reduction: K + 1, ulps: 64, label: 'c' });
        expect(await c.read(t.pre)).toEqual(pre); // read, never written
        c.release(...Object.values(t));
      });

  it('rejects shapes that do not fit', () => {
    const c = ctx();
    const x = c.tensor([4, 3], 'x');
    const w = c.tensor([4, 5], 'w');
    const y = c.tensor([4, 5], 'y');
    expect(() => matmul.nn(c, { c: y, a: x, b: w })).toThrow(/do not fit/);
    expect(() => matmul.nn(c, { c: y, a: x, b: w, pre: y })).toThrow();
    const x2 = c.tensor([4, 4], 'x2');
    expect(() => matmul.nn(c, { c: y, a: x2, b: w, activation: 'geluBackward' })).toThrow(/needs `pre`/);
    c.release(x2);
    c.release(x, w, y);
  });
});
