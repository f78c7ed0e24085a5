// Protobuf codec for the ONNX subset: encode → decode gives the same message, re-encoding gives the
// same bytes, unpacked repeated fields and unknown fields are read, and bad input fails with
// ProtoDecodeError (truncated flagged as such).

import { describe, expect, it } from 'vitest';
import { AttrType, DataType, decodeModel, encodeModel, floatTensor, ProtoDecodeError, tensorToFloat32, tensorToInt64, type ModelProto } from './proto';

const sample = (): ModelProto => ({
  irVersion: 8,
  producerName: 'test',
  producerVersion: '1.2.3',
  domain: 'ai.example',
  modelVersion: 7,
  docString: 'ünïcødé ✓',
  opsetImport: [
    { domain: '', version: 17 },
    { domain: 'com.microsoft', version: 1 },
  ],
  metadataProps: [
    { key: 'vit.config', value: '{"a":1}' },
    { key: 'empty', value: '' },
  ],
  graph: {
    name: 'g',
    docString: 'graph doc',
    node: [
      {
        input: ['x', 'w', ''],
        output: ['y'],
        name: 'n0',
        opType: 'Conv',
        domain: '',
        docString: 'conv',
        attribute: [
          { name: 'strides', type: AttrType.INTS, ints: [4, 4, -1, 2 ** 40, -(2 ** 52)] },
          { name: 'alpha', type: AttrType.FLOAT, f: 0.25 },
          { name: 'axis', type: AttrType.INT, i: -1 },
          { name: 'mode', type: AttrType.STRING, s: new TextEncoder().encode('constant') },
          { name: 'scales', type: AttrType.FLOATS, floats: [0.5, -2, 0.125] },
          { name: 'names', type: AttrType.STRINGS, strings: [new Uint8Array([1, 2]), new Uint8Array(0)] },
          { name: 'value', type: AttrType.TENSOR, t: { name: 'c', dims: [2], dataType: DataType.INT64, int64Data: [-5, 9] } },
          {
            name: 'body',
            type: AttrType.GRAPH,
            g: { name: 'sub', node: [{ input: ['a'], output: ['b'], name: 'id', opType: 'Identity', attribute: [] }], initializer: [], input: [], output: [], valueInfo: [] },
          },
        ],
      },
      { input: ['y'], output: ['z'], name: 'n1', opType: 'Relu', attribute: [] },
    ],
    initializer: [
      floatTensor('w', [2, 3], Float32Array.of(1, -2, 3.5, 0, -0, 1e-30)),
      { name: 'fd', dims: [3], dataType: DataType.FLOAT, floatData: Float32Array.of(1.5, 2.5, -3) },
      { name: 'dd', dims: [2], dataType: DataType.DOUBLE, doubleData: Float64Array.of(Math.PI, -1e300) },
      { name: 'i32', dims: [3], dataType: 6, int32Data: Int32Array.of(-1, 0, 2 ** 31 - 1) },
      { name: 'ext', dims: [4], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }, { key: 'offset', value: '0' }] },
      { name: 'scalar', dims: [], dataType: DataType.FLOAT, rawData: new Uint8Array([0, 0, 128, 63]) },
    ],
    input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: [{ dimParam: 'batch' }, { dimValue: 3 }, { dimValue: 0 }] } } }],
    output: [{ name: 'z', type: { tensorType: { elemType: 1 } }, docString: 'out' }],
    valueInfo: [{ name: 'y' }],
  },
});

describe('onnx proto codec', () => {
  it('round-trips every supported field (encode → decode identical, re-encode byte-identical)', () => {
    const m = sample();
    const bytes = encodeModel(m);
    const back = decodeModel(bytes);
    expect(back).toEqual(m);
    expect(encodeModel(back)).toEqual(bytes);
    expect(tensorToFloat32(back.graph!.initializer[0]!)).toEqual(Float32Array.of(1, -2, 3.5, 0, -0, 1e-30));
    expect(tensorToFloat32(back.graph!.initializer[5]!)).toEqual(Float32Array.of(1));
    expect(tensorToInt64(back.graph!.node[0]!.attribute[6]!.t!)).toEqual([-5, 9]);
  });

  it('reads unpacked repeated scalars and skips unknown fields', () => {
    // TensorProto: dims 2 and 3 as two unpacked varints (field 1), an unknown fixed64 field 99,
    // float_data unpacked (field 4, wire 5), name "t".
    const t: number[] = [0x08, 2, 0x08, 3, 0x10, 1];
    t.push(...[0x99, 0x06], ...new Array<number>(8).fill(0)); // field 99, wire 1: tag = 99<<3|1 = 793 → 0x99 0x06
    for (const f of [1, 2, 3, 4, 5, 6]) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, f, true);
      t.push(0x25, ...b); // field 4, wire 5
    }
    t.push(0x42, 1, 0x74); // name "t"
    const graph = [0x2a, t.length, ...t]; // GraphProto.initializer (5)
    const model = [0x08, 8, 0x3a, graph.length, ...graph, 0x42, 2, 0x10, 17]; // ir 8, graph, opset {version 17}
    const m = decodeModel(Uint8Array.from(model));
    const init = m.graph!.initializer[0]!;
    expect(init.dims).toEqual([2, 3]);
    expect(init.name).toBe('t');
    expect(tensorToFloat32(init)).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
  });

  it('flags truncated input and rejects garbage', () => {
    const bytes = encodeModel(sample());
    for (const cut of [1, 5, bytes.length >> 1, bytes.length - 1]) {
      let err: unknown;
      try {
        decodeModel(bytes.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      // A cut exactly at a field boundary decodes (protobuf cannot tell); every other cut must fail as truncated.
      if (err !== undefined) {
        expect(err).toBeInstanceOf(ProtoDecodeError);
        expect((err as ProtoDecodeError).truncated).toBe(true);
      }
    }
    expect(() => decodeModel(bytes.subarray(0, bytes.length >> 1))).toThrow(/unexpected end of data/);
    expect(() => decodeModel(Uint8Array.of(0x0f, 1, 2))).toThrow(ProtoDecodeError); // wire type 7
  });

  it('keeps int64 extremes exact and refuses unsafe ones', () => {
    const m: ModelProto = { irVersion: Number.MAX_SAFE_INTEGER, opsetImport: [{ domain: '', version: -Number.MAX_SAFE_INTEGER }], metadataProps: [] };
    expect(decodeModel(encodeModel(m))).toEqual(m);
    expect(() => encodeModel({ ...m, irVersion: 2 ** 60 })).toThrow(/cannot encode/);
  });
});
