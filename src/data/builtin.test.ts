// Checks the committed built-in benchmarks in public/data/ against their manifests (every file
// exists, is a valid PNG of the stated size, nothing unlisted, classes balanced, emoji-styles test
// identities unseen in training, no duplicate images, size budget) and the loader's validation and
// sources.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  fetchSource,
  listImages,
  loadIndex,
  loadManifest,
  parseManifest,
  readerSource,
  type BuiltinManifest,
  type FetchLike,
} from './builtin';

const ROOT = resolve(__dirname, '../../public/data');
const BUDGET_BYTES = 25e6;
const src = readerSource(async (p) => new Uint8Array(await readFile(join(ROOT, p))));

// ---- a small strict PNG decoder (8-bit gray or RGB, non-interlaced: what the generators write) ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Decoded {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array; // [height][width][channels]
}

function decodePng(buf: Uint8Array, name: string): Decoded {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 8 || sig.some((b, i) => buf[i] !== b)) throw new Error(`${name}: no PNG signature`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  let sawEnd = false;
  const idat: Uint8Array[] = [];
  while (off + 12 <= buf.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...buf.subarray(off + 4, off + 8));
    if (off + 12 + len > buf.length) throw new Error(`${name}: truncated ${type} chunk`);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (crc32(buf.subarray(off + 4, off + 8 + len)) !== dv.getUint32(off + 8 + len)) throw new Error(`${name}: bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = dv.getUint32(off + 8);
      height = dv.getUint32(off + 12);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || (colour !== 0 && colour !== 2) || interlace !== 0) {
        throw new Error(`${name}: depth ${depth} colour ${colour} interlace ${interlace} (want 8-bit gray/RGB)`);
      }
      channels = colour === 0 ? 1 : 3;
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
    if (type === 'IEND') {
      sawEnd = true;
      break;
    }
  }
  if (!sawEnd || channels === 0 || idat.length === 0) throw new Error(`${name}: missing IHDR/IDAT/IEND`);
  if (off !== buf.length) throw new Error(`${name}: ${buf.length - off} bytes after IEND`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) throw new Error(`${name}: ${raw.length} bytes of scanlines, want ${(stride + 1) * height}`);
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    if (filter > 4) throw new Error(`${name}: filter ${filter}`);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? px[y * stride + i - channels]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? px[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter]!;
      px[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels: px };
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? treeBytes(p) : statSync(p).size;
  }
  return total;
}

// ---- the committed data --------------------------------------------------------------------------

describe('built-in benchmarks (public/data)', async () => {
  const index = await loadIndex(src);
  const manifests = new Map<string, BuiltinManifest>();
  for (const e of index.datasets) manifests.set(e.name, await loadManifest(src, e));

  it('index lists split-fashion-mnist (default, first) and emoji-styles', () => {
    expect(index.datasets.map((d) => d.name).slice(0, 2)).toEqual(['split-fashion-mnist', 'emoji-styles']);
  });

  it('total shipped data stays within the 25 MB budget', () => {
    expect(treeBytes(ROOT)).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  for (const entry of index.datasets) {
    describe(entry.name, () => {
      const m = () => manifests.get(entry.name)!;

      it('index counts match the manifest and the folder', () => {
        const man = m();
        expect(entry.classes).toBe(man.classes.length);
        expect(entry.train).toBe(listImages(man, 'train').length);
        expect(entry.test).toBe(listImages(man, 'test').length);
        expect(entry.bytes).toBe(treeBytes(join(ROOT, entry.name)));
      });

      it('classes are balanced and every class is in one default task', () => {
        const man = m();
        for (const split of ['train', 'test'] as const) {
          for (const c of man.classes) expect(man.files[split][c]!.length).toBe(man.perClass[split]);
        }
        expect(man.defaultTasks.flat().sort()).toEqual([...man.classes].sort());
        expect(man.perClass.train).toBeGreaterThan(0);
        expect(man.perClass.test).toBeGreaterThan(0);
      });

      it('the folders hold exactly the listed files, each a PNG of the stated size', () => {
        const man = m();
        let count = 0;
        for (const split of ['train', 'test'] as const) {
          const dirs = readdirSync(join(ROOT, man.name, split)).sort();
          expect(dirs).toEqual([...man.classes].sort());
          for (const c of man.classes) {
            expect(readdirSync(join(ROOT, man.name, split, c)).sort()).toEqual(man.files[split][c]);
          }
        }
        for (const split of ['train', 'test'] as const) {
          for (const im of listImages(man, split)) {
            const d = decodePng(readFileSync(join(ROOT, im.path)), im.path);
            if (d.width !== man.image.width || d.height !== man.image.height || d.channels !== man.image.channels) {
              throw new Error(`${im.path}: ${d.width}×${d.height}×${d.channels}, manifest says ${man.image.width}×${man.image.height}×${man.image.channels}`);
            }
            count++;
          }
        }
        expect(count).toBe(man.classes.length * (man.perClass.train + man.perClass.test));
      });

      // A duplicate inside a split weights one image twice; one across splits is a test image seen in
      // training. Byte hashes catch copies, pixel hashes catch the same image encoded differently.
      it('no two images are the same (bytes or pixels), so no test image is also a training image', () => {
        const man = m();
        const byBytes = new Map<string, string>();
        const byPixels = new Map<string, string>();
        const clashes: string[] = [];
        for (const split of ['train', 'test'] as const) {
          for (const im of listImages(man, split)) {
            const bytes = readFileSync(join(ROOT, im.path));
            const hb = createHash('sha256').update(bytes).digest('hex');
            const hp = createHash('sha256').update(decodePng(bytes, im.path).pixels).digest('hex');
            const sameBytes = byBytes.get(hb);
            const samePixels = byPixels.get(hp);
            if (sameBytes !== undefined) clashes.push(`${im.path} has the same bytes as ${sameBytes}`);
            else if (samePixels !== undefined) clashes.push(`${im.path} has the same pixels as ${samePixels}`);
            byBytes.set(hb, byBytes.get(hb) ?? im.path);
            byPixels.set(hp, byPixels.get(hp) ?? im.path);
          }
        }
        expect(clashes).toEqual([]);
      });

      it('records its licence and sources', () => {
        const man = m();
        const lic = readFileSync(join(ROOT, man.name, man.license), 'utf8');
        expect(man.sources.length).toBeGreaterThan(0);
        for (const s of man.sources) expect(lic).toContain(s.name);
      });
    });
  }

  it('split-fashion-mnist: 10 original classes, 28×28 gray, pixel statistics of Fashion-MNIST', () => {
    const man = manifests.get('split-fashion-mnist')!;
    expect(man.classes).toEqual(['t-shirt_top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle_boot']);
    expect(man.image).toEqual({ width: 28, height: 28, channels: 1 });
    expect(man.defaultTasks).toHaveLength(5);
    let sum = 0;
    let n = 0;
    for (const im of listImages(man, 'test')) {
      const d = decodePng(readFileSync(join(ROOT, im.path)), im.path);
      for (const v of d.pixels) sum += v;
      n += d.pixels.length;
    }
    // The full data set's mean is 72.9 (white garments on black); a broken conversion (inverted,
    // transposed rows, wrong offset) moves it far away.
    expect(sum / n).toBeGreaterThan(65);
    expect(sum / n).toBeLessThan(81);
  });

  it('emoji-styles: every identity in all styles, test identities never in train nor near-duplicated there, held out from pretraining', () => {
    const man = manifests.get('emoji-styles')!;
    const styles = man.styles!;
    expect(styles.length).toBeGreaterThanOrEqual(4);
    const seen = { train: new Map<string, Set<string>>(), test: new Map<string, Set<string>>() };
    for (const split of ['train', 'test'] as const) {
      for (const im of listImages(man, split)) {
        expect(man.identities![im.identity!]!.split).toBe(split);
        const s = seen[split].get(im.identity!) ?? new Set<string>();
        s.add(im.style!);
        seen[split].set(im.identity!, s);
      }
    }
    for (const id of seen.test.keys()) expect(seen.train.has(id)).toBe(false);
    for (const split of ['train', 'test'] as const) for (const s of seen[split].values()) expect([...s].sort()).toEqual([...styles].sort());
    expect(seen.train.size + seen.test.size).toBe(Object.keys(man.identities!).length);

    // Near duplicates across splits: an emoji that only recolours another (black bird vs bird) is
    // drawn alike in the line-art styles. The generator drops pairs closer than mean |Δ| 4 (0–255);
    // every test image must stay at least NEAR_MAD (a little margin below 4) from every training image
    // of the same style.
    const NEAR_MAD = 3;
    const load = (split: 'train' | 'test') =>
      listImages(man, split).map((im) => ({ path: im.path, style: im.style!, px: decodePng(readFileSync(join(ROOT, im.path)), im.path).pixels }));
    const train = load('train');
    const near: string[] = [];
    for (const t of load('test')) {
      for (const r of train) {
        if (r.style !== t.style) continue;
        const limit = NEAR_MAD * t.px.length;
        let d = 0;
        for (let i = 0; i < t.px.length && d < limit; i++) d += Math.abs(t.px[i]! - r.px[i]!);
        if (d < limit) near.push(`${t.path} ~ ${r.path}: mean |Δ| ${(d / t.px.length).toFixed(2)}`);
      }
    }
    expect(near).toEqual([]);

    const held = JSON.parse(readFileSync(join(ROOT, 'emoji-styles/held-out.json'), 'utf8')) as { subgroups: string[]; used: string[]; exclude: string[] };
    expect([...held.subgroups].sort()).toEqual([...man.classes].sort());
    expect([...held.used].sort()).toEqual(Object.keys(man.identities!).sort());
    const exclude = new Set(held.exclude);
    for (const id of held.used) expect(exclude.has(id)).toBe(true);
  });
});

// ---- loader behaviour ------------------------------------------------------------------------------

function tinyManifest(): Record<string, unknown> {
  return {
    format: 'sdlora-image-folder/1',
    name: 'tiny',
    title: 'Tiny',
    description: 'two classes',
    image: { width: 4, height: 4, channels: 3 },
    classes: ['a', 'b'],
    perClass: { train: 2, test: 1 },
    files: { train: { a: ['1_x.png', '1_y.png'], b: ['2_x.png', '2_y.png'] }, test: { a: ['3_x.png'], b: ['4_x.png'] } },
    defaultTasks: [['a'], ['b']],
    seed: 1,
    license: 'LICENSE.md',
    sources: [{ name: 'p', version: '1', registry: 'npm', license: 'MIT', used: 'all' }],
    styles: ['x', 'y'],
    identities: {
      '1': { char: 'A', name: 'one', className: 'a', split: 'train' },
      '2': { char: 'B', name: 'two', className: 'b', split: 'train' },
      '3': { char: 'C', name: 'three', className: 'a', split: 'test' },
      '4': { char: 'D', name: 'four', className: 'b', split: 'test' },
    },
  };
}

describe('parseManifest', () => {
  it('accepts a valid manifest and lists images with labels, identities and styles', () => {
    const m = parseManifest(tinyManifest());
    expect(listImages(m, 'train')).toEqual([
      { path: 'tiny/train/a/1_x.png', label: 0, className: 'a', identity: '1', style: 'x' },
      { path: 'tiny/train/a/1_y.png', label: 0, className: 'a', identity: '1', style: 'y' },
      { path: 'tiny/train/b/2_x.png', label: 1, className: 'b', identity: '2', style: 'x' },
      { path: 'tiny/train/b/2_y.png', label: 1, className: 'b', identity: '2', style: 'y' },
    ]);
  });

  const broken: [string, (j: Record<string, unknown>) => void, RegExp][] = [
    ['wrong format', (j) => (j.format = 'other/1'), /format/],
    ['unbalanced class', (j) => ((j.files as { train: Record<string, string[]> }).train.b = ['2_x.png']), /has 1 train files/],
    ['class missing from tasks', (j) => (j.defaultTasks = [['a']]), /every class exactly once/],
    ['path escaping its folder', (j) => ((j.files as { test: Record<string, string[]> }).test.a = ['../3_x.png']), /bad file name/],
    ['unsafe class name', (j) => (j.classes = ['a', '../b']), /safe folder name/],
    ['identity in the wrong split', (j) => ((j.identities as Record<string, { split: string }>)['3']!.split = 'train'), /identity says train/],
    ['unknown style', (j) => (j.styles = ['x']), /<identity>_<style>/],
    ['bad channels', (j) => ((j.image as { channels: number }).channels = 4), /channels/],
  ];
  for (const [what, mutate, msg] of broken) {
    it(`rejects: ${what}`, () => {
      const j = tinyManifest();
      mutate(j);
      expect(() => parseManifest(j, 'tiny')).toThrow(msg);
    });
  }
});

describe('fetchSource', () => {
  it('reads relative to the base URL and reports HTTP errors with the URL', async () => {
    const asked: string[] = [];
    const fake: FetchLike = async (url) => {
      asked.push(url);
      const ok = url.endsWith('index.json');
      const body = ok ? '{"format":"sdlora-builtin-index/1","datasets":[]}' : '';
      return { ok, status: ok ? 200 : 404, text: async () => body, arrayBuffer: async () => new TextEncoder().encode(body).buffer as ArrayBuffer };
    };
    const s = fetchSource('/base/data', fake);
    expect((await loadIndex(s)).datasets).toEqual([]);
    await expect(s.bytes('x/manifest.json')).rejects.toThrow('/base/data/x/manifest.json answered HTTP 404');
    expect(asked).toEqual(['/base/data/index.json', '/base/data/x/manifest.json']);
  });

  it('the real tree is readable through it too (file reader standing in for fetch)', async () => {
    const fileFetch: FetchLike = async (url) => {
      const p = join(ROOT, url.replace(/^\/data\//, ''));
      const ok = existsSync(p);
      const buf = ok ? readFileSync(p) : Buffer.alloc(0);
      return { ok, status: ok ? 200 : 404, text: async () => buf.toString('utf8'), arrayBuffer: async () => new Uint8Array(buf).buffer };
    };
    const s = fetchSource('/data/', fileFetch);
    const m = await loadManifest(s, 'split-fashion-mnist');
    const first = listImages(m, 'train')[0]!;
    expect(decodePng(await s.bytes(first.path), first.path).width).toBe(28);
  });
});
