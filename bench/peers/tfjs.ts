// Benchmark peer: TensorFlow.js matmuls (tf.matMul with transposeA/transposeB) on its WebGPU backend (Dawn for
// Node, the same adapter as ours) and its WASM backend (XNNPACK, SIMD; 1 thread in Node). Not engine code.
// TF.js keeps one global engine, so one backend is active at a time: every measurement switches first.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export type TfjsMatmulBackend = 'webgpu' | 'wasm';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

const loaded = new Set<TfjsMatmulBackend>();

/** Registers and activates a backend; returns a description for the report. */
export async function useBackend(name: TfjsMatmulBackend): Promise<string> {
  if (!loaded.has(name)) {
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm binaries are read from this directory (trailing slash required).
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
    } else {
      // The WebGPU backend reads navigator.gpu and the GPU* globals when imported: install them first.
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
  if (tf.getBackend() !== name) {
    if (!(await tf.setBackend(name))) throw new Error(`TF.js backend '${name}' failed to initialise`);
    await tf.ready();
  }
  // Without this the WebGPU backend runs small ops on the CPU, which is not what we measure.
  if (name === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (name === 'webgpu') {
    const a = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    return `tfjs ${tf.version_core} webgpu (${a?.vendor ?? '?'} ${a?.architecture ?? ''})`.replace(/ \)$/, ')');
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return `tfjs ${tf.version_core} wasm (threads=${wasm.getThreadsCount()})`;
}

export interface TfjsMatmul {
  /** Runs `reps` products back to back, then waits for them (reads one element of the sum of their corners). */
  run(reps: number): Promise<void>;
  dispose(): void;
}

/** Prepares op(a)·op(b) with op(a) M×K and op(b) K×N on a backend; inputs uniform in [−1, 1). */
export async function prepare(
  backend: TfjsMatmulBackend,
  M: number,
  N: number,
  K: number,
  transposeA: boolean,
  transposeB: boolean,
): Promise<TfjsMatmul> {
  await useBackend(backend);
  const a = tf.randomUniform(transposeA ? [K, M] : [M, K], -1, 1, 'float32', 1);
  const b = tf.randomUniform(transposeB ? [N, K] : [K, N], -1, 1, 'float32', 2);
  return {
    async run(reps: number) {
      await useBackend(backend);
      const outs: tf.Tensor[] = [];
      for (let r = 0; r < reps; r++) outs.push(tf.matMul(a, b, transposeA, transposeB));
      const corner = tf.tidy(() => tf.addN(outs.map((o) => tf.slice(o, [0, 0], [1, 1]))));
      await corner.data();
      tf.dispose([...outs, corner]);
    },
    dispose() {
      tf.dispose([a, b]);
    },
  };
}
