// ViT (timm layout, merged weights) → ONNX model bytes, runnable in ONNX Runtime (web or native).
//
// The caller passes the final weights: W0 + LoRA already merged (the graph has no LoRA branches).
// Model: ir_version 8, default-domain opset 17 (LayerNormalization exists from 17; GELU is written
// with Erf so that no opset-20 Gelu is needed).
//
//   input  "pixel_values" float32 [batch, 3, S, S] (already normalised; batch is the symbolic dim "batch")
//   output "logits"       float32 [batch, K]         ("features" [batch, C] when numClasses = 0)
//
// Graph (B batch, G = S/P, Np = G², N = Np + 1, C width, H heads, Dh = C/H, F mlp dim). The
// residual stream is kept 2-D (B·N, C) between blocks so every linear is a Gemm with transB = 1,
// which consumes the PyTorch (out, in) weight as is:
//   Conv(pixel_values, patch_embed.proj.weight (C,3,P,P), .bias; kernel P, stride P) → (B,C,G,G)
//   Reshape [0, C, Np] → Transpose [0,2,1] → tokens (B,Np,C)
//   Shape(pixel_values)[0:1] ++ [1,1] → Expand(cls_token (1,1,C)) → (B,1,C); Concat axis 1 → (B,N,C)
//   Add pos_embed (1,N,C); Reshape [-1, C] → x (B·N, C)
//   per block i (names blocks.i.*):
//     h = LayerNormalization(x, norm1.weight, norm1.bias, axis −1, epsilon = layerNormEps)
//     qkv = Gemm(h, attn.qkv.weight (3C,C), attn.qkv.bias, transB 1) → Reshape [-1, N, 3, H, Dh]
//       → Transpose [2,0,3,1,4] (3,B,H,N,Dh) → Gather 0/1/2 on axis 0 → q, k, v (B,H,N,Dh)
//     a = Softmax(MatMul(q, Transpose(k, [0,1,3,2])) · 1/√Dh, axis −1) (B,H,N,N)
//     o = MatMul(a, v) → Transpose [0,2,1,3] → Reshape [-1, C]; x += Gemm(o, attn.proj.weight, .bias, transB 1)
//     h2 = LayerNormalization(x, norm2.*); f = Gemm(h2, mlp.fc1.*, transB 1) (B·N, F)
//     g = (f · (1 + Erf(f · 1/√2))) · 0.5; x += Gemm(g, mlp.fc2.*, transB 1)
//   Reshape [-1, N, C] → Gather index 0 on axis 1 (CLS row) → (B,C); LayerNormalization(norm.*)
//   (per-token, so normalising only the CLS row equals timm's norm-then-select);
//   Gemm(head.weight (K,C), head.bias, transB 1) → logits (B,K)
//
// Initializers: every ViT parameter under its timm name with its PyTorch shape and layout (so
// import reads them back unchanged), plus small constants named "const.*" (reshape shapes, gather
// indices, scale, GELU factors). Metadata props: "vit.config" = JSON of the ViTConfig (import needs
// it: heads cannot be recovered from weights), "vit.format" = "sdlora-vit-onnx/1".

