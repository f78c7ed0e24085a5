// Benchmark peer: one SD-LoRA training step of a timm ViT written with TensorFlow.js (autograd), to time our
// WebGPU engine against in the same run. Not engine code: nothing in src/ imports this.
//
// Model (timm VisionTransformer, names and shapes from src/model/vit/params.ts; Linear weights (out, in)):
//   images (B, Ch, S, S) raw pixels; xn = (x − mean_c)/std_c (config.mean/std, as src/reference/vit.ts) → patches (B·G², Ch·P²), G = S/P (the P×P stride-P conv as a matmul)
//   tokens = [cls_token ; patches·Wpeᵀ + bpe] + pos_embed                       (B, N, C), N = G² + 1
//   per block l:  a = LN1(x);  qkv = a·Wqkvᵀ + bqkv (B·N, 3C) split into q | k | v
//                 q += α·(a·D_qᵀ)·U_qᵀ,  v += α·(a·D_vᵀ)·U_vᵀ    (LoRA, spec §4.1 with one current task)
//                 x += proj(softmax(q·kᵀ/√Dh)·v)  per head;  x += fc2(gelu_exact(fc1(LN2(x))))
//   logits = head(LN(x[:, 0]))      (LN is per token, so normalising only the CLS row equals timm's norm-then-pool)
//   loss = mean over the batch of −log softmax(logits)[label]
// Trainable: every U (C, r) (zero-initialised), D (r, C) (Kaiming-uniform, bound 1/√C), the single α (0.8,
// spec §5) and head.weight / head.bias; everything else is frozen. Optimizer: SGD, momentum 0.9, no dampening,
// no weight decay (PyTorch semantics; tf.train.momentum matches: buf = μ·buf + g, p −= lr·buf).
//
// LoRA names used in `params` / readWeights(): blocks.{l}.attn.lora_q.U, .lora_q.D, .lora_v.U, .lora_v.D, alpha.
//
// Backends: 'cpu' (plain JS), 'wasm' (XNNPACK, SIMD, 1 thread in Node), 'webgpu' (Dawn for Node, lavapipe here).
// TF.js keeps one global engine, so only one backend is active at a time; useTfjsBackend() switches it.

import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { headDim, mlpDim, numPatches, numTokens, validateConfig, type ViTConfig } from '../../src/model/vit/config';
import { initParams, paramSpecs, type ParamTable } from '../../src/model/vit/params';
import { uniform } from '../../src/testing/rng';
import { pollGently } from '../../src/platform/node';

export type TfjsBackendName = 'cpu' | 'wasm' | 'webgpu';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

const loaded = new Set<TfjsBackendName>();
let gradientsRegistered = false;

/**
 * Registers TF.js's own gradient functions. tfjs-core's Node (CommonJS) bundle registers none (the
 * @tensorflow/tfjs union package, not installed here, imports 'register_all_gradients'), and that file exists
 * only as ES modules with extensionless imports that Node cannot load. So we bundle it once with esbuild (tsx's
 * own dependency) into the temp directory and import that. The bundled copy of tfjs-core shares the engine,
 * kernel and gradient registries and Tensor class with the main copy: tfjs keeps them on globalThis for
 * exactly this multiple-copies case.
 */
async function registerTfjsGradients(): Promise<void> {
  if (gradientsRegistered) return;
  const file = join(tmpdir(), `sdlora-tfjs-gradients-${tf.version_core}.mjs`);
  if (!existsSync(file)) {
    const require = createRequire(import.meta.url);
    const { build } = await import('esbuild');
    const res = await build({
      entryPoints: [require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'error',
    });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, res.outputFiles[0]!.text);
    renameSync(tmp, file); // atomic: concurrent processes never import a half-written file
  }
  await import(/* @vite-ignore */ pathToFileURL(file).href);
  gradientsRegistered = true;
}

