// ONNX Runtime Web in the training worker, only to check the merged model before the page offers it
// (src/training/mergedExport.ts checkOnnx). The WASM execution provider on one thread (no cross-origin
// isolation needed), and its .wasm is an asset of this build, served from the app's own origin: Vite emits the
// file that the `?url` import names and the runtime is told to load exactly that (no CDN, no other request).

import * as ort from 'onnxruntime-web/wasm';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { INPUT_NAME } from '../io/onnx/exportVit';
import type { OnnxRunner } from '../training/mergedExport';

let configured = false;

function configure(): void {
  if (configured) return;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, self.location.href).href };
  ort.env.logLevel = 'error';
  configured = true;
}

export const ORT_RUNTIME = `onnxruntime-web ${ort.env.versions.web ?? ort.env.versions.common} (wasm, 1 thread)`;

/** One session per call: the check runs once per finished run. */
export const runOnnx: OnnxRunner = async (onnx, pixels, dims) => {
  configure();
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  try {
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', pixels, [...dims]) });
    const t = out[session.outputNames[0]!]!;
    return Float32Array.from(t.data as Float32Array);
  } finally {
    await session.release();
  }
};
