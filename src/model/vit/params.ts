// The ViT parameter table under timm names (the canonical names of this project). Shapes follow
// PyTorch: Linear weights are (out, in). Gradients and optimizer state reuse the same table.

import { headDim, mlpDim, numTokens, type ViTConfig } from './config';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones' | 'trunc_normal_0.02' | 'lecun_patch';
}

/** Every parameter of a ViT under timm names, in a fixed order. */
export function paramSpecs(c: ViTConfig): ParamSpec[] {
  const C = c.width;
  const F = mlpDim(c);
  const N = numTokens(c);
  const P = c.patchSize;
  void headDim;
  const specs: ParamSpec[] = [
    { name: 'cls_token', shape: [1, 1, C], init: 'trunc_normal_0.02' },
    { name: 'pos_embed', shape: [1, N, C], init: 'trunc_normal_0.02' },
    { name: 'patch_embed.proj.weight', shape: [C, c.channels, P, P], init: 'lecun_patch' },
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
