// Node platform: a GpuContext on Dawn for Node (the `webgpu` package) and shader sources read from shaders/.
// Adapter choice without a hardware GPU: Mesa lavapipe (fast), else Chromium's SwiftShader; the
// choice is printed. SDLORA_ADAPTER=lavapipe|swiftshader|hardware|auto forces one.
// Only this file (and platform/browser.ts) touches Dawn or navigator.gpu.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GpuContext, classifyAdapter, openDevice, type AdapterKind } from '../gpu/context';
import { GpuUnavailableError } from '../gpu/errors';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads every shaders/*.wgsl into name → source. */
export function loadShaders(dir = join(repoRoot, 'shaders')): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.wgsl')) out[f.slice(0, -5)] = readFileSync(join(dir, f), 'utf8');
  return out;
}

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];

export const NO_ADAPTER_ADVICE =
  'To get one on Debian/Ubuntu without a GPU, run `npm run setup:system` (installs Mesa >= 25 lavapipe from ' +
  'bookworm-backports, and chromium, whose SwiftShader is the fallback). With a GPU, install its Vulkan driver. ' +
  'Set SDLORA_ADAPTER=lavapipe|swiftshader|hardware to force a choice.';

type Preference = 'auto' | AdapterKind;

// While a GPU promise is pending, Dawn for Node re-queues its event processing with the global `setImmediate`, so
// the event loop spins a whole core until the promise settles. On a software GPU that core is taken from the GPU
// itself: lavapipe's two worker threads ran 85–90 % busy with a timer poll and 30–70 % with the spin, and a matmul
// ran at 9–11 GFLOP/s instead of 2–9 (bench/README.md, "Waiting for the GPU"). pollGently swaps in a 1 ms timer
// for `setImmediate` while a wait is in flight: the promise settles at most ~1 ms late, and the core stays free.
// Waits nest (a counter); anything else that calls the global setImmediate meanwhile is delayed by ~1 ms as well.
// Each poll still costs the CPU some 30 µs that lavapipe's threads want: ~50 per training step of small32. When the
// caller knows how long the same work takes (GpuContext passes the shortest wait so far after as many dispatches),
// the first poll comes at EXPECT_FRACTION of that, the rest every 1 ms (a small32 step B=32: −1.3 ms, bench/README.md).
const realSetImmediate = globalThis.setImmediate;
const EXPECT_FRACTION = 0.8;
let firstDelay = 1;
const timerImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
  const delay = firstDelay;
  firstDelay = 1;
  return setTimeout(fn, delay, ...args);
}) as unknown as typeof setImmediate;
let waiting = 0;
const POLL = process.env.SDLORA_DAWN_POLL ?? 'timer';

/** Waits for the GPU promise `start` creates, with Dawn's event polling on a 1 ms timer instead of a busy loop, the
 *  first poll later when the work is expected to take expectMs. */
export async function pollGently<T>(start: () => Promise<T>, expectMs?: number): Promise<T> {
  if (POLL === 'spin') return start();
  if (waiting++ === 0) {
    globalThis.setImmediate = timerImmediate;
    firstDelay = expectMs ? Math.max(1, Math.floor(EXPECT_FRACTION * expectMs)) : 1;
  }
  try {
    return await start();
  } finally {
    if (--waiting === 0) globalThis.setImmediate = realSetImmediate;
  }
}

// On lavapipe Dawn's shader-side robustness is turned off (the Dawn toggle disable_robustness): there the driver itself
// bounds-checks every buffer and texture access (with and without the toggle, a read past a binding returned 0, a
// write past it was dropped and a texel fetch past the texture returned 0; platform/node.gpu.test.ts), so what the
// toggle removes is the compiler's clamps on indices into a kernel's own local arrays, which our kernels keep in range
// by their loop bounds. A small32 LoRA step: 48.5–50.4 → 47.5–48.3 ms (150-step medians, alternated). Only our own
// shaders run here; the browser keeps robustness, and SDLORA_ROBUSTNESS=on keeps it in Node too.
const robustnessOff = () => (process.env.SDLORA_ROBUSTNESS ?? 'auto') !== 'on';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | null = null;
async function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    try {
      dawn = (await import('webgpu')) as unknown as DawnModule;
    } catch (e) {
      throw new GpuUnavailableError(`the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}. Run npm ci.`);
    }
    Object.assign(globalThis, dawn.globals);
  }
  return dawn;
}

