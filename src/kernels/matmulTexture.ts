// Launcher for shaders/matmulTexture.wgsl: the subgroup matmul of ./matmulSubgroup.ts with op(B) read from an
// rgba32float texture (GpuContext copies B's tensor into it; see the WGSL header for why it is faster on
// lavapipe). Call it through matmul.run, which checks shapes and picks this path when `textureOperand` says
// B qualifies. Reference: src/reference/matmulTexture.ts (= src/reference/matmul.ts).

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import type { MatmulPlan } from './matmul';

// Rows of C per workgroup (the WGSL's TM const); each of the SG lanes owns 4 adjacent columns. Grid sizing only.
const ROWS_PER_WORKGROUP = 8;
const COLUMNS_PER_LANE = 4;
// The WGSL's LAYOUT code of NN (matmul.ts LAYOUT_CODE).
const LAYOUT_NN = 0;

/**
 * Why B cannot be the texture operand of this kernel on this context; null when it can. The texture holds B's
 * elements linearly, 4 per texel, so B's stored rows (NN/TN: (…, K, N); NT: (…, N, K)) must be whole texels:
 * a row length that is a multiple of 4.
 */
export function textureProblem(ctx: GpuContext, b: GpuTensor): string | null {
  const sg = ctx.subgroupSize;
  if (sg !== 4 && sg !== 8) return `the kernel needs subgroups of 4 or 8 lanes (this adapter: ${sg ?? 'none'})`;
  if (b.shape.length < 2) return `b has ${b.shape.length} dims`;
  const row = b.shape[b.shape.length - 1]!;
  if (row % 4 !== 0) return `its stored row length ${row} is not a multiple of 4`;
  return ctx.textureProblem(b);
}

/**
 * Records the texture kernel for a checked plan; throws (with the reason) when B cannot be a texture. A is a
 * texture as well (entry point tileA) for NN when K is a whole number of its K blocks (4·SG) and A can be one; else
 * it stays a buffer.
 */
export function run(ctx: GpuContext, p: MatmulPlan): void {
  const { c, pre, a, b, bias, resid } = p.bindings;
  const problem = textureProblem(ctx, b!);
  if (problem) throw new Error(`matmul: the texture kernel cannot take b ${b!.label}: ${problem}; use path 'subgroup' or 'portable'`);
  const overrides = { ...p.overrides, SG: ctx.subgroupSize!, TW: TEXTURE_ROW_TEXELS };
  const workgroups = [Math.ceil(p.N / (COLUMNS_PER_LANE * ctx.subgroupSize!)), Math.ceil(p.M / ROWS_PER_WORKGROUP), p.batch] as const;
  if (p.overrides.LAYOUT === LAYOUT_NN && p.K % (4 * ctx.subgroupSize!) === 0 && textureProblem(ctx, a!) === null)
    ctx.run('matmulTexture', 'tileA', { bindings: { c: c!, pre: pre!, ta: a!, tb: b!, bias: bias!, resid: resid! }, overrides, workgroups });
  else ctx.run('matmulTexture', 'tile', { bindings: { c: c!, pre: pre!, a: a!, tb: b!, bias: bias!, resid: resid! }, overrides, workgroups });
}
