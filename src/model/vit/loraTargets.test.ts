import { describe, expect, it } from 'vitest';
import { presets } from './config';
import { adaptedWeights, loraParamCount, weightShape } from './loraTargets';

describe('LoRA targets', () => {
  it('counts the trainable values of one component', () => {
    expect(loraParamCount(presets.small32, 4, ['q', 'v'])).toBe(2 * 4 * 4 * 2 * 96);
    expect(loraParamCount(presets.small32, 4, ['q', 'k', 'v'])).toBe(3 * 4 * 4 * 2 * 96); // LoRA on q, k and v
    expect(loraParamCount(presets.small32, 4, ['fc1'])).toBe(4 * 4 * (384 + 96)); // fc1: U (F, r), D (r, C)
  });
  it("derives each adapted weight's shape from the table, and lists each weight once", () => {
    expect(weightShape(presets.small32, 'attn.qkv.weight')).toEqual([288, 96]);
    expect(weightShape(presets.small32, 'attn.proj.weight')).toEqual([96, 96]);
    expect(weightShape(presets.small32, 'mlp.fc1.weight')).toEqual([384, 96]);
    expect(weightShape(presets.small32, 'mlp.fc2.weight')).toEqual([96, 384]);
    expect(adaptedWeights(presets.small32, ['q', 'v', 'fc2'])).toEqual(['attn.qkv.weight', 'mlp.fc2.weight']);
  });
});
