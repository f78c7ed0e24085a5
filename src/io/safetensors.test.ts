import { describe, expect, it } from 'vitest';
import { rng } from '../testing/rng';
import { f16BitsToF32Bits, f32BitsToF16Bits, parseSafetensors, SafetensorsError, writeSafetensors } from './safetensors';

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const fromBits = (u: Uint32Array) => new Float32Array(u.buffer, u.byteOffset, u.length);
/** Indices where two integer arrays differ (vitest's deep equality is slow on 65536-element arrays). */
const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const out: number[] = [];
  if (a.length !== b.length) return [-1];
  for (let i = 0; i < a.length && out.length < 10; i++) if (a[i] !== b[i]) out.push(i);
  return out;
};

/** Hand-built file: arbitrary header object + data bytes (for dtypes the writer does not produce, and for corrupt files). */
function rawFile(header: unknown, data: Uint8Array, lenOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lenOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Independent F16 decoder: (−1)^s·2^(e−15)·(1 + m/1024), subnormals m·2^−24. */
function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * 2 ** (e - 15) * (1 + m / 1024);
}

describe('safetensors', () => {
  it('F32 round trip is bit-exact (NaN payloads, ±0, ±inf, subnormals) and metadata survives', () => {
    const r = rng(1);
    const u = new Uint32Array(1000);
    for (let i = 0; i < u.length; i++) u[i] = Math.floor(r() * 2 ** 32);
    u.set([0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00001, 0xffa5a5a5, 0x00000001, 0x807fffff]);
    const a = fromBits(u);
    const b = Float32Array.from({ length: 6 }, (_, i) => i - 2.5);
    const meta = { format: 'pt', note: 'ünïcode ✓' };
    const bytes = writeSafetensors({ 'x.weight': { shape: [10, 100], data: a }, bias: { shape: [2, 3], data: b } }, { metadata: meta });
    expect(bytes.length % 8).toBe((8 + 4000 + 24) % 8); // header padded to 8 bytes
    const f = parseSafetensors(bytes);
    expect(f.metadata).toEqual(meta);
    expect([...f.entries.keys()]).toEqual(['x.weight', 'bias']);
    expect(f.entries.get('x.weight')!.shape).toEqual([10, 100]);
    expect(diff(bitsOf(f.get('x.weight')), u)).toEqual([]);
    expect(f.get('bias')).toEqual(b);
    const again = writeSafetensors({ 'x.weight': { shape: [10, 100], data: f.get('x.weight') }, bias: { shape: [2, 3], data: f.get('bias') } }, { metadata: f.metadata });
    expect(diff(again, bytes)).toEqual([]);
  });

  it('reads from an unaligned view into a larger buffer (Node pooled Buffers)', () => {
    const bytes = writeSafetensors({ t: { shape: [3], data: new Float32Array([1, -2, 3.5]) } }, { dtype: 'F32' });
    const big = new Uint8Array(bytes.length + 11);
    big.set(bytes, 3);
    expect(parseSafetensors(big.subarray(3, 3 + bytes.length)).get('t')).toEqual(new Float32Array([1, -2, 3.5]));
  });

  it('F16: every bit pattern decodes exactly and F16 → F32 → F16 is bit-exact', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = parseSafetensors(rawFile({ h: { dtype: 'F16', shape: [65536], data_offsets: [0, 131072] } }, new Uint8Array(all.buffer)));
    const v = f.get('h');
    const bad: number[] = [];
    for (let i = 0; i < 65536; i++) {
      const want = f16Value(i);
      if (Number.isNaN(want) ? !Number.isNaN(v[i]!) : !Object.is(v[i], want)) bad.push(i);
    }
    expect(bad).toEqual([]);
    const back = writeSafetensors({ h: { shape: [65536], data: v } }, { dtype: 'F16' });
    expect(diff(new Uint16Array(parseSafetensors(back).raw('h').slice().buffer), all)).toEqual([]);
    expect(f16BitsToF32Bits(0x7e01)).toBe((0x7f800000 | (0x201 << 13)) >>> 0); // NaN payload kept
  });

  it('F32 → F16 rounds to nearest even, overflows to inf, flushes below half the smallest subnormal', () => {
    // Oracle: all finite non-negative F16 values sorted; pick the nearest, ties to the even bit pattern.
    const table = Array.from({ length: 0x7c01 }, (_, h) => f16Value(h)); // 0 … +inf, increasing
    const oracle = (x: number): number => {
      const s = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
      const a = Math.abs(x);
      if (a >= 65520) return s | 0x7c00; // 65504 + half an ulp (2^4): ties go to the even pattern, 0x7c00
      let lo = 0;
      let hi = 0x7bff;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (table[mid]! <= a) lo = mid;
        else hi = mid;
      }
      const dl = a - table[lo]!;
      const dh = table[hi]! - a;
      return s | (dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi);
    };
    const r = rng(5);
    const u = new Uint32Array(1);
    const f = fromBits(u);
    const bad: string[] = [];
    for (let i = 0; i < 20000; i++) {
      // exponents spread over the F16 range and a bit beyond, with exact ties and near-ties included
      const e = Math.floor(r() * 44) - 28;
      const m = i % 4 === 0 ? (Math.floor(r() * 2048) + 0.5) / 2048 : r();
      f[0] = (r() < 0.5 ? -1 : 1) * 2 ** e * (1 + m);
      if (f32BitsToF16Bits(u[0]!) !== oracle(f[0]!)) bad.push(`x = ${f[0]}: ${f32BitsToF16Bits(u[0]!)} vs ${oracle(f[0]!)}`);
    }
    expect(bad).toEqual([]);
    expect(f32BitsToF16Bits(0x7f800000)).toBe(0x7c00);
    expect(f32BitsToF16Bits(0x7fc00000) & 0x7fff).toBeGreaterThan(0x7c00); // NaN stays NaN
  });

  it('BF16: widening is u16 << 16 and BF16 → F32 → BF16 is bit-exact', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = parseSafetensors(rawFile({ b: { dtype: 'BF16', shape: [256, 256], data_offsets: [0, 131072] } }, new Uint8Array(all.buffer)));
    const v = f.get('b');
    expect(diff(bitsOf(v), Uint32Array.from(all, (h) => (h << 16) >>> 0))).toEqual([]);
    expect(v[0x3f80]).toBe(1);
    const back = writeSafetensors({ b: { shape: [256, 256], data: v } }, { dtype: 'BF16' });
    expect(diff(new Uint16Array(parseSafetensors(back).raw('b').slice().buffer), all)).toEqual([]);
  });

  it('clear errors: truncated, bad JSON, offsets out of range, wrong span, unknown / integer dtype, bad metadata', () => {
    const good = writeSafetensors({ t: { shape: [4], data: new Float32Array(4) } });
    const err = (bytes: Uint8Array) => {
      try {
        parseSafetensors(bytes, 'model.safetensors');
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(err(good.subarray(0, 5))).toMatch(/model\.safetensors: truncated.*8-byte/);
    expect(err(good.subarray(0, 20))).toMatch(/truncated: header claims \d+ bytes/);
    expect(err(good.subarray(0, good.length - 1))).toMatch(/t: data_offsets \[0, 16\] out of range \(data section is 15 bytes; file truncated\?\)/);
    expect(err(rawFile('{"t": {"dtype": "F32",', new Uint8Array(0)))).toMatch(/not valid UTF-8 JSON/);
    expect(err(rawFile('[1,2]', new Uint8Array(0)))).toMatch(/not an object/);
    expect(err(rawFile({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 12] } }, new Uint8Array(16)))).toMatch(/span 12 bytes but F32 \[4\] needs 16/);
    const multi = err(
      rawFile(
        {
          a: { dtype: 'Q4_K', shape: [2], data_offsets: [0, 4] },
          b: { dtype: 'I64', shape: [1], data_offsets: [0, 8] },
          c: { dtype: 'F32', shape: [1], data_offsets: [8, 4] },
          __metadata__: { ok: 'yes', n: 3 },
        },
        new Uint8Array(8),
      ),
    );
    // one message names every problem
    expect(multi).toMatch(/unknown dtype "Q4_K"/);
    expect(multi).toMatch(/b: dtype I64 is not supported/);
    expect(multi).toMatch(/c: data_offsets \[8, 4\] end before begin/);
    expect(multi).toMatch(/__metadata__ values must be strings \(n are not\)/);
    expect(err(rawFile({}, new Uint8Array(0), 2 ** 40))).toMatch(/exceeds/);
    expect(() => parseSafetensors(good).get('nope')).toThrow(/no tensor named "nope"/);
    expect(() => writeSafetensors({ t: { shape: [3], data: new Float32Array(4) } })).toThrow(/3 elements but data has 4/);
  });
});
