import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/attention';
import * as attention from './attention';

await describeGpu('attention kernel', (ctx) => {
  // (B, N, H, D, |qkv| scale): N = 1, 5, 17, 65 and D = 3, 8, 16, H = 1, 2, 3 (none a multiple of the 4×4 tile
  // everywhere), plus an extreme-range case: |q|,|k| ~ 6 gives scores of ±100s and near one-hot rows.
  const cases = [
    [1, 1, 1, 3, 1],
    [2, 5, 2, 8, 1],
    [1, 17, 3, 16, 1],
    [2, 65, 2, 3, 1],
    [1, 65, 3, 8, 1],
    [2, 17, 1, 16, 6],
  ] as const;
  // The fused path (its own kernels, checked the same way in attentionFused.gpu.test.ts) runs here on the cases that
  // fit it, through this launcher.
  const runs = [
    ...(['tiled', 'matmul'] as const).flatMap((p) => cases.map((k) => [p, k] as const)),
    ...cases.filter(([, N, , D]) => attention.fusedFits(N, D)).map((k) => ['fused', k] as const),
  ];
  for (const [path, [B, N, H, D, mag]] of runs) {
    it(`${path}: forward and backward B=${B} N=${N} H=${H} D=${D} (|qkv|~${mag})`, async () => {
      const c = ctx();
      const C = H * D;
      const qkv = f32(normal(B * N * 3 * C, B * N + C, mag)); // (B, N, 3C)
      const dout = f32(normal(B * N * C, 11)); // (B, N, C)
      const s = attention.scratchShapes(B, N, H, D);
      // Head buffers start as NaN too: every element the matmul path reads must have been written first.
      const nan = (label: string) => c.fromArray(new Float32Array(B * H * N * D).fill(NaN), s.heads, label);
      const heads = { q: nan('q'), k: nan('k'), v: nan('v'), g: nan('g') };
      const t = {
        qkv: c.fromArray(qkv, [B, N, 3 * C], 'qkv'),
        dout: c.fromArray(dout, [B, N, C], 'dout'),
        out: c.tensor([B, N, C], 'out'),
        probs: c.tensor(s.probs, 'probs'),
        dScores: c.tensor(s.dScores, 'dScores'),
        rowDot: c.tensor(s.rowDot, 'rowDot'),
        dqkv: c.fromArray(new Float32Array(B * N * 3 * C).fill(NaN), [B, N, 3 * C], 'dqkv'), // must be fully overwritten
      };
      attention.forward(c, t.out, t.probs, t.qkv, B, N, H, D, { heads, path });
      attention.backward(c, t.dqkv, t.dout, t.qkv, t.out, t.probs, { ...t, heads }, B, N, H, D, path);
      const f = ref.forward(f64(qkv), B, N, H, D);
      // Scores are D-term dot products; out and dq/dk/dv are N-term sums over them, hence reduction D + N.
      assertClose(await c.read(t.probs), f.probs, { reduction: D, label: 'probs' });
      assertClose(await c.read(t.out), f.out, { reduction: D + N, label: 'out' });
      // Backward against the reference backward at the GPU's own probs, isolating the backward kernels' rounding.
      const want = ref.backward(f64(dout), f64(qkv), f64(await c.read(t.probs)), B, N, H, D);
      assertClose(await c.read(t.dqkv), want, { reduction: D + N, label: 'dqkv' });
      c.release(...Object.values(t), ...Object.values(heads));
    });
  }

  it('fused: taken by auto only where a head fits its register arrays, refused with the limits elsewhere', () => {
    expect(attention.resolvePath('auto', true, 17, 32)).toBe('fused');
    expect(attention.resolvePath('auto', true, 197, 64)).toBe('matmul'); // ViT-Tiny
    expect(attention.resolvePath('auto', false, 65, 32)).toBe('tiled');
    expect(attention.resolvePath('auto', true, 17, 6)).toBe('matmul'); // D not a multiple of 4
    expect(() => attention.resolvePath('fused', true, 33, 16)).toThrow(/at most N = 32 tokens/);
  });
});
