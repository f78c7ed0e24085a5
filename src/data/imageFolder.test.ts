// imageFolder: layouts detected from paths, problems reported (never thrown) and skipped, seeded
// split reproducible, built-ins through the same interface. Fixtures are small PNG/JPEG files
// generated here into a temp dir, read through src/platform/nodeFiles.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder, nodeReader } from '../platform/nodeFiles';
import { parseManifest } from './builtin';
import {
  classCounts,
  compareNatural,
  datasetFromManifest,
  finishDataset,
  loadImageFolder,
  parseSplitRecord,
  scanFolder,
  type FolderEntry,
  type ImageDataset,
  type IssueKind,
} from './imageFolder';
import { datasetProtocol } from './taskSplit';

let serial = 0;
/** A distinct 6×5 RGB PNG per call (content from a counter, so no accidental duplicates). */
function png(): Uint8Array {
  const k = ++serial;
  const data = Uint8Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 7 + k * 31) % 256);
  return encodePng({ width: 6, height: 5, data, channels: 3, depth: 8 });
}
function jpg(): Uint8Array {
  const k = ++serial;
  const data = Uint8Array.from({ length: 8 * 8 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i + k * 13) % 256));
  return new Uint8Array(encodeJpeg({ width: 8, height: 8, data }, 90).data);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes files (path → bytes or text; a path ending in '/' makes an empty folder) into a new temp dir. */
