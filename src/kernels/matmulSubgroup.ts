// Launcher for shaders/matmulSubgroup.wgsl: the matmul of ./matmul.ts on software GPUs whose subgroups are
// 4 or 8 lanes (lavapipe, SwiftShader). Call it through matmul.run (which checks shapes and picks the path);
// this file only sizes the grid. Reference: src/reference/matmulSubgroup.ts (= src/reference/matmul.ts).

import type { GpuContext } from '../gpu/context';
import type { MatmulPlan } from './matmul';

// Rows of C per workgroup (the WGSL's TM const); each of the SG lanes owns 2 columns. Grid sizing only.
const ROWS_PER_WORKGROUP = 8;
const COLUMNS_PER_LANE = 2;

/** Records the subgroup kernel for a checked plan; throws if the context has no usable subgroup size. */
export function run(ctx: GpuContext, p: MatmulPlan): void {
  const sg = ctx.subgroupSize;
  if (sg !== 4 && sg !== 8)
    throw new Error(`matmul: the subgroup kernel needs subgroups of 4 or 8 lanes (this adapter: ${sg ?? 'none'}); use path 'portable'`);
  ctx.run('matmulSubgroup', 'tile', {
    bindings: p.bindings,
    overrides: { ...p.overrides, SG: sg },
    workgroups: [Math.ceil(p.N / (COLUMNS_PER_LANE * sg)), Math.ceil(p.M / ROWS_PER_WORKGROUP), p.batch],
  });
}
