// Browser platform: a GpuContext on navigator.gpu, with shader sources bundled by Vite.
// Only this file (and platform/node.ts) touches navigator.gpu or Dawn.

import { createContext, type GpuContext } from '../gpu/context';
import { GpuUnavailableError } from '../gpu/errors';

const modules = import.meta.glob('/shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** name → WGSL source for every shaders/*.wgsl, bundled at build time. */
export function bundledShaders(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, src] of Object.entries(modules)) out[path.replace(/^.*\//, '').replace(/\.wgsl$/, '')] = src;
  return out;
}

export const BROWSER_ADVICE =
  'Use a desktop browser with WebGPU: Chrome or Edge 113+, or Firefox 141+ / Safari 26+. On Linux Chrome, enable ' +
  'chrome://flags/#enable-unsafe-webgpu and chrome://flags/#enable-vulkan, and make sure hardware acceleration is on.';

export async function createBrowserContext(): Promise<GpuContext> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu)
    throw new GpuUnavailableError(`this browser does not expose WebGPU (navigator.gpu is missing). ${BROWSER_ADVICE}`);
  return createContext(navigator.gpu, bundledShaders(), { backend: 'browser' }, BROWSER_ADVICE);
}
