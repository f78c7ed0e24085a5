import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/attentionFused';
import * as fused from './attentionFused';
import type { GpuContext } from '../gpu/context';
import { numel } from '../gpu/tensor';

// Both kernel families where this adapter runs both ('heads' needs subgroups of 8 lanes).
const families = (c: GpuContext): fused.Family[] => (c.subgroupSize === 8 ? ['rows', 'heads'] : ['rows']);

await describeGpu('attentionFused kernel', (ctx) => {
  // (B, N, H, D, |qkv| scale): one token; N not a multiple of the 4 rows an invocation owns; the embedded default's
  // shape (N = 17, D = 32) over more invocations than one workgroup; a near one-hot case (|q|,|k| ~ 6: scores of
  // ±100s); both register-array limits (N = 32, D = 64); and a qkv longer than one texture row (B·N·3C/4 > 1024).
  const cases = [
    [1, 1, 1, 4, 1],
    [2, 5, 2, 8, 1],
    [3, 17, 3, 32, 1],
    [2, 17, 1, 16, 6],
    [2, 32, 2, 64, 1],
    [9, 17, 3, 32, 1],
  ] as const;
  for (const [B, N, H, D, mag] of cases) {
    it(`forward and backward B=${B} N=${N} H=${H} D=${D} (|qkv|~${mag})`, async () => {
      const c = ctx();
      const C = H * D;
      const qkv = f32(normal(B * N * 3 * C, B * N + C, mag)); // (B, N, 3C)
      const dout = f32(normal(B * N * C, 11)); // (B, N, C)
      const t = {
        qkv: c.fromArray(qkv, [B, N, 3 * C], 'qkv'),
        dout: c.fromArray(dout, [B, N, C], 'dout'),
        out: c.fromArray(new Float32Array(B * N * C).fill(NaN), [B, N, C], 'out'), // must be fully overwritten
        probs: c.fromArray(new Float32Array(B * H * N * N).fill(NaN), [B, H, N, N], 'probs'),
        dqkv: c.fromArray(new Float32Array(B * N * 3 * C).fill(NaN), [B, N, 3 * C], 'dqkv'),
        dScores: c.fromArray(new Float32Array(B * H * N * N).fill(NaN), [B, H, N, N], 'dScores'),
      };
      const f = ref.forward(f64(qkv), B, N, H, D);
      for (const fam of families(c)) {
        for (const x of [t.out, t.probs, t.dqkv, t.dScores]) c.write(x, new Float32Array(numel(x.shape)).fill(NaN)); // must be fully overwritten
        fused.forward(c, t.out, t.probs, t.qkv, B, N, H, D, N, fam);
        fused.backward(c, t.dqkv, t.dout, t.qkv, t.probs, t.dScores, B, N, H, D, N, fam);
        // Scores are D-term dot products; out and dq/dk/dv are N-term sums over them, hence reduction D + N.
        assertClose(await c.read(t.probs), f.probs, { reduction: D, label: `probs (${fam})` });
        assertClose(await c.read(t.out), f.out, { reduction: D + N, label: `out (${fam})` });
        // Backward against the reference backward at the GPU's own probs, isolating the backward kernel's rounding.
        const want = ref.backward(f64(dout), f64(qkv), f64(await c.read(t.probs)), B, N, H, D);
        assertClose(await c.read(t.dqkv), want, { reduction: D + N, label: `dqkv (${fam})` });
      }
      c.release(...Object.values(t));
    });
  }

  // The first Q query rows only (Q = 1: a ViT's last block needs just the CLS token): out and probs are those rows of
  // the full attention; backward is the full backward with dout zero on the other rows (their dq is 0, dk and dv
  // still come from every key row).
  for (const [B, N, H, D, Q] of [[3, 17, 3, 32, 1], [2, 11, 2, 8, 5]] as const) {
    it(`the first ${Q} query rows of B=${B} N=${N} H=${H} D=${D}`, async () => {
      const c = ctx();
      const C = H * D;
      const qkv = f32(normal(B * N * 3 * C, 5 * Q + N, 1)); // (B, N, 3C)
      const dout = f32(normal(B * Q * C, 12)); // (B, Q, C)
      const t = {
        qkv: c.fromArray(qkv, [B, N, 3 * C], 'qkv'),
        dout: c.fromArray(dout, [B, Q, C], 'dout'),
        out: c.fromArray(new Float32Array(B * Q * C).fill(NaN), [B, Q, C], 'out'),
        probs: c.fromArray(new Float32Array(B * H * Q * N).fill(NaN), [B, H, Q, N], 'probs'),
        dqkv: c.fromArray(new Float32Array(B * N * 3 * C).fill(NaN), [B, N, 3 * C], 'dqkv'),
        dScores: c.fromArray(new Float32Array(B * H * Q * N).fill(NaN), [B, H, Q, N], 'dScores'),
      };
      const f = ref.forward(f64(qkv), B, N, H, D);
      for (const fam of families(c)) {
        for (const x of [t.out, t.probs, t.dqkv, t.dScores]) c.write(x, new Float32Array(numel(x.shape)).fill(NaN));
        fused.forward(c, t.out, t.probs, t.qkv, B, N, H, D, Q, fam);
        fused.backward(c, t.dqkv, t.dout, t.qkv, t.probs, t.dScores, B, N, H, D, Q, fam);
        const rowsOf = (full: Float64Array, groups: number, width: number) => {
          const outRows = new Float64Array(groups * Q * width);
          for (let g = 0; g < groups; g++) outRows.set(full.subarray(g * N * width, (g * N + Q) * width), g * Q * width);
          return outRows;
        };
        const gpuProbs = await c.read(t.probs);
        assertClose(gpuProbs, rowsOf(f.probs, B * H, N), { reduction: D, label: `probs (${fam})` });
        assertClose(await c.read(t.out), rowsOf(f.out, B, C), { reduction: D + N, label: `out (${fam})` });
        // The full backward at the GPU's probs on the query rows, dout zero elsewhere.
        const probsAll = Float64Array.from(f.probs);
        for (let g = 0; g < B * H; g++) for (let i = 0; i < Q * N; i++) probsAll[g * N * N + i] = gpuProbs[g * Q * N + i]!;
        const doutAll = new Float64Array(B * N * C);
        for (let b = 0; b < B; b++) doutAll.set(f64(dout.subarray(b * Q * C, (b + 1) * Q * C)), b * N * C);
        const want = ref.backward(doutAll, f64(qkv), probsAll, B, N, H, D);
        assertClose(await c.read(t.dqkv), want, { reduction: D + N, label: `dqkv (${fam})` });
      }
      expect(() => fused.forward(c, t.dout, t.probs, t.qkv, B, N, H, D, N + 1)).toThrow(/query rows/);
      c.release(...Object.values(t));
    });
  }

  it('refuses a head that does not fit its register arrays, with the limits', () => {
    expect(fused.fits(17, 32)).toBe(true);
    expect(fused.fits(33, 16)).toBe(false); // N > 32
    expect(fused.fits(17, 68)).toBe(false); // D > 64
    expect(fused.fits(17, 6)).toBe(false); // D not a multiple of 4
    expect(fused.unfit(197, 64)).toMatch(/at most N = 32 tokens and a head of D = 64/);
    // qkv as a texture: 8192 rows of 1024 texels; 17 tokens × 3 × 32 floats = 408 texels a head → 20,560 heads fit, 20,561 not.
    expect(fused.fits(17, 32, 20560)).toBe(true);
    expect(fused.unfit(17, 32, 20561)).toMatch(/at most 8192 rows; this batch needs 8193/);
    const c = ctx();
    const x = c.tensor([1, 33, 48], 'x');
    expect(() => fused.forward(c, x, x, x, 1, 33, 1, 16)).toThrow(/attentionFused: the fused path holds at most/);
    c.release(x);
  });
});
