import { it } from 'vitest';
import { assertClose } from '../testing/compare';
import { describeGpu } from '../testing/gpu';
import { f32, f64, normal } from '../testing/rng';
import * as ref from '../reference/softmax';
import * as softmax from './softmax';

await describeGpu('softmax kernel', (ctx) => {
  // (R, K, |x| scale, input scale): odd shapes, attention-score rows with 1/√64, and an extreme-range case
  // (logits ~ ±80 and beyond, where exp without max-subtraction overflows).
  for (const [R, K, mag, scale] of [[1, 1, 1, 1], [3, 7, 2, 1], [129, 197, 3, 0.125], [5, 1000, 80, 1]] as const) {
    it(`forward and backward R=${R} K=${K} (|x|~${mag}, scale ${scale})`, async () => {
      const c = ctx();
      const x = f32(normal(R * K, R + K, mag)); // (R, K)
      const dy = f32(normal(R * K, 9)); // (R, K)
      const tx = c.fromArray(x, [R, K], 'x');
      const tdy = c.fromArray(dy, [R, K], 'dy');
      const ty = c.tensor([R, K], 'y');
      const tdx = c.tensor([R, K], 'dx');
      softmax.forward(c, ty, tx, R, K, scale);
      softmax.backward(c, tdx, tdy, ty, R, K, scale);
      const y = ref.forward(f64(x), R, K, scale);
      assertClose(await c.read(ty), y, { reduction: K, label: 'y' });
      // Backward is checked against the reference backward at the GPU's own y, isolating this kernel's rounding.
      const gy = f64(await c.read(ty));
      // mag: dx is a difference of terms of size |y·dy|; with near one-hot rows (the ±80 case) it cancels to far
      // below them, so judge the error at the terms' rms, not at dx's own (tiny) rms.
      let ss = 0;
      for (let i = 0; i < R * K; i++) ss += (scale * gy[i]! * dy[i]!) ** 2;
      const termRms = Math.sqrt(ss / (R * K));
      assertClose(await c.read(tdx), ref.backward(f64(dy), gy, R, K, scale), { reduction: K, mag: termRms, label: 'dx' });
      c.release(tx, tdy, ty, tdx);
    });
  }
});
