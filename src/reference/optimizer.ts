// Float64 reference for src/kernels/optimizer.ts: PyTorch's torch.optim.SGD and torch.optim.Adam(W) single-tensor
// update rules, written as the same plain loops. Every array is updated in place. See shaders/optimizer.wgsl.

// Same fields as the launchers' options (reference/ may not import kernels/; the types match structurally).
export interface SgdOptions {
  learningRate: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  gradScale: number;
  firstStep: boolean; // buf ← g, as PyTorch does when the state has no momentum buffer yet
}

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean; // AdamW
  step: number; // 1-based
  gradScale: number;
}

/** One SGD step. param, momentumBuffer, grad: (n) */
export function sgd(param: Float64Array, momentumBuffer: Float64Array, grad: Float64Array, o: SgdOptions): void {
  for (let i = 0; i < param.length; i++) {
    const p = param[i]!;
    let g = o.gradScale * grad[i]!;
    if (o.weightDecay !== 0) g += o.weightDecay * p;
    if (o.momentum !== 0) {
      // PyTorch: buf = clone(g) when the state has no buffer yet, else buf.mul_(μ).add_(g, alpha=1 − dampening).
      const buf = o.firstStep ? g : o.momentum * momentumBuffer[i]! + (1 - o.dampening) * g;
      momentumBuffer[i] = buf;
      g = o.nesterov ? g + o.momentum * buf : buf;
    }
    param[i] = p - o.learningRate * g;
  }
}

/** One Adam / AdamW step at step count o.step (1-based). param, expAvg, expAvgSq, grad: (n) */
export function adam(param: Float64Array, expAvg: Float64Array, expAvgSq: Float64Array, grad: Float64Array, o: AdamOptions): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const stepSize = o.learningRate / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < param.length; i++) {
    let p = param[i]!;
    let g = o.gradScale * grad[i]!;
    if (o.decoupled) p *= 1 - o.learningRate * o.weightDecay;
    else if (o.weightDecay !== 0) g += o.weightDecay * p;
    const m = o.beta1 * expAvg[i]! + (1 - o.beta1) * g;
    const v = o.beta2 * expAvgSq[i]! + (1 - o.beta2) * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] = p - (stepSize * m) / (Math.sqrt(v) / bc2Sqrt + o.eps);
  }
}
