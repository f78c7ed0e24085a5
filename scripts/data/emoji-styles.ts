// Generates public/data/emoji-styles/: Unicode emoji subgroups as object classes, each emoji drawn
// in six independent art styles (the class-incremental analogue of ImageNet-R: classes are
// semantic, images come in several renditions/domains).
//
// Inputs (npm, pinned in emoji-sources.ts, installed by build.sh into .cache/data-build):
//   emojibase-data (the emoji → Unicode group/subgroup mapping, from Unicode's emoji-test.txt),
//   @iconify-json/{noto,twemoji,fluent-emoji-flat,fluent-emoji-high-contrast} and openmoji (SVGs),
//   @resvg/resvg-wasm (the rasteriser).
// Choice: CLASSES below, each with ≥ PER_CLASS usable emoji. Candidates are the emoji of those
// subgroups present in all six styles, minus variants: a ZWJ sequence X-200d-… whose first
// component X is itself an emoji (black cat, black bird, polar bear, service dog, phoenix, lime,
// brown mushroom) only recolours or decorates X, and in line-art styles renders like X (black bird =
// bird pixel for pixel in openmoji-black), so putting X and its variant in different splits leaks.
// Every candidate is rendered in every style and an emoji is usable only if none of its six
// renderings coincides with another rendering of any candidate (see `coinciding`): same pixels
// (OpenMoji draws some emoji identically in colour and black, e.g. 2744 snowflake), nearly the
// same pixels (mean |Δ| < SAME_MAD), or, for two different emoji in one style, a near duplicate
// (mean |Δ| < NEAR_MAD: oncoming police car / taxi / automobile, snowman / snowman without snow,
// red / green apple in line art). Both emoji of a coinciding pair are dropped, so the rule does not
// depend on any order. Per class, a seeded shuffle of the candidates (as before the filter) is
// walked and the first PER_CLASS usable emoji are kept; the first TEST_PER_CLASS of them are test
// identities, the rest train. All six styles of an emoji go to the same split, so test emoji are
// never seen in training, and no two shipped images are the same (src/data/builtin.test.ts checks).
// Output: 32×32 RGB PNG on white, `<split>/<class>/<identity>_<style>.png`, identity = lower-case
// hex code points joined by '-' without FE0F (e.g. 1f415 for 🐕).
// Also writes held-out.json: every emoji of the CLASSES subgroups (used or not), for the pretraining
// generator to exclude.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_ROOT, formatJson, mb, shuffled, subSeed, writeDataset, type PendingImage } from './common';
import { EMOJI_PACKAGES, STYLES, STYLE_INFO, checkVersions, loadEmojiList, loadStyles, rasterize, type EmojiInfo } from './emoji-sources';
import { encodePng } from './png';
import type { IdentityInfo } from '../../src/data/builtin';

const SEED = 20251129;
const SIZE = 32;
const PER_CLASS = 16;
const TEST_PER_CLASS = 4;
// 20 object-like subgroups with ≥ 16 emoji in all six styles. Left out on purpose: 'time' (24 of its
// 31 emoji are near-identical clock faces), the people/smiley/symbol/flag groups and the small
// object subgroups; those stay available for pretraining. Order = label order.
const CLASSES = [
  'animal-mammal', 'animal-bird', 'animal-marine', 'animal-bug',
  'plant-other', 'food-fruit', 'food-vegetable', 'food-prepared',
  'food-asian', 'drink', 'place-building', 'transport-ground',
  'sky-weather', 'event', 'sport', 'game',
  'clothing', 'household', 'office', 'tool',
];
const TASK_SIZE = 4;
// Renderings closer than this mean absolute difference (0–255 scale, over all pixels and channels)
// count as the same image, whichever emoji and style they are (OpenMoji's swan is 0.08 apart in
// colour and black: its colour version is white).
const SAME_MAD = 1;
// Two different emoji whose renderings in one style are closer than this are near duplicates. The
// closest pairs that are genuinely different drawings are ≥ 4 apart; the pairs below it are the
// variants named in the header.
const NEAR_MAD = 4;

