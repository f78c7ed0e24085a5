// ViT inference in the browser: our engine against ONNX Runtime Web, in one headless Chromium page.
//   npx tsx bench/inference.ts [--batch 1] [--model vitTiny|small32] [--rounds 5] [--threads 2]
//        [--budget-s 180] [--ort-webgpu-build webgpu|jsep] [--ort-wasm-build wasm|webgpu|jsep]
//        [--engines ours,ort-webgpu,ort-wasm] [--no-reference]
// Starts a Vite dev server (createServer, root = repo, a free port on 127.0.0.1), opens
// bench/browser/inference.html in Debian's Chromium (playwright-core, the WebGPU-on-SwiftShader flags of
// playwright.config.ts) and, in that page, times one forward pass (images on the host → logits on the
// host) of the same ViT (initParams, same seed, same images) with:
//   ours        GpuViT mode 'none' on navigator.gpu
//   ort-webgpu  onnxruntime-web's WebGPU execution provider (same adapter: Chromium offers only SwiftShader),
//               from `onnxruntime-web/webgpu` (the native WebGPU EP; ~2× faster here than the JSEP build)
//   ort-wasm    onnxruntime-web's WASM execution provider from `onnxruntime-web/wasm` (SIMD; threads as
//               reported: 2 = the machine's cores, needs the cross-origin isolation below)
// Warm-up first (pipeline / shader compilation, until two forwards agree), then the timed rounds, engines
// interleaved round-robin (start rotated every round); each value is the median. Warm-up and rounds
// share one budget: rounds stop when the next would overrun it (at least one always runs). ViT-Tiny on
// SwiftShader is slow: one ort-webgpu forward takes tens of seconds, so B=1 gets one or two rounds.
// The three engines' logits are compared with each other and with the float64 reference (max |Δ|).
// ONNX Runtime's .mjs/.wasm are served on the page's origin under /ort/ by a small Vite middleware;
// every response carries COOP/COEP so the page is cross-origin isolated (WASM threads need
// SharedArrayBuffer). Any request leaving the origin fails the run.

import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from '../e2e/chromium';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { presets } from '../src/model/vit/config';
import { initParams } from '../src/model/vit/params';
import { repoRoot } from '../src/platform/node';
import { forward as referenceForward, toFloat64 } from '../src/reference/vit';
import { normal } from '../src/testing/rng';
import { ENGINES, type Engine, type InferenceBenchApi, type InferenceModel, type OrtBuild, type SetupReply } from './browser/protocol';
import type { BenchRow } from './matmul';

export interface InferenceBenchOptions {
  model?: InferenceModel; // default vitTiny
  batch?: number; // default 1
  /** Timed rounds at most (default 5); fewer when the budget would overrun, at least one. */
  rounds?: number;
  /** ort.env.wasm.numThreads for ort-wasm (default 2, the machine's cores). */
  threads?: number;
  /** onnxruntime-web build for ort-webgpu (default 'webgpu') and for ort-wasm (default 'wasm'). */
  ortWebgpuBuild?: OrtBuild;
  ortWasmBuild?: OrtBuild;
  /** Budget of warm-up plus timed rounds in ms (default 180 s); page load and session setup come on top. */
  budgetMs?: number;
  /** Compare the logits with the float64 reference too (default false; ViT-Tiny costs ~10–25 s of CPU). */
  reference?: boolean;
  engines?: Engine[];
  log?: (line: string) => void;
}

export interface InferenceBenchResult {
  rows: BenchRow[];
  setup: SetupReply;
  /** Per engine: the timed ms per forward of every round, and the repetitions per round. */
  samples: Partial<Record<Engine, { ms: number[]; reps: number; warmupMs: number[] }>>;
  /** max |Δ| of the logits between two engines, or an engine and 'reference' (float64). */
  agreement: { a: string; b: string; maxAbs: number }[];
  logitScale: number;
}

