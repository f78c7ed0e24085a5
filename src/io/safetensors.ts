// safetensors read/write without dependencies (format: github.com/huggingface/safetensors).
//
// Layout: [u64 LE header length N][N bytes UTF-8 JSON header][raw little-endian tensor bytes].
// Header: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
//           "__metadata__": { "<key>": "<string>" } } with offsets relative to the first byte after the header.
//
// Reading is lazy: `parseSafetensors` validates the header against the file (so a bad file fails at once,
// with one message) and `get(name)` converts one tensor to Float32Array on demand, so a ViT-B checkpoint
// (346 MB in F32) is never held twice. F16 and BF16 are widened exactly (every F16/BF16 value, NaN
// payloads included, is an F32 value); writing F16 rounds to nearest-even, so F16 → F32 → F16 is
// bit-exact. F32 bytes are copied, never passed through a JS number, so NaN payloads survive as well.

export type FloatDtype = 'F64' | 'F32' | 'F16' | 'BF16';
export type WriteDtype = 'F32' | 'F16' | 'BF16';

const BYTES: Record<FloatDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
/** Every dtype the format defines; the integer and FP8 ones are recognised but rejected with a clear message. */
const KNOWN_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];
/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length would otherwise allocate GBs). */
const MAX_HEADER = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  /** Byte range inside the data section (relative to its start). */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  /** Tensor entries in header order. */
  entries: Map<string, TensorEntry>;
  /** The `__metadata__` map ({} when absent). */
  metadata: Record<string, string>;
  /** The tensor converted to Float32Array (a fresh copy). Throws for unknown names. */
  get(name: string): Float32Array;
  /** The tensor's raw little-endian bytes (a view into the file, not a copy). */
  raw(name: string): Uint8Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Parses and validates a safetensors file. `source` (a file name) only appears in error messages. */
export function parseSafetensors(input: Uint8Array | ArrayBuffer, source = 'safetensors file'): SafetensorsFile {
  // A Node Buffer may be a slice of a shared pool: always go through byteOffset/byteLength.
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${source}: ${msg}`);
  };
  if (bytes.byteLength < 8) fail(`truncated: ${bytes.byteLength} bytes, the 8-byte header length is missing`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBig = dv.getBigUint64(0, true);
  if (lenBig > BigInt(MAX_HEADER)) fail(`header length ${lenBig} exceeds ${MAX_HEADER} bytes (not a safetensors file, or corrupt)`);
  const headerLen = Number(lenBig);
  if (8 + headerLen > bytes.byteLength)
    fail(`truncated: header claims ${headerLen} bytes but only ${bytes.byteLength - 8} follow the length field`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header JSON is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;

  const errs: string[] = [];
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errs.push('__metadata__ is not an object');
        continue;
      }
      const bad = Object.entries(value).filter(([, v]) => typeof v !== 'string');
      if (bad.length) errs.push(`__metadata__ values must be strings (${bad.map(([k]) => k).join(', ')} are not)`);
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    if (typeof value !== 'object' || value === null) {
      errs.push(`${name}: entry is not an object`);
      continue;
    }
    const { dtype, shape, data_offsets: off } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') {
      errs.push(`${name}: missing dtype`);
      continue;
    }
    if (!(dtype in BYTES)) {
      errs.push(
        KNOWN_DTYPES.includes(dtype)
          ? `${name}: dtype ${dtype} is not supported (only floating tensors F64, F32, F16, BF16)`
          : `${name}: unknown dtype ${JSON.stringify(dtype)}`,
      );
      continue;
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      errs.push(`${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
      continue;
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0)) {
      errs.push(`${name}: data_offsets ${JSON.stringify(off)} is not [begin, end]`);
      continue;
    }
    const [begin, end] = off as [number, number];
    const want = numel(shape as number[]) * BYTES[dtype as FloatDtype];
    if (end < begin) errs.push(`${name}: data_offsets [${begin}, ${end}] end before begin`);
    else if (end > dataLen) errs.push(`${name}: data_offsets [${begin}, ${end}] out of range (data section is ${dataLen} bytes; file truncated?)`);
    else if (end - begin !== want)
      errs.push(`${name}: data_offsets span ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${want}`);
    else entries.set(name, { name, dtype: dtype as FloatDtype, shape: [...(shape as number[])], begin, end });
  }
  if (errs.length) fail(`invalid header: ${errs.join('; ')}`);

  const entry = (name: string): TensorEntry => {
    const e = entries.get(name);
    if (!e) throw new SafetensorsError(`${source}: no tensor named ${JSON.stringify(name)}`);
    return e;
  };
  const raw = (name: string) => {
    const e = entry(name);
    return bytes.subarray(dataStart + e.begin, dataStart + e.end);
  };
  return {
    entries,
    metadata,
    raw,
    get: (name) => decode(raw(name), entry(name).dtype),
  };
}

