import { describe, expect, it } from 'vitest';
import { reflect } from './reflect';

const src = `
// a comment mentioning c and dims
struct Dims { n: u32, scale: f32, off: i32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;
override WG: u32 = 64;
fn helper(i: u32) -> f32 { return b[i] * dims.scale; }
@compute @workgroup_size(WG) fn first(@builtin(global_invocation_id) g: vec3<u32>) { out[g.x] = a[g.x]; }
@compute @workgroup_size(WG)
fn second(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < dims.n) { out[g.x] = helper(g.x); } }
`;

describe('reflect', () => {
  const r = reflect(src);
  it('reads bindings and their access', () => {
    expect(r.bindings.map((b) => `${b.binding}:${b.name}:${b.space}:${b.access}`)).toEqual([
      '0:out:storage:read_write',
      '1:a:storage:read',
      '2:b:storage:read',
      '3:dims:uniform:read',
    ]);
  });
  it('finds per-entry bindings through called functions, ignoring member access', () => {
    expect(r.entries.get('first')!.bindings.map((b) => b.name)).toEqual(['out', 'a']);
    expect(r.entries.get('second')!.bindings.map((b) => b.name)).toEqual(['out', 'b', 'dims']);
  });
  it('lays out flat uniform structs', () => {
    expect(r.structs.get('Dims')).toEqual([
      { name: 'n', type: 'u32', offset: 0 },
      { name: 'scale', type: 'f32', offset: 4 },
      { name: 'off', type: 'i32', offset: 8 },
    ]);
    expect([...r.overrides]).toEqual(['WG']);
  });
  it('reflects a texture_2d binding (no address space) as a texture, referenced through helpers', () => {
    const t = reflect(`
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var tb: texture_2d<f32>;
fn fetch(i: i32) -> vec4<f32> { return textureLoad(tb, vec2<i32>(i, 0), 0); }
@compute @workgroup_size(1) fn main(@builtin(global_invocation_id) g: vec3<u32>) { out[g.x] = fetch(i32(g.x)).x; }
`);
    expect(t.bindings.map((b) => `${b.binding}:${b.name}:${b.space}:${b.type}`)).toEqual([
      '0:out:storage:array<f32>',
      '1:tb:texture:texture_2d<f32>',
    ]);
    expect(t.entries.get('main')!.bindings.map((b) => b.name)).toEqual(['out', 'tb']);
  });
});
