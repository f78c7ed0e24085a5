// The pretraining corpus (built by scripts/data/pretrain-corpus.ts into .cache/pretrain-corpus/, not committed):
// a compact binary format read by `npm run pretrain`.
//
//   index.json   format "sdlora-pretrain-corpus/1": image size, counts, classes (one per glyph or emoji
//                identity, label = position), renditions (font or art style of each image), packages with
//                licences, seed, generator parameters, and FNV-1a 64 hashes of the three binary files.
//   images.u8    (N, H, W, 3) uint8 RGB, row-major, image after image.
//   labels.u32   (N) uint32 little-endian class ids.
//   meta.u8      (N, 2) uint8: [rendition id, split (0 = train, 1 = validation)].
//
// The corpus must share no class with the built-in benchmarks: no emoji of emoji-styles/held-out.json and
// nothing from Fashion-MNIST (it only holds CJK glyphs, emoji identities, handwritten digits and, optionally,
// clip art from the folders of CLIPART_SOURCES).
// `checkCorpusDisjoint` checks it.

export const CORPUS_FORMAT = 'sdlora-pretrain-corpus/1';

export const CORPUS_KINDS = ['cjk', 'emoji', 'digit', 'clipart', 'shape'] as const;

/**
 * Folders of Debian's openclipart-png (under usr/share/openclipart/png/) a 'clipart' class may come from: computer
 * icons, shapes, signs, maps, electronics, medicine, books, people, music, art, religion, ornaments, patterns, logos.
 * Left out because they could share a class with a built-in benchmark: clothing (Fashion-MNIST) and whatever
 * resembles an emoji-styles subgroup (animals, plants, food and drink, buildings, vehicles, weather and sky, events,
 * sport, games and toys, household, office, tools); `exclude` holds the sub-folders of allowed folders that do.
 */
export const CLIPART_SOURCES = {
  include: ['computer/', 'shapes/', 'signs_and_symbols/', 'geography/', 'electronics/', 'science/medicine/', 'education/books/', 'people/', 'recreation/music/', 'recreation/art/', 'recreation/religion/', 'decorations/', 'special/patterns/', 'logos/'],
  exclude: ['computer/folders/', 'shapes/stars/', 'signs_and_symbols/weather/', 'geography/astronomy/', 'people/clothing/'],
} as const;

/** Whether a path relative to openclipart's png/ folder is one a 'clipart' class may come from. */
export function clipartAllowed(path: string): boolean {
  return CLIPART_SOURCES.include.some((p) => path.startsWith(p)) && !CLIPART_SOURCES.exclude.some((p) => path.startsWith(p));
}
export type CorpusKind = (typeof CORPUS_KINDS)[number];

export interface CorpusClass {
  /** 'cjk' (one CJK unified ideograph), 'emoji' (one emoji identity), 'digit' (a handwritten digit 0–9),
   *  'clipart' (one clip-art image, seen under several renderings: instance discrimination) or 'shape' (one
   *  formula-driven silhouette, src/data/shapes.ts, seen as several perturbed, textured instances). */
  kind: CorpusKind;
  /** cjk, digit: hex code point (e.g. '4e00', '37'); emoji: code points joined by '-', FE0F removed (as held-out.json);
   *  clipart: FNV-1a 64 (hex) of the image's path, which `char` holds (relative to openclipart's png/ folder);
   *  shape: the class's seed (hex), `char` 'shape <seed>'. */
  key: string;
  char: string;
}

export interface CorpusRendition {
  /** e.g. 'font:ukai' or 'emoji:noto'. */
  name: string;
  /** Package it comes from (a key of `packages`). */
  package: string;
}

export interface CorpusPackage {
  name: string;
  version: string;
  /** 'generated': made by a script of this repository (no package, nothing to license). */
  registry: 'npm' | 'debian' | 'generated';
  license: string;
  used: string;
}

export interface CorpusIndex {
  format: typeof CORPUS_FORMAT;
  image: { width: number; height: number; channels: 3 };
  count: number;
  classes: CorpusClass[];
  renditions: CorpusRendition[];
  packages: CorpusPackage[];
  seed: number;
  params: Record<string, number | string | boolean>;
  files: { images: string; labels: string; meta: string };
  /** FNV-1a 64 (hex) of each binary file. */
  hashes: { images: string; labels: string; meta: string };
  /** Images per split. */
  splits: { train: number; val: number };
  notes?: string[];
}

/** A loaded corpus: the index plus its arrays. */
export interface Corpus {
  index: CorpusIndex;
  images: Uint8Array; // (N, H, W, 3)
  labels: Uint32Array; // (N)
  meta: Uint8Array; // (N, 2)
}

export class CorpusError extends Error {
  override name = 'CorpusError';
}

