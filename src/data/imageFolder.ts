// A user's image folder (or a built-in benchmark) → a dataset description for class-incremental learning.
//
// Platform-free: the input is a list of relative paths with sizes (Node: src/platform/nodeFiles.ts;
// browser: a directory picker's File list) and, for the checks that need the bytes, a reader
// `(path) => Promise<Uint8Array>`. Images are never kept: the description holds paths and labels.
//
// Three steps, or `loadImageFolder` for all of them:
//   scanFolder(entries)        paths only: layout, classes, tasks; non-images and misplaced files reported
//   verifyFiles(scan, read)    reads every file once: unreadable, duplicate (FNV-1a 64 of the bytes), corrupt (decode)
//   finishDataset(scan)        drops empty classes, makes the seeded train/test split if the folder has none
// Problems never throw: each becomes an Issue {path, kind, reason} and the file (or class) is left out.
//
// ---- Layouts ----
// Paths use '/' and are relative to the chosen folder. A directory may be listed as 'name/' (size 0),
// so that a class folder without usable images is reported. While every file lies inside one common
// folder that is not train/ or test/, and every image is at least two folders below it, that folder
// is taken as a wrapper (e.g. 'my-data/…' from a zip or a directory picker) and kept as `root`.
//   'classes'     <class>/<image>                      → seeded split
//   'train-test'  train/<class>/<image>, test/<class>/<image>   (folder names case-insensitive)
//   'tasks'       <task>/<class>/<image> or <task>/{train,test}/<class>/<image>: one task per top folder,
//                 tasks in natural order (task2 before task10), classes unique across tasks.
// Deeper nesting inside a class folder is flattened into that class.
// layout 'auto' (default) decides from the paths of the image files:
//   1. a top folder named train or test          → 'train-test'
//   2. most images exactly 2 levels deep (a/b.png) → 'classes'
//   3. most images 3 or more levels deep           → 'tasks'
// so a `class/subfolder/image` tree needs `layout: 'classes'`.
// Class names (= folder names) are sorted by UTF-16 code units, like Python's sorted() and so
// torchvision's ImageFolder: label = index in that order, the "original class id" of spec §9.1.
//
// ---- What is skipped ----
// Silently: hidden names (starting with '.'), __MACOSX/, Thumbs.db, desktop.ini, and .json/.md/.txt
// files at the top level (metadata such as a saved split or a licence). Reported: every other
// non-PNG/JPEG file (by extension: .png .jpg .jpeg .jpe, case-insensitive), images outside any class
// folder, and, after reading, unreadable files, duplicates (identical bytes: the first in the order
// train before test, then path, is kept) and files that fail to decode.
//
// ---- Seeded split (layouts without train/test) ----
// For each class: its paths sorted, shuffled by Fisher–Yates driven by
// mulberry32(mixSeed(seed, stringSeed(className))) (src/data/random.ts), the first
// clamp(round(n·testFraction), 1, n − 1) go to test (a class of one image stays in train, reported).
// A per-class stream keeps each class's split unchanged when other classes come or go.
// The result lists the test paths (`SplitRecord`), so passing it back as `options.split` reproduces the
// split exactly even if files are added (new files go to train).

import type { BuiltinManifest } from './builtin';
import { listImages } from './builtin';
import { decodeImage } from './decode';
import { fisherYates, fnv1a64, mixSeed, mulberry32, stringSeed } from './random';

export const DATASET_FORMAT = 'sdlora-dataset/1';
export const SPLIT_FORMAT = 'sdlora-split/1';

export type Layout = 'classes' | 'train-test' | 'tasks';
export type SplitName = 'train' | 'test';

/** One file (or directory, with a trailing '/') of the folder, path relative to it with '/' separators. */
export interface FolderEntry {
  path: string;
  size: number;
}

export type IssueKind =
  | 'not-image' // extension is not PNG/JPEG
  | 'misplaced' // image outside any class folder, or in a folder the layout does not know
  | 'unreadable' // the reader failed
  | 'duplicate' // same bytes as another file
  | 'corrupt' // failed to decode
  | 'class-conflict' // (tasks layout) a class folder name used by two tasks
  | 'empty-class' // no usable training image: the class is dropped
  | 'no-test-images' // (warning) a class without test images: kept, but it is never evaluated
  | 'too-few-images'; // (warning) one image only: it trains, nothing to test

