// Test fixtures for whole-model tests: random ViT weights at a scale where every part of the network
// matters (logits O(1), layer-norm weights around 1), unlike timm's init (weights 0.02, logits ~0).

import type { ViTConfig } from '../model/vit/config';
import { paramSpecs, type ParamTable } from '../model/vit/params';
import { normal } from './rng';

export function randomParams(c: ViTConfig, seed: number): ParamTable {
  const t: ParamTable = new Map();
  let s = seed;
  for (const spec of paramSpecs(c)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const v = normal(n, s++, spec.init === 'ones' ? 0.1 : 0.3);
    if (spec.init === 'ones') for (let i = 0; i < n; i++) v[i]! += 1;
    t.set(spec.name, Float32Array.from(v));
  }
  return t;
}
