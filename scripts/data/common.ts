// Shared helpers of the built-in data generators (scripts/data/*.ts): paths, seeded choices,
// writing a data set folder with its manifest, and the size report.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../../src/testing/rng';
import { parseManifest, type BuiltinManifest } from '../../src/data/builtin';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where build.sh puts the npm packages and the extracted Debian packages (git-ignored). */
export const CACHE = process.env.DATA_BUILD_CACHE ?? join(REPO, '.cache/data-build');
export const DATA_ROOT = join(REPO, 'public/data');

/** Fisher–Yates shuffle driven by the project's seeded mulberry32 (src/testing/rng.ts). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const r = rng(seed);
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** A stable 32-bit seed from a base seed and a string (FNV-1a), so each class gets its own stream. */
export function subSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface PendingImage {
  split: 'train' | 'test';
  className: string;
  file: string;
  png: Uint8Array;
}

/**
 * Replaces public/data/<manifest.name>/ with the images, manifest.json and LICENSE.md.
 * The manifest's file lists are derived from `images` (sorted) and validated before writing.
 */
export function writeDataset(
  manifest: Omit<BuiltinManifest, 'files'>,
  images: PendingImage[],
  licenseMd: string,
): { files: number; bytes: number } {
  const files: BuiltinManifest['files'] = { train: {}, test: {} };
  for (const split of ['train', 'test'] as const) for (const c of manifest.classes) files[split][c] = [];
  for (const im of images) files[im.split][im.className]!.push(im.file);
  for (const split of ['train', 'test'] as const) for (const c of manifest.classes) files[split][c]!.sort();
  const full: BuiltinManifest = { ...manifest, files };
  parseManifest(JSON.parse(JSON.stringify(full)) as unknown, `${manifest.name} (generated)`);

  const dir = join(DATA_ROOT, manifest.name);
  rmSync(dir, { recursive: true, force: true });
  for (const im of images) {
    const p = join(dir, im.split, im.className, im.file);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, im.png);
  }
  writeFileSync(join(dir, 'manifest.json'), formatJson(full));
  writeFileSync(join(dir, manifest.license), licenseMd);
  return { files: images.length, bytes: dirBytes(dir) };
}

/**
 * JSON with one-space indentation, but arrays of strings/numbers on one line: the manifests list
 * thousands of file names, one line per class keeps them readable and diffs small.
 */
export function formatJson(value: unknown): string {
  const fmt = (v: unknown, indent: string): string => {
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x !== 'object' || x === null)) return JSON.stringify(v);
      return `[\n${v.map((x) => `${indent} ${fmt(x, `${indent} `)}`).join(',\n')}\n${indent}]`;
    }
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      return `{\n${entries.map(([k, x]) => `${indent} ${JSON.stringify(k)}: ${fmt(x, `${indent} `)}`).join(',\n')}\n${indent}}`;
    }
    return JSON.stringify(v);
  };
  return `${fmt(value, '')}\n`;
}

export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}
