// Emoji sources shared by the emoji-styles generator and (later) the pretraining-corpus generator:
// the Unicode emoji list with groups/subgroups (emojibase-data) and six independent SVG art styles,
// joined by code point sequence (FE0F variation selectors ignored), and a deterministic rasteriser
// (resvg compiled to WebAssembly, so the pixels do not depend on the machine's libraries).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CACHE, REPO } from './common';

const NM = join(CACHE, 'node_modules');
const requireCache = createRequire(join(NM, 'noop.js'));

/** npm packages (exact versions) that build.sh installs into .cache/data-build: scripts/data/npm/package.json. */
export const EMOJI_PACKAGES = (
  JSON.parse(readFileSync(join(REPO, 'scripts/data/npm/package.json'), 'utf8')) as { dependencies: Record<string, string> }
).dependencies;
export type EmojiPackage = string;

export function installedVersion(pkg: string): string {
  const j = JSON.parse(readFileSync(join(NM, pkg, 'package.json'), 'utf8')) as { version: string };
  return j.version;
}

/** Checks the cache holds exactly the pinned versions (so the output is reproducible). */
export function checkVersions(): void {
  for (const [pkg, v] of Object.entries(EMOJI_PACKAGES)) {
    const got = installedVersion(pkg);
    if (got !== v) throw new Error(`${pkg} ${got} is installed in ${NM}, the generator is pinned to ${v}: rerun scripts/data/build.sh`);
  }
}

export interface EmojiInfo {
  /** Lower-case hex code points joined by '-', without FE0F: the identity used in file names. */
  key: string;
  char: string;
  /** CLDR short name from emojibase, e.g. 'dog'. */
  name: string;
  group: string;
  subgroup: string;
  /** Unicode emoji version that introduced it. */
  version: number;
}

interface EmojibaseEntry {
  label: string;
  hexcode: string;
  emoji: string;
  group?: number;
  subgroup?: number;
  version: number;
  skins?: EmojibaseEntry[];
}

export function emojiKey(hexcode: string): string {
  return hexcode
    .toLowerCase()
    .split('-')
    .filter((cp) => cp !== 'fe0f')
    .join('-');
}

/** Every emoji of emojibase-data (base forms and skin-tone variants), in Unicode order. */
export function loadEmojiList(includeSkins = false): EmojiInfo[] {
  const data = JSON.parse(readFileSync(join(NM, 'emojibase-data/en/data.json'), 'utf8')) as EmojibaseEntry[];
  const meta = JSON.parse(readFileSync(join(NM, 'emojibase-data/meta/groups.json'), 'utf8')) as {
    groups: Record<string, string>;
    subgroups: Record<string, string>;
  };
  const out: EmojiInfo[] = [];
  const add = (e: EmojibaseEntry, parent?: EmojibaseEntry) => {
    const g = e.group ?? parent?.group;
    const s = e.subgroup ?? parent?.subgroup;
    if (g === undefined || s === undefined) return; // regional indicators etc. have no group
    out.push({ key: emojiKey(e.hexcode), char: e.emoji, name: e.label, group: meta.groups[g]!, subgroup: meta.subgroups[s]!, version: e.version });
  };
  for (const e of data) {
    add(e);
    if (includeSkins) for (const s of e.skins ?? []) add(s, e);
  }
  return out;
}

/** Style names as used in file names (`<identity>_<style>.png`): no '_' allowed. */
export const STYLES = ['noto', 'twemoji', 'fluent-flat', 'fluent-hc', 'openmoji-color', 'openmoji-black'] as const;
/** Further styles for the pretraining corpus only (`--extra-styles 1`); the Emoji-Styles benchmark keeps STYLES. */
export const EXTRA_STYLES = ['fluent-3d', 'noto-v1', 'emojione', 'emojione-v1'] as const;
export type Style = (typeof STYLES)[number] | (typeof EXTRA_STYLES)[number];

