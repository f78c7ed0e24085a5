import { describe, expect, it } from 'vitest';
import { lossRoseWarning } from './experiment';

describe('diverging-run warning', () => {
  it('warns when the loss ends well above where it started and above chance', () => {
    const rising = [0.7, 0.6, 0.9, 1.5, 2.4, 3.1, 4.0, 5.2, 6.0, 7.7];
    const msg = lossRoseWarning(rising, 2, 0.05)!;
    expect(msg).toContain('rose from 0.700 to 7.700 (chance level 0.693)');
    expect(msg).toContain('Lower the learning rate (now 0.05)');
  });

  it('stays quiet for a healthy or a merely noisy task', () => {
    expect(lossRoseWarning([0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.2, 0.18, 0.15, 0.1], 2, 0.01)).toBeNull();
    // ends higher than it started, but below chance: noise around a learned task, not divergence
    expect(lossRoseWarning([0.1, 0.2, 0.3, 0.35, 0.3, 0.4, 0.3, 0.4, 0.5, 0.6], 2, 0.01)).toBeNull();
    expect(lossRoseWarning([1, 9], 2, 0.01)).toBeNull(); // too few steps to judge
  });
});
