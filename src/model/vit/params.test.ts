import { describe, expect, it } from 'vitest';
import { presets } from './config';
import { checkTable, initParams, numel, paramCount, paramSpecs } from './params';

describe('vit params', () => {
  it('timm counts: vit_base_patch16_224 without head has 85,798,656 parameters (spec §2.1)', () => {
    expect(paramCount({ ...presets.vitBase, numClasses: 0 })).toBe(85_798_656);
  });

  it('initParams: shapes, determinism and timm statistics', () => {
    const c = { ...presets.vitTiny, depth: 2 };
    const t = initParams(c, 42);
    expect(checkTable(c, t)).toEqual([]);
    const head = (x: Float32Array | undefined) => Array.from(x!.subarray(0, 64));
    expect(head(initParams(c, 42).get('blocks.1.attn.qkv.weight'))).toEqual(head(t.get('blocks.1.attn.qkv.weight')));
    expect(head(initParams(c, 43).get('blocks.1.attn.qkv.weight'))).not.toEqual(head(t.get('blocks.1.attn.qkv.weight')));
    const stats = (a: Float32Array) => {
      const m = a.reduce((s, x) => s + x, 0) / a.length;
      return { mean: m, std: Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length), max: a.reduce((s, x) => Math.max(s, Math.abs(x)), 0) };
    };
    const w = stats(t.get('blocks.0.mlp.fc1.weight')!); // 147,456 draws: std within 1 %
    expect(Math.abs(w.std - 0.02)).toBeLessThan(2e-4);
    expect(Math.abs(w.mean)).toBeLessThan(2e-4);
    expect(t.get('blocks.0.norm1.weight')!.every((x) => x === 1)).toBe(true);
    expect(t.get('blocks.0.mlp.fc1.bias')!.every((x) => x === 0)).toBe(true);
    expect(stats(t.get('cls_token')!).max).toBeLessThan(1e-5);
    const pe = stats(t.get('patch_embed.proj.weight')!);
    expect(pe.max).toBeLessThanOrEqual(1 / Math.sqrt(3 * 16 * 16));
    expect(pe.std).toBeCloseTo(1 / Math.sqrt(3 * 3 * 16 * 16), 3); // U(±b) has std b/√3
    for (const s of paramSpecs(c)) expect(t.get(s.name)!.length).toBe(numel(s.shape));
  });
});
