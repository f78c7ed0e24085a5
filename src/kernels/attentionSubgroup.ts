// Launcher for shaders/attentionSubgroup.wgsl: attentionFused's kernels (same bindings, shapes and maths) with the
// rows of a (batch, head) on the lanes of whole subgroups of 8, which fetch the rows they stream once and share them
// by subgroupBroadcast. Called through ./attentionFused.ts (family 'heads'), which checks the shapes and bindings.
// Reference: src/reference/attentionSubgroup.ts (= src/reference/attention.ts).

import { TEXTURE_ROW_TEXELS, type GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

/** The subgroup size the kernels are written for (their broadcasts name lanes 0..7). */
export const LANES = 8;
const WG = 64; // a multiple of LANES

/** Why this context cannot run the kernels; null when it can. */
export function unfit(ctx: GpuContext): string | null {
  return ctx.subgroupSize === LANES ? null : `the subgroup kernels need subgroups of ${LANES} lanes (this adapter: ${ctx.subgroupSize ?? 'none'})`;
}

export interface Shape {
  B: number;
  N: number;
  H: number;
  D: number;
  Q: number;
}

/** Records one entry point over B·H heads; a head takes ⌈rows / 8⌉·8 invocations (whole subgroups), rows = N for
 *  backwardKey (its lanes hold key rows), else Q. */
export function run(ctx: GpuContext, entry: 'forward' | 'backwardQuery' | 'backwardKey', bindings: Record<string, GpuTensor>, s: Shape): void {
  const why = unfit(ctx);
  if (why) throw new Error(`attentionSubgroup: ${why}`);
  const { B, N, H, D, Q } = s;
  const rows = entry === 'backwardKey' ? N : Q;
  ctx.run('attentionSubgroup', entry, {
    bindings,
    overrides: { WG, TOKENS: N, QUERIES: Q, HEAD_DIM: D, HEADS: H, BATCH: B, TW: TEXTURE_ROW_TEXELS },
    workgroups: grid1d(ctx, B * H * Math.ceil(rows / LANES) * LANES, WG),
  });
}