/** A problem to show the user; the run goes on without the file or class named. */
export interface Issue {
  path: string;
  kind: IssueKind;
  reason: string;
}

export interface DatasetImage {
  /** Path as given in the entries (relative to the folder, including `root`): pass it to the reader. */
  path: string;
  /** Index into `classes`. */
  label: number;
  /** Bytes (0 when unknown, e.g. built-ins). */
  size: number;
  /** Filled by verifyFiles when it decodes. */
  width?: number;
  height?: number;
}

/** A seeded train/test split, saved so it can be reproduced (format SPLIT_FORMAT). */
export interface SplitRecord {
  format: typeof SPLIT_FORMAT;
  seed: number;
  testFraction: number;
  /** Every test path, sorted. */
  test: string[];
}

export interface ImageDataset {
  format: typeof DATASET_FORMAT;
  name: string;
  layout: Layout;
  /** Wrapper folder stripped for layout detection ('' if none); paths still include it. */
  root: string;
  /** Class names; label = index. Sorted for user folders, manifest order for built-ins. */
  classes: string[];
  train: DatasetImage[];
  test: DatasetImage[];
  /** Class names per task when the folder (tasks layout) or manifest defines tasks, else null. */
  tasks: string[][] | null;
  /** The seeded split, when this dataset made one (null when the folder had train/test). */
  split: SplitRecord | null;
  issues: Issue[];
}

interface ScannedFile {
  path: string;
  size: number;
  className: string;
  /** null: not decided by the folder, the seeded split decides. */
  split: SplitName | null;
  width?: number;
  height?: number;
}

/** The result of scanFolder / verifyFiles: files with their class, before the split. */
export interface FolderScan {
  name: string;
  layout: Layout;
  root: string;
  files: ScannedFile[];
  /** Every class folder seen (also ones without images), sorted. */
  classFolders: string[];
  /** Task → class names, tasks layout only. */
  tasks: { name: string; classes: string[] }[] | null;
  issues: Issue[];
}

export interface ScanOptions {
  layout?: 'auto' | Layout;
  /** Dataset name; default: the root folder's name, else 'dataset'. */
  name?: string;
}

const IMAGE_EXT = new Set(['png', 'jpg', 'jpeg', 'jpe']);
const OTHER_IMAGE_EXT = new Set(['gif', 'webp', 'bmp', 'tif', 'tiff', 'heic', 'heif', 'avif', 'svg', 'ico', 'jxl']);
const JUNK_NAMES = new Set(['__macosx', 'thumbs.db', 'desktop.ini']);
const TOP_METADATA_EXT = new Set(['json', 'md', 'txt']);

/** Code-unit order, as Python's sorted(): independent of the user's locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Natural order for task folders: digit runs compare by value (task2 < task10), then code units. */
export function compareNatural(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i]!;
    const y = rb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    }
    return compareCodeUnits(x, y);
  }
  return ra.length - rb.length || compareCodeUnits(a, b);
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function isJunk(segments: string[]): boolean {
  return segments.some((s) => s.startsWith('.') || JUNK_NAMES.has(s.toLowerCase()));
}

function splitName(s: string): SplitName | null {
  const l = s.toLowerCase();
  return l === 'train' || l === 'test' ? l : null;
}

function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
}

