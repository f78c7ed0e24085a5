// Arena: plan a set of named tensors, check the plan against the device's limits, then allocate
// them. A training run plans
// its parameters, gradients, optimizer state and activations once and creates no buffers per step.

import type { GpuContext } from './context';
import { GpuOperationError } from './errors';
import { numel, shapeString, type DType, type GpuTensor } from './tensor';

export interface TensorRequest {
  name: string;
  shape: readonly number[];
  dtype?: DType;
  /**
   * Tensors of one pack share buffers: in request order, each at a PACK_ALIGN boundary, a new buffer whenever the
   * next would pass the per-binding limit. For tensors that are updated together (a model's trainable weights, and
   * their gradients in a second pack in the same order): the optimizer then updates a whole run of them in one
   * dispatch (training/optimizer.ts). A pack's tensors may be bound together read-only, or together writable, but
   * never one writable next to another read in one dispatch (WebGPU usage rules, see the Arena).
   */
  pack?: string;
}

/** Byte alignment of packed tensors: WebGPU's largest minStorageBufferOffsetAlignment (a binding offset). */
export const PACK_ALIGN = 256;

export interface MemoryPlan {
  requests: TensorRequest[];
  totalBytes: number;
  largestBytes: number;
  largestName: string;
  problems: string[]; // empty when the plan fits
}

const MiB = 1024 * 1024;
export const formatBytes = (b: number) => (b >= 1024 * MiB ? `${(b / 1024 / MiB).toFixed(2)} GiB` : `${(b / MiB).toFixed(1)} MiB`);

/** Checks a set of tensors against per-binding and per-buffer limits and a total budget (bytes). */
export function planMemory(requests: TensorRequest[], limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }, budgetBytes: number): MemoryPlan {
  let totalBytes = 0;
  let largestBytes = 0;
  let largestName = '';
  const problems: string[] = [];
  for (const r of requests) {
    const bytes = numel(r.shape) * 4;
    totalBytes += bytes;
    if (bytes > largestBytes) {
      largestBytes = bytes;
      largestName = r.name;
    }
    const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    if (bytes > cap)
      problems.push(`${r.name} ${shapeString(r.shape)} needs ${formatBytes(bytes)}, above this device's ${formatBytes(cap)} per-buffer limit`);
  }
  if (totalBytes > budgetBytes)
    problems.push(`the run needs ${formatBytes(totalBytes)} of GPU memory in all, above the budget of ${formatBytes(budgetBytes)}`);
  return { requests, totalBytes, largestBytes, largestName, problems };
}

export class Arena {
  readonly tensors = new Map<string, GpuTensor>();
  private readonly buffers: GPUBuffer[] = [];
  readonly plan: MemoryPlan;

  /** Allocates the planned tensors; throws (with the numbers) if the plan has problems or the device runs out of memory.
   *  One buffer per tensor unless requested in a pack: WebGPU forbids binding the same buffer as read-only and
   *  writable storage in one dispatch, even through disjoint ranges, so packing unrelated tensors into shared
   *  buffers would make ordinary kernels (y = f(x) with x, y in one buffer) invalid. Allocation happens once, up front. */
  constructor(
    private readonly ctx: GpuContext,
    readonly label: string,
    plan: MemoryPlan,
    hint = 'Use a smaller batch size or a smaller model.',
  ) {
    this.plan = plan;
    if (plan.problems.length) throw new GpuOperationError(`${label}: will not fit: ${plan.problems.join('; ')}. ${hint}`);
    const packs = new Map<string, TensorRequest[]>();
    for (const r of plan.requests) {
      if (r.pack) {
        packs.set(r.pack, [...(packs.get(r.pack) ?? []), r]);
        continue;
      }
      const t = ctx.tensor(r.shape, `${label}.${r.name}`, r.dtype ?? 'f32');
      this.buffers.push(t.buffer);
      this.tensors.set(r.name, t);
    }
    const cap = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
    for (const [pack, requests] of packs) {
      for (const { offsets, size, members } of packLayout(requests, cap)) {
        const whole = ctx.tensor([size / 4], `${label}.pack.${pack}`);
        this.buffers.push(whole.buffer);
        members.forEach((r, i) => this.tensors.set(r.name, { ...whole, byteOffset: offsets[i]!, shape: [...r.shape], dtype: r.dtype ?? 'f32', label: `${label}.${r.name}` }));
      }
    }
  }

  get(name: string): GpuTensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`${this.label}: no tensor '${name}' in the arena`);
    return t;
  }

  get bytes(): number {
    return this.buffers.reduce((s, b) => s + b.size, 0);
  }

  destroy(): void {
    this.ctx.release(...this.tensors.values());
    this.tensors.clear();
  }
}

/** Byte offsets of a pack's tensors in its buffers: each at a PACK_ALIGN boundary, a new buffer past `cap` bytes. */
export function packLayout(requests: readonly TensorRequest[], cap: number): { offsets: number[]; size: number; members: TensorRequest[] }[] {
  const out: { offsets: number[]; size: number; members: TensorRequest[] }[] = [];
  let cur: { offsets: number[]; size: number; members: TensorRequest[] } | null = null;
  for (const r of requests) {
    const bytes = Math.max(4, numel(r.shape) * 4);
    const at = cur ? Math.ceil(cur.size / PACK_ALIGN) * PACK_ALIGN : 0;
    if (!cur || at + bytes > cap) {
      cur = { offsets: [], size: 0, members: [] };
      out.push(cur);
    }
    const offset = Math.ceil(cur.size / PACK_ALIGN) * PACK_ALIGN;
    cur.offsets.push(offset);
    cur.members.push(r);
    cur.size = offset + bytes;
  }
  for (const b of out) b.size = Math.ceil(b.size / 16) * 16;
  return out;
}

/** A default GPU memory budget: the user's setting, else 2 GiB (browsers rarely allow much more per tab). */
export function defaultBudgetBytes(override?: number): number {
  return override ?? 2 * 1024 * MiB;
}
