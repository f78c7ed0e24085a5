// The pretraining corpus index: parsing, array checks, and disjointness from the built-in benchmarks (no
// held-out emoji; only CJK glyphs and emoji, so no Fashion-MNIST class). The generated corpus in
// .cache/pretrain-corpus is checked too when it exists (it is not committed).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../platform/node';
import { CORPUS_FORMAT, checkCorpusArrays, checkCorpusDisjoint, parseCorpusIndex, type CorpusIndex } from './pretrainCorpus';

const heldOut = JSON.parse(readFileSync(join(repoRoot, 'public/data/emoji-styles/held-out.json'), 'utf8')) as { exclude: string[]; subgroups: string[] };
const fashionClasses = (JSON.parse(readFileSync(join(repoRoot, 'public/data/split-fashion-mnist/manifest.json'), 'utf8')) as { classes: string[] }).classes;

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
  });

  const built = join(repoRoot, '.cache/pretrain-corpus/index.json');
  it.skipIf(!existsSync(built))('the generated corpus (.cache/pretrain-corpus) is valid and disjoint from the benchmarks', () => {
    const ix = parseCorpusIndex(JSON.parse(readFileSync(built, 'utf8')) as unknown, built);
    expect(checkCorpusDisjoint(ix, heldOut)).toEqual([]);
    // Only glyph and emoji identities: nothing named like a Fashion-MNIST class, no package of it.
    expect(ix.classes.every((c) => c.kind === 'cjk' || c.kind === 'emoji')).toBe(true);
    expect(ix.packages.some((p) => /fashion|mnist/i.test(p.name))).toBe(false);
    expect(fashionClasses.length).toBe(10);
    expect(ix.classes.length).toBeGreaterThan(1000);
  });
});
