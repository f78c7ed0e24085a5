// The page half of bench/inference.ts: one ViT (initParams, same seed) evaluated by three engines in
// the same page, on the same WebGPU adapter (headless Chromium: SwiftShader):
//   ours        GpuViT mode 'none' on navigator.gpu (src/platform/browser.ts)
//   ort-webgpu  onnxruntime-web, WebGPU execution provider, on the model from exportVitOnnx
//   ort-wasm    onnxruntime-web, WASM execution provider (SIMD, ort.env.wasm.numThreads threads)
// One timed forward = images in host memory → logits in host memory, for every engine: ours writes the
// images into its input tensor and reads the logits back; ORT takes a CPU tensor and returns one.
// ONNX Runtime (its .mjs and .wasm) is loaded from /ort/, which bench/inference.ts serves from
// node_modules/onnxruntime-web/dist on the page's own origin: the page makes no request elsewhere.
// Node drives the rounds (warm-up, round-robin order) through window.inferenceBench.

import type * as Ort from 'onnxruntime-web';
import type { GpuContext } from '../../src/gpu/context';
import type { GpuTensor } from '../../src/gpu/tensor';
import { exportVitOnnx, INPUT_NAME } from '../../src/io/onnx/exportVit';
import { presets, type ViTConfig } from '../../src/model/vit/config';
import { GpuViT } from '../../src/model/vit/gpuVit';
import { initParams } from '../../src/model/vit/params';
import { createBrowserContext } from '../../src/platform/browser';
import { normal } from '../../src/testing/rng';
import type { Engine, InferenceBenchApi, OrtBuild, SetupReply, SetupRequest } from './protocol';

type OrtModule = typeof Ort;

/** Bundles of onnxruntime-web 1.30 (package.json "exports" → import): `.`, `./webgpu`, `./wasm`. */
const ORT_FILES: Record<OrtBuild, string> = { jsep: 'ort.bundle.min.mjs', webgpu: 'ort.webgpu.bundle.min.mjs', wasm: 'ort.wasm.bundle.min.mjs' };

interface Runner {
  run(): Promise<Float32Array>;
  release(): Promise<void>;
}

const runners = new Map<Engine, Runner>();
/** The logits of each engine's latest forward, for the agreement check without an extra forward. */
const lastLogits = new Map<Engine, Float32Array>();
const status = (s: string) => {
  const el = document.getElementById('status');
  if (el) el.textContent = s;
};

const ortModules = new Map<OrtBuild, OrtModule>();

/** One module instance per build (its own env and wasm instance), configured before its first session. */
async function loadOrt(build: OrtBuild, threads: number): Promise<OrtModule> {
  let ort = ortModules.get(build);
  if (!ort) {
    const url = `/ort/${ORT_FILES[build]}`;
    ort = (await import(/* @vite-ignore */ url)) as OrtModule;
    ort.env.wasm.wasmPaths = `${location.origin}/ort/`;
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    ortModules.set(build, ort);
  }
  return ort;
}

function ours(ctx: GpuContext, config: ViTConfig, params: Map<string, Float32Array>, batch: number, x: Float32Array): Runner {
  const S = config.imageSize;
  const vit = new GpuViT(ctx, config, params, { batch, mode: 'none' });
  const images: GpuTensor = ctx.tensor([batch, config.channels, S, S], 'bench.images');
  return {
    async run() {
      ctx.write(images, x);
      return ctx.read(vit.forward(images));
    },
    async release() {
      vit.destroy();
      ctx.release(images);
    },
  };
}

async function ortSession(ort: OrtModule, onnx: Uint8Array, ep: 'webgpu' | 'wasm', x: Float32Array, dims: number[]): Promise<Runner> {
  const session = await ort.InferenceSession.create(onnx, { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const output = session.outputNames[0]!;
  return {
    async run() {
      const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, dims) });
      const t = out[output]!;
      const data = (await t.getData()) as Float32Array;
      t.dispose();
      return data;
    },
    release: () => session.release(),
  };
}

const api: InferenceBenchApi = {
  async setup(req: SetupRequest): Promise<SetupReply> {
    const config: ViTConfig = presets[req.model];
    const S = config.imageSize;
    const dims = [req.batch, config.channels, S, S];
    const params = initParams(config, req.seed);
    const x = Float32Array.from(normal(dims.reduce((a, b) => a * b, 1), req.imageSeed));
    const onnx = exportVitOnnx(config, params);
    const reply: SetupReply = {
      adapter: '',
      subgroupSize: null,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      ortThreads: 0,
      ortVersion: {},
      ortWebgpuAdapter: null,
      onnxBytes: onnx.length,
      setupMs: {},
      errors: {},
    };
    const timed = async (engine: Engine, make: () => Promise<Runner> | Runner) => {
      status(`setting up ${engine}…`);
      const t0 = performance.now();
      try {
        runners.set(engine, await make());
        reply.setupMs[engine] = performance.now() - t0;
      } catch (e) {
        reply.errors[engine] = e instanceof Error ? e.message : String(e);
      }
    };

    if (req.engines.includes('ours')) {
      await timed('ours', async () => {
        const ctx = await createBrowserContext();
        reply.adapter = `${ctx.adapter.kind}: ${ctx.adapter.description}`;
        reply.subgroupSize = ctx.subgroupSize;
        return ours(ctx, config, params, req.batch, x);
      });
    }
    if (req.engines.includes('ort-wasm')) {
      const ort = await loadOrt(req.ortWasmBuild, req.threads);
      reply.ortVersion['ort-wasm'] = `${ort.env.versions.web ?? ort.env.versions.common} (${ORT_FILES[req.ortWasmBuild]})`;
      await timed('ort-wasm', () => ortSession(ort, onnx, 'wasm', x, dims));
      reply.ortThreads = ort.env.wasm.numThreads ?? 0;
    }
    if (req.engines.includes('ort-webgpu')) {
      const ort = await loadOrt(req.ortWebgpuBuild, req.threads);
      reply.ortVersion['ort-webgpu'] = `${ort.env.versions.web ?? ort.env.versions.common} (${ORT_FILES[req.ortWebgpuBuild]})`;
      await timed('ort-webgpu', () => ortSession(ort, onnx, 'webgpu', x, dims));
      if (runners.has('ort-webgpu')) {
        try {
          const info = (await ort.env.webgpu.device).adapterInfo;
          reply.ortWebgpuAdapter = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
        } catch (e) {
          reply.ortWebgpuAdapter = `unknown (${e instanceof Error ? e.message : String(e)})`;
        }
      }
    }
    status('ready');
    return reply;
  },

  async time(engine: Engine, reps: number) {
    const r = runners.get(engine);
    if (!r) throw new Error(`engine ${engine} is not set up`);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) lastLogits.set(engine, await r.run());
    return { msPerForward: (performance.now() - t0) / reps };
  },

  async logits(engine: Engine) {
    const r = runners.get(engine);
    if (!r) throw new Error(`engine ${engine} is not set up`);
    return Array.from(lastLogits.get(engine) ?? (await r.run()));
  },

  async release() {
    for (const r of runners.values()) await r.release();
    runners.clear();
    lastLogits.clear();
  },
};

window.inferenceBench = api;
status('loaded');
