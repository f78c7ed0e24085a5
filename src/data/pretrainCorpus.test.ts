// The pretraining corpus index: parsing, array checks, and disjointness from the built-in benchmarks (no
// held-out emoji; only CJK glyphs and emoji, so no Fashion-MNIST class). The generated corpus itself (not
// committed) is checked with the same functions by its generator and again by `npm run pretrain` when loaded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../platform/node';
import { CORPUS_FORMAT, checkCorpusArrays, checkCorpusDisjoint, parseClassCounts, parseCorpusIndex, subsetCorpus, type Corpus, type CorpusIndex } from './pretrainCorpus';

const heldOut = JSON.parse(readFileSync(join(repoRoot, 'public/data/emoji-styles/held-out.json'), 'utf8')) as { exclude: string[]; subgroups: string[] };

function index(over: Partial<CorpusIndex> = {}): CorpusIndex {
  return {
    format: CORPUS_FORMAT,
    image: { width: 2, height: 2, channels: 3 },
    count: 3,
    classes: [
      { kind: 'cjk', key: '4e00', char: '一' },
      { kind: 'emoji', key: '1f600', char: '😀' },
    ],
    renditions: [{ name: 'font:x', package: 'p' }],
    packages: [{ name: 'p', version: '1', registry: 'debian', license: 'OFL-1.1', used: 'x' }],
    seed: 1,
    params: {},
    files: { images: 'images.u8', labels: 'labels.u32', meta: 'meta.u8' },
    hashes: { images: '0', labels: '0', meta: '0' },
    splits: { train: 2, val: 1 },
    ...over,
  };
}

describe('pretraining corpus index', () => {
  it('parses a valid index and checks its arrays', () => {
    const ix = parseCorpusIndex(JSON.parse(JSON.stringify(index())) as unknown);
    checkCorpusArrays({ index: ix, images: new Uint8Array(3 * 12), labels: Uint32Array.from([0, 1, 1]), meta: Uint8Array.from([0, 0, 0, 0, 0, 1]) });
    expect(() => checkCorpusArrays({ index: ix, images: new Uint8Array(3 * 12), labels: Uint32Array.from([0, 2, 1]), meta: new Uint8Array(6) })).toThrow(/label 2/);
    expect(() => checkCorpusArrays({ index: ix, images: new Uint8Array(3 * 12), labels: Uint32Array.from([0, 0, 0]), meta: Uint8Array.from([0, 0, 0, 0, 0, 1]) })).toThrow(/no image/);
  });

  it('rejects a bad index with every problem named', () => {
    const bad = index({ classes: [{ kind: 'cjk', key: '4e00', char: '一' }, { kind: 'cjk', key: '4e00', char: '一' }], splits: { train: 1, val: 1 } });
    expect(() => parseCorpusIndex(bad)).toThrow(/listed twice.*splits/);
    expect(() => parseCorpusIndex({ ...index(), format: 'x' })).toThrow(/format/);
  });

  it('flags held-out emoji and non-CJK glyph classes', () => {
    const banned = heldOut.exclude[0]!;
    const ix = index({ classes: [{ kind: 'emoji', key: banned, char: '?' }, { kind: 'cjk', key: '41', char: 'A' }, { kind: 'cjk', key: '4e00', char: '一' }] });
    expect(checkCorpusDisjoint(ix, heldOut)).toEqual([`emoji:${banned}`, 'cjk:41 (not a CJK unified ideograph)']);
    expect(checkCorpusDisjoint(index(), heldOut)).toEqual([]);
    // A silhouette class is its seed: key and name must agree (anything else did not come from src/data/shapes.ts).
    const shapes = index({ classes: [{ kind: 'shape', key: (4660).toString(16), char: 'shape 4660' }, { kind: 'shape', key: '12', char: 'a coat' }] });
    expect(checkCorpusDisjoint(shapes, heldOut)).toEqual(['shape:12 (not a generated silhouette)']);
  });
});

describe('subsetCorpus', () => {
  it('keeps every image of n seeded classes, relabelled in draw order, deterministic per seed', () => {
    const K = 10;
    const per = 2 * 2 * 3;
    const labels = Uint32Array.from({ length: 30 }, (_, i) => i % K);
    const images = Uint8Array.from({ length: 30 * per }, (_, p) => Math.floor(p / per)); // image i filled with i
    const meta = new Uint8Array(60).map((_, p) => (p % 2 === 1 && p / 2 >= 28 ? 1 : 0)); // images 28, 29 held out
    const corpus = {
      index: { image: { width: 2, height: 2, channels: 3 }, count: 30, classes: Array.from({ length: K }, (_, k) => ({ kind: 'cjk', key: String(k), char: String(k) })), splits: { train: 28, val: 2 } },
      images,
      labels,
      meta,
    } as unknown as Corpus;
    const a = subsetCorpus(corpus, 4, 7);
    const b = subsetCorpus(corpus, 4, 7);
    expect(a.index.classes).toEqual(b.index.classes);
    expect(a.index.classes.length).toBe(4);
    expect(a.index.count).toBe(12);
    for (let j = 0; j < a.index.count; j++) {
      const original = a.images[j * per]!; // the original image index
      expect(a.index.classes[a.labels[j]!]!.key).toBe(String(original % K));
      expect(a.meta[2 * j + 1]).toBe(original >= 28 ? 1 : 0);
    }
    expect(a.index.splits.train + a.index.splits.val).toBe(12);
    expect(() => subsetCorpus(corpus, 11, 1)).toThrow(/2\.\.10 classes/);
  });

  it('keeps the first counts[kind] classes of each kind in the same draw', () => {
    const kinds = ['cjk', 'cjk', 'cjk', 'cjk', 'emoji', 'emoji', 'emoji', 'digit', 'digit', 'digit'];
    const per = 2 * 2 * 3;
    const corpus = {
      index: { image: { width: 2, height: 2, channels: 3 }, count: 10, classes: kinds.map((kind, k) => ({ kind, key: String(k), char: String(k) })), splits: { train: 10, val: 0 } },
      images: Uint8Array.from({ length: 10 * per }, (_, p) => Math.floor(p / per)),
      labels: Uint32Array.from({ length: 10 }, (_, i) => i),
      meta: new Uint8Array(20),
    } as unknown as Corpus;
    const s = subsetCorpus(corpus, { cjk: 2, digit: 3 }, 7);
    const got = s.index.classes.map((c) => c.kind).sort();
    expect(got).toEqual(['cjk', 'cjk', 'digit', 'digit', 'digit']);
    // the kept cjk classes are the first two cjk classes of the 2-across-all draw's permutation
    const all = subsetCorpus(corpus, 10, 7).index.classes.filter((c) => c.kind === 'cjk').slice(0, 2);
    expect(s.index.classes.filter((c) => c.kind === 'cjk')).toEqual(all);
    expect(() => subsetCorpus(corpus, { emoji: 4 }, 1)).toThrow(/4 emoji classes; the corpus has 3/);
    expect(parseClassCounts('681')).toBe(681);
    expect(parseClassCounts('cjk:400, digit:10')).toEqual({ cjk: 400, digit: 10 });
    expect(() => parseClassCounts('font:3')).toThrow(/kind:N/);
  });
});
