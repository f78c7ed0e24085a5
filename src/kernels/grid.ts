// Workgroup-grid helpers shared by launchers.

import type { GpuContext } from '../gpu/context';

/** Grid for `n` invocations in workgroups of `wg`, wrapped into y when x would exceed the device limit.
 *  Shaders recover the flat index as gid.x + gid.y · num_workgroups.x · wg. */
export function grid1d(ctx: GpuContext, n: number, wg: number): [number, number] {
  const groups = Math.ceil(n / wg);
  const maxX = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= maxX) return [groups, 1];
  const y = Math.ceil(groups / maxX);
  return [Math.ceil(groups / y), y];
}
