// The adapter's arithmetic ceiling: GFLOP/s of a kernel that does nothing but independent FMA chains (no memory
// traffic in the loop). On lavapipe it moves by ~2× with the machine's state (27–59 GFLOP/s measured on the same
// 2 cores), so the matmul rows are best read against the ceiling measured in the same run.
// runPeakBench() is exported for bench/run.ts.

import type { GpuContext } from '../src/gpu/context';

const CHAINS = 16; // independent accumulators per invocation: enough to hide FMA latency
const ITERS = 4096;
const WORKGROUP = 64;
const WORKGROUPS = 256;

/** GFLOP/s (2 per FMA): the median of `rounds` measurements of about 300 ms each. */
export async function runPeakBench(ctx: GpuContext, rounds = 3): Promise<number> {
  const device = ctx.device;
  const init = Array.from({ length: CHAINS }, (_, i) => `var x${i} = f32(l) * 1e-3 + ${i}.0 * 1e-4;`).join(' ');
  const step = Array.from({ length: CHAINS }, (_, i) => `x${i} = fma(x${i}, 0.9999, 1e-6);`).join(' ');
  const sum = Array.from({ length: CHAINS }, (_, i) => `x${i}`).join(' + ');
  const code = `
@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(${WORKGROUP}) fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  ${init}
  for (var i = 0u; i < ${ITERS}u; i++) { ${step} }
  o[g.x] = ${sum};
}`;
  const out = device.createBuffer({ label: 'bench.peak', size: WORKGROUP * WORKGROUPS * 4, usage: GPUBufferUsage.STORAGE });
  const pipeline = device.createComputePipeline({ label: 'bench.peak', layout: 'auto', compute: { module: device.createShaderModule({ label: 'bench.peak', code }), entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
  const run = async (reps: number) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(WORKGROUPS);
    pass.end();
    device.queue.submit([enc.finish()]);
    await ctx.flush(); // waits for the queue (gently: see platform/node.ts pollGently)
  };
  await run(1);
  let t = performance.now();
  await run(1);
  const oneMs = performance.now() - t;
  const reps = Math.max(1, Math.round(300 / oneMs));
  const flop = 2 * CHAINS * ITERS * WORKGROUP * WORKGROUPS * reps;
  const g: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t = performance.now();
    await run(reps);
    g.push(flop / (performance.now() - t) / 1e6);
  }
  out.destroy();
  return g.sort((a, b) => a - b)[(g.length - 1) >> 1]!;
}