interface Rendering {
  key: string;
  style: string;
  pixels: Uint8Array; // [SIZE][SIZE][3]
  /** Block means over 4×4 pixel blocks, [SIZE/4][SIZE/4][3]: mean |Δ| of these is ≤ the full mean |Δ|. */
  coarse: Float32Array;
}

function coarseOf(px: Uint8Array): Float32Array {
  const b = SIZE / 4;
  const out = new Float32Array(b * b * 3); // [b][b][3]
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      for (let c = 0; c < 3; c++) out[(((y >> 2) * b + (x >> 2)) * 3) + c]! += px[(y * SIZE + x) * 3 + c]! / 16;
    }
  }
  return out;
}

function mad(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / a.length;
}

/**
 * Pairs of renderings that coincide: identical pixels (hashed, all pairs), mean |Δ| < SAME_MAD (all
 * pairs), or mean |Δ| < NEAR_MAD for different emoji in the same style. The block-mean distance is a
 * lower bound of the pixel distance (triangle inequality per block), so it prunes most pairs cheaply.
 */
function coinciding(rs: Rendering[]): [Rendering, Rendering, string][] {
  const out: [Rendering, Rendering, string][] = [];
  const byHash = new Map<string, Rendering>();
  for (const r of rs) {
    const h = createHash('sha256').update(r.pixels).digest('hex');
    const first = byHash.get(h);
    if (first) out.push([first, r, 'identical pixels']);
    else byHash.set(h, r);
  }
  for (let i = 0; i < rs.length; i++) {
    for (let j = i + 1; j < rs.length; j++) {
      const a = rs[i]!;
      const b = rs[j]!;
      const limit = a.key !== b.key && a.style === b.style ? NEAR_MAD : SAME_MAD;
      if (mad(a.coarse, b.coarse) >= limit) continue;
      const d = mad(a.pixels, b.pixels);
      if (d > 0 && d < limit) out.push([a, b, `mean |Δ| ${d.toFixed(2)}`]);
    }
  }
  return out;
}

