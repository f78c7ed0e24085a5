// Kernel self-check: runs each kernel on seeded random inputs and compares it with the float64
// reference. The same list runs in the browser (the engine page, e2e tests) and in the CLI demo,
// so a user can see on their own device that the GPU computes what the references say.

import type { GpuContext } from '../gpu/context';
import { compare } from '../testing/compare';
import { f32, f64, normal } from '../testing/rng';
import { presets, type ViTConfig } from '../model/vit/config';
import { GpuViT } from '../model/vit/gpuVit';
import * as geluRef from '../reference/gelu';
import * as matmulRef from '../reference/matmul';
import * as vitRef from '../reference/vit';
import { randomParams } from '../testing/vitFixtures';
import * as gelu from './gelu';
import * as matmul from './matmul';

export interface CheckResult {
  name: string;
  ok: boolean;
  maxAbsError: number;
  toleranceRatio: number; // max |err| / tolerance (≤ 1 passes)
  ms: number;
  detail: string;
}

export interface Check {
  name: string;
  run(ctx: GpuContext): Promise<Omit<CheckResult, 'name' | 'ms'>>;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export const checks: Check[] = [
  {
    name: 'gelu forward + backward (n=4099)',
    async run(ctx) {
      const n = 4099;
      const x = f32(normal(n, 1, 3));
      const dy = f32(normal(n, 2));
      const tx = ctx.fromArray(x, [n], 'x');
      const tdy = ctx.fromArray(dy, [n], 'dy');
      const ty = ctx.tensor([n], 'y');
      const tdx = ctx.tensor([n], 'dx');
      gelu.forward(ctx, ty, tx);
      gelu.backward(ctx, tdx, tdy, tx);
      const a = compare(await ctx.read(ty), geluRef.forward(f64(x)), { ulps: 64, label: 'y' });
      const b = compare(await ctx.read(tdx), geluRef.backward(f64(dy), f64(x)), { ulps: 64, label: 'dx' });
      ctx.release(tx, tdy, ty, tdx);
      const worst = a.maxRatio >= b.maxRatio ? a : b;
      return { ok: a.ok && b.ok, maxAbsError: Math.max(a.maxAbs, b.maxAbs), toleranceRatio: worst.maxRatio, detail: worst.message };
    },
  },
  {
    name: 'matmul NT + bias + GELU, 197×576×192 (ViT qkv shape)',
    async run(ctx) {
      const [M, N, K] = [197, 576, 192];
      const a = f32(normal(M * K, 3));
      const b = f32(normal(N * K, 4, 0.1));
      const bias = f32(normal(N, 5));
      const ta = ctx.fromArray(a, [M, K], 'a');
      const tb = ctx.fromArray(b, [N, K], 'b');
      const tbias = ctx.fromArray(bias, [N], 'bias');
      const tc = ctx.tensor([M, N], 'c');
      matmul.nt(ctx, { c: tc, a: ta, b: tb, bias: tbias, activation: 'gelu' });
      const want = matmulRef.forward({ layout: 'NT', M, N, K, batch: 1, gelu: true }, { a: f64(a), b: f64(b), bias: f64(bias) }).c;
      const r = compare(await ctx.read(tc), want, { reduction: K, ulps: 64, label: 'c' });
      ctx.release(ta, tb, tbias, tc);
      return { ok: r.ok, maxAbsError: r.maxAbs, toleranceRatio: r.maxRatio, detail: r.message };
    },
  },
  {
    name: 'whole ViT with two SD-LoRA components: logits, loss, dα, dU, dD',
    async run(ctx) {
      const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
      const C = config.width;
      const B = 2;
      const params = randomParams(config, 7);
      const mk = (rank: number, seed: number) =>
        Array.from({ length: config.depth }, (_, l) => [
          { U: f64(f32(normal(C * rank, seed + 4 * l, 0.3))), D: f64(f32(normal(rank * C, seed + 4 * l + 1, 0.3))) },
          { U: f64(f32(normal(C * rank, seed + 4 * l + 2, 0.3))), D: f64(f32(normal(rank * C, seed + 4 * l + 3, 0.3))) },
        ]);
      const targets = ['q', 'v'] as const;
      const comps: vitRef.LoraComponent[] = [
        { rank: 2, alpha: 0.9, normalized: true, targets, blocks: mk(2, 100) },
        { rank: 2, alpha: 0.8, normalized: false, targets, blocks: mk(2, 200) },
      ];
      const S = config.imageSize;
      const raw = f32(normal(B * 3 * S * S, 11, 0.3).map((v) => 0.5 + v));
      const labels = [1, 2];
      const want = vitRef.lossAndGrads(config, vitRef.toFloat64(params), comps, f64(raw), labels, 0, 4);
      const vit = new GpuViT(ctx, config, params, { batch: B, mode: 'lora', lora: { frozenRanks: [2], trainableRank: 2 } });
      const frob = (a: Float64Array) => Math.sqrt(a.reduce((x, y) => x + y * y, 0));
      vit.setLora({
        alphaFrozen: Float32Array.of(0.9),
        alphaTrainable: 0.8,
        invNorms: Float32Array.from(comps[0]!.blocks.flatMap((b) => b.map((f) => 1 / (frob(f.U) * frob(f.D))))),
        frozen: comps[0]!.blocks.map((b) => b.map((f) => ({ U: f32(f.U), D: f32(f.D) }))),
        trainable: comps[1]!.blocks.map((b) => b.map((f) => ({ U: f32(f.U), D: f32(f.D) }))),
      });
      const norm = raw.map((v, i) => (v - config.mean[Math.floor(i / (S * S)) % 3]!) / config.std[Math.floor(i / (S * S)) % 3]!);
      const images = ctx.fromArray(norm, [B, 3, S, S], 'images');
      const labelT = ctx.fromArray(Uint32Array.from(labels), [B], 'labels');
      const logits = vit.forward(images);
      const { loss, dlogits } = vit.loss(labelT, 0, 4);
      vit.backward(dlogits);
      // 2e-5 relative: float32 through ~20 kernels per block (see src/model/vit/gpuVit.gpu.test.ts).
      const ulps = 2e-5 / 2 ** -23;
      const reps = [
        compare(await ctx.read(logits), want.logits, { ulps, label: 'logits' }),
        compare(await ctx.read(loss), [want.loss], { ulps, label: 'loss' }),
        compare(await ctx.read(vit.grads.get('lora.alphaFrozen')!), [want.grads.alpha[0]!], { ulps, label: 'dα frozen' }),
        compare(await ctx.read(vit.grads.get('lora.alphaTrainable')!), [want.grads.alpha[1]!], { ulps, label: 'dα trainable' }),
        compare(await ctx.read(vit.grads.get('lora.0.q.U')!), want.grads.lora[1]![0]![0]!.U, { ulps, label: 'dU' }),
        compare(await ctx.read(vit.grads.get('lora.1.v.D')!), want.grads.lora[1]![1]![1]!.D, { ulps, label: 'dD' }),
      ];
      vit.destroy();
      ctx.release(images, labelT);
      const worst = reps.reduce((w, r) => (r.maxRatio > w.maxRatio ? r : w));
      return { ok: reps.every((r) => r.ok), maxAbsError: Math.max(...reps.map((r) => r.maxAbs)), toleranceRatio: worst.maxRatio, detail: worst.message };
    },
  },
];

/** Runs every check; a thrown error becomes a failed result rather than stopping the list. */
export async function runChecks(ctx: GpuContext, onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of checks) {
    const t0 = now();
    let r: CheckResult;
    try {
      r = { name: c.name, ...(await c.run(ctx)), ms: now() - t0 };
    } catch (e) {
      r = { name: c.name, ok: false, maxAbsError: NaN, toleranceRatio: NaN, ms: now() - t0, detail: String((e as Error).message ?? e) };
    }
    results.push(r);
    onResult?.(r);
  }
  return results;
}
