// The subgroup kernels against the reference are tested through their caller, attentionFused.gpu.test.ts (every case
// there runs both families where the adapter has subgroups of 8). Here: they run only on such adapters, and on the
// embedded default's shape they agree with the per-row kernels entry by entry (the same sums in the same order: the
// subgroup kernels only change which lane fetches a row, so the results are bit-identical).
import { expect, it } from 'vitest';
import { createNodeContext } from '../platform/node';
import { describeGpu } from '../testing/gpu';
import { f32, normal } from '../testing/rng';
import * as fused from './attentionFused';
import * as subgroup from './attentionSubgroup';

await describeGpu('attentionSubgroup kernel', (ctx) => {
  it('B=4 N=17 H=3 D=32: forward and backward bit-identical to the per-row kernels', async () => {
    const c = ctx();
    if (subgroup.unfit(c)) return expect(fused.family(c, 17)).toBe('rows');
    expect(fused.family(c, 17)).toBe('heads');
    expect(fused.family(c, 1)).toBe('rows'); // the CLS row alone would leave 7 lanes idle
    const [B, N, H, D] = [4, 17, 3, 32];
    const C = H * D;
    const qkv = c.fromArray(f32(normal(B * N * 3 * C, 3, 2)), [B, N, 3 * C], 'qkv');
    const dout = c.fromArray(f32(normal(B * N * C, 4)), [B, N, C], 'dout');
    const outs = [];
    for (const fam of ['rows', 'heads'] as const) {
      const t = { out: c.tensor([B, N, C]), probs: c.tensor([B, H, N, N]), dqkv: c.tensor([B, N, 3 * C]), dScores: c.tensor([B, H, N, N]) };
      fused.forward(c, t.out, t.probs, qkv, B, N, H, D, N, fam);
      fused.backward(c, t.dqkv, dout, qkv, t.probs, t.dScores, B, N, H, D, N, fam);
      outs.push(await Promise.all([t.out, t.probs, t.dqkv, t.dScores].map((x) => c.read(x))));
      c.release(...Object.values(t));
    }
    for (let i = 0; i < 4; i++) expect(outs[1]![i]).toEqual(outs[0]![i]);
    c.release(qkv, dout);
  });

  it('refuses an adapter without subgroups of 8, which then takes the per-row kernels', async () => {
    const sw = await createNodeContext({ adapter: 'swiftshader' }).catch(() => null);
    if (!sw) return; // no SwiftShader here (node.gpu.test.ts requires it in CI)
    try {
      expect(subgroup.unfit(sw)).toMatch(/subgroups of 8 lanes \(this adapter: 4\)/);
      expect(fused.family(sw, 17)).toBe('rows');
    } finally {
      sw.destroy();
    }
  });
});