/** Validates index.json (structure, unique class keys, counts); throws one message listing every problem. */
export function parseCorpusIndex(json: unknown, where = 'index.json'): CorpusIndex {
  const errs: string[] = [];
  const o = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<CorpusIndex> | null;
  if (typeof o !== 'object' || o === null) throw new CorpusError(`${where}: not a JSON object`);
  if (o.format !== CORPUS_FORMAT) errs.push(`format must be "${CORPUS_FORMAT}" (got ${JSON.stringify(o.format)})`);
  const im = o.image;
  if (!im || !Number.isInteger(im.width) || !Number.isInteger(im.height) || im.width <= 0 || im.height <= 0 || im.channels !== 3)
    errs.push('image must be { width, height, channels: 3 }');
  if (!Number.isInteger(o.count) || (o.count ?? -1) < 1) errs.push('count must be a positive integer');
  if (!Array.isArray(o.classes) || o.classes.length < 2) errs.push('classes must list at least 2 classes');
  else {
    const seen = new Set<string>();
    o.classes.forEach((c, i) => {
      if (!c || !(CORPUS_KINDS as readonly string[]).includes(c.kind) || typeof c.key !== 'string' || !/^[0-9a-f]+(-[0-9a-f]+)*$/.test(c.key))
        errs.push(`classes[${i}] must be { kind: ${CORPUS_KINDS.map((k) => `'${k}'`).join('|')}, key: lower-case hex code points, char }`);
      else if (seen.has(`${c.kind}:${c.key}`)) errs.push(`classes[${i}] ${c.kind}:${c.key} is listed twice`);
      else seen.add(`${c.kind}:${c.key}`);
    });
  }
  if (!Array.isArray(o.renditions) || o.renditions.length < 1 || o.renditions.length > 255) errs.push('renditions must list 1..255 entries');
  if (!Array.isArray(o.packages)) errs.push('packages must be a list');
  else if (Array.isArray(o.renditions))
    for (const r of o.renditions) if (!o.packages.some((p) => p.name === r.package)) errs.push(`rendition ${r.name}: package ${r.package} not listed`);
  if (!o.splits || (o.splits.train ?? 0) + (o.splits.val ?? 0) !== o.count) errs.push('splits.train + splits.val must equal count');
  if (!o.files || !o.hashes) errs.push('files and hashes are required');
  if (errs.length) throw new CorpusError(`${where}: ${errs.join('; ')}`);
  return o as CorpusIndex;
}

/** Checks the arrays against the index: sizes, label range, rendition ids, split flags, counts. */
export function checkCorpusArrays(c: Corpus): void {
  const { index, images, labels, meta } = c;
  const N = index.count;
  const per = index.image.width * index.image.height * 3;
  const errs: string[] = [];
  if (images.length !== N * per) errs.push(`images has ${images.length} bytes, expected ${N}·${per}`);
  if (labels.length !== N) errs.push(`labels has ${labels.length} entries, expected ${N}`);
  if (meta.length !== 2 * N) errs.push(`meta has ${meta.length} bytes, expected 2·${N}`);
  if (!errs.length) {
    const K = index.classes.length;
    let val = 0;
    const seen = new Uint8Array(K);
    for (let i = 0; i < N; i++) {
      if (labels[i]! >= K) {
        errs.push(`image ${i} has label ${labels[i]} ≥ ${K} classes`);
        break;
      }
      seen[labels[i]!] = 1;
      if (meta[2 * i]! >= index.renditions.length) {
        errs.push(`image ${i} has rendition ${meta[2 * i]} ≥ ${index.renditions.length}`);
        break;
      }
      if (meta[2 * i + 1]! > 1) {
        errs.push(`image ${i} has split ${meta[2 * i + 1]}`);
        break;
      }
      val += meta[2 * i + 1]!;
    }
    if (val !== index.splits.val) errs.push(`${val} validation images, index says ${index.splits.val}`);
    const empty = seen.indexOf(0);
    if (empty >= 0) errs.push(`class ${empty} (${index.classes[empty]!.kind}:${index.classes[empty]!.key}) has no image`);
  }
  if (errs.length) throw new CorpusError(`corpus arrays: ${errs.join('; ')}`);
}

/**
 * Classes of the corpus that overlap the built-in benchmarks: emoji whose key is in held-out.json's `exclude`
 * (or whose subgroup is a held-out subgroup, when `emojiSubgroups` is given), CJK or digit classes that are not
 * one, and clip art from outside CLIPART_SOURCES (Fashion-MNIST classes are garments, which cannot appear here by
 * construction).
 * Returns the offending class keys (empty = disjoint).
 */