const SEED = 1;
const IMAGE_SEED = 2;
const MODEL_NAMES: Record<InferenceModel, string> = { vitTiny: 'ViT-Tiny', small32: 'ViT-small32' };
/** One measurement should last about this long (repetitions are sized from the warm-up forward). */
const TARGET_MS = 300;
const ORT_DIST = join(repoRoot, 'node_modules', 'onnxruntime-web', 'dist');
const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MIME: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };

/** COOP/COEP on every response, and /ort/<file> served raw from onnxruntime-web/dist (no transform). */
function ortPlugin(): Plugin {
  return {
    name: 'bench-ort-dist',
    configureServer(server) {
      server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        const m = /^\/ort\/([\w.-]+)(\?.*)?$/.exec(req.url ?? '');
        if (!m) return next();
        const file = join(ORT_DIST, basename(m[1]!));
        const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
        let size = 0;
        try {
          size = statSync(file).size;
        } catch {
          res.statusCode = 404;
          res.end(`not found: ${m[1]}`);
          return;
        }
        res.setHeader('Content-Type', MIME[ext] ?? 'application/octet-stream');
        res.setHeader('Content-Length', String(size));
        res.setHeader('Cache-Control', 'max-age=3600');
        res.end(readFileSync(file));
      });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}

/** Float64 reference logits for the page's weights and images (the reference normalises raw pixels). */
function referenceLogits(model: InferenceModel, batch: number): Float64Array {
  const c = presets[model];
  const S = c.imageSize;
  const x = Float32Array.from(normal(batch * c.channels * S * S, IMAGE_SEED));
  const raw = new Float64Array(x.length); // (B, 3, S, S): x · std + mean, exact for mean = std = 0.5
  for (let i = 0; i < x.length; i++) {
    const ch = Math.floor(i / (S * S)) % c.channels;
    raw[i] = x[i]! * c.std[ch]! + c.mean[ch]!;
  }
  return referenceForward(c, toFloat64(initParams(c, SEED)), [], raw, batch).logits;
}