/** Registers (once) and activates a TF.js backend; returns a short description of it. */
export async function useTfjsBackend(name: TfjsBackendName): Promise<string> {
  await registerTfjsGradients();
  if (!loaded.has(name)) {
    if (name === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm binaries are read from this directory (trailing slash required).
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
    } else {
      // The WebGPU backend looks for navigator.gpu when it is imported and when the backend is created, and uses
      // the GPU* globals (GPUBufferUsage, …): both must exist first. Reuse a navigator.gpu someone else installed.
      const g = globalThis as { navigator?: { gpu?: GPU } };
      if (!g.navigator?.gpu) {
        const dawn = (await import('webgpu')) as unknown as DawnModule;
        Object.assign(globalThis, dawn.globals);
        Object.defineProperty(globalThis, 'navigator', {
          value: { ...(g.navigator ?? {}), gpu: dawn.create(['backend=vulkan']), userAgent: 'node' },
          configurable: true,
          writable: true,
        });
      }
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    loaded.add(name);
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend '${name}' failed to initialise`);
  await tf.ready();
  // Without this the WebGPU backend runs small ops on the CPU, which is not what we want to measure.
  if (name === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  let info = '';
  if (name === 'webgpu') {
    const a = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    info = ` (${a?.vendor ?? '?'} ${a?.architecture ?? ''})`.replace(/ \)$/, ')');
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    info = ` (threads=${wasm.getThreadsCount()})`;
  }
  return `tfjs ${tf.version_core} ${tf.getBackend()}${info}`;
}

/** Names of the LoRA parameters of block l (see header). */
export const loraNames = (l: number) => ({
  qU: `blocks.${l}.attn.lora_q.U`,
  qD: `blocks.${l}.attn.lora_q.D`,
  vU: `blocks.${l}.attn.lora_v.U`,
  vD: `blocks.${l}.attn.lora_v.D`,
});
export const ALPHA = 'alpha';

/** Seeded LoRA factors of a fresh task: U = 0, D ~ U(±1/√C), α = 0.8. */
export function randomLora(c: ViTConfig, rank: number, seed: number): ParamTable {
  const out: ParamTable = new Map();
  const b = 1 / Math.sqrt(c.width);
  for (let l = 0; l < c.depth; l++) {
    const n = loraNames(l);
    out.set(n.qU, new Float32Array(c.width * rank));
    out.set(n.vU, new Float32Array(c.width * rank));
    out.set(n.qD, Float32Array.from(uniform(rank * c.width, seed + 2 * l + 1, -b, b)));
    out.set(n.vD, Float32Array.from(uniform(rank * c.width, seed + 2 * l + 2, -b, b)));
  }
  out.set(ALPHA, Float32Array.of(0.8));
  return out;
}

export interface TfjsVitOptions {
  config: ViTConfig;
  /** Expected batch size (images passed to step/logits must match). */
  batch: number;
  rank: number;
  backend: TfjsBackendName;
  /** timm-named weights (and optionally LoRA names / alpha, see header); missing entries come from
   *  initParams(config, seed) and randomLora(config, rank, seed + 1000003). */
  params?: ParamTable;
  seed?: number;
  /** SGD learning rate (default 0.01, spec §8.2). */
  lr?: number;
  momentum?: number;
  /**
   * How the frozen Linear layers (qkv, proj, fc1, fc2, patch embedding) multiply; default 'dual'.
   * 'transposeB': y = tf.matMul(x, W, false, true) with W (out, in) as stored, TF.js's autograd for dX (NN).
   * 'dual': also keeps Wᵀ (in, out) and uses tf.customGrad so that both y = x·Wᵀ and dX = dY·W are
   *   untransposed matmuls. TF.js's transposed matmuls leave XNNPACK's fast path on wasm (measured here:
   *   1576×576×192 NT 325–365 ms vs NN 27–38 ms) and are ~2× slower on WebGPU/lavapipe, and one of the two
   *   products is transposed whichever layout is stored, so this is TF.js at its best.
   */
  matmul?: 'dual' | 'transposeB';
  /**
   * The last block as our engine runs it (src/model/vit/gpuVit.ts rowsAfterAttention): attention for the CLS query
   * rows only, and the projection, norm2 and MLP on the B CLS rows; the same logits and gradients, fewer flops.
   * Default false: the plain timm forward over every token.
   */
  clsOnlyLastBlock?: boolean;
}

export interface TfjsVitStep {
  /** One forward + backward + SGD-momentum update; resolves to the loss before the update. */
  step(images: Float32Array, labels: Int32Array): Promise<number>;
  /** Forward only: logits (B, K), row-major. */
  logits(images: Float32Array): Promise<Float32Array>;
  /** Current values of every parameter (timm names + LoRA names + alpha). */
  readWeights(): Promise<Map<string, Float32Array>>;
  /** Names of the trainable parameters. */
  readonly trainableNames: readonly string[];
  readonly backend: string;
  dispose(): void;
}

/** Builds the TF.js ViT + LoRA step on `backend` (activated here). */
export async function createTfjsVitStep(o: TfjsVitOptions): Promise<TfjsVitStep> {
  const c = validateConfig(o.config);
  if (c.numClasses <= 0) throw new Error('createTfjsVitStep needs a classification head (numClasses > 0)');
  const backend = await useTfjsBackend(o.backend);
  const seed = o.seed ?? 1;
  const B = o.batch;
  const r = o.rank;
  const C = c.width;
  const H = c.heads;
  const Dh = headDim(c);
  const P = c.patchSize;
  const Ch = c.channels;
  const S = c.imageSize;
  const G = S / P;
  const Np = numPatches(c);
  const N = numTokens(c);
  const K = c.numClasses;
  const eps = c.layerNormEps;
  void mlpDim;

  const init = initParams(c, seed);
  const lora = randomLora(c, r, seed + 1_000_003);
  const shapes = new Map<string, number[]>(paramSpecs(c).map((s) => [s.name, s.shape]));
  for (let l = 0; l < c.depth; l++) {
    const n = loraNames(l);
    shapes.set(n.qU, [C, r]).set(n.vU, [C, r]).set(n.qD, [r, C]).set(n.vD, [r, C]);
  }
  shapes.set(ALPHA, []);

  const trainableNames: string[] = ['head.weight', 'head.bias', ALPHA];
  for (let l = 0; l < c.depth; l++) trainableNames.push(...Object.values(loraNames(l)));
  const trainable = new Set(trainableNames);

  const vars = new Map<string, tf.Variable>();
  for (const [name, shape] of shapes) {
    const v = o.params?.get(name) ?? init.get(name) ?? lora.get(name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!v || v.length !== n) throw new Error(`parameter ${name}: expected ${n} values (shape [${shape}]), got ${v?.length}`);
    vars.set(name, tf.variable(tf.tensor(v, shape, 'float32'), trainable.has(name)));
  }
  const W = (name: string): tf.Variable => {
    const v = vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  };
  // Views prepared once, outside the step: the conv kernel as a (C, Ch·P²) matrix and the (1, C) CLS row.
  const wpe = tf.keep(tf.reshape(W('patch_embed.proj.weight'), [C, Ch * P * P])); // (C, Ch·P²)
  const wpeT = tf.keep(tf.transpose(wpe)); // (Ch·P², C); no gradient reaches the images, so no custom gradient
  const cls = tf.keep(tf.reshape(W('cls_token'), [1, 1, C]));
  const mean = tf.keep(tf.tensor4d(c.mean.slice(0, Ch), [1, Ch, 1, 1]));
  const invStd = tf.keep(tf.tensor4d(c.std.slice(0, Ch).map((v) => 1 / v), [1, Ch, 1, 1]));

  const linear = (x: tf.Tensor2D, name: string): tf.Tensor2D =>
    tf.add(tf.matMul(x, W(`${name}.weight`) as tf.Tensor2D, false, true), W(`${name}.bias`));
  // Frozen Linear layers (see TfjsVitOptions.matmul). Weight and bias are constants, so the custom gradient
  // returns only dX; made once per layer.
  const dual = (o.matmul ?? 'dual') === 'dual';
  const kept: tf.Tensor[] = [];
  const frozen = new Map<string, (x: tf.Tensor2D) => tf.Tensor2D>();
  const frozenLinear = (x: tf.Tensor2D, name: string): tf.Tensor2D => {
    if (!dual) return linear(x, name);
    let f = frozen.get(name);
    if (!f) {
      const w = W(`${name}.weight`) as tf.Tensor2D; // (out, in)
      const wt = tf.keep(tf.transpose(w)); // (in, out)
      const bias = W(`${name}.bias`);
      kept.push(wt);
      const g = tf.customGrad<tf.Tensor2D>((...inputs) => ({
        value: tf.add(tf.matMul(inputs[0] as tf.Tensor2D, wt), bias),
        gradFunc: (dy) => tf.matMul(dy, w),
      }));
      f = (xx) => g(xx);
      frozen.set(name, f);
    }
    return f(x);
  };
  const layerNorm = (x: tf.Tensor2D, name: string): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), W(`${name}.weight`)), W(`${name}.bias`));
  };
  const geluExact = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  // (B·N, C) → (B, H, N, Dh)
  const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, N, H, Dh]), [0, 2, 1, 3]) as tf.Tensor4D;

  const forward = (raw: tf.Tensor4D): tf.Tensor2D => {
    const x = tf.mul(tf.sub(raw, mean), invStd);
    // (B, Ch, G·P, G·P) → (B·Ch·G, P, G, P) → (B·Ch·G, G, P, P) = (B, Ch, G², P²) → (B, G², Ch, P²) → (B·G², Ch·P²);
    // two rank-4 transposes so every backend's transpose kernel accepts them.
    const t1 = tf.transpose(tf.reshape(x, [B * Ch * G, P, G, P]), [0, 2, 1, 3]);
    const cols = tf.reshape(tf.transpose(tf.reshape(t1, [B, Ch, Np, P * P]), [0, 2, 1, 3]), [B * Np, Ch * P * P]);
    const emb = tf.reshape(tf.add((dual ? tf.matMul(cols, wpeT) : tf.matMul(cols, wpe, false, true)), W('patch_embed.proj.bias')), [B, Np, C]);
    const tokens = tf.add(tf.concat([tf.tile(cls, [B, 1, 1]), emb], 1), W('pos_embed'));
    let h = tf.reshape(tokens, [B * N, C]) as tf.Tensor2D;
    const alpha = W(ALPHA);
    // (B·N, C) → (B, C): the CLS row of every image.
    const clsOf = (t: tf.Tensor2D) => tf.reshape(tf.slice(tf.reshape(t, [B, N, C]), [0, 0, 0], [B, 1, C]), [B, C]) as tf.Tensor2D;
    for (let l = 0; l < c.depth; l++) {
      const b = `blocks.${l}`;
      const n = loraNames(l);
      const clsOnly = !!o.clsOnlyLastBlock && l === c.depth - 1;
      const a = layerNorm(h, `${b}.norm1`);
      const [q0, k, v0] = tf.split(frozenLinear(a, `${b}.attn.qkv`), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      // α multiplies the rank-r intermediate (B·N, r), the cheapest place for it.
      const low = (Dn: string, Un: string) =>
        tf.matMul(tf.mul(tf.matMul(a, W(Dn) as tf.Tensor2D, false, true), alpha), W(Un) as tf.Tensor2D, false, true);
      const q = tf.add(q0, low(n.qD, n.qU)) as tf.Tensor2D;
      const v = tf.add(v0, low(n.vD, n.vU)) as tf.Tensor2D;
      // timm scales q before q·kᵀ; the (B·N, C) tensor is smaller than the (B, H, N, N) scores. With clsOnly the
      // queries are the CLS rows only: (B, H, 1, Dh), and everything after attention runs on B rows.
      const rows = clsOnly ? 1 : N;
      const qh = tf.transpose(tf.reshape(tf.mul(clsOnly ? clsOf(q) : q, 1 / Math.sqrt(Dh)), [B, rows, H, Dh]), [0, 2, 1, 3]);
      const scores = tf.matMul(qh, heads(k), false, true);
      const attn = tf.matMul(tf.softmax(scores, -1), heads(v)); // (B, H, rows, Dh)
      const out = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B * rows, C]) as tf.Tensor2D;
      h = tf.add(clsOnly ? clsOf(h) : h, frozenLinear(out, `${b}.attn.proj`)) as tf.Tensor2D;
      const m = geluExact(frozenLinear(layerNorm(h, `${b}.norm2`), `${b}.mlp.fc1`));
      h = tf.add(h, frozenLinear(m, `${b}.mlp.fc2`)) as tf.Tensor2D;
    }
    const clsRows = o.clsOnlyLastBlock ? h : clsOf(h);
    return linear(layerNorm(clsRows, 'norm'), 'head');
  };

  const imagesTensor = (images: Float32Array): tf.Tensor4D => {
    if (images.length !== B * Ch * S * S) throw new Error(`images: expected ${B}×${Ch}×${S}×${S} = ${B * Ch * S * S} values, got ${images.length}`);
    return tf.tensor4d(images, [B, Ch, S, S]);
  };

  const optimizer = tf.train.momentum(o.lr ?? 0.01, o.momentum ?? 0.9);
  const varList = trainableNames.map(W);

  return {
    backend,
    trainableNames,
    async step(images, labels) {
      if (labels.length !== B) throw new Error(`labels: expected ${B}, got ${labels.length}`);
      const x = imagesTensor(images);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), K);
      const loss = optimizer.minimize(
        () => tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(forward(x), -1), y))), B) as tf.Scalar,
        true,
        varList,
      );
      tf.dispose([x, y]);
      if (!loss) throw new Error('optimizer.minimize returned no loss');
      const value = (await pollGently(() => loss.data()))[0]!; // as ours waits (platform/node.ts)
      loss.dispose();
      return value;
    },
    async logits(images) {
      const x = imagesTensor(images);
      const out = tf.tidy(() => forward(x));
      x.dispose();
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return Float32Array.from(data);
    },
    async readWeights() {
      const out = new Map<string, Float32Array>();
      for (const [name, v] of vars) out.set(name, Float32Array.from((await v.data()) as Float32Array));
      return out;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([wpe, wpeT, cls, mean, invStd, ...kept, ...vars.values()]);
    },
  };
}
