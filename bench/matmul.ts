// Benchmark: our matmul (src/kernels/matmul.ts) against TF.js WebGPU (same adapter) and TF.js WASM on the
// ViT-Tiny training products, in one process, measured round-robin so machine drift hits everyone alike.
// Shapes (M = B·197 tokens, D = 192, MLP 768), for B = 8 and 32:
//   qkv  x (M,192)·W (192,576)    fc1  x (M,192)·W (192,768)    fc2  x (M,768)·W (768,192)
// Per shape three rows: fwd NN y = x·W; dX NT dx = dy·Wᵀ (W stored (K,N)); dW TN dw = xᵀ·dy.
// runMatmulBench() is exported for bench/run.ts.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as matmul from '../src/kernels/matmul';
import type { GpuContext } from '../src/gpu/context';
import type { GpuTensor } from '../src/gpu/tensor';
import { f32, uniform } from '../src/testing/rng';
import * as tfjs from './peers/tfjs';

export interface BenchRow {
  name: string;
  unit: 'GFLOP/s' | 'images/s' | 'ms' | 'bytes';
  ours: number;
  peers: Record<string, number>;
}

export interface MatmulBenchOptions {
  batches: number[];
  /** Wall-clock budget for the timed rounds (warm-up excluded); at least one round always runs. */
  budgetMs: number;
  maxRounds: number;
  peers: tfjs.TfjsMatmulBackend[];
  log: (line: string) => void;
}


interface Product {
  name: string;
  layout: matmul.Layout;
  M: number;
  N: number;
  K: number;
}

/** The 9 products of one batch size: op(A) M×K times op(B) K×N. */
export function products(B: number): Product[] {
  const T = B * 197;
  const out: Product[] = [];
  for (const [layer, dIn, dOut] of [['qkv', 192, 576], ['fc1', 192, 768], ['fc2', 768, 192]] as const) {
    out.push({ name: `${layer} fwd NN B=${B}`, layout: 'NN', M: T, N: dOut, K: dIn });
    out.push({ name: `${layer} dX NT B=${B}`, layout: 'NT', M: T, N: dIn, K: dOut });
    out.push({ name: `${layer} dW TN B=${B}`, layout: 'TN', M: dIn, N: dOut, K: T });
  }
  return out;
}

interface Runner {
  run(reps: number): Promise<void>;
  reps: number;
  gflops: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[(s.length - 1) >> 1]! : NaN;
};

/** Our side: tensors on the context, reps dispatches per submit, then one wait (ctx.flush). */
function ours(ctx: GpuContext, p: Product): Runner & { dispose(): void; estMs: number } {
  const aShape = p.layout === 'TN' ? [p.K, p.M] : [p.M, p.K];
  const bShape = p.layout === 'NT' ? [p.N, p.K] : [p.K, p.N];
  const a = ctx.fromArray(f32(uniform(p.M * p.K, 1)), aShape, 'bench.a'); // op(A) M×K
  const b = ctx.fromArray(f32(uniform(p.K * p.N, 2)), bShape, 'bench.b'); // op(B) K×N
  const c: GpuTensor = ctx.tensor([p.M, p.N], 'bench.c'); // (M, N)
  const r = {
    reps: 1,
    gflops: [] as number[],
    estMs: 0,
    async run(reps: number) {
      for (let i = 0; i < reps; i++) matmul.run(ctx, { c, a, b, layout: p.layout });
      await ctx.flush();
    },
    dispose: () => ctx.release(a, b, c),
  };
  return r;
}

// A full garbage collection before every timed measurement, so that garbage one engine made (TF.js allocates a
// tensor per call) is not collected inside the next engine's measurement (seen: our 2-rep fc2 dW B=32 read 22 GFLOP/s
// right after TF.js WASM, 27 with TF.js WASM left out, and 27 with this).
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function time(run: (reps: number) => Promise<void>, reps: number): Promise<number> {
  collectGarbage();
  const t = performance.now();
  await run(reps);
  return (performance.now() - t) / reps;
}

/** Runs the matmul rows; returns one BenchRow per product and batch size. */
export async function runMatmulBench(ctx: GpuContext, o: MatmulBenchOptions): Promise<BenchRow[]> {
  const items: { p: Product; ours: ReturnType<typeof ours>; peers: Map<string, Runner & { dispose(): void }> }[] = [];
  const peerNames = new Map<tfjs.TfjsMatmulBackend, string>([
    ['webgpu', 'tfjs-webgpu'],
    ['wasm', 'tfjs-wasm'],
  ]);
  for (const peer of o.peers) o.log(`peer ${peerNames.get(peer)}: ${await tfjs.useBackend(peer)}`);
  o.log(`ours: ${ctx.adapter.description}, matmul path 'auto' (texture operand B when it qualifies, else '${matmul.choosePath(ctx)}')`);
  // Warm-up: compiles every pipeline (lavapipe compiles at the first dispatch) and sizes the reps so one
  // measurement lasts ≥ ~150 ms.
  const targetMs = 150;
  const t0 = performance.now();
  for (const B of o.batches)
    for (const p of products(B)) {
      const flop = 2 * p.M * p.N * p.K;
      const us = ours(ctx, p);
      await us.run(1);
      us.estMs = await time(us.run, 1);
      us.reps = Math.max(1, Math.min(20, Math.round(targetMs / us.estMs)));
      const peers = new Map<string, Runner & { dispose(): void }>();
      for (const peer of o.peers) {
        const m = await tfjs.prepare(peer, p.M, p.N, p.K, p.layout === 'TN', p.layout === 'NT');
        await m.run(1);
        const est = await time(m.run, 1);
        peers.set(peerNames.get(peer)!, { ...m, reps: Math.max(1, Math.min(20, Math.round(targetMs / est))), gflops: [] });
      }
      items.push({ p, ours: us, peers });
      o.log(`warm-up ${p.name} (${p.M}×${p.N}×${p.K}): ours ${(flop / us.estMs / 1e6).toFixed(1)} GFLOP/s`);
    }
  o.log(`warm-up took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // Timed rounds, round-robin over products and engines.
  const t1 = performance.now();
  let rounds = 0;
  while (rounds < o.maxRounds && (rounds === 0 || performance.now() - t1 < o.budgetMs * (rounds / (rounds + 1)))) {
    for (const it of items) {
      const flop = 2 * it.p.M * it.p.N * it.p.K;
      it.ours.gflops.push(flop / (await time(it.ours.run, it.ours.reps)) / 1e6);
      for (const m of it.peers.values()) m.gflops.push(flop / (await time(m.run, m.reps)) / 1e6);
    }
    rounds++;
    o.log(`round ${rounds} done at ${((performance.now() - t1) / 1000).toFixed(0)} s`);
  }
  const rows: BenchRow[] = [];
  for (const it of items) {
    const peers: Record<string, number> = {};
    for (const [name, m] of it.peers) peers[name] = median(m.gflops);
    rows.push({ name: `matmul ${it.p.name} (${it.p.M}×${it.p.N}×${it.p.K})`, unit: 'GFLOP/s', ours: median(it.ours.gflops), peers });
    it.ours.dispose();
    for (const m of it.peers.values()) m.dispose();
  }
  return rows;
}
