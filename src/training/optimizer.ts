// Optimizer over a table of trainable GPU tensors and their gradients (same keys): SGD with momentum
// (the SD-LoRA code's default) or Adam/AdamW (the paper's text), PyTorch semantics, one in-place
// dispatch per tensor. State tensors are allocated once; `reset()` starts a new task's optimizer.

import type { GpuContext } from '../gpu/context';
import type { GpuTensor } from '../gpu/tensor';
import * as kernels from '../kernels/optimizer';

export type OptimizerConfig =
  | { kind: 'sgd'; learningRate: number; momentum?: number; weightDecay?: number; nesterov?: boolean }
  | { kind: 'adam'; learningRate: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean };

export class Optimizer {
  private readonly state = new Map<string, GpuTensor[]>();
  private steps = 0;

  constructor(
    private readonly ctx: GpuContext,
    private readonly params: Map<string, GpuTensor>,
    private readonly grads: Map<string, GpuTensor>,
    readonly config: OptimizerConfig,
  ) {
    for (const [name, p] of params) {
      if (!grads.has(name)) throw new Error(`optimizer: no gradient for trainable tensor ${name}`);
      const slots = config.kind === 'sgd' ? 1 : 2;
      this.state.set(name, Array.from({ length: slots }, (_, i) => ctx.tensor(p.shape, `optimizer.${name}.${i}`)));
    }
  }

  /** Number of steps taken since construction or the last reset. */
  get stepCount(): number {
    return this.steps;
  }

  /** Records one update of every tensor; `learningRate` overrides the configured one (schedules). */
  step(learningRate = this.config.learningRate): void {
    const c = this.config;
    this.steps++;
    for (const [name, p] of this.params) {
      const g = this.grads.get(name)!;
      const s = this.state.get(name)!;
      if (c.kind === 'sgd') {
        kernels.sgd(this.ctx, p, s[0]!, g, {
          learningRate,
          momentum: c.momentum ?? 0.9,
          dampening: 0,
          weightDecay: c.weightDecay ?? 0,
          nesterov: c.nesterov ?? false,
          gradScale: 1,
          firstStep: this.steps === 1,
        });
      } else {
        kernels.adam(this.ctx, p, s[0]!, s[1]!, g, {
          learningRate,
          beta1: c.beta1 ?? 0.9,
          beta2: c.beta2 ?? 0.999,
          eps: c.eps ?? 1e-8,
          weightDecay: c.weightDecay ?? 0,
          decoupled: c.decoupled ?? true,
          step: this.steps,
          gradScale: 1,
        });
      }
    }
  }

  /** The optimizer state on the host, for checkpoints: step count and, per tensor, its slots (SGD: momentum;
   *  Adam: first and second moments), in the order of `params`. */
  async readState(): Promise<{ step: number; slots: Map<string, Float32Array[]> }> {
    const slots = new Map<string, Float32Array[]>();
    for (const [name, s] of this.state) {
      const arrays: Float32Array[] = [];
      for (const t of s) arrays.push(await this.ctx.read(t));
      slots.set(name, arrays);
    }
    return { step: this.steps, slots };
  }

  /** Restores what readState returned (resume): every tensor's slots must be present with the right sizes. */
  loadState(state: { step: number; slots: Map<string, Float32Array[]> }): void {
    for (const [name, s] of this.state) {
      const got = state.slots.get(name);
      if (!got || got.length !== s.length) throw new Error(`optimizer state: ${name} missing or has ${got?.length ?? 0} slots, expected ${s.length}`);
      s.forEach((t, i) => {
        const n = t.shape.reduce((a, b) => a * b, 1);
        if (got[i]!.length !== n) throw new Error(`optimizer state: ${name}.${i} has ${got[i]!.length} values, expected ${n}`);
        this.ctx.write(t, got[i]!);
      });
    }
    this.steps = state.step;
  }

  /** Forgets momentum / moments (a new task starts with a fresh optimizer, as the SD-LoRA code does). */
  reset(): void {
    this.steps = 0; // the first SGD step overwrites the momentum buffer; Adam's moments restart below
    if (this.config.kind === 'adam') for (const s of this.state.values()) for (const t of s) this.ctx.write(t, new Float32Array(t.shape.reduce((a, b) => a * b, 1)));
  }

  destroy(): void {
    for (const s of this.state.values()) this.ctx.release(...s);
    this.state.clear();
  }
}
