// Minimal protobuf wire-format reader/writer for the ONNX messages this project reads and writes
// (onnx/onnx.proto, proto2 syntax). Hand-written: no codegen, no protobuf package.
//
// Wire format: a message is a sequence of (tag, value) with tag = fieldNumber << 3 | wireType.
//   wireType 0 varint (int32/int64/enum/bool; negative int64 is a 10-byte two's-complement varint),
//   1 fixed64 (double), 2 length-delimited (string, bytes, sub-message, packed repeated scalars),
//   5 fixed32 (float). Readers must accept repeated scalars both packed (one wireType-2 field) and
//   unpacked (one field per element); we write them packed where onnx.proto says [packed = true]
//   and unpacked otherwise, as protoc would.
//
// Only the fields listed in the interfaces below survive decode → encode; every other field is
// skipped (the ViT importer needs none of them). int64 values are JS numbers: everything ONNX
// stores there (dims, versions, attribute ints, Reshape shapes) is well inside ±2^53, and a value
// outside that range is rejected rather than silently rounded.
//
// Large tensors travel as raw_data (little-endian bytes). The writer keeps them as references to
// the caller's arrays and concatenates once at the end, so a ViT-Base export (~344 MB of weights)
// is copied once, not once per nesting level.

// ---------------------------------------------------------------- message types

/** TensorProto.DataType values used here. */
export const DataType = {
  FLOAT: 1,
  INT64: 7,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export interface StringStringEntry {
  key: string; // 1
  value: string; // 2
}

export interface OperatorSetId {
  domain: string; // 1 ('' = ai.onnx)
  version: number; // 2
}

export interface TensorProto {
  dims: number[]; // 1
  dataType: number; // 2 (DataType)
  floatData?: Float32Array; // 4, packed
  int32Data?: Int32Array; // 5, packed (also holds FLOAT16/BFLOAT16 bit patterns, one per element)
  int64Data?: number[]; // 7, packed
  name: string; // 8
  rawData?: Uint8Array; // 9, little-endian
  doubleData?: Float64Array; // 10, packed
  externalData?: StringStringEntry[]; // 13
  dataLocation?: number; // 14: 0 DEFAULT, 1 EXTERNAL
}

export interface Dimension {
  dimValue?: number; // 1
  dimParam?: string; // 2
}

export interface TypeProto {
  /** tensor_type (1): elem_type (1), shape (2) → dim (1). shape undefined = unknown rank. */
  tensorType?: { elemType: number; shape?: Dimension[] };
}

export interface ValueInfoProto {
  name: string; // 1
  type?: TypeProto; // 2
  docString?: string; // 3
}

export interface AttributeProto {
  name: string; // 1
  type: number; // 20 (AttrType)
  f?: number; // 2
  i?: number; // 3
  s?: Uint8Array; // 4
  t?: TensorProto; // 5
  g?: GraphProto; // 6
  floats?: number[]; // 7
  ints?: number[]; // 8
  strings?: Uint8Array[]; // 9
}

export interface NodeProto {
  input: string[]; // 1
  output: string[]; // 2
  name: string; // 3
  opType: string; // 4
  attribute: AttributeProto[]; // 5
  domain?: string; // 7
  docString?: string; // 6
}

export interface GraphProto {
  node: NodeProto[]; // 1
  name: string; // 2
  initializer: TensorProto[]; // 5
  docString?: string; // 10
  input: ValueInfoProto[]; // 11
  output: ValueInfoProto[]; // 12
  valueInfo: ValueInfoProto[]; // 13
  /** Count of sparse_initializer (15) entries seen on decode; they are not decoded. */
  sparseInitializerCount?: number;
}

export interface ModelProto {
  irVersion: number; // 1
  producerName?: string; // 2
  producerVersion?: string; // 3
  domain?: string; // 4
  modelVersion?: number; // 5
  docString?: string; // 6
  graph?: GraphProto; // 7
  opsetImport: OperatorSetId[]; // 8
  metadataProps: StringStringEntry[]; // 14
}

// ---------------------------------------------------------------- errors

/** Thrown for bytes that are not a well-formed protobuf message (truncated, corrupt, not protobuf). */
export class ProtoDecodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly truncated: boolean,
  ) {
    super(message);
    this.name = 'ProtoDecodeError';
  }
}

