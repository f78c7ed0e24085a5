import { describe, expect, it } from 'vitest';
import { StepClock } from './stepClock';

describe('StepClock', () => {
  it('ignores the first (compiling) step and sleeps 0.85 × the fastest recent step', () => {
    const c = new StepClock(3);
    expect(c.sleepMs).toBe(0);
    c.record(60_000); // pipeline compiles
    expect(c.sleepMs).toBe(0);
    c.record(1000);
    c.record(900);
    expect(c.sleepMs).toBeCloseTo(765);
  });

  it('follows a machine that got slower once the fast steps leave the window', () => {
    const c = new StepClock(2);
    for (const ms of [5000, 100, 100, 400, 400]) c.record(ms);
    expect(c.sleepMs).toBeCloseTo(340);
  });
});
