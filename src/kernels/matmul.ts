// Launcher for the batched matmul with fused epilogue: shaders/matmul.wgsl (portable, workgroup-memory tiles),
// shaders/matmulSubgroup.wgsl (software GPUs with subgroups; launched from ./matmulSubgroup.ts) and
// shaders/matmulTexture.wgsl (its twin reading B from a texture, ~1.5× on lavapipe; ./matmulTexture.ts).
// Reference: src/reference/matmul.ts. Shapes are read from the tensors and reach the WGSL as overrides, so
// every (shape, layout, epilogue) is its own pipeline with constant addresses (what llvmpipe rewards).
//   matmul.run(ctx, { c, a, b, layout: 'NT', bias, alpha, beta, activation: 'gelu', pre, residual })

import type { GpuContext } from '../gpu/context';
import { shapeString, type GpuTensor } from '../gpu/tensor';
import * as subgroup from './matmulSubgroup';
import * as texture from './matmulTexture';

export type Layout = 'NN' | 'NT' | 'TN';
export type MatmulPath = 'auto' | 'texture' | 'subgroup' | 'portable';

export interface MatmulArgs {
  /** Output (…batch, M, N). Read too when beta ≠ 0. */
  c: GpuTensor;
  /** NN/NT: (…, M, K); TN: (…, K, M). Leading dims: the batch, or none to share one matrix. */
  a: GpuTensor;
  /** NN/TN: (…, K, N); NT: (…, N, K). Leading dims: the batch, or none to share one matrix. */
  b: GpuTensor;
  /** NN C = A·B (default), NT C = A·Bᵀ, TN C = Aᵀ·B. */
  layout?: Layout;
  /** (N), added to every row. */
  bias?: GpuTensor;
  /** Scales the product (default 1). */
  alpha?: number;
  /** C = … + beta·C (default 0: C is only written), e.g. 1 to accumulate gradients. */
  beta?: number;
  /** Exact GELU on z = alpha·AB + bias + beta·C, before the residual; or 'geluBackward': z ⊙ gelu'(pre), the
   *  gradient through a GELU whose input `pre` the forward stored (dPre = (dAct·W) ⊙ gelu'(pre) in one pass). */
  activation?: 'none' | 'gelu' | 'geluBackward';
  /** (…batch, M, N): with 'gelu' receives z before the activation (for the backward pass); with 'geluBackward'
   *  it is read (the forward's z). */
  pre?: GpuTensor;
  /** (…batch, M, N) or (M, N): added after the activation. */
  residual?: GpuTensor;
  /**
   * Kernel choice; 'auto' picks the subgroup kernel on software GPUs that have subgroups of 4 or 8, in its
   * texture form when B can be bound as a texture (its stored rows a multiple of 64 floats long).
   */
  path?: MatmulPath;
}

/** Everything a kernel entry point needs: WGSL overrides plus the grid's batch size. */
export interface MatmulPlan {
  M: number;
  N: number;
  K: number;
  batch: number;
  overrides: Record<string, number>;
  bindings: Record<string, GpuTensor>;
}

const LAYOUT_CODE: Record<Layout, number> = { NN: 0, NT: 1, TN: 2 };
// Tile of C per workgroup of matmul.wgsl's `tiled` (its TILE const); grid sizing only.
const PORTABLE_TILE = 64;

/** Per-context 16-byte stand-ins for the optional bindings (every entry point references all six). */
const dummies = new WeakMap<GpuContext, { input: GpuTensor; output: GpuTensor }>();
function dummy(ctx: GpuContext) {
  let d = dummies.get(ctx);
  if (!d) {
    d = { input: ctx.tensor([4], 'matmul.unusedInput'), output: ctx.tensor([4], 'matmul.unusedOutput') };
    dummies.set(ctx, d);
  }
  return d;
}

const lastTwo = (t: GpuTensor, what: string): [number, number, number] => {
  if (t.shape.length < 2) throw new Error(`matmul: ${what} ${t.label} ${shapeString(t.shape)} needs at least 2 dims`);
  const rows = t.shape[t.shape.length - 2]!;
  const cols = t.shape[t.shape.length - 1]!;
  let lead = 1;
  for (const d of t.shape.slice(0, -2)) lead *= d;
  return [lead, rows, cols];
};

/** Batch stride of an operand whose leading dims hold `lead` matrices of `size` elements: 0 shares one. */
function batchStride(lead: number, batch: number, size: number, what: string, t: GpuTensor): number {
  if (lead === batch) return batch === 1 ? 0 : size;
  if (lead === 1) return 0;
  throw new Error(`matmul: ${what} ${t.label} ${shapeString(t.shape)} has ${lead} matrices; expected ${batch} or 1`);
}