function makeTree(files: Record<string, Uint8Array | string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sdlora-folder-'));
  dirs.push(root);
  for (const [p, content] of Object.entries(files)) {
    const full = join(root, p);
    if (p.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  return root;
}

async function load(root: string, options: Parameters<typeof loadImageFolder>[2] = {}): Promise<ImageDataset> {
  const { entries, issues } = await listFolder(root);
  expect(issues).toEqual([]);
  return loadImageFolder(entries, nodeReader(root), options);
}

const kinds = (ds: ImageDataset) => ds.issues.map((i) => `${i.kind} ${i.path}`).sort();
const paths = (ims: { path: string }[]) => ims.map((i) => i.path);

describe('classes layout, with a wrapper folder and every kind of problem', async () => {
  const catBytes = png();
  const tree: Record<string, Uint8Array | string> = {
    'shapes/README.md': '# my data',
    'shapes/.DS_Store': 'junk',
    'shapes/cat/.hidden.png': png(),
    'shapes/cat/c0.png': catBytes,
    'shapes/cat/c5.jpg': jpg(),
    'shapes/dog/notes.txt': 'not an image',
    'shapes/dog/copy.png': catBytes, // same bytes as cat/c0.png
    'shapes/dog/broken.png': png().subarray(0, 40), // truncated
    'shapes/dog/fake.jpg': 'text pretending to be a JPEG',
    'shapes/bird/b0.gif': 'GIF89a',
    'shapes/empty/': '',
  };
  for (let i = 1; i < 5; i++) tree[`shapes/cat/c${i}.png`] = png();
  for (let i = 0; i < 6; i++) tree[`shapes/dog/d${i}.png`] = png();
  const root = makeTree(tree);
  const ds = await load(root, { seed: 7 });

  it('detects the layout and strips the wrapper', () => {
    expect(ds.layout).toBe('classes');
    expect(ds.root).toBe('shapes');
    expect(ds.name).toBe('shapes');
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.tasks).toBeNull();
  });

  it('reports and skips non-images, the corrupt file, the fake JPEG, the duplicate and empty classes', () => {
    const expected: string[] = [
      'corrupt shapes/dog/broken.png',
      'corrupt shapes/dog/fake.jpg',
      'duplicate shapes/dog/copy.png',
      'empty-class shapes/bird/',
      'empty-class shapes/empty/',
      'not-image shapes/bird/b0.gif',
      'not-image shapes/dog/notes.txt',
    ];
    expect(kinds(ds)).toEqual(expected.sort());
    const reason = (kind: IssueKind) => ds.issues.find((i) => i.kind === kind)!.reason;
    expect(reason('duplicate')).toContain('same bytes as shapes/cat/c0.png (class "cat", this file is in "dog")');
    expect(ds.issues.find((i) => i.path.endsWith('fake.jpg'))!.reason).toMatch(/^not a PNG or JPEG image \(starts with 74 65 78 74/);
    expect(ds.issues.find((i) => i.path.endsWith('broken.png'))!.reason).toMatch(/corrupt PNG/);
    expect(ds.issues.find((i) => i.path.endsWith('b0.gif'))!.reason).toMatch(/unsupported image format \.gif/);
    const all = [...paths(ds.train), ...paths(ds.test)];
    for (const bad of ['broken.png', 'fake.jpg', 'copy.png', 'notes.txt', '.hidden.png', 'b0.gif']) expect(all.some((p) => p.endsWith(bad))).toBe(false);
  });

  it('splits each class with the test fraction (6 images × 0.2 → 1 test) and records sizes', () => {
    expect(classCounts(ds)).toEqual([
      { className: 'cat', train: 5, test: 1 },
      { className: 'dog', train: 5, test: 1 },
    ]);
    const jpgImage = [...ds.train, ...ds.test].find((i) => i.path.endsWith('c5.jpg'))!;
    expect([jpgImage.width, jpgImage.height]).toEqual([8, 8]);
    expect(jpgImage.size).toBeGreaterThan(0);
    expect(ds.train.every((im) => ds.classes[im.label] === im.path.split('/')[1])).toBe(true);
    expect(ds.split!.test).toEqual(paths(ds.test).sort());
    expect(ds.split!.seed).toBe(7);
  });

  it('same seed → same split; other seeds differ; a saved split reproduces exactly', async () => {
    const again = await load(root, { seed: 7 });
    expect(paths(again.test)).toEqual(paths(ds.test));
    expect(paths(again.train)).toEqual(paths(ds.train));
    const tests = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) tests.add(paths((await load(root, { seed })).test).join());
    expect(tests.size).toBeGreaterThan(3);
    const saved = parseSplitRecord(JSON.parse(JSON.stringify(ds.split)));
    const replay = await load(root, { seed: 99, split: saved });
    expect(paths(replay.test)).toEqual(paths(ds.test));
    expect(replay.split).toEqual(ds.split);
  });

  it('testFraction 0.5 and 0 ', async () => {
    expect(classCounts(await load(root, { testFraction: 0.5 })).map((c) => c.test)).toEqual([3, 3]);
    const none = await load(root, { testFraction: 0 });
    expect(none.test).toEqual([]);
    expect(none.issues.some((i) => i.kind === 'no-test-images')).toBe(false);
  });

  it('keeps duplicates when asked, reporting them', async () => {
    const kept = await load(root, { dropDuplicates: false });
    expect(kept.issues.find((i) => i.kind === 'duplicate')!.reason).not.toContain('skipped');
    expect([...paths(kept.train), ...paths(kept.test)]).toContain('shapes/dog/copy.png');
  });
});

describe('train/test layout', async () => {
  const tree: Record<string, Uint8Array | string> = {
    'train/b/1.png': png(),
    'train/b/2.png': png(),
    'train/a/1.png': png(),
    'train/a/2.jpeg': jpg(),
    'test/a/3.png': png(),
    'TEST/b/3.PNG': png(), // folder and extension case do not matter
    'train/c/1.png': png(), // no test images: kept, warned
    'test/d/1.png': png(), // no training images: dropped
    'val/a/9.png': png(), // not train/ or test/
    'train/stray.png': png(), // outside a class folder
  };
  const root = makeTree(tree);
  const ds = await load(root);

  it('uses the folders as given, reports the rest', () => {
    expect(ds.layout).toBe('train-test');
    expect(ds.root).toBe('');
    expect(ds.classes).toEqual(['a', 'b', 'c']);
    expect(ds.split).toBeNull();
    expect(paths(ds.train)).toEqual(['train/a/1.png', 'train/a/2.jpeg', 'train/b/1.png', 'train/b/2.png', 'train/c/1.png']);
    expect(paths(ds.test)).toEqual(['test/a/3.png', 'TEST/b/3.PNG']);
    expect(ds.test.map((i) => i.label)).toEqual([0, 1]);
    expect(kinds(ds)).toEqual(['empty-class {train,test}/d/', 'misplaced train/stray.png', 'misplaced val/a/9.png', 'no-test-images {train,test}/c/']);
  });
});

describe('tasks layout', async () => {
  const tree: Record<string, Uint8Array | string> = {
    'task1/dog/1.png': png(),
    'task1/cat/1.png': png(),
    'task1/cat/2.png': png(),
    'task2/fish/1.png': png(),
    'task2/fish/2.png': png(),
    'task2/cat/3.png': png(), // cat belongs to task1
    'task10/owl/1.png': png(),
    'task10/owl/2.png': png(),
    'task10/fish/3.png': png(), // fish belongs to task2 (natural order), though 'task10' < 'task2' as text
    'task3/train/frog/1.png': png(),
    'task3/test/frog/2.png': png(),
  };
  const root = makeTree(tree);
  const ds = await load(root);

  it('one task per top folder in natural order, classes sorted globally, conflicts reported', () => {
    expect(ds.layout).toBe('tasks');
    expect(ds.classes).toEqual(['cat', 'dog', 'fish', 'frog', 'owl']);
    expect(ds.tasks).toEqual([['cat', 'dog'], ['fish'], ['frog'], ['owl']]);
    expect(kinds(ds)).toEqual(['class-conflict task10/fish/', 'class-conflict task2/cat/', 'too-few-images task1/dog/']);
    expect(paths(ds.test)).toContain('task3/test/frog/2.png');
    expect(paths(ds.train)).toContain('task3/train/frog/1.png');
    const p = datasetProtocol(ds);
    expect(p.tasks.map((t) => t.names)).toEqual([['cat', 'dog'], ['fish'], ['frog'], ['owl']]);
  });
});

describe('scanFolder (paths only)', () => {
  const e = (...ps: string[]): FolderEntry[] => ps.map((path) => ({ path, size: 1 }));

  it('auto: 2 levels → classes, 3 levels → tasks; layout option overrides', () => {
    expect(scanFolder(e('a/1.png', 'b/2.jpg')).layout).toBe('classes');
    expect(scanFolder(e('t1/a/1.png', 't2/b/2.jpg')).layout).toBe('tasks');
    const forced = scanFolder(e('a/x/1.png', 'b/y/2.jpg'), { layout: 'classes' });
    expect(forced.layout).toBe('classes');
    expect(forced.files.map((f) => f.className)).toEqual(['a', 'b']);
    expect(scanFolder(e('Train/a/1.png', 'Test/a/2.png')).layout).toBe('train-test');
  });

  it('a single top folder is a wrapper only if class folders remain below it', () => {
    expect(scanFolder(e('data/a/1.png', 'data/b/1.png')).root).toBe('data');
    expect(scanFolder(e('data/a/1.png', 'data/b/1.png')).layout).toBe('classes');
    expect(scanFolder(e('data/train/a/1.png', 'data/test/a/1.png')).layout).toBe('train-test');
    const stray = scanFolder(e('data/a/1.png', 'data/2.png'));
    expect(stray.root).toBe('');
    expect(scanFolder(e('x/a/1.png', 'y/b/1.png')).root).toBe('');
    expect(scanFolder(e('cat/1.png', 'cat/2.png')).root).toBe('');
  });

  it('backslashes and leading ./ are normalised for layout; paths are returned as given', () => {
    const s = scanFolder(e('.\\a\\1.png', './b/2.png'));
    expect(s.classFolders).toEqual(['a', 'b']);
    expect(s.files.map((f) => f.path)).toEqual(['.\\a\\1.png', './b/2.png']);
  });

  it('finishDataset drops a class left without images and gives a one-image class no test image', () => {
    const ds = finishDataset(scanFolder([...e('a/1.png', 'a/2.png', 'b/1.png'), { path: 'c/', size: 0 }]), { seed: 3 });
    expect(ds.classes).toEqual(['a', 'b']);
    expect(classCounts(ds)).toEqual([
      { className: 'a', train: 1, test: 1 },
      { className: 'b', train: 1, test: 0 },
    ]);
    expect(kinds(ds)).toEqual(['empty-class c/', 'too-few-images b/']);
    expect(() => finishDataset(scanFolder(e('a/1.png')), { testFraction: 1 })).toThrow(/testFraction/);
  });

  it('a file the reader cannot read is reported as unreadable and skipped; progress is reported', async () => {
    const bytes = new Map<string, Uint8Array>([
      ['a/1.png', png()],
      ['a/2.png', png()],
      ['b/1.png', png()],
      ['b/2.png', png()],
    ]);
    const read = async (p: string) => {
      if (p === 'b/2.png') throw new Error('EACCES: permission denied');
      return bytes.get(p)!;
    };
    const progress: number[] = [];
    const ds = await loadImageFolder(e(...bytes.keys(), 'b/3.png'), read, { onProgress: (done, total) => progress.push(done / total) });
    expect(kinds(ds)).toEqual(['too-few-images b/', 'unreadable b/2.png', 'unreadable b/3.png']);
    expect(ds.issues.find((i) => i.path === 'b/3.png')!.reason).toBe('cannot read: the reader returned no bytes');
    expect(ds.issues.find((i) => i.path === 'b/2.png')!.reason).toBe('cannot read: EACCES: permission denied');
    expect(progress.at(-1)).toBe(1);
    expect(progress).toHaveLength(5);
  });

  it('a 20,000-image folder: listed, verified one file at a time and split, with only paths and labels kept', async () => {
    // 40 classes × 500 distinct 6×5 PNGs, in memory; the reader hands out one file's bytes per call.
    const paths: string[] = [];
    for (let c = 0; c < 40; c++) for (let i = 0; i < 500; i++) paths.push(`class${String(c).padStart(2, '0')}/${i}.png`);
    // distinct bytes for every file (the shared png() helper repeats after 256 images)
    const distinct = (k: number) => {
      const data = Uint8Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 7 + k) % 256);
      data.set([k & 255, (k >> 8) & 255, (k >> 16) & 255]);
      return encodePng({ width: 6, height: 5, data, channels: 3, depth: 8 });
    };
    const files = new Map(paths.map((p, k) => [p, distinct(k)]));
    let reads = 0;
    const ds = await loadImageFolder(e(...paths), async (p) => (reads++, files.get(p)!));
    expect(reads).toBe(20_000); // every file read once (hash + decode), none twice
    expect(ds.issues).toEqual([]);
    expect(ds.classes).toHaveLength(40);
    expect(ds.train.length + ds.test.length).toBe(20_000);
    expect(classCounts(ds).every((c) => c.train + c.test === 500 && c.test > 0)).toBe(true);
    // the description holds no pixels: an image is its path, label, size and decoded width/height
    expect(Object.keys(ds.train[0]!).sort()).toEqual(['height', 'label', 'path', 'size', 'width']);
  }, 120_000);

  it('natural order for task folders', () => {
    expect(['task10', 'task2', 'task1', 'Task3'].sort(compareNatural)).toEqual(['Task3', 'task1', 'task2', 'task10']);
  });
});

describe('built-ins through the same interface', () => {
  it('split-fashion-mnist as an ImageDataset with its default tasks', () => {
    const root = resolve(__dirname, '../../public/data');
    const m = parseManifest(JSON.parse(readFileSync(join(root, 'split-fashion-mnist/manifest.json'), 'utf8')) as unknown);
    const ds = datasetFromManifest(m);
    expect(ds.classes).toEqual(m.classes);
    expect(ds.train.length).toBe(m.classes.length * m.perClass.train);
    expect(ds.test.length).toBe(m.classes.length * m.perClass.test);
    expect(ds.train[0]!.path.startsWith('split-fashion-mnist/train/')).toBe(true);
    const p = datasetProtocol(ds);
    expect(p.tasks).toHaveLength(5);
    expect(p.tasks.flatMap((t) => t.names).sort()).toEqual([...m.classes].sort());
  });
});
