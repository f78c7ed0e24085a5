// Benchmark peer: TensorFlow.js matmuls (tf.matMul with transposeA/transposeB) on its WebGPU backend (Dawn for
// Node, the same adapter as ours) and its WASM backend (XNNPACK, SIMD; 1 thread in Node). Not engine code.
// TF.js keeps one global engine, so one backend is active at a time: every measurement switches first.

import * as tf from '@tensorflow/tfjs-core';
import { pollGently } from '../../src/platform/node';
import { useTfjsBackend } from './tfjsVit';

export type TfjsMatmulBackend = 'webgpu' | 'wasm';

/** Registers and activates a backend; returns a description for the report (shared with the ViT peer). */
export const useBackend = (name: TfjsMatmulBackend): Promise<string> => useTfjsBackend(name);

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
      await pollGently(() => corner.data()); // Dawn's event polling on a timer, as for ours (platform/node.ts)
      tf.dispose([...outs, corner]);
    },
    dispose() {
      tf.dispose([a, b]);
    },
  };
}