/** Runs the whole benchmark; the lead's bench/run.ts takes `rows`. */
export async function runInferenceBenchDetailed(o: InferenceBenchOptions = {}): Promise<InferenceBenchResult> {
  const model = o.model ?? 'vitTiny';
  const batch = o.batch ?? 1;
  const maxRounds = Math.max(1, o.rounds ?? 5);
  const budgetMs = o.budgetMs ?? 180_000;
  const engines = o.engines ?? [...ENGINES];
  const start = performance.now();
  const log = o.log ?? ((l: string) => process.stderr.write(`[inference ${((performance.now() - start) / 1000).toFixed(0).padStart(3)} s] ${l}\n`));

  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    const port = await freePort();
    server = await createServer({
      configFile: false, // the app's config (React plugin, vitest projects) is not needed for this page
      root: repoRoot,
      logLevel: 'warn',
      clearScreen: false,
      appType: 'mpa',
      plugins: [ortPlugin()],
      optimizeDeps: { noDiscovery: true, include: [] }, // the page imports no npm package through Vite
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null, fs: { allow: [repoRoot] }, headers: ISOLATION_HEADERS },
    });
    await server.listen();
    const origin = `http://127.0.0.1:${port}`;
    log(`vite dev server on ${origin}`);

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS, headless: true });
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`console.${m.type()}: ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(`${origin}/bench/browser/inference.html`);
    await page.waitForFunction(() => window.inferenceBench !== undefined, null, { timeout: 120_000 });

    const setup = await page.evaluate(
      (req) => window.inferenceBench!.setup(req),
      {
        model,
        batch,
        seed: SEED,
        imageSeed: IMAGE_SEED,
        threads: o.threads ?? 2,
        ortWebgpuBuild: o.ortWebgpuBuild ?? 'webgpu',
        ortWasmBuild: o.ortWasmBuild ?? 'wasm',
        engines,
      },
    );
    log(`adapter (ours): ${setup.adapter}, subgroup size ${setup.subgroupSize}; ORT WebGPU adapter: ${setup.ortWebgpuAdapter ?? '-'}`);
    log(
      `onnxruntime-web ${Object.entries(setup.ortVersion).map(([e, v]) => `${e}: ${v}`).join(', ')}; crossOriginIsolated=${setup.crossOriginIsolated}, hardwareConcurrency=${setup.hardwareConcurrency}, ` +
        `ort-wasm threads=${setup.ortThreads}; ONNX model ${(setup.onnxBytes / 1e6).toFixed(1)} MB`,
    );
    log(`setup ms: ${Object.entries(setup.setupMs).map(([e, ms]) => `${e} ${ms.toFixed(0)}`).join(', ')}`);
    for (const [e, msg] of Object.entries(setup.errors)) log(`${e} failed to set up: ${msg}`);
    const live = engines.filter((e) => !setup.errors[e]);
    const time = (engine: Engine, reps: number) =>
      page.evaluate(([e, r]) => window.inferenceBench!.time(e, r), [engine, reps] as const).then((t) => t.msPerForward);

    // Warm-up: the first forward compiles pipelines / shaders, and SwiftShader keeps getting faster for a
    // few more; warm up until two consecutive forwards agree within 25% (at most 6; past 30 s per engine
    // stop after two, or after one when that one alone took 30 s), then size the repetitions from the last.
    const samples: InferenceBenchResult['samples'] = {};
    const t0 = performance.now();
    for (const e of live) {
      const warm: number[] = [];
      const w0 = performance.now();
      for (;;) {
        warm.push(await time(e, warm.length < 2 ? 1 : Math.max(1, Math.round(TARGET_MS / warm.at(-1)!))));
        const n = warm.length;
        if (n >= 3 && Math.abs(warm[n - 1]! - warm[n - 2]!) <= 0.25 * warm[n - 2]!) break;
        const spent = performance.now() - w0;
        if (n >= 6 || (spent > 30_000 && (n >= 2 || warm[0]! > 30_000))) break;
      }
      const reps = Math.max(1, Math.round(TARGET_MS / warm.at(-1)!));
      samples[e] = { ms: [], reps, warmupMs: warm };
      log(`warm-up ${e}: ${warm.map((t) => t.toFixed(1)).join(', ')} ms per forward → ${reps} rep(s) per round`);
    }

    // Logits agreement, from each engine's last warm-up forward (no extra forward: ort-webgpu's costs ~1 min).
    const logits = new Map<string, ArrayLike<number>>();
    for (const e of live) logits.set(e, await page.evaluate((eng) => window.inferenceBench!.logits(eng), e));

    // Timed rounds, round-robin with the start rotated every round, within the budget (from warm-up on).
    for (let r = 0; r < maxRounds; r++) {
      const roundStart = performance.now();
      for (let i = 0; i < live.length; i++) {
        const e = live[(i + r) % live.length]!;
        const s = samples[e]!;
        s.ms.push(await time(e, s.reps));
      }
      const roundMs = performance.now() - roundStart;
      log(`round ${r + 1}: ${live.map((e) => `${e} ${samples[e]!.ms.at(-1)!.toFixed(1)} ms`).join(', ')}`);
      if (performance.now() - t0 + roundMs > budgetMs && r + 1 < maxRounds) {
        log(`budget ${(budgetMs / 1000).toFixed(0)} s reached after ${r + 1} round(s)`);
        break;
      }
    }
    if (foreign.length) throw new Error(`the page made requests outside its origin: ${foreign.join(', ')}`);
    await page.evaluate(() => window.inferenceBench!.release());
    await browser.close();
    browser = null;
    await server.close();
    server = null;

    const agreement: InferenceBenchResult['agreement'] = [];
    const names = [...logits.keys()];
    for (let i = 0; i < names.length; i++)
      for (let j = i + 1; j < names.length; j++) agreement.push({ a: names[i]!, b: names[j]!, maxAbs: maxAbsDiff(logits.get(names[i]!)!, logits.get(names[j]!)!) });
    let logitScale = 0;
    for (const v of logits.values()) for (let i = 0; i < v.length; i++) logitScale = Math.max(logitScale, Math.abs(v[i]!));
    if (o.reference ?? false) {
      const tr = performance.now();
      const ref = referenceLogits(model, batch);
      log(`float64 reference forward: ${((performance.now() - tr) / 1000).toFixed(1)} s`);
      for (const e of names) agreement.push({ a: e, b: 'reference', maxAbs: maxAbsDiff(logits.get(e)!, ref) });
    }

    const ips = (e: Engine) => (samples[e]?.ms.length ? (batch * 1000) / median(samples[e]!.ms) : Number.NaN);
    const peers: Record<string, number> = {};
    for (const e of live) if (e !== 'ours') peers[e] = ips(e);
    const rows: BenchRow[] = [{ name: `${MODEL_NAMES[model]} inference B=${batch}`, unit: 'images/s', ours: ips('ours'), peers }];
    return { rows, setup, samples, agreement, logitScale };
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.close().catch(() => undefined);
  }
}

/** Rows for bench/run.ts: `<model> inference B=<batch>`, images/s, peers ort-webgpu and ort-wasm. */
export async function runInferenceBench(o: InferenceBenchOptions = {}): Promise<BenchRow[]> {
  return (await runInferenceBenchDetailed(o)).rows;
}

function printReport(r: InferenceBenchResult, batch: number): void {
  const fmt = (v: number) => (!Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
  const row = r.rows[0]!;
  const values: [string, number][] = [['ours', row.ours], ...Object.entries(row.peers)];
  const header = ['engine', 'ms/forward (median)', 'min–max', 'reps×rounds', 'images/s', 'ours/engine'];
  const table = values.map(([e, v]) => {
    const s = r.samples[e as Engine];
    const ms = s?.ms ?? [];
    return [
      e === 'ort-wasm' ? `ort-wasm (${r.setup.ortThreads} thr)` : e,
      ms.length ? fmt(median(ms)) : '-',
      ms.length ? `${fmt(Math.min(...ms))}–${fmt(Math.max(...ms))}` : '-',
      s ? `${s.reps}×${ms.length}` : '-',
      fmt(v),
      e === 'ours' ? '1' : Number.isFinite(row.ours / v) ? `${(row.ours / v).toFixed(2)}×` : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${row.name}: ${r.setup.adapter}; ORT WebGPU adapter ${r.setup.ortWebgpuAdapter ?? '-'}`);
  for (const [e, v] of Object.entries(r.setup.ortVersion)) console.log(`  ${e}: onnxruntime-web ${v}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const t of table) console.log(line(t));
  console.log(`\nlogits agreement (max |Δ|; logits up to ${r.logitScale.toFixed(3)} in magnitude):`);
  for (const a of r.agreement) console.log(`  ${a.a} vs ${a.b}: ${a.maxAbs.toExponential(2)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const model = (value('--model') ?? 'vitTiny') as InferenceModel;
  if (!(model in MODEL_NAMES)) throw new Error(`--model must be one of ${Object.keys(MODEL_NAMES).join(', ')}`);
  const webgpuBuild = (value('--ort-webgpu-build') ?? 'webgpu') as OrtBuild;
  if (webgpuBuild !== 'jsep' && webgpuBuild !== 'webgpu') throw new Error('--ort-webgpu-build must be webgpu or jsep');
  const wasmBuild = (value('--ort-wasm-build') ?? 'wasm') as OrtBuild;
  if (!['wasm', 'webgpu', 'jsep'].includes(wasmBuild)) throw new Error('--ort-wasm-build must be wasm, webgpu or jsep');
  const engines = value('--engines')?.split(',') as Engine[] | undefined;
  for (const e of engines ?? []) if (!ENGINES.includes(e)) throw new Error(`--engines: unknown engine ${e} (${ENGINES.join(', ')})`);
  const batch = Number(value('--batch') ?? 1);
  const result = await runInferenceBenchDetailed({
    model,
    batch,
    rounds: Number(value('--rounds') ?? 5),
    threads: Number(value('--threads') ?? 2),
    ortWebgpuBuild: webgpuBuild,
    ortWasmBuild: wasmBuild,
    budgetMs: Number(value('--budget-s') ?? 180) * 1000,
    reference: !argv.includes('--no-reference'),
    ...(engines ? { engines } : {}),
  });
  printReport(result, batch);
}
