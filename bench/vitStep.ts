// Benchmark: one SD-LoRA training step (forward + backward + SGD momentum) of a ViT in TensorFlow.js, the peer
// our WebGPU engine's step is compared against (bench/peers/tfjsVit.ts). Reports ms/step and images/s per
// (config, backend). Each (config, backend) pair: build, one warm-up step (shader compiles / allocations,
// reported separately as "first"), then timed steps; the loss is read back every step, as a trainer would.
// The machine is shared (2 cores): "cpu" is the process CPU time per step (all threads), which, unlike wall
// time, hardly changes with other tenants' load (on webgpu it includes llvmpipe's work; TF.js's waits poll Dawn on a
// timer, as ours do: platform/node.ts pollGently); compare wall times only within one run.
//
//   npx tsx bench/vitStep.ts [--config tiny|vitTiny[,..]] [--batch 8] [--backend wasm|webgpu|cpu[,..]]
//                            [--rank 10] [--steps N] [--matmul dual|transposeB] [--json out.json]
// Defaults: both configs, backends wasm and webgpu, B=8, r=10 (spec §3), steps 20 for tiny and 2 for ViT-Tiny
// (a ViT-Tiny step is 10–30 s here; the default run takes ~3–4 minutes).
// runVitStepBench() is exported for bench/run.ts.

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { presets, type ViTConfig } from '../src/model/vit/config';
import { uniform } from '../src/testing/rng';
import { createTfjsVitStep, type TfjsBackendName } from './peers/tfjsVit';

export type VitPreset = 'tiny' | 'small32' | 'vitTiny';

export interface VitStepOptions {
  configs: VitPreset[];
  backends: TfjsBackendName[];
  batch: number;
  rank: number;
  /** Frozen-Linear formulation (TfjsVitOptions.matmul); default 'dual'. */
  matmul?: 'dual' | 'transposeB';
  /** The last block on its CLS rows only, as our engine runs it (TfjsVitOptions.clsOnlyLastBlock). */
  clsOnlyLastBlock?: boolean;
  /** Timed steps per pair; default 20 for tiny, 2 for larger models. */
  steps?: number;
  log?: (line: string) => void;
}

export interface VitStepResult {
  config: VitPreset;
  backend: string; // TF.js backend description, e.g. "tfjs 4.22.0 wasm (threads=1)"
  batch: number;
  rank: number;
  matmul: 'dual' | 'transposeB';
  steps: number;
  firstMs: number; // warm-up step, includes compiles
  medianMs: number;
  minMs: number;
  maxMs: number;
  imagesPerSec: number; // batch / median
  /** Median process CPU time per step (all threads, llvmpipe's included): a contention-insensitive work measure. */
  cpuMs: number;
  loss0: number;
  lossLast: number;
  error?: string;
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function runVitStepBench(o: VitStepOptions): Promise<VitStepResult[]> {
  const log = o.log ?? ((l: string) => console.log(l));
  const out: VitStepResult[] = [];
  for (const name of o.configs) {
    const config: ViTConfig = presets[name];
    const B = o.batch;
    const images = Float32Array.from(uniform(B * config.channels * config.imageSize ** 2, 1234, 0, 1)); // (B, Ch, S, S)
    const labels = Int32Array.from(uniform(B, 99, 0, config.numClasses), Math.floor); // (B)
    const steps = o.steps ?? (name === 'tiny' ? 20 : 2);
    for (const backend of o.backends) {
      const base = { config: name, batch: B, rank: o.rank, steps, matmul: o.matmul ?? 'dual' };
      try {
        const peer = await createTfjsVitStep({ config, batch: B, rank: o.rank, backend, seed: 1, matmul: o.matmul ?? 'dual', clsOnlyLastBlock: o.clsOnlyLastBlock });
        let t = performance.now();
        const loss0 = await peer.step(images, labels);
        const firstMs = performance.now() - t;
        const times: number[] = [];
        const cpu: number[] = [];
        let lossLast = loss0;
        for (let i = 0; i < steps; i++) {
          const c0 = process.cpuUsage();
          t = performance.now();
          lossLast = await peer.step(images, labels);
          times.push(performance.now() - t);
          const c = process.cpuUsage(c0);
          cpu.push((c.user + c.system) / 1000);
        }
        peer.dispose();
        const med = median(times);
        const r: VitStepResult = {
          ...base,
          backend: peer.backend,
          firstMs,
          medianMs: med,
          minMs: Math.min(...times),
          maxMs: Math.max(...times),
          imagesPerSec: (B * 1000) / med,
          cpuMs: median(cpu),
          loss0,
          lossLast,
        };
        out.push(r);
        log(
          `vitStep ${name.padEnd(7)} B=${B} r=${o.rank} ${r.matmul.padEnd(10)}${o.clsOnlyLastBlock ? ' cls-only' : ''} ${r.backend.padEnd(32)} ${med.toFixed(1).padStart(8)} ms/step ` +
            `(${r.minMs.toFixed(1)}–${r.maxMs.toFixed(1)}, ${steps} steps, first ${firstMs.toFixed(0)} ms, cpu ${r.cpuMs.toFixed(0)} ms)  ` +
            `${r.imagesPerSec.toFixed(2).padStart(8)} images/s  loss ${loss0.toFixed(4)} → ${lossLast.toFixed(4)}`,
        );
      } catch (e) {
        const error = (e as Error).message;
        out.push({ ...base, backend, firstMs: NaN, medianMs: NaN, minMs: NaN, maxMs: NaN, imagesPerSec: NaN, cpuMs: NaN, loss0: NaN, lossLast: NaN, error });
        log(`vitStep ${name} ${backend}: FAILED ${error}`);
      }
    }
  }
  return out;
}

function parseArgs(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = <T extends string>(flag: string, allowed: readonly T[], dflt: T[]): T[] => {
    const v = get(flag);
    if (v === undefined) return dflt;
    const items = v.split(',') as T[];
    for (const it of items) if (!allowed.includes(it)) throw new Error(`${flag}: '${it}' is not one of ${allowed.join(', ')}`);
    return items;
  };
  const num = (flag: string, dflt: number | undefined) => {
    const v = get(flag);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer`);
    return n;
  };
  return {
    configs: list<VitPreset>('--config', ['tiny', 'small32', 'vitTiny'], ['tiny', 'vitTiny']),
    backends: list<TfjsBackendName>('--backend', ['wasm', 'webgpu', 'cpu'], ['wasm', 'webgpu']),
    batch: num('--batch', 8)!,
    rank: num('--rank', 10)!,
    steps: num('--steps', undefined),
    matmul: list<'dual' | 'transposeB'>('--matmul', ['dual', 'transposeB'], ['dual'])[0],
    json: get('--json'),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs(process.argv.slice(2));
  const results = await runVitStepBench(args);
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
  // Dawn for Node keeps the event loop alive once a device exists.
  process.exit(results.some((r) => r.error) ? 1 : 0);
}