/** charsFrom: a set whose chars.json (code point → icon name) names this set's icons too (these sets ship an empty one). */
export const STYLE_INFO: Record<Style, { pkg: EmojiPackage; license: string; title: string; attribution: string; charsFrom?: EmojiPackage }> = {
  noto: { pkg: '@iconify-json/noto', license: 'Apache-2.0', title: 'Noto Emoji', attribution: 'Noto Emoji by Google Inc., Apache License 2.0' },
  twemoji: { pkg: '@iconify-json/twemoji', license: 'CC-BY-4.0', title: 'Twemoji', attribution: 'Twemoji by Twitter, Inc. and other contributors, CC BY 4.0' },
  'fluent-flat': { pkg: '@iconify-json/fluent-emoji-flat', license: 'MIT', title: 'Fluent Emoji Flat', attribution: 'Fluent Emoji (flat) by Microsoft Corporation, MIT License' },
  'fluent-hc': { pkg: '@iconify-json/fluent-emoji-high-contrast', license: 'MIT', title: 'Fluent Emoji High Contrast', attribution: 'Fluent Emoji (high contrast) by Microsoft Corporation, MIT License' },
  'openmoji-color': { pkg: 'openmoji', license: 'CC-BY-SA-4.0', title: 'OpenMoji (colour)', attribution: 'OpenMoji, the open-source emoji and icon project, CC BY-SA 4.0' },
  'openmoji-black': { pkg: 'openmoji', license: 'CC-BY-SA-4.0', title: 'OpenMoji (black line art)', attribution: 'OpenMoji, the open-source emoji and icon project, CC BY-SA 4.0' },
  'fluent-3d': { pkg: '@iconify-json/fluent-emoji', license: 'MIT', title: 'Fluent Emoji (colour, shaded)', attribution: 'Fluent Emoji by Microsoft Corporation, MIT License', charsFrom: '@iconify-json/fluent-emoji-flat' },
  'noto-v1': { pkg: '@iconify-json/noto-v1', license: 'Apache-2.0', title: 'Noto Emoji v1', attribution: 'Noto Emoji (v1) by Google Inc., Apache License 2.0', charsFrom: '@iconify-json/noto' },
  emojione: { pkg: '@iconify-json/emojione', license: 'CC-BY-4.0', title: 'Emoji One', attribution: 'Emoji One by Emoji One, CC BY 4.0', charsFrom: '@iconify-json/noto' },
  'emojione-v1': { pkg: '@iconify-json/emojione-v1', license: 'CC-BY-SA-4.0', title: 'Emoji One v1', attribution: 'Emoji One (v1) by Emoji One, CC BY-SA 4.0', charsFrom: '@iconify-json/noto' },
};

interface IconifyIcon {
  body: string;
  width?: number;
  height?: number;
  left?: number;
  top?: number;
  hFlip?: boolean;
}
interface IconifySet {
  icons: Record<string, IconifyIcon>;
  aliases?: Record<string, { parent: string; hFlip?: boolean; vFlip?: boolean; rotate?: number }>;
  width?: number;
  height?: number;
  left?: number;
  top?: number;
}

/** SVG sources of one style: key → complete SVG document (or undefined when the style lacks it). */
export interface StyleSource {
  style: Style;
  svg(key: string): string | undefined;
}