/** Checks shapes and derives overrides and bindings (shared by both WGSL files). */
export function plan(ctx: GpuContext, args: MatmulArgs): MatmulPlan {
  const layout = args.layout ?? 'NN';
  const [batch, M, N] = lastTwo(args.c, 'c');
  const [leadA, ra, ca] = lastTwo(args.a, 'a');
  const [leadB, rb, cb] = lastTwo(args.b, 'b');
  const [aM, K] = layout === 'TN' ? [ca, ra] : [ra, ca];
  const [bK, bN] = layout === 'NT' ? [cb, rb] : [rb, cb];
  if (aM !== M || bN !== N || bK !== K)
    throw new Error(
      `matmul ${layout}: c ${shapeString(args.c.shape)}, a ${shapeString(args.a.shape)}, b ${shapeString(args.b.shape)} do not fit ` +
        `(need op(a) M×K, op(b) K×N with M=${M}, N=${N})`,
    );
  const activation = args.activation ?? 'none';
  const gelu = activation === 'gelu';
  if (args.pre && activation === 'none') throw new Error('matmul: `pre` goes with activation "gelu" (written) or "geluBackward" (read)');
  if (activation === 'geluBackward' && !args.pre) throw new Error('matmul: activation "geluBackward" needs `pre`, the forward GELU input');
  if (args.pre && args.pre.shape.join() !== args.c.shape.join())
    throw new Error(`matmul: pre ${shapeString(args.pre.shape)} must have c's shape ${shapeString(args.c.shape)}`);
  if (args.bias && (args.bias.shape.length !== 1 || args.bias.shape[0] !== N))
    throw new Error(`matmul: bias ${shapeString(args.bias.shape)} must be (${N})`);
  let strideR = 0;
  if (args.residual) {
    const [leadR, rr, cr] = lastTwo(args.residual, 'residual');
    if (rr !== M || cr !== N) throw new Error(`matmul: residual ${shapeString(args.residual.shape)} must end in (${M}, ${N})`);
    strideR = batchStride(leadR, batch, M * N, 'residual', args.residual);
  }
  const d = dummy(ctx);
  return {
    M,
    N,
    K,
    batch,
    overrides: {
      M,
      N,
      K,
      LAYOUT: LAYOUT_CODE[layout],
      BATCH_A: batchStride(leadA, batch, M * K, 'a', args.a),
      BATCH_B: batchStride(leadB, batch, K * N, 'b', args.b),
      BATCH_C: M * N,
      BATCH_R: strideR,
      ALPHA: args.alpha ?? 1,
      BETA: args.beta ?? 0,
      HAS_BIAS: args.bias ? 1 : 0,
      GELU: gelu ? 1 : activation === 'geluBackward' ? 2 : 0,
      STORE_PRE: gelu && args.pre ? 1 : 0,
      HAS_RESIDUAL: args.residual ? 1 : 0,
    },
    bindings: {
      c: args.c,
      pre: args.pre ?? d.output,
      a: args.a,
      b: args.b,
      bias: args.bias ?? d.input,
      resid: args.residual ?? d.input,
    },
  };
}

/** The kernel `auto` picks on this context; given the B operand, also whether the texture twin takes it. */
export function choosePath(ctx: GpuContext, b?: GpuTensor): Exclude<MatmulPath, 'auto'> {
  // The subgroup kernel unrolls at most 8 broadcast steps and is tuned for CPU-backed SIMD; real GPUs
  // (subgroups of 16–64) get the workgroup-memory kernel.
  const sg = ctx.subgroupSize;
  if (ctx.adapter.kind === 'hardware' || (sg !== 4 && sg !== 8)) return 'portable';
  return b && texture.textureProblem(ctx, b) === null ? 'texture' : 'subgroup';
}

/**
 * Whether NN (B stored (K, N)) runs clearly faster than NT (B stored (N, K)) here, so that a caller with B stored
 * transposed gains by transposing it first: on the texture path NN also reads A as texels (matmulTexture.tileA),
 * 1.4–1.6× the NT products of a ViT-Tiny step (bench/README.md). Elsewhere the layouts cost about the same.
 * (run() itself does this for large NT and TN products on that path, into context scratch; a caller that keeps
 * the transposed copy in planned memory, as GpuViT does, avoids the scratch.)
 */
export function nnFaster(ctx: GpuContext): boolean {
  return choosePath(ctx) !== 'portable';
}

/** Records c = epilogue(alpha·op(a)·op(b)) for every batch item. */
export function run(ctx: GpuContext, args: MatmulArgs): void {
  const p = plan(ctx, args);
  if (p.M === 0 || p.N === 0) return;
  const path = !args.path || args.path === 'auto' ? choosePath(ctx, args.b) : args.path;
  if (path === 'texture') {
    texture.run(ctx, p);
    return;
  }
  if (path === 'subgroup') {
    subgroup.run(ctx, p);
    return;
  }
  ctx.run('matmul', 'tiled', {
    bindings: p.bindings,
    overrides: p.overrides,
    workgroups: [Math.ceil(p.N / PORTABLE_TILE), Math.ceil(p.M / PORTABLE_TILE), p.batch],
  });
}

/** c = a·b (a (…, M, K), b (…, K, N)) with the optional epilogue of `run`. */
export const nn = (ctx: GpuContext, args: Omit<MatmulArgs, 'layout'>) => run(ctx, { ...args, layout: 'NN' });
/** c = a·bᵀ (a (…, M, K), b (…, N, K)), e.g. dX = dY·Wᵀ. */
export const nt = (ctx: GpuContext, args: Omit<MatmulArgs, 'layout'>) => run(ctx, { ...args, layout: 'NT' });
/** c = aᵀ·b (a (…, K, M), b (…, K, N)), e.g. dW = Xᵀ·dY. */
export const tn = (ctx: GpuContext, args: Omit<MatmulArgs, 'layout'>) => run(ctx, { ...args, layout: 'TN' });

/** Floating-point operations of one call (2·M·N·K per batch item), for benchmarks. */
export function flops(args: Pick<MatmulArgs, 'c' | 'a' | 'layout'>): number {
  const [batch, M, N] = lastTwo(args.c, 'c');
  const [, ra, ca] = lastTwo(args.a, 'a');
  const K = (args.layout ?? 'NN') === 'TN' ? ra : ca;
  return 2 * batch * M * N * K;
}
