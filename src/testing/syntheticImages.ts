// A tiny labelled image set for runner-level tests: 4 classes of 8×8 PNGs, each a base colour with one bright
// quadrant, plus pixel noise; learnable by a tiny ViT in a few steps. `corrupt` replaces train image 1 of class 0
// with bytes that are not an image (the runner must report and skip it).
import { encode } from 'fast-png';
import type { LabeledImages } from '../training/experiment';
import { rng } from './rng';

const COLOURS = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [200, 200, 40],
];

export function quadrantColourImages(perClass = 12, testPerClass = 4, corrupt = false): LabeledImages {
  const make = (c: number, i: number) => {
    const r = rng(c * 1000 + i);
    const data = new Uint8Array(8 * 8 * 3);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++)
        for (let ch = 0; ch < 3; ch++) {
          const quadrant = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) === c ? 50 : 0;
          data[(y * 8 + x) * 3 + ch] = Math.min(255, COLOURS[c]![ch]! + quadrant + Math.floor(r() * 30));
        }
    return encode({ width: 8, height: 8, data, channels: 3, depth: 8 });
  };
  const refs = (split: string, n: number, offset: number) =>
    COLOURS.flatMap((_, c) =>
      Array.from({ length: n }, (_, i) => {
        const bytes = corrupt && split === 'train' && c === 0 && i === 1 ? new TextEncoder().encode('not an image') : make(c, offset + i);
        return { label: c, path: `${split}/class${c}/${i}.png`, bytes: async () => bytes };
      }),
    );
  return { classNames: ['red', 'green', 'blue', 'yellow'], train: refs('train', perClass, 0), test: refs('test', testPerClass, 500) };
}
