import { describe, expect, it } from 'vitest';
import { DRIFT_PROBE_IMAGES, driftProbe, driftProbeSize } from './metrics';

describe('drift probe', () => {
  it('an even spread of at most 256 test images, and its size without the images', () => {
    for (const n of [0, 1, 20, 255, 256, 257, 1000, 10_000]) {
      const probe = driftProbe(Array.from({ length: n }, (_, i) => i));
      expect(probe.length, `n = ${n}`).toBe(driftProbeSize(n));
      expect(probe.length).toBeLessThanOrEqual(DRIFT_PROBE_IMAGES);
    }
    expect(driftProbe(Array.from({ length: 1000 }, (_, i) => i)).slice(0, 3)).toEqual([0, 4, 8]);
  });
});
