import { expect, it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal, rng } from '../testing/rng';
import * as ref from '../reference/crossEntropy';
import * as crossEntropy from './crossEntropy';

await describeGpu('crossEntropy kernel', (ctx) => {
  // (B, K, lo, hi, |logit| scale): full range, an inner task range with odd sizes, and the extreme case (±80).
  for (const [B, K, lo, hi, mag] of [[1, 1, 0, 1, 1], [5, 10, 0, 10, 2], [67, 100, 30, 47, 3], [9, 200, 10, 190, 80]] as const) {
    it(`loss, dlogits, mean and argmax B=${B} K=${K} range [${lo}, ${hi}) (|z|~${mag})`, async () => {
      const c = ctx();
      const logits = f32(normal(B * K, B + K, mag)); // (B, K)
      const r = rng(B);
      const labels = Uint32Array.from({ length: B }, () => lo + Math.floor(r() * (hi - lo))); // (B) absolute
      const t = {
        logits: c.fromArray(logits, [B, K], 'logits'),
        labels: c.fromArray(labels, [B], 'labels'),
        loss: c.tensor([B], 'loss'),
        dlogits: c.fromArray(new Float32Array(B * K).fill(NaN), [B, K], 'dlogits'), // stale NaNs must be overwritten
        lossMean: c.tensor([1], 'lossMean'),
        preds: c.tensor([B], 'preds', 'u32'),
      };
      crossEntropy.forward(c, t.loss, t.dlogits, t.logits, t.labels, B, K, lo, hi, { lossMean: t.lossMean });
      crossEntropy.argmax(c, t.preds, t.logits, B, K, lo, hi);
      const want = ref.forward(f64(logits), labels, B, K, lo, hi);
      const width = hi - lo;
      assertClose(await c.read(t.loss), want.loss, { reduction: width, label: 'loss' });
      assertClose(await c.read(t.lossMean), [want.mean], { reduction: B * width, label: 'mean' });
      // mag 1/B: dlogits is a difference of probabilities (≤ 1) scaled by 1/B; near one-hot rows cancel to ~0.
      assertClose(await c.read(t.dlogits), want.dlogits, { reduction: width, mag: 1 / B, label: 'dlogits' });
      expect([...(await c.readU32(t.preds))]).toEqual([...ref.argmax(f64(logits), B, K, lo, hi)]);
      c.release(...Object.values(t));
    });
  }
});
