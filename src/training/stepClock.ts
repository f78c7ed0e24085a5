// How long to sleep before awaiting a training step's results. Dawn for Node busy-polls a CPU core while a GPU
// promise is pending, which on a software GPU steals that core from the GPU itself, so the runners sleep through
// most of the expected step time first (GpuContext.read/flush `expectedMs`). The estimate is the fastest of the
// last few steps, never the first one seen (it compiles pipelines, possibly for minutes): an average would be
// dragged up by one slow step and then, since every step lasts at least the sleep, come down only by a few per
// cent per step.

export class StepClock {
  private readonly recent: number[] = [];
  private seen = 0;

  constructor(private readonly window = 8) {}

  /** Records the wall time of one finished step. */
  record(ms: number): void {
    if (this.seen++ === 0) return;
    this.recent.push(ms);
    if (this.recent.length > this.window) this.recent.shift();
  }

  /** Milliseconds worth sleeping before awaiting the next step (0 until a step after the first is seen). */
  get sleepMs(): number {
    return this.recent.length ? 0.85 * Math.min(...this.recent) : 0;
  }
}
