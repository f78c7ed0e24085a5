import { expect, it } from 'vitest';
import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { assertClose } from '../testing/compare';
import { createNodeContext } from '../platform/node';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/matmulTexture';
import * as matmul from './matmul';
import * as matmulTexture from './matmulTexture';

// The texture path of matmul.run against the float64 reference, and the runtime's texture bindings (copy into
// a pooled rgba32float texture, ordering with dispatches, preconditions, memory accounting). B's stored row
// length must be a multiple of 4 (NN/TN: N; NT: K); the texture is filled linearly (1024 texels per texture
// row), so the cases include row lengths that are not multiples of 64 and Bs spanning several texture rows.

interface Case {
  name: string;
  spec: ref.MatmulSpec;
  bias?: boolean;
  residual?: 'batched' | 'shared';
  pre?: boolean;
  scale?: number;
}

const usable = (c: GpuContext) => c.subgroupSize === 4 || c.subgroupSize === 8;

async function check(ctx: GpuContext, t: Case, seed: number): Promise<void> {
  const { layout, M, N, K, batch } = t.spec;
  const scale = t.scale ?? 1;
  const sharedA = t.spec.strideA === 0;
  const sharedB = t.spec.strideB === 0;
  const aShape = layout === 'TN' ? [K, M] : [M, K]; // stored A
  const bShape = layout === 'NT' ? [N, K] : [K, N]; // stored B: the texture's rows
  const lead = (shared: boolean) => (shared || batch === 1 ? [] : [batch]);
  const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const inputs = {
    a: f32(normal(n([...lead(sharedA), ...aShape]), seed, scale)), // (batchA, …aShape)
    b: f32(normal(n([...lead(sharedB), ...bShape]), seed + 1, scale)), // (batchB, …bShape)
    bias: f32(normal(N, seed + 2)), // (N)
    c0: f32(normal(batch * M * N, seed + 3)), // (batch, M, N)
    residual: f32(normal((t.residual === 'shared' ? 1 : batch) * M * N, seed + 4)), // (batchR, M, N)
  };
  const cShape = [...lead(false), M, N];
  const made: GpuTensor[] = [];
  const up = (data: Float32Array, shape: number[], label: string) => {
    const x = ctx.fromArray(data, shape, label);
    made.push(x);
    return x;
  };
  const c = up(inputs.c0, cShape, 'c');
  const b = up(inputs.b, [...lead(sharedB), ...bShape], 'b');
  expect(matmul.choosePath(ctx, b)).toBe('texture');
  const pre = t.pre ? up(new Float32Array(batch * M * N), cShape, 'pre') : undefined;
  matmul.run(ctx, {
    c,
    a: up(inputs.a, [...lead(sharedA), ...aShape], 'a'),
    b,
    layout,
    alpha: t.spec.alpha,
    beta: t.spec.beta,
    activation: t.spec.gelu ? 'gelu' : 'none',
    bias: t.bias ? up(inputs.bias, [N], 'bias') : undefined,
    residual: t.residual ? up(inputs.residual, t.residual === 'shared' ? [M, N] : cShape, 'residual') : undefined,
    pre,
    path: 'texture',
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

// NN with K % (4·SG) == 0 reads A from a texture too (entry point tileA); its K block is 4·SG values of k.
const cases: Case[] = [
  { name: 'NN, K and M tails', spec: { layout: 'NN', M: 11, N: 64, K: 29, batch: 1 } },
  { name: 'NN, A a texture too, K a whole number of blocks, M tail', spec: { layout: 'NN', M: 13, N: 64, K: 64, batch: 1 } },
  {
    name: 'batched NN, shared A a texture, several K blocks',
    spec: { layout: 'NN', M: 9, N: 32, K: 96, batch: 2, strideA: 0, alpha: 2 },
    bias: true,
  },
  {
    // tileA owns 32 rows per workgroup on lavapipe's storage textures, 16 elsewhere (the test below), stored in groups
    // of 8: M = 37 covers full and tail groups either way.
    name: 'batched NN, A a texture, 16- or 32-row tiles with a tail, bias, GELU with pre, batched residual',
    spec: { layout: 'NN', M: 37, N: 64, K: 64, batch: 2, gelu: true, alpha: 0.5, beta: 1 },
    bias: true,
    pre: true,
    residual: 'batched',
  },
  { name: 'NT, N and M tails (masked columns)', spec: { layout: 'NT', M: 13, N: 21, K: 64, batch: 1 } },
  { name: 'TN, K and M tails', spec: { layout: 'TN', M: 9, N: 128, K: 37, batch: 1 } },
  {
    name: 'batched NN, shared B, bias, GELU with pre, batched residual',
    spec: { layout: 'NN', M: 17, N: 64, K: 40, batch: 2, strideB: 0, gelu: true, alpha: 0.5, beta: 1 },
    bias: true,
    pre: true,
    residual: 'batched',
  },
  {
    name: 'batched NT, batched B, bias, α and β',
    spec: { layout: 'NT', M: 21, N: 38, K: 128, batch: 3, alpha: 0.25, beta: 2 },
    bias: true,
  },
  {
    name: 'batched TN, shared A, batched B, GELU, shared residual',
    spec: { layout: 'TN', M: 24, N: 64, K: 19, batch: 2, strideA: 0, gelu: true },
    residual: 'shared',
  },
  {
    name: 'batched NT, shared B, N tail, GELU with pre',
    spec: { layout: 'NT', M: 10, N: 7, K: 64, batch: 2, strideB: 0, gelu: true },
    pre: true,
  },
  // From 4M multiply-adds on, NT and TN run as NN on an operand transposed into context scratch (tileA).
  {
    name: 'NT as NN on Bᵀ in scratch, bias, shared residual',
    spec: { layout: 'NT', M: 70, N: 128, K: 512, batch: 1 },
    bias: true,
    residual: 'shared',
  },
  {
    name: 'TN as NN on zero-padded Aᵀ and B (K 520 → 544), GELU with pre, α and β',
    spec: { layout: 'TN', M: 68, N: 128, K: 520, batch: 1, gelu: true, alpha: 0.5, beta: 1 },
    pre: true,
  },
  { name: 'batched NT with a shared B, as NN', spec: { layout: 'NT', M: 40, N: 64, K: 1024, batch: 2, strideB: 0 } },
  // A B per batch item (attention's q·kᵀ: N = 197 tokens) is transposed item by item, rows padded to whole texels.
  { name: 'batched NT with a B per item and N 197, as NN on padded Bᵀ, α', spec: { layout: 'NT', M: 197, N: 197, K: 64, batch: 3, alpha: 0.125 } },
  { name: 'NT with N 150 (not whole texels) as NN on padded Bᵀ, bias', spec: { layout: 'NT', M: 300, N: 150, K: 96, batch: 1 }, bias: true },
  // TN with M > N and only α: Cᵀ = Bᵀ·A with the smaller B transposed, then Cᵀ transposed into C.
  { name: 'TN with M > N as Cᵀ = Bᵀ·A (K 520 → 544), α', spec: { layout: 'TN', M: 160, N: 64, K: 520, batch: 1, alpha: 0.5 } },
  { name: 'batched TN with a shared A and K whole blocks, as NN', spec: { layout: 'TN', M: 64, N: 64, K: 512, batch: 2, strideA: 0 } },
  // Split-K (K ≥ 1500): chunks of K as batch items of one tileA dispatch (A's row stride LDA4), summed by reduce.sumRows.
  { name: 'TN split into 3 K chunks (K 3300 → 1120 + 1120 + 1088, zero rows past K), α and β', spec: { layout: 'TN', M: 64, N: 128, K: 3300, batch: 1, alpha: 0.5, beta: 1 } },
  { name: 'TN with M > N split into 5 K chunks (K 5000 → 4 × 1024 + 928), α', spec: { layout: 'TN', M: 160, N: 64, K: 5000, batch: 1, alpha: 0.5 } },
  { name: 'TN with GELU at K 3300 is not split (its epilogue needs the whole sum)', spec: { layout: 'TN', M: 64, N: 128, K: 3300, batch: 1, gelu: true } },
  // Extreme range: entries ~±1e4, products ~1e8 summed over K = 300 (f32 range, cancellation).
  { name: 'extreme range NN', spec: { layout: 'NN', M: 9, N: 64, K: 300, batch: 1 }, scale: 1e4 },
  { name: 'ViT widths NT (dX of qkv)', spec: { layout: 'NT', M: 20, N: 192, K: 576, batch: 1 } },
  { name: 'NN, row length 12', spec: { layout: 'NN', M: 13, N: 12, K: 29, batch: 1 } },
  { name: 'NT, row length 12 (K tail inside a texel block)', spec: { layout: 'NT', M: 11, N: 9, K: 12, batch: 1 } },
  { name: 'NT, small-ViT widths (K 96)', spec: { layout: 'NT', M: 19, N: 288, K: 96, batch: 1 }, bias: true },
  { name: 'TN, row length 36', spec: { layout: 'TN', M: 10, N: 36, K: 21, batch: 1 } },
  {
    name: 'B over several texture rows and a partial one (K 100 × N 204)',
    spec: { layout: 'NN', M: 9, N: 204, K: 100, batch: 1 },
  },
  {
    name: 'batched NN, batched B of row length 20 crossing texture rows',
    spec: { layout: 'NN', M: 7, N: 20, K: 250, batch: 3 },
    bias: true,
  },
];

await describeGpu('matmulTexture kernel', (ctx) => {
  cases.forEach((t, i) => {
    it(t.name, async () => {
      if (!usable(ctx())) return; // the portable path is tested in matmul.gpu.test.ts
      await check(ctx(), t, 300 + 10 * i);
    });
  });

  // Where texture operands are storage textures (tileA in 32-row tiles), the NN cases again with sampled ones (16 rows).
  it('the NN cases with texture operands bound as sampled textures (tileA in 16-row tiles)', async () => {
    if (!usable(ctx()) || ctx().textureBinding !== 'storage') return;
    const plain = await createNodeContext({ wgslLanguageFeatures: new Set() });
    try {
      expect(plain.textureBinding).toBe('sampled');
      for (const [i, t] of cases.entries()) if (t.spec.layout === 'NN') await check(plain, t, 300 + 10 * i);
    } finally {
      plain.destroy();
    }
  });

  it('binds a tensor view as a texture: exact values, ordered with dispatches, pooled and counted', async () => {
    const c = ctx();
    if (!usable(c)) return;
    // op(A) = I (8×8) makes C = B exactly, so this reads the texture back through the kernel.
    const [M, N] = [8, 64];
    const eye = new Float32Array(M * M);
    for (let i = 0; i < M; i++) eye[i * M + i] = 1;
    const a = c.fromArray(eye, [M, M], 'eye');
    // B lives at byte 256 of a larger buffer (a view, as the arena hands out), so the copy's offset is tested.
    const first = f32(normal(M * N, 7));
    const second = f32(normal(M * N, 8));
    const store = c.fromArray(new Float32Array(64 + M * N).fill(-1), [64 + M * N], 'store');
    const b: GpuTensor = { ...store, byteOffset: 256, shape: [M, N], label: 'b view' };
    const src1 = c.fromArray(first, [M, N], 'first');
    const src2 = c.fromArray(second, [M, N], 'second');
    const out1 = c.tensor([M, N], 'out1');
    const out2 = c.tensor([M, N], 'out2');
    c.releaseTextures(); // an empty pool, whatever earlier tests left in it
    const before = c.memory.liveBytes;
    // Two products with the same B buffer rewritten in between, all in one recording: each must see its B.
    c.copy(b, src1);
    matmul.run(c, { c: out1, a, b, path: 'texture' });
    c.copy(b, src2);
    matmul.run(c, { c: out2, a, b, path: 'texture' });
    expect(Array.from(await c.read(out1))).toEqual(Array.from(first));
    expect(Array.from(await c.read(out2))).toEqual(Array.from(second));
    // One pooled texture of one row of TEXTURE_ROW_TEXELS texels (16 bytes each), B's, reused by the second product
    // (A stays a buffer: K = 8 is not a whole K block of tileA).
    const pooledBytes = TEXTURE_ROW_TEXELS * 16;
    expect(c.memory.liveBytes - before).toBe(pooledBytes);
    // Releasing the pool gives the bytes back; the next dispatch re-creates its texture.
    c.releaseTextures();
    expect(c.memory.liveBytes).toBe(before);
    matmul.run(c, { c: out1, a, b, path: 'texture' });
    expect(Array.from(await c.read(out1))).toEqual(Array.from(second));
    c.release(a, store, src1, src2, out1, out2);
  });

  it('runs large NT and TN as NN on a transposed operand (one more dispatch), small ones as they are', async () => {
    const c = ctx();
    if (!usable(c)) return;
    const dispatches = async (layout: matmul.Layout, M: number, N: number, K: number) => {
      const a = c.tensor(layout === 'TN' ? [K, M] : [M, K]);
      const b = c.tensor(layout === 'NT' ? [N, K] : [K, N]);
      const out = c.tensor([M, N]);
      const before = c.dispatches;
      matmul.run(c, { c: out, a, b, layout });
      const n = c.dispatches - before;
      await c.flush();
      c.release(a, b, out);
      return n;
    };
    expect(await dispatches('NT', 64, 128, 512)).toBe(2); // transpose + tileA
    expect(await dispatches('NT', 300, 150, 96)).toBe(2); // N not whole texels: Bᵀ's rows padded
    const perItem = async () => {
      const [a, b, out] = [c.tensor([3, 197, 64]), c.tensor([3, 197, 64]), c.tensor([3, 197, 197])];
      const before = c.dispatches;
      matmul.run(c, { c: out, a, b, layout: 'NT' });
      const n = c.dispatches - before;
      await c.flush();
      c.release(a, b, out);
      return n;
    };
    expect(await perItem()).toBe(2); // one batched transpose of every item's B + tileA
    expect(await dispatches('TN', 64, 128, 520)).toBe(2); // transpose (+ a copy and a clear, not dispatches) + tileA
    expect(await dispatches('TN', 160, 64, 520)).toBe(3); // M > N: transpose B, tileA into Cᵀ, transpose Cᵀ into C
    expect(await dispatches('TN', 64, 128, 3300)).toBe(3); // split-K: transpose, tileA over 3 chunks, sum of the chunks
    expect(await dispatches('TN', 160, 64, 5000)).toBe(4); // M > N and split-K: transpose, tileA, sum, transpose
    expect(await dispatches('NT', 8, 64, 64)).toBe(1); // below the size where the extra pass pays
    expect(await dispatches('NT', 64, 128, 520)).toBe(1); // NT with a K tail: tileA could not take it
  });

  it('checks the preconditions, and auto falls back to the buffer kernel', () => {
    const c = ctx();
    const narrow = c.tensor([8, 46], 'narrow'); // stored rows of 46 floats: not whole texels
    const ints = c.fromArray(new Uint32Array(8 * 64), [8, 64], 'ints');
    const wide = c.tensor([8, 96], 'wide');
    const odd = c.tensor([3, 3], 'odd'); // 9 elements: not whole texels
    const misaligned: GpuTensor = { ...wide, byteOffset: 8, shape: [4, 64] };
    // Shape only (never allocated): one texel row more than the texture may have.
    const tall: GpuTensor = { ...wide, shape: [c.limits.maxTextureDimension2D * TEXTURE_ROW_TEXELS * 4 + 4] };
    expect(c.canBindAsTexture(wide)).toBe(true);
    expect(c.canBindAsTexture(narrow)).toBe(true); // 368 elements are whole texels; the matmul's rule is stricter
    expect(c.textureProblem(odd)).toMatch(/not whole texels/);
    expect(c.textureProblem(ints)).toMatch(/not f32/);
    expect(c.textureProblem(misaligned)).toMatch(/multiple of 16/);
    expect(c.textureProblem(tall)).toMatch(/maxTextureDimension2D/);
    const out = c.tensor([8, 46], 'out');
    const a = c.tensor([8, 8], 'a');
    if (usable(c)) {
      expect(matmul.choosePath(c, narrow)).toBe('subgroup');
      expect(matmul.choosePath(c, wide)).toBe('texture');
      expect(() => matmul.run(c, { c: out, a, b: narrow, path: 'texture' })).toThrow(/row length 46 is not a multiple of 4/);
    }
    // The runtime itself refuses a tensor that cannot be copied into a texture, naming the reason.
    const p = matmul.plan(c, { c: c.tensor([8, 3]), a: c.tensor([8, 3]), b: odd });
    expect(() =>
      c.run('matmulTexture', 'tile', {
        bindings: { c: out, pre: out, a, tb: odd, bias: out, resid: out },
        overrides: { ...p.overrides, SG: c.subgroupSize ?? 4 },
        workgroups: [1, 1, 1],
      }),
    ).toThrow(/cannot be bound to texture tb: .*not whole texels/);
    const fake = Object.create(c, { subgroupSize: { value: null } }) as typeof c;
    expect(matmulTexture.textureProblem(fake, wide)).toMatch(/subgroups of 4 or 8/);
    c.release(narrow, ints, wide, odd, out, a);
  });
});