/** Paths only: layout, classes, tasks; reports non-images and misplaced files. */
export function scanFolder(entries: readonly FolderEntry[], options: ScanOptions = {}): FolderScan {
  const issues: Issue[] = [];
  const files: { path: string; size: number; segs: string[] }[] = [];
  const dirs: string[][] = [];
  for (const e of entries) {
    const path = normalisePath(e.path);
    const isDir = path.endsWith('/');
    const segs = path.split('/').filter((s) => s !== '');
    if (segs.length === 0 || isJunk(segs)) continue;
    if (isDir) dirs.push(segs);
    else files.push({ path: e.path, size: e.size, segs });
  }

  // Strip a wrapper folder while every file and folder lies inside it and every image is at least two
  // folders below it (so class folders remain; a README beside the class folders does not count).
  let rootSegs = 0;
  const isImagePath = (segs: string[]) => IMAGE_EXT.has(extension(segs[segs.length - 1]!));
  for (;;) {
    const first = files[0]?.segs[rootSegs];
    if (first === undefined || splitName(first)) break;
    if (!files.every((f) => f.segs.length > rootSegs + 1 && f.segs[rootSegs] === first)) break;
    if (!files.every((f) => !isImagePath(f.segs) || f.segs.length >= rootSegs + 3)) break;
    if (!dirs.every((d) => d.length <= rootSegs || d[rootSegs] === first)) break;
    rootSegs++;
  }
  const root = files[0]?.segs.slice(0, rootSegs).join('/') ?? '';
  const rel = (segs: string[]) => segs.slice(rootSegs);

  // Sort out non-images first; the rest are candidate images.
  const images: { path: string; size: number; segs: string[] }[] = [];
  for (const f of files) {
    const segs = rel(f.segs);
    const ext = extension(segs[segs.length - 1]!);
    if (IMAGE_EXT.has(ext)) {
      images.push({ path: f.path, size: f.size, segs });
      continue;
    }
    if (segs.length === 1 && TOP_METADATA_EXT.has(ext)) continue;
    const reason = OTHER_IMAGE_EXT.has(ext)
      ? `unsupported image format .${ext} (only PNG and JPEG are read)`
      : `not an image${ext ? ` (.${ext})` : ' (no extension)'}`;
    issues.push({ path: f.path, kind: 'not-image', reason });
  }

  const layout = options.layout && options.layout !== 'auto' ? options.layout : detectLayout(images.map((i) => i.segs));
  const relDirs = dirs.map(rel).filter((d) => d.length > 0);
  const scanned: ScannedFile[] = [];
  const classFolders = new Set<string>();
  let tasks: FolderScan['tasks'] = null;
  const misplaced = (path: string, why: string) => issues.push({ path, kind: 'misplaced', reason: why });

  if (layout === 'classes') {
    for (const d of relDirs) if (d.length >= 1) classFolders.add(d[0]!);
    for (const im of images) {
      if (im.segs.length < 2) misplaced(im.path, 'image outside any class folder');
      else {
        classFolders.add(im.segs[0]!);
        scanned.push({ path: im.path, size: im.size, className: im.segs[0]!, split: null });
      }
    }
  } else if (layout === 'train-test') {
    for (const d of relDirs) if (d.length >= 2 && splitName(d[0]!)) classFolders.add(d[1]!);
    for (const im of images) {
      const split = splitName(im.segs[0]!);
      if (!split) misplaced(im.path, `not under train/ or test/ (layout train-test)`);
      else if (im.segs.length < 3) misplaced(im.path, `image directly in ${im.segs[0]}/, outside any class folder`);
      else {
        classFolders.add(im.segs[1]!);
        scanned.push({ path: im.path, size: im.size, className: im.segs[1]!, split });
      }
    }
  } else {
    // tasks: a task with a train/ or test/ folder uses it; otherwise its classes are split by seed.
    const taskNames = new Set<string>();
    for (const im of images) if (im.segs.length >= 3) taskNames.add(im.segs[0]!);
    for (const d of relDirs) if (d.length >= 2) taskNames.add(d[0]!);
    const sortedTasks = [...taskNames].sort(compareNatural);
    const hasSplit = new Set(sortedTasks.filter((t) => images.some((im) => im.segs[0] === t && im.segs.length >= 4 && splitName(im.segs[1]!))));
    const owner = new Map<string, string>(); // class → task that claimed it (first in task order)
    const taskClasses = new Map<string, Set<string>>(sortedTasks.map((t) => [t, new Set<string>()]));
    const classOf = (segs: string[]): { cls: string; split: SplitName | null } | null => {
      const t = segs[0]!;
      if (hasSplit.has(t)) {
        const split = splitName(segs[1]!);
        return split && segs.length >= 4 ? { cls: segs[2]!, split } : null;
      }
      return segs.length >= 3 ? { cls: segs[1]!, split: null } : null;
    };
    // Claim classes in task order, so the first task (naturally ordered) owns a repeated name.
    const byTask = [...images].sort((a, b) => compareNatural(a.segs[0]!, b.segs[0]!) || compareCodeUnits(a.path, b.path));
    for (const d of [...relDirs].sort((a, b) => compareNatural(a[0]!, b[0]!))) {
      const t = d[0]!;
      const c = hasSplit.has(t) ? (d.length >= 3 && splitName(d[1]!) ? d[2] : undefined) : d[1];
      if (c !== undefined && !owner.has(c)) {
        owner.set(c, t);
        taskClasses.get(t)?.add(c);
      }
    }
    const conflicts = new Set<string>();
    for (const im of byTask) {
      const where = im.segs.length >= 3 ? classOf(im.segs) : null;
      if (!where) {
        const t = im.segs[0]!;
        misplaced(im.path, im.segs.length < 3 ? 'image outside any task/class folder (layout tasks)' : hasSplit.has(t) ? `task "${t}" has train/test folders: expected ${t}/{train,test}/<class>/<image>` : 'image outside any class folder');
        continue;
      }
      const t = im.segs[0]!;
      const first = owner.get(where.cls);
      if (first !== undefined && first !== t) {
        const key = `${t}/${where.cls}`;
        if (!conflicts.has(key)) {
          conflicts.add(key);
          issues.push({ path: `${root ? `${root}/` : ''}${key}/`, kind: 'class-conflict', reason: `class "${where.cls}" already belongs to task "${first}"; this folder is skipped` });
        }
        continue;
      }
      owner.set(where.cls, t);
      taskClasses.get(t)!.add(where.cls);
      scanned.push({ path: im.path, size: im.size, className: where.cls, split: where.split });
    }
    for (const c of owner.keys()) classFolders.add(c);
    tasks = sortedTasks.map((name) => ({ name, classes: [...taskClasses.get(name)!].sort(compareCodeUnits) }));
  }

  const rootName = root.split('/').pop() ?? '';
  return {
    name: options.name ?? (rootName || 'dataset'),
    layout,
    root,
    files: scanned,
    classFolders: [...classFolders].sort(compareCodeUnits),
    tasks,
    issues,
  };
}

