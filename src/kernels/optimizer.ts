// Launchers for shaders/optimizer.wgsl: in-place SGD (momentum, nesterov) and Adam/AdamW over flat tensors.
// Reference: src/reference/optimizer.ts. Hyperparameters are uniforms, so changing them per step costs nothing.

import type { GpuContext } from '../gpu/context';
import { numel, type GpuTensor } from '../gpu/tensor';
import { grid1d } from './grid';

const WG = 256;

export interface SgdOptions {
  learningRate: number;
  momentum: number; // 0: plain SGD, the momentum buffer is untouched
  dampening: number; // PyTorch's default is 0
  weightDecay: number; // L2, added to the gradient
  nesterov: boolean;
  /** Multiplies the raw gradient first (1/accumulation steps, 1/loss scale). */
  gradScale: number;
  /** True on the first step of this buffer: it is then set to g (as PyTorch does), whatever it held. */
  firstStep: boolean;
}

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** True: AdamW (p ← p·(1 − η·λ)); false: Adam with L2 added to the gradient. */
  decoupled: boolean;
  /** 1-based step count t of these moments (the bias corrections use it). */
  step: number;
  gradScale: number;
}

function checkSizes(what: string, ...ts: GpuTensor[]): number {
  const n = numel(ts[0]!.shape);
  for (const t of ts) if (numel(t.shape) !== n) throw new Error(`${what}: ${t.label} has ${numel(t.shape)} elements, expected ${n}`);
  return n;
}

/** p, buf updated in place from grad (PyTorch torch.optim.SGD). param, momentumBuffer, grad: (n) */
export function sgd(ctx: GpuContext, param: GpuTensor, momentumBuffer: GpuTensor, grad: GpuTensor, o: SgdOptions): void {
  const n = checkSizes('optimizer.sgd', param, momentumBuffer, grad);
  ctx.run('optimizer', 'sgd', {
    bindings: { param, momentumBuffer, grad },
    uniforms: {
      n,
      learningRate: o.learningRate,
      momentum: o.momentum,
      dampening: o.dampening,
      weightDecay: o.weightDecay,
      gradScale: o.gradScale,
      nesterov: o.nesterov ? 1 : 0,
      firstStep: o.firstStep ? 1 : 0,
    },
    overrides: { WG },
    workgroups: grid1d(ctx, n, WG),
  });
}

/** p, m, v updated in place from grad (PyTorch torch.optim.Adam / AdamW). param, expAvg, expAvgSq, grad: (n) */
export function adam(ctx: GpuContext, param: GpuTensor, expAvg: GpuTensor, expAvgSq: GpuTensor, grad: GpuTensor, o: AdamOptions): void {
  const n = checkSizes('optimizer.adam', param, expAvg, expAvgSq, grad);
  if (!Number.isInteger(o.step) || o.step < 1) throw new Error(`optimizer.adam: step must be an integer ≥ 1, got ${o.step}`);
  // The corrections use the f32 betas the shader's moving averages actually apply, so that m̂ and v̂ stay unbiased.
  const beta1 = Math.fround(o.beta1);
  const beta2 = Math.fround(o.beta2);
  ctx.run('optimizer', 'adam', {
    bindings: { param, expAvg, expAvgSq, grad },
    uniforms: {
      n,
      learningRate: o.learningRate,
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      gradScale: o.gradScale,
      decoupled: o.decoupled ? 1 : 0,
      // float64 here: 1 − β2ᵗ cancels badly in f32 for β2 near 1 and small t (see the shader header).
      biasCorrection1: 1 - beta1 ** o.step,
      biasCorrection2: 1 - beta2 ** o.step,
    },
    overrides: { WG },
    workgroups: grid1d(ctx, n, WG),
  });
}