async function main(): Promise<void> {
  checkVersions();
  const emoji = loadEmojiList();
  const styles = loadStyles();
  const images: PendingImage[] = [];
  const identities: Record<string, IdentityInfo> = {};
  const used: EmojiInfo[] = [];
  const allKeys = new Set(emoji.map((e) => e.key));
  const isVariant = (key: string): boolean => key.includes('-200d-') && allKeys.has(key.split('-200d-')[0]!);
  const complete = new Map<string, EmojiInfo[]>(); // class → emoji in all six styles, Unicode order
  const rejected: string[] = [];
  const renderings: Rendering[] = [];
  for (const className of CLASSES) {
    const members = emoji.filter((e) => e.subgroup === className && styles.every((s) => s.svg(e.key) !== undefined));
    complete.set(className, members);
    for (const e of members) {
      if (isVariant(e.key)) {
        rejected.push(`${e.key} (${e.name}): variant of ${e.key.split('-200d-')[0]!}`);
        continue;
      }
      for (const s of styles) {
        const pixels = await rasterize(s.svg(e.key)!, SIZE);
        renderings.push({ key: e.key, style: s.style, pixels, coarse: coarseOf(pixels) });
      }
    }
  }
  const clashes = new Set<string>();
  for (const [a, b, why] of coinciding(renderings)) {
    clashes.add(a.key);
    clashes.add(b.key);
    rejected.push(`${a.key}_${a.style} ~ ${b.key}_${b.style}: ${why}`);
  }
  const pixelsOf = new Map(renderings.map((r) => [`${r.key}_${r.style}`, r.pixels]));
  for (const className of CLASSES) {
    const members = complete.get(className)!;
    // Shuffle all complete emoji (the pre-filter order), then skip the unusable ones: the filter only
    // removes emoji, it does not reshuffle the rest.
    const usable = shuffled(members, subSeed(SEED, className)).filter((e) => !isVariant(e.key) && !clashes.has(e.key));
    if (usable.length < PER_CLASS) throw new Error(`${className}: only ${usable.length} usable emoji (of ${members.length} in all styles)`);
    usable.slice(0, PER_CLASS).forEach((e, i) => {
      identities[e.key] = { char: e.char, name: e.name, className, split: i < TEST_PER_CLASS ? 'test' : 'train' };
      used.push(e);
    });
  }
  for (const e of used) {
    const info = identities[e.key]!;
    for (const s of styles) {
      const file = `${e.key}_${s.style}`;
      images.push({ split: info.split, className: info.className, file: `${file}.png`, png: encodePng(pixelsOf.get(file)!, SIZE, SIZE, 3) });
    }
  }
  console.log(`emoji-styles: ${renderings.length / styles.length} candidates; not usable:\n  ${rejected.join('\n  ')}`);
  const sortedIds = Object.fromEntries(Object.entries(identities).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  // Tasks take classes in a seeded random order (as class-IL benchmarks such as ImageNet-R do), so a
  // task is not one super-category (all animals, all food) by accident of the label order.
  const order = shuffled(CLASSES, subSeed(SEED, 'task-order'));
  const tasks: string[][] = [];
  for (let t = 0; t < order.length; t += TASK_SIZE) tasks.push(order.slice(t, t + TASK_SIZE));
  const versions = (pkg: string): string => EMOJI_PACKAGES[pkg] ?? 'unknown';
  const { files, bytes } = writeDataset(
    {
      format: 'sdlora-image-folder/1',
      name: 'emoji-styles',
      title: 'Emoji-Styles',
      description:
        `${CLASSES.length} Unicode emoji subgroups as classes, each emoji drawn in ${STYLES.length} art styles ` +
        `(${STYLES.join(', ')}), ${SIZE}×${SIZE} RGB on white. Per class ${PER_CLASS - TEST_PER_CLASS} train and ` +
        `${TEST_PER_CLASS} test emoji: test emoji are never seen in training (the ImageNet-R-like setting). ` +
        `Default protocol: ${tasks.length} tasks × ${TASK_SIZE} classes.`,
      image: { width: SIZE, height: SIZE, channels: 3 },
      classes: CLASSES,
      perClass: { train: (PER_CLASS - TEST_PER_CLASS) * STYLES.length, test: TEST_PER_CLASS * STYLES.length },
      defaultTasks: tasks,
      seed: SEED,
      license: 'LICENSE.md',
      sources: [
        { name: 'emojibase-data', version: versions('emojibase-data'), registry: 'npm', license: 'MIT', used: 'emoji list, CLDR names, Unicode group/subgroup of each emoji (en/data.json, meta/groups.json)' },
        ...(['noto', 'twemoji', 'fluent-flat', 'fluent-hc'] as const).map((s) => ({
          name: STYLE_INFO[s].pkg,
          version: versions(STYLE_INFO[s].pkg),
          registry: 'npm' as const,
          license: STYLE_INFO[s].license,
          used: `SVG icons (style "${s}")`,
        })),
        { name: 'openmoji', version: versions('openmoji'), registry: 'npm', license: 'CC-BY-SA-4.0', used: 'color/svg and black/svg (styles "openmoji-color", "openmoji-black")' },
        { name: '@resvg/resvg-wasm', version: versions('@resvg/resvg-wasm'), registry: 'npm', license: 'MPL-2.0', used: 'rasteriser (build tool only, not shipped)' },
      ],
      styles: [...STYLES],
      identities: sortedIds,
    },
    images,
    licenseText(),
  );

  // Everything of the chosen subgroups, including skin-tone variants and emoji not drawn in all
  // styles, so the pretraining corpus cannot leak any of the evaluation classes.
  const all = loadEmojiList(true).filter((e) => CLASSES.includes(e.subgroup));
  const heldOut = {
    description:
      'Emoji held out of any pretraining corpus because emoji-styles evaluates on them: every emoji of the ' +
      'listed Unicode subgroups (emojibase-data), whether or not emoji-styles uses it. Keys are lower-case hex ' +
      'code points joined by "-", FE0F removed.',
    source: `emojibase-data ${versions('emojibase-data')}`,
    subgroups: CLASSES,
    used: used.map((e) => e.key).sort(),
    exclude: [...new Set(all.map((e) => e.key))].sort(),
  };
  writeFileSync(join(DATA_ROOT, 'emoji-styles/held-out.json'), formatJson(heldOut));
  console.log(
    `emoji-styles: ${CLASSES.length} classes × ${PER_CLASS} emoji × ${STYLES.length} styles = ${files} images ` +
      `(${(PER_CLASS - TEST_PER_CLASS) * STYLES.length}+${TEST_PER_CLASS * STYLES.length} per class), ` +
      `held out ${heldOut.exclude.length} emoji, ${mb(bytes)}`,
  );
}

function licenseText(): string {
  const rows = STYLES.map((s) => `| \`${s}\` | \`${STYLE_INFO[s].pkg}\` ${EMOJI_PACKAGES[STYLE_INFO[s].pkg] ?? ''} | ${STYLE_INFO[s].license} | ${STYLE_INFO[s].attribution} |`);
  return `# emoji-styles: licences and attribution

The images are ${SIZE}×${SIZE} renderings (on white) of emoji artwork from the packages below; each
file's style is the part of its name after \`_\` (\`<identity>_<style>.png\`). Each image is licensed
under the licence of its style's artwork. They were rasterised, unmodified apart from scaling and
the white background, by \`scripts/data/emoji-styles.ts\` (seed ${SEED}) with \`@resvg/resvg-wasm\`
${EMOJI_PACKAGES['@resvg/resvg-wasm'] ?? ''} (MPL-2.0; a build tool, not shipped). The class of each emoji
is its Unicode emoji subgroup as given by \`emojibase-data\` ${EMOJI_PACKAGES['emojibase-data'] ?? ''} (MIT), which
is derived from the Unicode emoji data files (Unicode License v3).

| style | npm package | licence | attribution |
| --- | --- | --- | --- |
${rows.join('\n')}

## Notes per licence

- **Noto Emoji** (\`noto\`): Copyright Google Inc. Licensed under the Apache License, Version 2.0
  (https://www.apache.org/licenses/LICENSE-2.0). Changes: rasterised to ${SIZE}×${SIZE} on white.
- **Twemoji** (\`twemoji\`): Copyright 2019 Twitter, Inc. and other contributors. Graphics licensed
  under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Changes: rasterised to ${SIZE}×${SIZE}
  on white.
- **Fluent Emoji** (\`fluent-flat\`, \`fluent-hc\`): Copyright (c) Microsoft Corporation. MIT License
  (https://github.com/microsoft/fluentui-emoji/blob/main/LICENSE): permission is granted free of
  charge to deal in the Software without restriction, provided the copyright notice and this
  permission notice are included; THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
  The high-contrast set is drawn in black (its \`currentColor\`).
- **OpenMoji** (\`openmoji-color\`, \`openmoji-black\`): "All emojis designed by OpenMoji – the
  open-source emoji and icon project. License: CC BY-SA 4.0"
  (https://openmoji.org, https://creativecommons.org/licenses/by-sa/4.0/). Changes: rasterised to
  ${SIZE}×${SIZE} on white. **Share-alike:** these PNG files, and any data set derived from them, must be
  shared under CC BY-SA 4.0; the other styles' files are not affected.

The emoji selection, split, manifest.json and held-out.json are generated data (MIT, like the
project). \`held-out.json\` lists the emoji of the ${CLASSES.length} subgroups used here, so the
pretraining corpus can exclude them.
`;
}

await main();