/** The automatic layout rule (see the file header). */
function detectLayout(imageSegs: readonly string[][]): Layout {
  if (imageSegs.some((s) => s.length >= 2 && splitName(s[0]!))) return 'train-test';
  let two = 0;
  let deeper = 0;
  for (const s of imageSegs) {
    if (s.length === 2) two++;
    else if (s.length > 2) deeper++;
  }
  return deeper > two ? 'tasks' : 'classes';
}

// ---- reading the bytes ---------------------------------------------------------------------------

export interface VerifyOptions {
  /** Decode every image to catch corrupt files (and record its size). Default true. */
  decode?: boolean;
  /** Drop all but the first of identical files. Default true (false: report only). */
  dropDuplicates?: boolean;
  /** Files read at once. Default 8. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Reads every file once: reports unreadable files, duplicates and (with decode) corrupt images, and
 * returns the scan without them. Only one image per worker is held at a time.
 */
export async function verifyFiles(scan: FolderScan, read: (path: string) => Promise<Uint8Array>, options: VerifyOptions = {}): Promise<FolderScan> {
  const decode = options.decode ?? true;
  const files = scan.files;
  const hashes: (string | null)[] = new Array<string | null>(files.length).fill(null);
  const dims: ({ width: number; height: number } | null)[] = new Array<{ width: number; height: number } | null>(files.length).fill(null);
  const failed: (Issue | null)[] = new Array<Issue | null>(files.length).fill(null);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= files.length) return;
      const f = files[i]!;
      let bytes: Uint8Array | null = null;
      try {
        const got: unknown = await read(f.path);
        if (!(got instanceof Uint8Array)) throw new Error('the reader returned no bytes');
        bytes = got;
      } catch (e) {
        failed[i] = { path: f.path, kind: 'unreadable', reason: `cannot read: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (bytes) {
        hashes[i] = `${bytes.length}:${fnv1a64(bytes)}`;
        if (decode) {
          try {
            const im = decodeImage(bytes);
            dims[i] = { width: im.width, height: im.height };
          } catch (e) {
            failed[i] = { path: f.path, kind: 'corrupt', reason: e instanceof Error ? e.message : String(e) };
          }
        }
      }
      done++;
      options.onProgress?.(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));

  // Duplicates: keep the first in (train, unsplit, test; then path) order. Failed files take no part.
  const splitRank = (s: SplitName | null) => (s === 'train' ? 0 : s === null ? 1 : 2);
  const order = files.map((_, i) => i).sort((a, b) => splitRank(files[a]!.split) - splitRank(files[b]!.split) || compareCodeUnits(files[a]!.path, files[b]!.path));
  const firstOf = new Map<string, number>();
  const issues = [...scan.issues];
  const drop = new Set<number>();
  for (const i of order) {
    if (failed[i]) {
      issues.push(failed[i]);
      drop.add(i);
      continue;
    }
    const h = hashes[i]!;
    const first = firstOf.get(h);
    if (first === undefined) {
      firstOf.set(h, i);
      continue;
    }
    const a = files[first]!;
    const b = files[i]!;
    const where = a.className !== b.className ? ` (class "${a.className}", this file is in "${b.className}")` : a.split !== b.split && b.split ? ` (in ${a.split ?? 'the unsplit set'}, this one in ${b.split})` : '';
    const dropIt = options.dropDuplicates ?? true;
    issues.push({ path: b.path, kind: 'duplicate', reason: `same bytes as ${a.path}${where}${dropIt ? '; skipped' : ''}` });
    if (dropIt) drop.add(i);
  }
  const kept: ScannedFile[] = [];
  files.forEach((f, i) => {
    if (drop.has(i)) return;
    const d = dims[i];
    kept.push(d ? { ...f, width: d.width, height: d.height } : f);
  });
  return { ...scan, files: kept, issues };
}

// ---- the split -----------------------------------------------------------------------------------

export interface SplitOptions {
  /** Seed of the train/test split. Default 0. */
  seed?: number;
  /** Share of each class that goes to test when the folder has no train/test. Default 0.2. */
  testFraction?: number;
  /** A split saved earlier: its test paths are test, everything else train (seed and fraction ignored). */
  split?: SplitRecord;
}

/** Drops empty classes, assigns labels and makes the seeded split where the folder has none. */
export function finishDataset(scan: FolderScan, options: SplitOptions = {}): ImageDataset {
  const seed = options.seed ?? 0;
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction >= 0 && testFraction < 1)) throw new Error(`testFraction must be in [0, 1), got ${testFraction}`);
  const issues = [...scan.issues];
  const rootPrefix = scan.root ? `${scan.root}/` : '';

  // Group by class.
  const byClass = new Map<string, ScannedFile[]>();
  for (const c of scan.classFolders) byClass.set(c, []);
  for (const f of scan.files) {
    const list = byClass.get(f.className) ?? [];
    list.push(f);
    byClass.set(f.className, list);
  }

  const assigned = new Map<ScannedFile, SplitName>();
  const saved = options.split ? new Set(options.split.test) : null;
  let madeSplit = false;
  const classes: string[] = [];
  for (const className of [...byClass.keys()].sort(compareCodeUnits)) {
    const list = byClass.get(className)!;
    const classPath = classPathOf(scan, className, rootPrefix);
    const fixed = list.filter((f) => f.split !== null);
    const free = list.filter((f) => f.split === null).sort((a, b) => compareCodeUnits(a.path, b.path));
    for (const f of fixed) assigned.set(f, f.split!);
    if (free.length > 0) {
      madeSplit = true;
      if (saved) for (const f of free) assigned.set(f, saved.has(f.path) ? 'test' : 'train');
      else {
        const n = free.length;
        const nTest = testFraction === 0 || n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
        if (n === 1 && testFraction > 0) issues.push({ path: classPath, kind: 'too-few-images', reason: `class "${className}" has 1 image: it is used for training only` });
        const shuffled = fisherYates([...free], mulberry32(mixSeed(seed, stringSeed(className))));
        shuffled.forEach((f, k) => assigned.set(f, k < nTest ? 'test' : 'train'));
      }
    }
    const nTrain = list.filter((f) => assigned.get(f) === 'train').length;
    const nTest = list.length - nTrain;
    if (nTrain === 0) {
      issues.push({
        path: classPath,
        kind: 'empty-class',
        reason: list.length === 0 ? `class "${className}" has no usable images; dropped` : `class "${className}" has no training images (only ${nTest} test); dropped`,
      });
      for (const f of list) assigned.delete(f);
      continue;
    }
    // A seeded split always gives a class of ≥ 2 images a test image; a folder's or a saved split may not.
    if (nTest === 0 && (fixed.length > 0 || saved !== null)) {
      issues.push({ path: classPath, kind: 'no-test-images', reason: `class "${className}" has no test images: it trains but is never evaluated` });
    }
    classes.push(className);
  }

  const label = new Map(classes.map((c, i) => [c, i]));
  const train: DatasetImage[] = [];
  const test: DatasetImage[] = [];
  const sorted = [...assigned.keys()].sort((a, b) => label.get(a.className)! - label.get(b.className)! || compareCodeUnits(a.path, b.path));
  for (const f of sorted) {
    const im: DatasetImage = { path: f.path, label: label.get(f.className)!, size: f.size };
    if (f.width !== undefined && f.height !== undefined) {
      im.width = f.width;
      im.height = f.height;
    }
    (assigned.get(f) === 'train' ? train : test).push(im);
  }

  const unsplit = new Set(scan.files.filter((f) => f.split === null).map((f) => f.path));
  const testOfSplit = test.filter((im) => unsplit.has(im.path));
  const split: SplitRecord | null = madeSplit
    ? {
        format: SPLIT_FORMAT,
        seed: options.split ? options.split.seed : seed,
        testFraction: options.split ? options.split.testFraction : testFraction,
        test: testOfSplit.map((im) => im.path).sort(compareCodeUnits),
      }
    : null;

  const tasks = scan.tasks ? scan.tasks.map((t) => t.classes.filter((c) => label.has(c))).filter((t) => t.length > 0) : null;
  return { format: DATASET_FORMAT, name: scan.name, layout: scan.layout, root: scan.root, classes, train, test, tasks, split, issues };
}

/** Where a class folder is, for messages. */
function classPathOf(scan: FolderScan, className: string, rootPrefix: string): string {
  if (scan.layout === 'classes') return `${rootPrefix}${className}/`;
  if (scan.layout === 'train-test') return `${rootPrefix}{train,test}/${className}/`;
  const task = scan.tasks?.find((t) => t.classes.includes(className));
  return `${rootPrefix}${task ? `${task.name}/` : ''}${className}/`;
}

/** Checks a saved split (e.g. parsed JSON); throws a message naming the problem. */
export function parseSplitRecord(json: unknown): SplitRecord {
  if (typeof json !== 'object' || json === null) throw new Error('split: not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.format !== SPLIT_FORMAT) throw new Error(`split: format is ${JSON.stringify(o.format)}, expected "${SPLIT_FORMAT}"`);
  if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) throw new Error('split: "seed" must be an integer');
  if (typeof o.testFraction !== 'number' || !(o.testFraction >= 0 && o.testFraction < 1)) throw new Error('split: "testFraction" must be in [0, 1)');
  if (!Array.isArray(o.test) || o.test.some((p) => typeof p !== 'string')) throw new Error('split: "test" must be an array of paths');
  return { format: SPLIT_FORMAT, seed: o.seed, testFraction: o.testFraction, test: o.test as string[] };
}

export interface LoadOptions extends ScanOptions, VerifyOptions, SplitOptions {}

/** scanFolder → verifyFiles → finishDataset. */
export async function loadImageFolder(entries: readonly FolderEntry[], read: (path: string) => Promise<Uint8Array>, options: LoadOptions = {}): Promise<ImageDataset> {
  const scan = scanFolder(entries, options);
  return finishDataset(await verifyFiles(scan, read, options), options);
}

// ---- built-ins through the same interface --------------------------------------------------------

/**
 * A built-in benchmark (src/data/builtin.ts) as an ImageDataset: paths relative to the data root
 * (read them through the same DataSource), classes in manifest label order, the manifest's default
 * tasks. Built-ins are checked by their own tests, so nothing is read here.
 */
export function datasetFromManifest(m: BuiltinManifest): ImageDataset {
  const toImage = (e: { path: string; label: number }): DatasetImage => ({ path: e.path, label: e.label, size: 0, width: m.image.width, height: m.image.height });
  return {
    format: DATASET_FORMAT,
    name: m.name,
    layout: 'train-test',
    root: m.name,
    classes: [...m.classes],
    train: listImages(m, 'train').map(toImage),
    test: listImages(m, 'test').map(toImage),
    tasks: m.defaultTasks.map((t) => [...t]),
    split: null,
    issues: [],
  };
}

/** Number of images per class and split, e.g. for a summary table. */
export function classCounts(ds: ImageDataset): { className: string; train: number; test: number }[] {
  const out = ds.classes.map((className) => ({ className, train: 0, test: 0 }));
  for (const im of ds.train) out[im.label]!.train++;
  for (const im of ds.test) out[im.label]!.test++;
  return out;
}
