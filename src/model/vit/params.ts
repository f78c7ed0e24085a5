// The ViT parameter table under timm names (the canonical names of this project). Shapes follow
// PyTorch: Linear weights are (out, in). Gradients and optimizer state reuse the same table.
//
// Initialisation follows timm's VisionTransformer.init_weights (weight_init=''):
//   Linear weights trunc_normal_(std=0.02) (timm's bounds are the ABSOLUTE values ±2, i.e. ±100σ, so this is
//   in effect a plain normal), biases 0, LayerNorm weight 1 / bias 0, pos_embed trunc_normal_(0.02),
//   cls_token normal_(std=1e-6); the patch-embedding Conv2d keeps PyTorch's default kaiming_uniform_(a=√5),
//   i.e. U(±1/√fan_in) with fan_in = channels·P² (its bias, U(±1/√fan_in) in PyTorch, is zero here).

import { mulberry32 as rng } from '../../data/random';
import { headDim, mlpDim, numTokens, type ViTConfig } from './config';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones' | 'trunc_normal_0.02' | 'normal_1e-6' | 'uniform_fan_in';
}

/** Every parameter of a ViT under timm names, in a fixed order. */
export function paramSpecs(c: ViTConfig): ParamSpec[] {
  const C = c.width;
  const F = mlpDim(c);
  const N = numTokens(c);
  const P = c.patchSize;
  void headDim;
  const specs: ParamSpec[] = [
    { name: 'cls_token', shape: [1, 1, C], init: 'normal_1e-6' },
    { name: 'pos_embed', shape: [1, N, C], init: 'trunc_normal_0.02' },
    { name: 'patch_embed.proj.weight', shape: [C, c.channels, P, P], init: 'uniform_fan_in' },
    { name: 'patch_embed.proj.bias', shape: [C], init: 'zeros' },
  ];
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}`;
    specs.push(
      { name: `${b}.norm1.weight`, shape: [C], init: 'ones' },
      { name: `${b}.norm1.bias`, shape: [C], init: 'zeros' },
      { name: `${b}.attn.qkv.weight`, shape: [3 * C, C], init: 'trunc_normal_0.02' },
    );
    if (c.qkvBias) specs.push({ name: `${b}.attn.qkv.bias`, shape: [3 * C], init: 'zeros' });
    specs.push(
      { name: `${b}.attn.proj.weight`, shape: [C, C], init: 'trunc_normal_0.02' },
      { name: `${b}.attn.proj.bias`, shape: [C], init: 'zeros' },
      { name: `${b}.norm2.weight`, shape: [C], init: 'ones' },
      { name: `${b}.norm2.bias`, shape: [C], init: 'zeros' },
      { name: `${b}.mlp.fc1.weight`, shape: [F, C], init: 'trunc_normal_0.02' },
      { name: `${b}.mlp.fc1.bias`, shape: [F], init: 'zeros' },
      { name: `${b}.mlp.fc2.weight`, shape: [C, F], init: 'trunc_normal_0.02' },
      { name: `${b}.mlp.fc2.bias`, shape: [C], init: 'zeros' },
    );
  }
  specs.push({ name: 'norm.weight', shape: [C], init: 'ones' }, { name: 'norm.bias', shape: [C], init: 'zeros' });
  if (c.numClasses > 0)
    specs.push({ name: 'head.weight', shape: [c.numClasses, C], init: 'trunc_normal_0.02' }, { name: 'head.bias', shape: [c.numClasses], init: 'zeros' });
  return specs;
}

export type ParamTable = Map<string, Float32Array>;

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Total number of parameters of a config. */
export const paramCount = (c: ViTConfig) => paramSpecs(c).reduce((s, p) => s + numel(p.shape), 0);

/**
 * A freshly initialised parameter table (timm init, see the header), reproducible from `seed`. Each tensor
 * draws from its own stream (seed mixed with its index in paramSpecs), so tensors do not depend on each other.
 */
export function initParams(c: ViTConfig, seed: number): ParamTable {
  const table: ParamTable = new Map();
  paramSpecs(c).forEach((spec, idx) => {
    const n = numel(spec.shape);
    const out = new Float32Array(n);
    const r = rng((Math.imul(seed >>> 0, 0x9e3779b1) + idx * 0x85ebca6b) >>> 0);
    const gauss = () => {
      const u = Math.max(r(), 1e-300);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
    };
    // timm trunc_normal_(std, a=-2, b=2): absolute bounds, resample outside them.
    const truncNormal = (std: number) => {
      for (;;) {
        const v = gauss() * std;
        if (v >= -2 && v <= 2) return v;
      }
    };
    switch (spec.init) {
      case 'zeros':
        break;
      case 'ones':
        out.fill(1);
        break;
      case 'trunc_normal_0.02':
        for (let i = 0; i < n; i++) out[i] = truncNormal(0.02);
        break;
      case 'normal_1e-6':
        for (let i = 0; i < n; i++) out[i] = gauss() * 1e-6;
        break;
      case 'uniform_fan_in': {
        const bound = 1 / Math.sqrt(numel(spec.shape.slice(1)));
        for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * bound;
        break;
      }
    }
    table.set(spec.name, out);
  });
  return table;
}

/** Names of `specs` missing from `table` and those whose length differs, for error messages. */
export function checkTable(c: ViTConfig, table: ParamTable): string[] {
  const errs: string[] = [];
  for (const s of paramSpecs(c)) {
    const t = table.get(s.name);
    if (!t) errs.push(`missing ${s.name}`);
    else if (t.length !== numel(s.shape)) errs.push(`${s.name} has ${t.length} values, expected ${numel(s.shape)} (${s.shape.join('×')})`);
  }
  return errs;
}
