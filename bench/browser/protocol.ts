// What bench/inference.ts (Node, through Playwright) and bench/browser/inference.ts (the page) exchange.
// Plain data only: everything crosses page.evaluate as JSON.

export const ENGINES = ['ours', 'ort-webgpu', 'ort-wasm'] as const;
export type Engine = (typeof ENGINES)[number];

export type InferenceModel = 'vitTiny' | 'small32';

/** onnxruntime-web 1.30 builds (package.json "exports"), each its own module instance in the page:
 *  'webgpu' = `onnxruntime-web/webgpu` (the native C++ WebGPU EP, asyncify wasm; also runs the WASM EP),
 *  'jsep'   = the default export `onnxruntime-web` (WebGPU through the older JS kernels, and WASM),
 *  'wasm'   = `onnxruntime-web/wasm` (the WASM EP only, the plain SIMD+threads wasm). */
export type OrtBuild = 'webgpu' | 'jsep' | 'wasm';

export interface SetupRequest {
  model: InferenceModel;
  batch: number;
  /** initParams seed (the same weights for every engine). */
  seed: number;
  /** Seed of the input images (normal, already normalised). */
  imageSeed: number;
  /** ort.env.wasm.numThreads (only honoured when the page is crossOriginIsolated). */
  threads: number;
  /** Build for ort-webgpu ('webgpu' or 'jsep'). */
  ortWebgpuBuild: OrtBuild;
  /** Build for ort-wasm (any). */
  ortWasmBuild: OrtBuild;
  engines: Engine[];
}

export interface SetupReply {
  adapter: string;
  subgroupSize: number | null;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** ort.env.wasm.numThreads of ort-wasm's build after ORT initialised (ORT drops it to 1 without
   *  cross-origin isolation). */
  ortThreads: number;
  /** Version and bundle file per ORT engine. */
  ortVersion: Partial<Record<Engine, string>>;
  ortWebgpuAdapter: string | null;
  onnxBytes: number;
  /** Per engine: milliseconds of session / model creation (includes ORT's wasm compile). */
  setupMs: Partial<Record<Engine, number>>;
  /** Per engine: engines that failed to set up, with the message. */
  errors: Partial<Record<Engine, string>>;
}

export interface TimeReply {
  /** Wall milliseconds per forward (images in host memory → logits in host memory), mean over reps. */
  msPerForward: number;
}

export interface InferenceBenchApi {
  setup(req: SetupRequest): Promise<SetupReply>;
  /** Runs `reps` forwards of one engine back to back. */
  time(engine: Engine, reps: number): Promise<TimeReply>;
  /** Logits (B·K, row-major) of `engine`'s latest forward on the page's images (one more forward if none). */
  logits(engine: Engine): Promise<number[]>;
  release(): Promise<void>;
}

declare global {
  interface Window {
    inferenceBench?: InferenceBenchApi;
  }
}