// ---------------------------------------------------------------- reader

const utf8d = new TextDecoder('utf-8', { fatal: false });
const utf8e = new TextEncoder();
const TWO32 = 4294967296;

class Reader {
  pos: number;
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly path: string,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string, truncated = false): never {
    throw new ProtoDecodeError(`${what} at byte ${this.pos} (in ${this.path})`, this.pos, truncated);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`unexpected end of data: need ${n} more bytes, ${this.end - this.pos} left`, true);
  }

  /** Unsigned varint as (lo, hi) 32-bit halves. */
  private varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('unexpected end of data inside a varint', true);
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** int64 varint → number (two's complement for negatives); rejects |v| > 2^53. */
  int64(): number {
    const [lo, hi] = this.varint64();
    if (hi & 0x80000000) {
      // negative: value = -(2^64 - (hi·2^32 + lo))
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      if (nhi > 0x1fffff) this.fail('int64 below -2^53');
      return -(nhi * TWO32 + nlo);
    }
    if (hi > 0x1fffff) this.fail('int64 above 2^53');
    return hi * TWO32 + lo;
  }

  /** uint32-sized varint (tags and lengths). */
  uint32(): number {
    const [lo, hi] = this.varint64();
    if (hi !== 0) this.fail('length or tag does not fit in 32 bits');
    return lo;
  }

  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The payload of a length-delimited field, as [start, end) in buf. */
  span(): [number, number] {
    const n = this.uint32();
    this.need(n);
    const s = this.pos;
    this.pos += n;
    return [s, s + n];
  }

  /** A view into the input (no copy): decoded raw_data keeps the file buffer alive. */
  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  string(): string {
    const [s, e] = this.span();
    return utf8d.decode(this.buf.subarray(s, e));
  }

  sub(path: string): Reader {
    const [s, e] = this.span();
    return new Reader(this.buf, s, e, `${this.path}.${path}`);
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.need(8);
        this.pos += 8;
        return;
      case 2:
        this.span();
        return;
      case 5:
        this.need(4);
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wire} (groups are not used by ONNX; this is probably not an ONNX file)`);
    }
  }

  /** Calls f(field, wire) for each field until the end of this message. */
  fields(f: (field: number, wire: number) => void): void {
    while (this.pos < this.end) {
      const tag = this.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) this.fail('field number 0 (not a protobuf message)');
      const before = this.pos;
      f(field, wire);
      if (this.pos === before) this.skip(wire); // field not consumed by f: unknown, skip it
    }
    if (this.pos !== this.end) this.fail('field runs past the end of its message', true);
  }

  expect(wire: number, want: number, name: string): void {
    if (wire !== want) this.fail(`field ${name} has wire type ${wire}, expected ${want}`);
  }

  /** Repeated numeric field, packed or not; `one` reads one element of the unpacked wire type. */
  repeated(wire: number, scalarWire: number, one: () => number, into: number[], name: string): void {
    if (wire === 2) {
      const [s, e] = this.span();
      this.pos = s;
      while (this.pos < e) {
        into.push(one());
        if (this.pos > e) this.fail(`packed ${name} overruns its length`);
      }
    } else {
      this.expect(wire, scalarWire, name);
      into.push(one());
    }
  }
}

function readEntry(r: Reader): StringStringEntry {
  const e: StringStringEntry = { key: '', value: '' };
  r.fields((f, w) => {
    if (f === 1 && w === 2) e.key = r.string();
    else if (f === 2 && w === 2) e.value = r.string();
  });
  return e;
}

function readOpset(r: Reader): OperatorSetId {
  const o: OperatorSetId = { domain: '', version: 0 };
  r.fields((f, w) => {
    if (f === 1 && w === 2) o.domain = r.string();
    else if (f === 2 && w === 0) o.version = r.int64();
  });
  return o;
}

function readTensor(r: Reader): TensorProto {
  const t: TensorProto = { dims: [], dataType: 0, name: '' };
  const floats: number[] = [];
  const int32s: number[] = [];
  const doubles: number[] = [];
  let int64s: number[] | undefined;
  r.fields((f, w) => {
    switch (f) {
      case 1:
        r.repeated(w, 0, () => r.int64(), t.dims, 'TensorProto.dims');
        break;
      case 2:
        r.expect(w, 0, 'TensorProto.data_type');
        t.dataType = r.int64();
        break;
      case 4:
        r.repeated(w, 5, () => r.float(), floats, 'TensorProto.float_data');
        break;
      case 5:
        r.repeated(w, 0, () => r.int64(), int32s, 'TensorProto.int32_data');
        break;
      case 7:
        r.repeated(w, 0, () => r.int64(), (int64s ??= []), 'TensorProto.int64_data');
        break;
      case 8:
        r.expect(w, 2, 'TensorProto.name');
        t.name = r.string();
        break;
      case 9:
        r.expect(w, 2, 'TensorProto.raw_data');
        t.rawData = r.bytes();
        break;
      case 10:
        r.repeated(w, 1, () => r.double(), doubles, 'TensorProto.double_data');
        break;
      case 13:
        r.expect(w, 2, 'TensorProto.external_data');
        (t.externalData ??= []).push(readEntry(r.sub('external_data')));
        break;
      case 14:
        r.expect(w, 0, 'TensorProto.data_location');
        t.dataLocation = r.int64();
        break;
    }
  });
  if (floats.length) t.floatData = Float32Array.from(floats);
  if (int32s.length) t.int32Data = Int32Array.from(int32s);
  if (doubles.length) t.doubleData = Float64Array.from(doubles);
  if (int64s) t.int64Data = int64s;
  return t;
}

function readDim(r: Reader): Dimension {
  const d: Dimension = {};
  r.fields((f, w) => {
    if (f === 1 && w === 0) d.dimValue = r.int64();
    else if (f === 2 && w === 2) d.dimParam = r.string();
  });
  return d;
}

function readType(r: Reader): TypeProto {
  const t: TypeProto = {};
  r.fields((f, w) => {
    if (f !== 1 || w !== 2) return; // sequence/map/optional/sparse types: skipped
    const tt: { elemType: number; shape?: Dimension[] } = { elemType: 0 };
    const rt = r.sub('tensor_type');
    rt.fields((f2, w2) => {
      if (f2 === 1 && w2 === 0) tt.elemType = rt.int64();
      else if (f2 === 2 && w2 === 2) {
        const shape: Dimension[] = [];
        const rs = rt.sub('shape');
        rs.fields((f3, w3) => {
          if (f3 === 1 && w3 === 2) shape.push(readDim(rs.sub('dim')));
        });
        tt.shape = shape;
      }
    });
    t.tensorType = tt;
  });
  return t;
}

function readValueInfo(r: Reader): ValueInfoProto {
  const v: ValueInfoProto = { name: '' };
  r.fields((f, w) => {
    if (f === 1 && w === 2) v.name = r.string();
    else if (f === 2 && w === 2) v.type = readType(r.sub('type'));
    else if (f === 3 && w === 2) v.docString = r.string();
  });
  return v;
}

function readAttribute(r: Reader): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  r.fields((f, w) => {
    switch (f) {
      case 1:
        if (w === 2) a.name = r.string();
        break;
      case 20:
        if (w === 0) a.type = r.int64();
        break;
      case 2:
        r.expect(w, 5, 'AttributeProto.f');
        a.f = r.float();
        break;
      case 3:
        r.expect(w, 0, 'AttributeProto.i');
        a.i = r.int64();
        break;
      case 4:
        r.expect(w, 2, 'AttributeProto.s');
        a.s = r.bytes();
        break;
      case 5:
        r.expect(w, 2, 'AttributeProto.t');
        a.t = readTensor(r.sub('t'));
        break;
      case 6:
        r.expect(w, 2, 'AttributeProto.g');
        a.g = readGraph(r.sub('g'));
        break;
      case 7:
        r.repeated(w, 5, () => r.float(), (a.floats ??= []), 'AttributeProto.floats');
        break;
      case 8:
        r.repeated(w, 0, () => r.int64(), (a.ints ??= []), 'AttributeProto.ints');
        break;
      case 9:
        r.expect(w, 2, 'AttributeProto.strings');
        (a.strings ??= []).push(r.bytes());
        break;
    }
  });
  return a;
}

function readNode(r: Reader): NodeProto {
  const n: NodeProto = { input: [], output: [], name: '', opType: '', attribute: [] };
  r.fields((f, w) => {
    if (w !== 2) return;
    switch (f) {
      case 1:
        n.input.push(r.string());
        break;
      case 2:
        n.output.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5:
        n.attribute.push(readAttribute(r.sub(`node.attribute`)));
        break;
      case 6:
        n.docString = r.string();
        break;
      case 7:
        n.domain = r.string();
        break;
    }
  });
  return n;
}

function readGraph(r: Reader): GraphProto {
  const g: GraphProto = { node: [], name: '', initializer: [], input: [], output: [], valueInfo: [] };
  r.fields((f, w) => {
    if (w !== 2) return;
    switch (f) {
      case 1:
        g.node.push(readNode(r.sub(`node[${g.node.length}]`)));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5:
        g.initializer.push(readTensor(r.sub(`initializer[${g.initializer.length}]`)));
        break;
      case 10:
        g.docString = r.string();
        break;
      case 11:
        g.input.push(readValueInfo(r.sub('input')));
        break;
      case 12:
        g.output.push(readValueInfo(r.sub('output')));
        break;
      case 13:
        g.valueInfo.push(readValueInfo(r.sub('value_info')));
        break;
      case 15:
        g.sparseInitializerCount = (g.sparseInitializerCount ?? 0) + 1;
        break;
    }
  });
  return g;
}

/** Decodes a ModelProto. Throws ProtoDecodeError on malformed or truncated bytes. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const r = new Reader(bytes, 0, bytes.length, 'ModelProto');
  const m: ModelProto = { irVersion: 0, opsetImport: [], metadataProps: [] };
  r.fields((f, w) => {
    switch (f) {
      case 1:
        r.expect(w, 0, 'ModelProto.ir_version');
        m.irVersion = r.int64();
        break;
      case 2:
        r.expect(w, 2, 'ModelProto.producer_name');
        m.producerName = r.string();
        break;
      case 3:
        r.expect(w, 2, 'ModelProto.producer_version');
        m.producerVersion = r.string();
        break;
      case 4:
        r.expect(w, 2, 'ModelProto.domain');
        m.domain = r.string();
        break;
      case 5:
        r.expect(w, 0, 'ModelProto.model_version');
        m.modelVersion = r.int64();
        break;
      case 6:
        r.expect(w, 2, 'ModelProto.doc_string');
        m.docString = r.string();
        break;
      case 7:
        r.expect(w, 2, 'ModelProto.graph');
        m.graph = readGraph(r.sub('graph'));
        break;
      case 8:
        r.expect(w, 2, 'ModelProto.opset_import');
        m.opsetImport.push(readOpset(r.sub('opset_import')));
        break;
      case 14:
        r.expect(w, 2, 'ModelProto.metadata_props');
        m.metadataProps.push(readEntry(r.sub('metadata_props')));
        break;
    }
  });
  return m;
}

// ---------------------------------------------------------------- writer

/** Appends fields to a list of chunks; nested messages are encoded separately and linked, not copied. */
class Writer {
  private chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(256);
  private sp = 0; // bytes used in scratch
  length = 0;

  private flushScratch(): void {
    if (this.sp === 0) return;
    this.chunks.push(this.scratch.slice(0, this.sp));
    this.sp = 0;
  }

  private byte(b: number): void {
    if (this.sp === this.scratch.length) this.flushScratch();
    this.scratch[this.sp++] = b;
    this.length++;
  }

  /** Unsigned varint of a non-negative integer ≤ 2^53, or a negative int64 (two's complement, 10 bytes). */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new Error(`cannot encode ${v} as an int64 varint`);
    if (v < 0) {
      let x = BigInt.asUintN(64, BigInt(v));
      while (x >= 0x80n) {
        this.byte(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.byte(Number(x));
      return;
    }
    while (v >= 0x80) {
      this.byte((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private raw(b: Uint8Array): void {
    if (b.length <= 64) {
      for (let i = 0; i < b.length; i++) this.byte(b[i]!);
      return;
    }
    this.flushScratch();
    this.chunks.push(b);
    this.length += b.length;
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.raw(b);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.raw(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8e.encode(s));
  }

  message(field: number, w: Writer): void {
    this.tag(field, 2);
    this.varint(w.length);
    w.flushScratch();
    this.flushScratch();
    for (const c of w.chunks) this.chunks.push(c);
    this.length += w.length;
  }

  packedVarints(field: number, vs: ArrayLike<number>): void {
    if (vs.length === 0) return;
    const w = new Writer();
    for (let i = 0; i < vs.length; i++) w.varint(vs[i]!);
    this.message(field, w);
  }

  packedFixed(field: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flushScratch();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Little-endian bytes of a typed array (a view on little-endian hosts, which is every JS engine in practice). */
function leBytes(a: Float32Array | Float64Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  const step = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (step === 4) dv.setFloat32(i * 4, a[i]!, true);
    else dv.setFloat64(i * 8, a[i]!, true);
  }
  return out;
}
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeEntry(e: StringStringEntry): Writer {
  const w = new Writer();
  w.string(1, e.key);
  w.string(2, e.value);
  return w;
}

function writeTensor(t: TensorProto): Writer {
  const w = new Writer();
  w.packedVarints(1, t.dims);
  w.int(2, t.dataType);
  if (t.floatData) w.packedFixed(4, leBytes(t.floatData));
  if (t.int32Data) w.packedVarints(5, t.int32Data);
  if (t.int64Data) w.packedVarints(7, t.int64Data);
  w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
  if (t.doubleData) w.packedFixed(10, leBytes(t.doubleData));
  for (const e of t.externalData ?? []) w.message(13, writeEntry(e));
  if (t.dataLocation !== undefined) w.int(14, t.dataLocation);
  return w;
}

function writeType(t: TypeProto): Writer {
  const w = new Writer();
  if (t.tensorType) {
    const tt = new Writer();
    tt.int(1, t.tensorType.elemType);
    if (t.tensorType.shape) {
      const s = new Writer();
      for (const d of t.tensorType.shape) {
        const dw = new Writer();
        if (d.dimValue !== undefined) dw.int(1, d.dimValue);
        if (d.dimParam !== undefined) dw.string(2, d.dimParam);
        s.message(1, dw);
      }
      tt.message(2, s);
    }
    w.message(1, tt);
  }
  return w;
}

function writeValueInfo(v: ValueInfoProto): Writer {
  const w = new Writer();
  w.string(1, v.name);
  if (v.type) w.message(2, writeType(v.type));
  if (v.docString !== undefined) w.string(3, v.docString);
  return w;
}

function writeAttribute(a: AttributeProto): Writer {
  const w = new Writer();
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.bytes(4, a.s);
  if (a.t !== undefined) w.message(5, writeTensor(a.t));
  if (a.g !== undefined) w.message(6, writeGraph(a.g));
  // proto2 without [packed = true]: one field per element, as protoc writes them
  for (const f of a.floats ?? []) w.float(7, f);
  for (const i of a.ints ?? []) w.int(8, i);
  for (const s of a.strings ?? []) w.bytes(9, s);
  w.int(20, a.type);
  return w;
}

function writeNode(n: NodeProto): Writer {
  const w = new Writer();
  for (const s of n.input) w.string(1, s);
  for (const s of n.output) w.string(2, s);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute) w.message(5, writeAttribute(a));
  if (n.docString !== undefined) w.string(6, n.docString);
  if (n.domain !== undefined) w.string(7, n.domain);
  return w;
}

function writeGraph(g: GraphProto): Writer {
  const w = new Writer();
  for (const n of g.node) w.message(1, writeNode(n));
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, writeTensor(t));
  if (g.docString !== undefined) w.string(10, g.docString);
  for (const v of g.input) w.message(11, writeValueInfo(v));
  for (const v of g.output) w.message(12, writeValueInfo(v));
  for (const v of g.valueInfo) w.message(13, writeValueInfo(v));
  return w;
}

/** Encodes a ModelProto to protobuf bytes. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  if (m.producerName !== undefined) w.string(2, m.producerName);
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  if (m.domain !== undefined) w.string(4, m.domain);
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  if (m.graph) w.message(7, writeGraph(m.graph));
  for (const o of m.opsetImport) {
    const ow = new Writer();
    ow.string(1, o.domain);
    ow.int(2, o.version);
    w.message(8, ow);
  }
  for (const e of m.metadataProps) w.message(14, writeEntry(e));
  return w.finish();
}

// ---------------------------------------------------------------- tensor helpers

/** Float32 little-endian raw_data tensor (shares the caller's memory on little-endian hosts). */
export function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  return { name, dims, dataType: DataType.FLOAT, rawData: leBytes(data) };
}

/** Int64 tensor stored in int64_data (small shape/index constants). */
export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  return { name, dims, dataType: DataType.INT64, int64Data: data };
}

const elemCount = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * A tensor's values as float32, whatever its storage (raw_data or typed field) and float type
 * (FLOAT, DOUBLE, FLOAT16, BFLOAT16). Throws for other types and for a wrong element count.
 */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const n = elemCount(t.dims);
  let out: Float32Array;
  const raw = t.rawData;
  const bad = (what: string): never => {
    throw new Error(`tensor '${t.name}' ${what}`);
  };
  switch (t.dataType) {
    case DataType.FLOAT:
      if (raw) {
        if (raw.length !== n * 4) bad(`has ${raw.length} bytes of raw_data, expected ${n * 4} for dims [${t.dims}]`);
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        out = new Float32Array(n);
        if (littleEndianHost && raw.byteOffset % 4 === 0) out.set(new Float32Array(raw.buffer, raw.byteOffset, n));
        else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      } else out = Float32Array.from(t.floatData ?? []);
      break;
    case DataType.DOUBLE:
      if (raw) {
        if (raw.length !== n * 8) bad(`has ${raw.length} bytes of raw_data, expected ${n * 8}`);
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      } else out = Float32Array.from(t.doubleData ?? []);
      break;
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      const bits = new Uint16Array(n);
      if (raw) {
        if (raw.length !== n * 2) bad(`has ${raw.length} bytes of raw_data, expected ${n * 2}`);
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true);
      } else if (t.int32Data) bits.set(t.int32Data.subarray(0, n));
      out = new Float32Array(n);
      if (t.dataType === DataType.FLOAT16) for (let i = 0; i < n; i++) out[i] = halfToFloat(bits[i]!);
      else {
        const u = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) u[i] = bits[i]! << 16;
      }
      break;
    }
    default:
      return bad(`has data type ${t.dataType}; only FLOAT, DOUBLE, FLOAT16 and BFLOAT16 weights are supported`);
  }
  if (out.length !== n) bad(`holds ${out.length} values, expected ${n} for dims [${t.dims}]`);
  return out;
}

/** Int64 values of a small tensor (raw_data or int64_data). */
export function tensorToInt64(t: TensorProto): number[] {
  if (t.dataType !== DataType.INT64) throw new Error(`tensor '${t.name}' is not INT64`);
  if (t.int64Data) return t.int64Data.slice();
  const raw = t.rawData ?? new Uint8Array(0);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= raw.length; i += 8) out.push(Number(dv.getBigInt64(i, true)));
  return out;
}