export interface NodeGpuOptions {
  adapter?: Preference;
  /** Print the chosen adapter on stderr. */
  verbose?: boolean;
  /** The WGSL language features the kernels may rely on (ContextOptions.wgslLanguageFeatures); default: Dawn's.
   *  Tests pass fewer to run the paths a browser lacking them takes. */
  wgslLanguageFeatures?: ReadonlySet<string>;
}

/** Creates a GpuContext on the best adapter Dawn can find; throws GpuUnavailableError with advice if none. */
export async function createNodeContext(opts: NodeGpuOptions = {}): Promise<GpuContext> {
  const pref = (opts.adapter ?? (process.env.SDLORA_ADAPTER as Preference | undefined) ?? 'auto') as Preference;
  const valid: Preference[] = ['auto', 'hardware', 'lavapipe', 'swiftshader', 'software'];
  if (!valid.includes(pref)) throw new Error(`SDLORA_ADAPTER must be one of: ${valid.join(', ')} (got '${pref}')`);
  const { create } = await loadDawn();
  const shaders = loadShaders();
  const tried: string[] = [];

  const attempt = async (icd: string | null, flags: string[] = []) => {
    const saved = process.env.VK_ICD_FILENAMES;
    if (icd) process.env.VK_ICD_FILENAMES = icd;
    try {
      const gpu = create(['backend=vulkan', ...flags]);
      const opened = await openDevice(gpu);
      if (!opened) return null;
      return { ...opened, gpu, kind: classifyAdapter(opened.adapter.info) };
    } finally {
      if (icd) {
        if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
        else process.env.VK_ICD_FILENAMES = saved;
      }
    }
  };

  let chosen: Awaited<ReturnType<typeof attempt>> = null;
  let robustness = true;
  if (pref !== 'swiftshader') {
    let sys = await attempt(null);
    if (sys?.kind === 'lavapipe' && robustnessOff() && (pref === 'auto' || pref === 'lavapipe')) {
      // The same driver again, with Dawn's shader-side robustness off (see robustnessOff).
      sys.device.destroy();
      sys = await attempt(null, ['enable-dawn-features=disable_robustness']);
      robustness = sys?.kind !== 'lavapipe';
    }
    if (sys) {
      tried.push(`${sys.kind} (${sys.adapter.info.description})`);
      if (pref === 'auto' || pref === sys.kind) chosen = sys;
      else sys.device.destroy();
    } else tried.push('system Vulkan drivers: none');
  }
  if (!chosen && (pref === 'auto' || pref === 'swiftshader' || pref === 'software')) {
    const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
    if (icd) {
      const ss = await attempt(icd);
      if (ss) chosen = ss;
      else tried.push(`SwiftShader (${icd}): no adapter`);
    } else tried.push('SwiftShader: not installed (it comes with the chromium package)');
  }
  if (!chosen)
    throw new GpuUnavailableError(
      `no WebGPU adapter${pref === 'auto' ? '' : ` of kind '${pref}'`} found (tried: ${tried.join('; ')}). ${NO_ADAPTER_ADVICE}`,
    );
  const backend = `Dawn for Node (vulkan${robustness ? '' : ', shader robustness off'})`;
  const ctx = new GpuContext(chosen.device, chosen.adapter.info, shaders, { waitFor: pollGently, backend, wgslLanguageFeatures: opts.wgslLanguageFeatures ?? chosen.gpu.wgslLanguageFeatures }, [
    chosen.gpu,
    chosen.adapter,
  ]);
  if (opts.verbose) {
    const soft = ctx.adapter.kind === 'hardware' ? '' : ' [software adapter]';
    process.stderr.write(`[gpu] ${ctx.adapter.kind}: ${ctx.adapter.description}${soft}, subgroup size ${ctx.subgroupSize ?? 'n/a'}${robustness ? '' : ', shader robustness off'}\n`);
  }
  return ctx;
}
