import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../platform/node';
import { sampledTextureSource } from './context';

const shaderDir = join(repoRoot, 'shaders');

describe('sampledTextureSource (texture operands compiled as sampled textures)', () => {
  it('retypes read-only storage textures and gives every two-argument textureLoad level 0', () => {
    const src = `@group(0) @binding(3) var tb: texture_storage_2d<rgba32float, read>;
fn f(t: texture_storage_2d< rgba32float ,read >, i: u32) -> vec4<f32> { return textureLoad(t, vec2<i32>(i32(i % TW), i32(min(i, 3u) / TW))); }
fn g(i: u32) -> f32 { return textureLoad(tb, vec2<i32>(0, 0)).x + textureLoad(other, vec2<i32>(1, 2), 0).y; }`;
    expect(sampledTextureSource(src)).toBe(`@group(0) @binding(3) var tb: texture_2d<f32>;
fn f(t: texture_2d<f32>, i: u32) -> vec4<f32> { return textureLoad(t, vec2<i32>(i32(i % TW), i32(min(i, 3u) / TW)), 0); }
fn g(i: u32) -> f32 { return textureLoad(tb, vec2<i32>(0, 0), 0).x + textureLoad(other, vec2<i32>(1, 2), 0).y; }`);
  });

  it('leaves no storage texture and no one-level textureLoad in any kernel', () => {
    for (const f of readdirSync(shaderDir).filter((n) => n.endsWith('.wgsl'))) {
      const out = sampledTextureSource(readFileSync(join(shaderDir, f), 'utf8'));
      expect(out, f).not.toMatch(/texture_storage_2d/);
      for (const m of out.matchAll(/textureLoad\(/g)) expect(out.slice(m.index!, m.index! + 200), f).toMatch(/^textureLoad\([^;]*, 0\)/);
    }
  });
});
