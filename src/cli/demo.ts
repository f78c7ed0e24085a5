// `npm start` (for now): finds a WebGPU adapter, says which, and runs every kernel against its
// float64 reference on it, printing errors and timings. Exit code 1 if any kernel disagrees.
import { runChecks } from '../kernels/selfcheck';
import { createNodeContext } from '../platform/node';

async function main(): Promise<number> {
  const ctx = await createNodeContext({ verbose: true });
  console.log(`SD-LoRA Playground engine on ${ctx.adapter.description} (${ctx.adapter.kind}, ${ctx.adapter.backend})`);
  console.log('Checking every kernel against its float64 reference:\n');
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('kernel', 52)} ${pad('result', 6)} ${pad('max|err|', 10)} ${pad('err/tol', 8)} ms`);
  const results = await runChecks(ctx, (r) =>
    console.log(
      `${pad(r.name, 52)} ${pad(r.ok ? 'pass' : 'FAIL', 6)} ${pad(r.maxAbsError.toExponential(2), 10)} ${pad(r.toleranceRatio.toFixed(3), 8)} ${r.ms.toFixed(0)}` +
        (r.ok ? '' : `\n    ${r.detail}`),
    ),
  );
  const bad = results.filter((r) => !r.ok).length;
  console.log(`\n${results.length - bad} of ${results.length} kernels match their reference.`);
  console.log('Next: `npm run bench` compares the kernels with TensorFlow.js on this machine.');
  ctx.destroy();
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`error: ${e.message}`);
    process.exit(2);
  },
);
