// GPU test harness: one GpuContext per test file, on Dawn for Node.
// Without an adapter the suite is skipped LOUDLY outside CI, and FAILS in CI (CI=true), so a missing
// software GPU can never turn into a silent pass.

import { afterAll, describe, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { createNodeContext } from '../platform/node';

let shared: Promise<GpuContext> | null = null;

function context(): Promise<GpuContext> {
  if (!shared) shared = createNodeContext();
  return shared;
}

const isCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** Declares a GPU test suite. `body` receives a getter for the context (valid inside tests). */
export async function describeGpu(name: string, body: (ctx: () => GpuContext) => void): Promise<void> {
  let ctx: GpuContext | null = null;
  let failure: Error | null = null;
  try {
    ctx = await context();
  } catch (e) {
    failure = e as Error;
  }
  if (!ctx) {
    if (isCI) {
      describe(name, () => {
        it('needs a WebGPU adapter (CI=true: GPU tests must run)', () => {
          throw failure ?? new Error('no WebGPU adapter');
        });
      });
    } else {
      const bar = '!'.repeat(78);
      console.warn(`\n${bar}\nSKIPPED GPU SUITE "${name}": no WebGPU adapter.\n${failure?.message}\n${bar}\n`);
      describe.skip(`${name} [SKIPPED: no WebGPU adapter]`, () => body(() => ctx!));
    }
    return;
  }
  afterAll(() => {
    // One context per test file (each file runs in its own worker); free the device when done.
    ctx?.destroy();
    shared = null;
  });
  describe(`${name} [${ctx.adapter.kind}]`, () => body(() => ctx!));
}