/** Raw little-endian bytes of one dtype → Float32Array (exact for F32/F16/BF16; F64 rounds). */
export function decode(src: Uint8Array, dtype: FloatDtype): Float32Array {
  const n = src.byteLength / BYTES[dtype];
  const out = new Float32Array(n);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (dtype === 'F32') {
    if (littleEndianHost) new Uint8Array(out.buffer).set(src);
    else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
  } else {
    const bits = new Uint32Array(out.buffer); // write bit patterns, so NaN payloads are kept
    if (dtype === 'BF16') for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
    else for (let i = 0; i < n; i++) bits[i] = f16BitsToF32Bits(dv.getUint16(2 * i, true));
  }
  return out;
}

/** F16 bit pattern → F32 bit pattern (exact; subnormals normalised, NaN payload shifted up). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let man = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (man << 13)) >>> 0; // inf / NaN
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (man << 13)) >>> 0; // rebias 15 → 127
  if (man === 0) return sign >>> 0; // ±0
  // subnormal: value = man·2^-24; shift until the implicit bit appears
  let e = 113; // exponent field for 2^-14 in F32 (−14 + 127)
  while ((man & 0x400) === 0) {
    man <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((man & 0x3ff) << 13)) >>> 0;
}

/** F32 bit pattern → F16 bit pattern, round to nearest even; overflow → ±inf; NaN keeps its top payload bits. */
export function f32BitsToF16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const man = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? (man >>> 13) || 0x200 : 0); // keep a NaN a NaN
  const e = exp - 127 + 15; // F16 exponent field
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // F16 subnormal (or zero): value = m·2^-24 with m = round(full·2^(e−1−13)), full = 1.man
    if (e < -10) return sign; // below half the smallest subnormal → ±0
    const full = man | 0x800000;
    const shift = 14 - e; // 14..24
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && m & 1)) m++;
    return sign | m; // m may carry into the exponent field: that is the correct smallest normal
  }
  let h = sign | (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // carry may round up to inf, as it should
  return h;
}

/** F32 bit pattern → BF16 bit pattern, round to nearest even (NaN stays NaN). */
export function f32BitsToBf16Bits(f: number): number {
  if ((f & 0x7f800000) === 0x7f800000 && f & 0x7fffff) {
    const t = f >>> 16; // NaN: truncate, but never into an infinity
    return t & 0x7f ? t : t | 0x40;
  }
  return ((f + 0x7fff + ((f >>> 16) & 1)) >>> 16) & 0xffff;
}

export interface WriteTensor {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * Serialises tensors (in the given order) to safetensors bytes. The header is padded with spaces to a
 * multiple of 8 bytes (as the reference writer does) so that every tensor starts 8-aligned.
 */
export function writeSafetensors(
  tensors: Map<string, WriteTensor> | Record<string, WriteTensor>,
  opts: { dtype?: WriteDtype; dtypes?: Record<string, WriteDtype>; metadata?: Record<string, string> } = {},
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (opts.metadata) {
    for (const [k, v] of Object.entries(opts.metadata))
      if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ value for ${k} must be a string`);
    header.__metadata__ = opts.metadata;
  }
  let offset = 0;
  const plan: { data: Float32Array; dtype: WriteDtype; begin: number }[] = [];
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new SafetensorsError('a tensor may not be named __metadata__');
    if (numel(t.shape) !== t.data.length)
      throw new SafetensorsError(`${name}: shape ${JSON.stringify(t.shape)} has ${numel(t.shape)} elements but data has ${t.data.length}`);
    const dtype = opts.dtypes?.[name] ?? opts.dtype ?? 'F32';
    const size = t.data.length * BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    plan.push({ data: t.data, dtype, begin: offset });
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const { data, dtype, begin } of plan) {
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    if (dtype === 'F32') {
      if (littleEndianHost) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), base + begin);
      else for (let i = 0; i < data.length; i++) dv.setUint32(base + begin + 4 * i, bits[i]!, true);
    } else {
      const conv = dtype === 'F16' ? f32BitsToF16Bits : f32BitsToBf16Bits;
      for (let i = 0; i < data.length; i++) dv.setUint16(base + begin + 2 * i, conv(bits[i]!), true);
    }
  }
  return out;
}
