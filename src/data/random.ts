// Seeded, platform-free random numbers and hashing for the data pipeline.
//
// Two generators, each chosen for one job:
// - `Mt19937` + `numpyPermutation`: bit-exact numpy legacy `np.random.seed(s); np.random.permutation(n)`,
//   the class order of the official SD-LoRA code (spec §9.2). Checked against spec Appendix A.
// - `mulberry32`: a tiny 32-bit generator for everything the spec does not fix (train/test split,
//   per-epoch shuffles, initialisation); src/testing/rng.ts builds the test inputs on it.
// And `fnv1a64`: a fast non-cryptographic hash of file bytes for duplicate detection.

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n) from a [0, 1) generator (n ≤ 2^32; the bias of floor(u·n) is < n/2^32). */
export function randomBelow(next: () => number, n: number): number {
  return Math.floor(next() * n);
}

/**
 * In-place Fisher–Yates: for i = n−1 down to 1, swap a[i] with a[j], j uniform in [0, i].
 * Returns `a`.
 */
export function fisherYates<T extends { length: number; [i: number]: unknown }>(a: T, next: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomBelow(next, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Mixes two 32-bit numbers into a seed (so (seed, epoch) pairs give unrelated streams). */
export function mixSeed(a: number, b: number): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (b >>> 0), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ Math.imul(b >>> 0, 0x27d4eb2f), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Seed from a string (FNV-1a 32 of its UTF-16 code units). */
export function stringSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// ---- Mersenne Twister, exactly as numpy's legacy RandomState -------------------------------------

/** MT19937 (Matsumoto & Nishimura), seeded like numpy's `RandomState(seed)` for an integer seed (init_genrand). */
export class Mt19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`Mt19937: seed must be an integer in [0, 2^32), got ${seed}`);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(prev, 1812433253) + i) >>> 0;
    }
  }

  /** genrand_int32: the next 32-bit output. */
  nextU32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
        mt[i] = mt[(i + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's `random_interval(max)`: uniform in [0, max] by masked rejection (max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextU32() & mask) >>> 0;
    while (v > max);
    return v;
  }
}

/**
 * `np.random.seed(seed); np.random.permutation(n)` (legacy RandomState): arange(n) shuffled by
 * Fisher–Yates from the top, j = random_interval(i) for i = n−1 … 1.
 */
export function numpyPermutation(n: number, seed: number): number[] {
  const rng = new Mt19937(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.interval(i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

// ---- hashing -----------------------------------------------------------------------------------

/**
 * FNV-1a 64 over bytes, as 16 hex digits. The 64-bit multiply by the FNV prime 2^40 + 0x1b3 is
 * done on 32-bit halves: h·0x1b3 plus h shifted left by 40 (which only touches the high word).
 * 64 bits so that accidental collisions stay negligible for millions of files.
 */
export function fnv1a64(bytes: Uint8Array): string {
  let lo = 0x84222325;
  let hi = 0xcbf29ce4;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i]!;
    const l = (lo >>> 0) * 0x1b3; // < 2^41: exact in a double
    const newLo = l >>> 0;
    const carry = (l - newLo) / 4294967296;
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = newLo;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
