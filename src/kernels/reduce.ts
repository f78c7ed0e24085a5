// Launchers for shaders/reduce.wgsl: deterministic two-pass sums. Reference: src/reference/reduce.ts.
// Partials live in a per-context scratch tensor that grows on demand and is reused by every later call
// (dispatches run in recorded order, so reusing it between reductions is safe).

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';

const WG = 64; // threads per workgroup of both entry points (the shader's WG override; a power of two)
const ROW_CHUNK = 64; // rows per partial sum in sumRows' first pass
const MAX_GROUPS = 1024; // cap on the number of partials, so the second pass stays one short loop

export interface SumOptions {
  /** Multiplies the sum (e.g. 1/B for a mean). Default 1. */
  scale?: number;
  /** Add to what `out` already holds (gradient accumulation). Default false. */
  accumulate?: boolean;
}

const scratchByContext = new WeakMap<GpuContext, GpuTensor>();

/** A per-context f32 scratch tensor of at least n elements, shared by the reductions in this folder. */
export function scratch(ctx: GpuContext, n: number): GpuTensor {
  const have = scratchByContext.get(ctx);
  if (have && numel(have.shape) >= n) return have;
  // The old buffer is not destroyed: dispatches recorded but not yet submitted may still use it.
  const t = ctx.tensor([Math.max(n, 4096)], 'reduce.scratch');
  scratchByContext.set(ctx, t);
  return t;
}

/** out (C) = scale·Σ_r x[r, :] (+ out) for x: (R, C). */
export function sumRows(ctx: GpuContext, out: GpuTensor, x: GpuTensor, R: number, C: number, opts: SumOptions = {}): void {
  const scale = opts.scale ?? 1;
  const accumulate = opts.accumulate ? 1 : 0;
  const chunk = Math.max(ROW_CHUNK, Math.ceil(R / MAX_GROUPS));
  const groups = Math.ceil(R / chunk);
  const cols = Math.ceil(C / WG);
  if (groups <= 1) {
    ctx.run('reduce', 'sumRows', {
      bindings: { out, x },
      uniforms: { rows: R, cols: C, chunk: Math.max(R, 1), scale, accumulate, squares: 0 },
      overrides: { WG },
      workgroups: [cols, 1],
    });
    return;
  }
  const partials = view(scratch(ctx, groups * C), [groups, C]);
  ctx.run('reduce', 'sumRows', {
    bindings: { out: partials, x },
    uniforms: { rows: R, cols: C, chunk, scale: 1, accumulate: 0, squares: 0 },
    overrides: { WG },
    workgroups: [cols, groups],
  });
  ctx.run('reduce', 'sumRows', {
    bindings: { out, x: partials },
    uniforms: { rows: groups, cols: C, chunk: groups, scale, accumulate, squares: 0 },
    overrides: { WG },
    workgroups: [cols, 1],
  });
}

/** out (1) = scale·Σ x (+ out), over all elements of x. */
export function sumAll(ctx: GpuContext, out: GpuTensor, x: GpuTensor, opts: SumOptions = {}): void {
  total(ctx, out, x, 0, opts);
}

/** out (1) = scale·Σ x² (+ out), over all elements of x (squared norms for gradient clipping). */
export function sumSquares(ctx: GpuContext, out: GpuTensor, x: GpuTensor, opts: SumOptions = {}): void {
  total(ctx, out, x, 1, opts);
}

function total(ctx: GpuContext, out: GpuTensor, x: GpuTensor, squares: number, opts: SumOptions): void {
  const n = numel(x.shape);
  // Each workgroup sums at least 16 elements per thread; at most MAX_GROUPS partials.
  const chunk = Math.max(WG * 16, Math.ceil(n / MAX_GROUPS / WG) * WG);
  const groups = Math.max(1, Math.ceil(n / chunk));
  const scale = opts.scale ?? 1;
  const accumulate = opts.accumulate ? 1 : 0;
  if (groups === 1) {
    ctx.run('reduce', 'sumAll', {
      bindings: { out, x },
      uniforms: { rows: 1, cols: n, chunk: Math.max(n, 1), scale, accumulate, squares },
      overrides: { WG },
      workgroups: [1],
    });
    return;
  }
  const partials = view(scratch(ctx, groups), [groups]);
  ctx.run('reduce', 'sumAll', {
    bindings: { out: partials, x },
    uniforms: { rows: 1, cols: n, chunk, scale: 1, accumulate: 0, squares },
    overrides: { WG },
    workgroups: [groups],
  });
  ctx.run('reduce', 'sumAll', {
    bindings: { out, x: partials },
    uniforms: { rows: 1, cols: groups, chunk: groups, scale, accumulate, squares: 0 },
    overrides: { WG },
    workgroups: [1],
  });
}

/** The first numel(shape) elements of t, as a tensor of that shape (binding size follows the shape). */
export function view(t: GpuTensor, shape: readonly number[]): GpuTensor {
  return { ...t, shape: [...shape] };
}
