import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/optimizer';
import * as optimizer from './optimizer';

// Hyperparameters rounded to f32 for the reference, so both sides apply the same β, η, … (the GPU reads f32 uniforms;
// 1 − f32(0.999) differs from 0.001 by 1.3e-5 relative, far above the tolerance).
function asF32<T extends object>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (typeof v === 'number' && k !== 'step') out[k] = Math.fround(v);
  return out as T;
}

const STEPS = 4;
// Learning-rate schedule across the steps: uniforms change between dispatches of the same pipeline.
const lrAt = (base: number, k: number) => base * (1 - 0.2 * k);

// Odd sizes exercise the bounds guard and the wrap; the scales are the extreme-range cases (huge gradients with a
// 1/accumulation scale, gradients far below ε's influence, large parameters).
const cases = [
  { n: 1, gScale: 1, pScale: 1 },
  { n: 1000, gScale: 1, pScale: 1 },
  { n: 4099, gScale: 1e4, pScale: 1e3 },
  { n: 70001, gScale: 1e-6, pScale: 1 },
] as const;

await describeGpu('optimizer kernel', (ctx) => {
  for (const { n, gScale, pScale } of cases) {
    for (const nesterov of [false, true]) {
      it(`sgd ${STEPS} steps, n=${n}, nesterov=${nesterov}, |g|~${gScale}`, async () => {
        const c = ctx();
        const p0 = f32(normal(n, n, pScale));
        const p = f64(p0); // (n) reference state
        const buf = new Float64Array(n); // (n)
        const tp = c.fromArray(p0, [n], 'param');
        const tbuf = c.fromArray(new Float32Array(n).fill(Number.NaN), [n], 'momentumBuffer'); // ignored on step 1
        const tg = c.tensor([n], 'grad');
        for (let k = 0; k < STEPS; k++) {
          const g = f32(normal(n, 1000 * k + n, gScale)); // (n)
          c.write(tg, g);
          const o: optimizer.SgdOptions = {
            learningRate: lrAt(0.05, k),
            momentum: 0.9,
            dampening: k === 2 ? 0.1 : 0,
            weightDecay: 1e-2,
            nesterov,
            gradScale: 0.25,
            firstStep: k === 0,
          };
          optimizer.sgd(c, tp, tbuf, tg, o);
          ref.sgd(p, buf, f64(g), asF32(o));
          // Default 16 ulps: a few roundings per step, accumulated over STEPS steps of state (worst seen: ~8).
          assertClose(await c.read(tp), p, { label: `param step ${k + 1}` });
          assertClose(await c.read(tbuf), buf, { label: `momentumBuffer step ${k + 1}` });
        }
        c.release(tp, tbuf, tg);
      });
    }

    for (const decoupled of [false, true]) {
      it(`${decoupled ? 'adamw' : 'adam'} ${STEPS} steps, n=${n}, |g|~${gScale}, |p|~${pScale}`, async () => {
        const c = ctx();
        const p0 = f32(normal(n, n + 7, pScale));
        const p = f64(p0); // (n)
        const m = new Float64Array(n); // (n)
        const v = new Float64Array(n); // (n)
        const tp = c.fromArray(p0, [n], 'param');
        const tm = c.tensor([n], 'expAvg');
        const tv = c.tensor([n], 'expAvgSq');
        const tg = c.tensor([n], 'grad');
        for (let k = 0; k < STEPS; k++) {
          const g = f32(normal(n, 2000 * k + n, gScale)); // (n)
          c.write(tg, g);
          const o: optimizer.AdamOptions = {
            learningRate: lrAt(1e-2, k),
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weightDecay: decoupled ? 0.05 : 1e-3,
            decoupled,
            step: k + 1,
            gradScale: 0.5,
          };
          optimizer.adam(c, tp, tm, tv, tg, o);
          ref.adam(p, m, v, f64(g), asF32(o));
          // Default 16 ulps: sqrt, two divisions, the moment recurrences over STEPS steps (worst seen: ~8, m cancelling).
          assertClose(await c.read(tp), p, { label: `param step ${k + 1}` });
          assertClose(await c.read(tm), m, { label: `expAvg step ${k + 1}` });
          assertClose(await c.read(tv), v, { label: `expAvgSq step ${k + 1}` });
        }
        c.release(tp, tm, tv, tg);
      });
    }
  }

  it('momentum 0 leaves the buffer untouched', async () => {
    const c = ctx();
    const n = 33;
    const tp = c.fromArray(f32(normal(n, 1)), [n], 'param');
    const tbuf = c.fromArray(f32(normal(n, 2)), [n], 'momentumBuffer');
    const before = await c.read(tbuf);
    const tg = c.fromArray(f32(normal(n, 3)), [n], 'grad');
    optimizer.sgd(c, tp, tbuf, tg, { learningRate: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, gradScale: 1, firstStep: false });
    expect([...(await c.read(tbuf))]).toEqual([...before]);
    c.release(tp, tbuf, tg);
  });
});
