// Mini-batches of indices for training and evaluation. Only indices and labels: the caller reads,
// decodes and preprocesses the images of one batch at a time, so a data set is never held decoded.
//
// Shuffling: epoch e of a run with seed s visits the items in the order of a Fisher–Yates shuffle of
// 0..n−1 driven by mulberry32(mixSeed(s, e)) (src/data/random.ts): reproducible per (seed, epoch),
// unrelated between epochs, and any epoch can be regenerated alone (resuming mid-run).
//
// The last partial batch (n % B items):
//   'drop'  left out (training: every step sees B images); when n < B this would leave no batch at
//           all, so the single batch is padded instead.
//   'pad'   filled up to B by repeating the batch's own first items; `count` real items, `mask` 1/0.
//           Fixed-size GPU buffers stay valid and padded rows are ignored via mask/count (evaluation).
//   'short' emitted with fewer than B items.
// Every index in 0..n−1 appears exactly once per epoch among the real (unpadded) items, except the
// items of a dropped batch.

import { fisherYates, mixSeed, mulberry32 } from './random';

export type LastBatch = 'drop' | 'pad' | 'short';

export interface Batch {
  /** Item indices (into the list the labels came from); length = B, or count for 'short'. */
  indices: Uint32Array;
  /** Label per slot (padded slots repeat a real item's label). */
  labels: Int32Array;
  /** Real items: the first `count` slots. */
  count: number;
  /** 1 for a real slot, 0 for padding. */
  mask: Float32Array;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle with this seed; omit for the items' own order (evaluation). */
  seed?: number;
  /** Epoch number, mixed into the seed. Default 0. */
  epoch?: number;
  last?: LastBatch;
}

/** The visiting order of epoch `epoch`: a permutation of 0..n−1. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return fisherYates(order, mulberry32(mixSeed(seed, epoch)));
}

/** Number of batches an epoch yields. */
export function batchCount(n: number, batchSize: number, last: LastBatch): number {
  if (n === 0) return 0;
  const full = Math.floor(n / batchSize);
  if (last === 'drop') return Math.max(full, 1);
  return Math.ceil(n / batchSize);
}

/** Yields the batches of one epoch over items labelled by `labels`. */
export function* batches(labels: ArrayLike<number>, options: BatchOptions): Generator<Batch> {
  const B = options.batchSize;
  if (!Number.isInteger(B) || B < 1) throw new Error(`batchSize must be a positive integer, got ${B}`);
  const n = labels.length;
  const last = options.last ?? 'drop';
  let order: Uint32Array;
  if (options.seed === undefined) {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  } else order = epochOrder(n, options.seed, options.epoch ?? 0);

  const nb = batchCount(n, B, last);
  for (let b = 0; b < nb; b++) {
    const start = b * B;
    const count = Math.min(B, n - start);
    const size = count === B || last !== 'short' ? B : count;
    const indices = new Uint32Array(size);
    const lab = new Int32Array(size);
    const mask = new Float32Array(size);
    for (let k = 0; k < size; k++) {
      const real = k < count;
      const idx = order[start + (real ? k : k % count)]!;
      indices[k] = idx;
      lab[k] = labels[idx]!;
      mask[k] = real ? 1 : 0;
    }
    yield { indices, labels: lab, count, mask };
  }
}

/** Training batches: shuffled per (seed, epoch), last partial batch dropped unless told otherwise. */
export function trainBatches(labels: ArrayLike<number>, batchSize: number, seed: number, epoch: number, last: LastBatch = 'drop'): Generator<Batch> {
  return batches(labels, { batchSize, seed, epoch, last });
}

/** Evaluation batches: items in order, the last batch padded (use `count` / `mask`). */
export function evalBatches(labels: ArrayLike<number>, batchSize: number): Generator<Batch> {
  return batches(labels, { batchSize, last: 'pad' });
}
