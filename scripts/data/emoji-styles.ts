// Generates public/data/emoji-styles/: Unicode emoji subgroups as object classes, each emoji drawn
// in six independent art styles (the class-incremental analogue of ImageNet-R: classes are
// semantic, images come in several renditions/domains).
//
// Inputs (npm, pinned in emoji-sources.ts, installed by build.sh into .cache/data-build):
//   emojibase-data (the emoji → Unicode group/subgroup mapping, from Unicode's emoji-test.txt),
//   @iconify-json/{noto,twemoji,fluent-emoji-flat,fluent-emoji-high-contrast} and openmoji (SVGs),
//   @resvg/resvg-wasm (the rasteriser).
// Choice: CLASSES below, each with ≥ PER_CLASS emoji present in all six styles. Per class, a seeded
// shuffle picks PER_CLASS emoji; the first TEST_PER_CLASS of them are test identities, the rest
// train. All six styles of an emoji go to the same split, so test emoji are never seen in training.
// Output: 32×32 RGB PNG on white, `<split>/<class>/<identity>_<style>.png`, identity = lower-case
// hex code points joined by '-' without FE0F (e.g. 1f415 for 🐕).
// Also writes held-out.json: every emoji of the CLASSES subgroups (used or not), for the pretraining
// generator to exclude.
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

async function main(): Promise<void> {
  checkVersions();
  const emoji = loadEmojiList();
  const styles = loadStyles();
  const images: PendingImage[] = [];
  const identities: Record<string, IdentityInfo> = {};
  const used: EmojiInfo[] = [];
  for (const className of CLASSES) {
    const members = emoji.filter((e) => e.subgroup === className);
    const complete = members.filter((e) => styles.every((s) => s.svg(e.key) !== undefined));
    if (complete.length < PER_CLASS) throw new Error(`${className}: only ${complete.length} emoji in all styles`);
    const chosen = shuffled(complete, subSeed(SEED, className)).slice(0, PER_CLASS);
    chosen.forEach((e, i) => {
      identities[e.key] = { char: e.char, name: e.name, className, split: i < TEST_PER_CLASS ? 'test' : 'train' };
      used.push(e);
    });
  }
  for (const e of used) {
    const info = identities[e.key]!;
    for (const s of styles) {
      const px = await rasterize(s.svg(e.key)!, SIZE);
      images.push({ split: info.split, className: info.className, file: `${e.key}_${s.style}.png`, png: encodePng(px, SIZE, SIZE, 3) });
    }
  }
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