import { headDim, numPatches, numTokens, validateConfig, type ViTConfig } from '../../model/vit/config';
import { checkTable, paramSpecs, type ParamTable } from '../../model/vit/params';
import {
  AttrType,
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from './proto';

export const ONNX_FORMAT_TAG = 'sdlora-vit-onnx/1';
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const INPUT_NAME = 'pixel_values';

export interface ExportOptions {
  /** graph.name (default "vit"). */
  graphName?: string;
  /** Extra metadata_props (e.g. task labels); keys starting with "vit." are reserved. */
  metadata?: Record<string, string>;
  /** model doc_string. */
  docString?: string;
}

type Attr = { ints: number[] } | { int: number } | { float: number };

function attribute(name: string, a: Attr): AttributeProto {
  if ('ints' in a) return { name, type: AttrType.INTS, ints: a.ints };
  if ('int' in a) return { name, type: AttrType.INT, i: a.int };
  return { name, type: AttrType.FLOAT, f: a.float };
}

/** Accumulates nodes and initializers; names every intermediate value uniquely. */
class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly constNames = new Set<string>();
  private count = 0;

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const name = `${opType}_${this.count++}`;
    const output = out ?? `${name}_out`;
    this.nodes.push({
      input: inputs,
      output: [output],
      name,
      opType,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** A shared int64 constant (dims [] = scalar). */
  i64(name: string, values: number[], dims = [values.length]): string {
    const full = `const.${name}`;
    if (!this.constNames.has(full)) {
      this.constNames.add(full);
      this.inits.push(int64Tensor(full, dims, values));
    }
    return full;
  }

  /** A shared float32 scalar constant. */
  f32(name: string, v: number): string {
    const full = `const.${name}`;
    if (!this.constNames.has(full)) {
      this.constNames.add(full);
      this.inits.push(floatTensor(full, [], Float32Array.of(v)));
    }
    return full;
  }
}

/**
 * Encodes the whole ViT as an ONNX model. `params` must hold exactly the parameters of `config`
 * (paramSpecs) with merged weights; every problem (missing, mis-sized, unexpected tensor) is reported
 * in one error.
 */
export function exportVitOnnx(config: ViTConfig, params: ParamTable, opts: ExportOptions = {}): Uint8Array {
  validateConfig(config);
  if (config.channels !== 3) throw new Error(`ONNX export: channels must be 3 (got ${config.channels})`);
  const specs = paramSpecs(config);
  const errs = checkTable(config, params);
  const known = new Set(specs.map((s) => s.name));
  const extra = [...params.keys()].filter((k) => !known.has(k));
  if (extra.length)
    errs.push(`unexpected parameters ${extra.join(', ')} (merge LoRA factors into the base weights before exporting)`);
  if (errs.length) throw new Error(`ONNX export: parameter table does not match the config: ${errs.join('; ')}`);
  for (const k of Object.keys(opts.metadata ?? {}))
    if (k.startsWith('vit.')) throw new Error(`ONNX export: metadata key "${k}" is reserved (vit.* keys are written by the exporter)`);

  const C = config.width;
  const H = config.heads;
  const Dh = headDim(config);
  const N = numTokens(config);
  const Np = numPatches(config);
  const P = config.patchSize;
  const K = config.numClasses;
  const eps = config.layerNormEps;
  const g = new GraphBuilder();

  // Patch embedding and token sequence.
  const conv = g.op('Conv', [INPUT_NAME, 'patch_embed.proj.weight', 'patch_embed.proj.bias'], {
    kernel_shape: { ints: [P, P] },
    strides: { ints: [P, P] },
  }); // (B,C,G,G)
  const flat = g.op('Reshape', [conv, g.i64('shape_b_c_np', [0, C, Np])]); // (B,C,Np)
  const tokens = g.op('Transpose', [flat], { perm: { ints: [0, 2, 1] } }); // (B,Np,C)
  const batch = g.op('Shape', [INPUT_NAME], { start: { int: 0 }, end: { int: 1 } }); // [B]
  const clsShape = g.op('Concat', [batch, g.i64('ones_2', [1, 1])], { axis: { int: 0 } }); // [B,1,1]
  const cls = g.op('Expand', ['cls_token', clsShape]); // (B,1,C)
  const seq = g.op('Concat', [cls, tokens], { axis: { int: 1 } }); // (B,N,C)
  const withPos = g.op('Add', [seq, 'pos_embed']);
  let x = g.op('Reshape', [withPos, g.i64('shape_rows_c', [-1, C])]); // (B·N, C)

  const linear = (inp: string, prefix: string, bias: boolean) =>
    g.op('Gemm', bias ? [inp, `${prefix}.weight`, `${prefix}.bias`] : [inp, `${prefix}.weight`], { transB: { int: 1 } });
  const layerNorm = (inp: string, prefix: string) =>
    g.op('LayerNormalization', [inp, `${prefix}.weight`, `${prefix}.bias`], { axis: { int: -1 }, epsilon: { float: eps } });

  for (let i = 0; i < config.depth; i++) {
    const b = `blocks.${i}`;
    const h = layerNorm(x, `${b}.norm1`);
    const qkv = linear(h, `${b}.attn.qkv`, config.qkvBias); // (B·N, 3C)
    const q5 = g.op('Reshape', [qkv, g.i64('shape_qkv', [-1, N, 3, H, Dh])]); // (B,N,3,H,Dh)
    const qkvT = g.op('Transpose', [q5], { perm: { ints: [2, 0, 3, 1, 4] } }); // (3,B,H,N,Dh)
    const pick = (j: number) => g.op('Gather', [qkvT, g.i64(`index_${j}`, [j], [])], { axis: { int: 0 } }); // (B,H,N,Dh)
    const q = pick(0);
    const k = pick(1);
    const v = pick(2);
    const kT = g.op('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } }); // (B,H,Dh,N)
    const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.f32('attn_scale', 1 / Math.sqrt(Dh))]); // (B,H,N,N)
    const attn = g.op('Softmax', [scores], { axis: { int: -1 } });
    const ctx = g.op('MatMul', [attn, v]); // (B,H,N,Dh)
    const ctxT = g.op('Transpose', [ctx], { perm: { ints: [0, 2, 1, 3] } }); // (B,N,H,Dh)
    const ctx2 = g.op('Reshape', [ctxT, g.i64('shape_rows_c', [-1, C])]); // (B·N, C)
    x = g.op('Add', [x, linear(ctx2, `${b}.attn.proj`, true)]);

    const h2 = layerNorm(x, `${b}.norm2`);
    const f = linear(h2, `${b}.mlp.fc1`, true); // (B·N, F)
    const erf = g.op('Erf', [g.op('Mul', [f, g.f32('inv_sqrt2', Math.SQRT1_2)])]);
    const gelu = g.op('Mul', [g.op('Mul', [f, g.op('Add', [erf, g.f32('one', 1)])]), g.f32('half', 0.5)]);
    x = g.op('Add', [x, linear(gelu, `${b}.mlp.fc2`, true)]);
  }

  const x3 = g.op('Reshape', [x, g.i64('shape_b_n_c', [-1, N, C])]); // (B,N,C)
  const clsFeat = g.op('Gather', [x3, g.i64('index_0', [0], [])], { axis: { int: 1 } }); // (B,C)
  const outName = K > 0 ? 'logits' : 'features';
  if (K > 0) {
    const normed = layerNorm(clsFeat, 'norm');
    g.op('Gemm', [normed, 'head.weight', 'head.bias'], { transB: { int: 1 } }, outName);
  } else {
    g.op('LayerNormalization', [clsFeat, 'norm.weight', 'norm.bias'], { axis: { int: -1 }, epsilon: { float: eps } }, outName);
  }

  const weights = specs.map((s) => floatTensor(s.name, s.shape, params.get(s.name)!));
  const S = config.imageSize;
  const graph: GraphProto = {
    node: g.nodes,
    name: opts.graphName ?? 'vit',
    initializer: [...weights, ...g.inits],
    input: [
      {
        name: INPUT_NAME,
        type: {
          tensorType: {
            elemType: DataType.FLOAT,
            shape: [{ dimParam: 'batch' }, { dimValue: config.channels }, { dimValue: S }, { dimValue: S }],
          },
        },
      },
    ],
    output: [
      {
        name: outName,
        type: { tensorType: { elemType: DataType.FLOAT, shape: [{ dimParam: 'batch' }, { dimValue: K > 0 ? K : C }] } },
      },
    ],
    valueInfo: [],
  };
  const model: ModelProto = {
    irVersion: ONNX_IR_VERSION,
    producerName: 'sdlora-playground',
    producerVersion: '0.1.0',
    graph,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: [
      { key: 'vit.format', value: ONNX_FORMAT_TAG },
      { key: 'vit.config', value: JSON.stringify(config) },
      ...Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    ],
  };
  if (opts.docString !== undefined) model.docString = opts.docString;
  return encodeModel(model);
}
