// optimizer: in-place parameter updates over a flat parameter tensor, PyTorch semantics (torch.optim.SGD, torch.optim.Adam
// with decoupled_weight_decay, i.e. AdamW). Every hyperparameter is a uniform, so a schedule changes it per step
// without recompiling a pipeline.
// param, grad, momentumBuffer, expAvg, expAvgSq: (n) flat, the same layout (a parameter arena or one tensor).
// Dispatch: 1-D over n, WG threads per workgroup; the grid may wrap into y (see kernels/grid.ts).
// Both entry points first form g = gradScale·grad (gradScale = 1/accumulation steps, or 1/loss-scale), then:
//
// sgd (momentum μ, dampening τ, weight decay λ, learning rate η):
//   g ← g + λ·p
//   if μ ≠ 0:  buf ← g                          on the first step (firstStep = 1; the buffer's contents are ignored)
//              buf ← μ·buf + (1 − τ)·g          afterwards
//              g ← g + μ·buf  (nesterov = 1)   or   g ← buf
//   p ← p − η·g
//   With μ = 0 the momentum buffer is neither read nor written (bind any (n) tensor).
//
// adam (β1, β2, ε, weight decay λ, learning rate η, step t ≥ 1):
//   decoupled = 0 (Adam):  g ← g + λ·p             decoupled = 1 (AdamW):  p ← p·(1 − η·λ)
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   p ← p − (η / bc1) · m / (√v / √bc2 + ε),   bc1 = 1 − β1ᵗ, bc2 = 1 − β2ᵗ
//   bc1 and bc2 arrive as uniforms computed on the host in float64 from t: in f32 on the GPU, 1 − 0.999ᵗ at small t
//   loses ~3 of its 7 digits to cancellation inside pow.
// Not covered: PyTorch's amsgrad and maximize options. gradScale has no PyTorch counterpart: it stands for scaling the
// gradient before optimizer.step() (dividing by the accumulation count, or unscaling a loss scale).
// No backward: these are the update rules themselves.

override WG: u32 = 256;

struct SgdHyper {
  n: u32,
  learningRate: f32,
  momentum: f32,
  dampening: f32,
  weightDecay: f32,
  gradScale: f32,
  nesterov: u32,
  firstStep: u32,
}

struct AdamHyper {
  n: u32,
  learningRate: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  gradScale: f32,
  decoupled: u32,
  biasCorrection1: f32,
  biasCorrection2: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read_write> momentumBuffer: array<f32>;
@group(0) @binding(2) var<storage, read_write> expAvg: array<f32>;
@group(0) @binding(3) var<storage, read_write> expAvgSq: array<f32>;
@group(0) @binding(4) var<storage, read> grad: array<f32>;
@group(0) @binding(5) var<uniform> sgdHyper: SgdHyper;
@group(0) @binding(6) var<uniform> adamHyper: AdamHyper;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

@compute @workgroup_size(WG)
fn sgd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let h = sgdHyper;
  if (i >= h.n) { return; }
  let p = param[i];
  var g = h.gradScale * grad[i] + h.weightDecay * p;
  if (h.momentum != 0.0) {
    // select, not a multiply by zero: on the first step the buffer may hold garbage (or NaN from a previous run).
    let buf = select(h.momentum * momentumBuffer[i] + (1.0 - h.dampening) * g, g, h.firstStep != 0u);
    momentumBuffer[i] = buf;
    g = select(buf, g + h.momentum * buf, h.nesterov != 0u);
  }
  param[i] = p - h.learningRate * g;
}

@compute @workgroup_size(WG)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let h = adamHyper;
  if (i >= h.n) { return; }
  var p = param[i];
  var g = h.gradScale * grad[i];
  if (h.decoupled != 0u) {
    p = p * (1.0 - h.learningRate * h.weightDecay);
  } else {
    g = g + h.weightDecay * p;
  }
  let m = h.beta1 * expAvg[i] + (1.0 - h.beta1) * g;
  let v = h.beta2 * expAvgSq[i] + (1.0 - h.beta2) * g * g;
  expAvg[i] = m;
  expAvgSq[i] = v;
  let stepSize = h.learningRate / h.biasCorrection1;
  let denom = sqrt(v) / sqrt(h.biasCorrection2) + h.eps;
  param[i] = p - stepSize * (m / denom);
}