function iconifySource(style: Style, pkg: string, charsFrom = pkg): StyleSource {
  const set = JSON.parse(readFileSync(join(NM, pkg, 'icons.json'), 'utf8')) as IconifySet;
  const chars = JSON.parse(readFileSync(join(NM, charsFrom, 'chars.json'), 'utf8')) as Record<string, string>;
  const recolor = style === 'fluent-hc'; // monochrome set drawn in currentColor
  return {
    style,
    svg(key) {
      const name = chars[key];
      if (name === undefined) return undefined;
      let icon = set.icons[name];
      let hFlip = false;
      if (!icon) {
        const alias = set.aliases?.[name];
        if (!alias || alias.vFlip || alias.rotate) return undefined; // only plain and mirrored aliases
        icon = set.icons[alias.parent];
        hFlip = alias.hFlip === true;
        if (!icon) return undefined;
      }
      const w = icon.width ?? set.width ?? 16;
      const h = icon.height ?? set.height ?? 16;
      const l = icon.left ?? set.left ?? 0;
      const t = icon.top ?? set.top ?? 0;
      let body = recolor ? icon.body.replaceAll('currentColor', '#000000') : icon.body;
      if (hFlip !== (icon.hFlip === true)) body = `<g transform="translate(${2 * l + w} 0) scale(-1 1)">${body}</g>`;
      return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="${l} ${t} ${w} ${h}">${body}</svg>`;
    },
  };
}

function openmojiSource(style: Style, variant: 'color' | 'black'): StyleSource {
  const dir = join(NM, 'openmoji', variant, 'svg');
  return {
    style,
    svg(key) {
      // OpenMoji names files by upper-case hexcode, usually without FE0F (keycaps keep it).
      const plain = key.toUpperCase();
      for (const name of [plain, plain.replace(/^([0-9A-F]+)(-20E3)$/, '$1-FE0F$2'), `${plain}-FE0F`]) {
        const p = join(dir, `${name}.svg`);
        if (existsSync(p)) return readFileSync(p, 'utf8');
      }
      return undefined;
    },
  };
}

export function loadStyles(styles: readonly Style[] = STYLES): StyleSource[] {
  return styles.map((s) =>
    s === 'openmoji-color' ? openmojiSource(s, 'color') : s === 'openmoji-black' ? openmojiSource(s, 'black') : iconifySource(s, STYLE_INFO[s].pkg, STYLE_INFO[s].charsFrom),
  );
}

// ---- rasterising -------------------------------------------------------------------------------

interface ResvgModule {
  initWasm(input: Uint8Array): Promise<void>;
  Resvg: new (
    svg: string,
    opts: { fitTo: { mode: 'width'; value: number }; background?: string; font?: { loadSystemFonts?: boolean } },
  ) => { render(): { width: number; height: number; pixels: Uint8Array; free(): void }; free(): void };
}

let resvg: ResvgModule | null = null;

async function getResvg(): Promise<ResvgModule> {
  if (!resvg) {
    const mod = requireCache('@resvg/resvg-wasm') as ResvgModule;
    await mod.initWasm(readFileSync(join(NM, '@resvg/resvg-wasm/index_bg.wasm')));
    resvg = mod;
  }
  return resvg;
}

/**
 * Renders an SVG to size×size RGB on white. resvg composites onto the background itself (in sRGB
 * bytes, as a canvas on a white page does), so every output pixel is opaque.
 */
export async function rasterize(svg: string, size: number): Promise<Uint8Array> {
  const { Resvg } = await getResvg();
  // Make the document exactly size×size so non-square viewBoxes are letterboxed, not stretched.
  const sized = svg.replace(/<svg\b([^>]*)>/, (_m, attrs: string) => {
    const cleaned = attrs.replace(/\s(width|height)="[^"]*"/g, '');
    return `<svg${cleaned} width="${size}" height="${size}">`;
  });
  const r = new Resvg(sized, { fitTo: { mode: 'width', value: size }, background: '#ffffff', font: { loadSystemFonts: false } });
  const img = r.render();
  if (img.width !== size || img.height !== size) throw new Error(`rasterize: got ${img.width}×${img.height}`);
  const rgba = img.pixels; // [size][size][4], alpha 255 after the white background
  const out = new Uint8Array(size * size * 3); // [size][size][3]
  for (let i = 0; i < size * size; i++) {
    if (rgba[4 * i + 3] !== 255) throw new Error('rasterize: transparent pixel after background fill');
    out[3 * i] = rgba[4 * i]!;
    out[3 * i + 1] = rgba[4 * i + 1]!;
    out[3 * i + 2] = rgba[4 * i + 2]!;
  }
  img.free();
  r.free();
  return out;
}
