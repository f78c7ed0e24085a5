// Per-dispatch GPU timing with timestamp queries, used by GpuContext.startProfiling()/stopProfiling().
// Each profiled dispatch runs in its own compute pass whose beginning and end write a timestamp; at every
// submit the used queries are resolved and read back asynchronously, and the durations are summed per label.

/** GPU time spent in one kernel entry point at one grid size. */
export interface ProfileEntry {
  label: string; // "kernel.entry X×Y×Z"
  count: number;
  ms: number;
}

const CAPACITY = 1024; // dispatches per submit

export class DispatchProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private labels: string[] = [];
  private staging: GPUBuffer | null = null;
  private readonly pending: Promise<void>[] = [];
  private readonly totals = new Map<string, ProfileEntry>();

  /** `wait`: how the context waits for a GPU promise (GpuContext's waitFor), so the readbacks poll as its waits do. */
  constructor(
    private readonly device: GPUDevice,
    private readonly wait: <T>(start: () => Promise<T>) => Promise<T>,
  ) {
    this.querySet = device.createQuerySet({ label: 'profiler.queries', type: 'timestamp', count: 2 * CAPACITY });
    this.resolveBuffer = device.createBuffer({
      label: 'profiler.resolve',
      size: 16 * CAPACITY,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  get full(): boolean {
    return this.labels.length >= CAPACITY;
  }

  /** Timestamp writes for the pass of the next dispatch. */
  next(label: string): GPUComputePassTimestampWrites {
    const i = this.labels.length;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records the resolve of this submit's queries at the end of `encoder`. */
  resolve(encoder: GPUCommandEncoder): void {
    const n = this.labels.length;
    if (!n) return;
    this.staging = this.device.createBuffer({ label: 'profiler.staging', size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.staging, 0, 16 * n);
  }

  /** After the submit: reads the resolved timestamps back when they are ready. */
  collect(): void {
    const staging = this.staging;
    const labels = this.labels;
    this.staging = null;
    this.labels = [];
    if (!staging) return;
    this.pending.push(
      this.wait(() => staging.mapAsync(GPUMapMode.READ)).then(() => {
        const t = new BigInt64Array(staging.getMappedRange());
        for (let i = 0; i < labels.length; i++) {
          const ms = Number(t[2 * i + 1]! - t[2 * i]!) / 1e6;
          const e = this.totals.get(labels[i]!) ?? { label: labels[i]!, count: 0, ms: 0 };
          e.count++;
          e.ms += Math.max(0, ms);
          this.totals.set(e.label, e);
        }
        staging.unmap();
        staging.destroy();
      }),
    );
  }

  async finish(): Promise<ProfileEntry[]> {
    await Promise.all(this.pending.splice(0));
    return [...this.totals.values()].sort((a, b) => b.ms - a.ms);
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