export function checkCorpusDisjoint(index: CorpusIndex, heldOut: { exclude: string[] }): string[] {
  const banned = new Set(heldOut.exclude);
  const bad: string[] = [];
  for (const c of index.classes) {
    if (c.kind === 'emoji' && banned.has(c.key)) bad.push(`emoji:${c.key}`);
    if (c.kind === 'cjk') {
      const cp = parseInt(c.key, 16);
      const cjk = (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x3134f);
      if (!cjk || String.fromCodePoint(cp) !== c.char) bad.push(`cjk:${c.key} (not a CJK unified ideograph)`);
    }
    if (c.kind === 'digit' && !/^[0-9]$/.test(c.char)) bad.push(`digit:${c.key} (not a digit 0–9)`);
    if (c.kind === 'clipart' && !clipartAllowed(c.char)) bad.push(`clipart:${c.char} (not from a folder of CLIPART_SOURCES)`);
    if (c.kind === 'shape' && c.char !== `shape ${parseInt(c.key, 16)}`) bad.push(`shape:${c.key} (not a generated silhouette)`);
  }
  return bad;
}

/** 64-bit FNV-1a of a byte array, hex (same function as src/data/random.ts fnv1a64, streamed for large files). */
export { fnv1a64 } from './random';

/** How many classes of each kind a subset keeps; a kind left out keeps none. */
export type KindCounts = Partial<Record<CorpusKind, number>>;

/** Parses '681' (a draw across all kinds) or 'cjk:400,emoji:271,digit:10' (per kind). */
export function parseClassCounts(text: string): number | KindCounts {
  if (/^\d+$/.test(text.trim())) return Number(text);
  const out: KindCounts = {};
  for (const part of text.split(',')) {
    const [kind, n] = part.split(':').map((x) => x.trim());
    if (!(CORPUS_KINDS as readonly string[]).includes(kind!) || !/^\d+$/.test(n ?? ''))
      throw new CorpusError(`class counts: '${part}' is not kind:N with kind one of ${CORPUS_KINDS.join(', ')}`);
    out[kind as CorpusKind] = Number(n);
  }
  return out;
}

/**
 * The corpus restricted to some of its classes, relabelled 0..n−1 in draw order: `n` classes of one seeded draw
 * across all kinds, or, per kind, the first counts[kind] classes of that kind in the same draw.
 * Fewer classes with the same images per class is an easier, faster-converging identity task: a small ViT
 * leaves the initial loss plateau after a few hundred steps on tens of classes, and not within 3,300 steps of
 * 128 on all 4,341 (see the model card). Validation flags are kept.
 */
export function subsetCorpus(c: Corpus, n: number | KindCounts, seed: number): Corpus {
  const K = c.index.classes.length;
  if (typeof n === 'number' && (!Number.isInteger(n) || n < 2 || n > K)) throw new CorpusError(`a class subset needs 2..${K} classes (got ${n})`);
  if (typeof n !== 'number')
    for (const kind of CORPUS_KINDS) {
      const have = c.index.classes.filter((cl) => cl.kind === kind).length;
      if ((n[kind] ?? 0) > have) throw new CorpusError(`a class subset asks for ${n[kind]} ${kind} classes; the corpus has ${have}`);
    }
  // Fisher–Yates with mulberry32 (inline, so this module keeps no dependencies).
  let s = seed >>> 0;
  const r = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const perm = Array.from({ length: K }, (_, i) => i);
  for (let i = K - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const taken: Partial<Record<CorpusKind, number>> = {};
  const chosen =
    typeof n === 'number'
      ? perm.slice(0, n)
      : perm.filter((k) => {
          const kind = c.index.classes[k]!.kind;
          if ((taken[kind] ?? 0) >= (n[kind] ?? 0)) return false;
          taken[kind] = (taken[kind] ?? 0) + 1;
          return true;
        });
  if (chosen.length < 2) throw new CorpusError(`a class subset needs at least 2 classes (got ${chosen.length})`);
  const newLabel = new Map(chosen.map((k, i) => [k, i]));
  const keep: number[] = [];
  for (let i = 0; i < c.labels.length; i++) if (newLabel.has(c.labels[i]!)) keep.push(i);
  const per = c.index.image.width * c.index.image.height * 3;
  const images = new Uint8Array(keep.length * per);
  const labels = new Uint32Array(keep.length);
  const meta = new Uint8Array(keep.length * 2);
  let val = 0;
  keep.forEach((i, j) => {
    images.set(c.images.subarray(i * per, (i + 1) * per), j * per);
    labels[j] = newLabel.get(c.labels[i]!)!;
    meta[2 * j] = c.meta[2 * i]!;
    meta[2 * j + 1] = c.meta[2 * i + 1]!;
    if (meta[2 * j + 1]) val++;
  });
  return {
    index: { ...c.index, count: keep.length, classes: chosen.map((k) => c.index.classes[k]!), splits: { train: keep.length - val, val } },
    images,
    labels,
    meta,
  };
}
