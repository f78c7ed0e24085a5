// Built-in benchmark → LabeledImages for runExperiment, in the worker: the manifest through fetchSource, an
// optional cap of images per class (the first N in manifest order, per split), and every image's bytes
// fetched once up front so training steps never wait on the network. Decoding stays in the runner.

import { fetchSource, listImages, loadManifest, type ImageEntry } from '../data/builtin';
import { capPerClass } from '../data/taskSplit';
import type { ImageRef, LabeledImages } from '../training/experiment';

export interface LoadedData {
  data: LabeledImages;
  fetched: number;
}


/**
 * Loads a built-in benchmark. `gate` is awaited before every image read, so the runner blocks there while
 * the run is paused (the only await the worker owns inside a training step).
 */
export async function loadBuiltin(
  dataset: string,
  maxPerClass: number | null,
  gate: () => Promise<void>,
  onProgress: (done: number, total: number) => void,
): Promise<LoadedData> {
  const src = fetchSource(`${import.meta.env.BASE_URL}data/`, (url) => fetch(url));
  const manifest = await loadManifest(src, dataset);
  const train = capPerClass(listImages(manifest, 'train'), maxPerClass);
  const test = capPerClass(listImages(manifest, 'test'), maxPerClass);
  const all = [...train, ...test];
  const bytes = new Map<string, Uint8Array>();
  let next = 0;
  let done = 0;
  const parallel = 16;
  const fetchOne = async (): Promise<void> => {
    while (next < all.length) {
      const entry = all[next++]!;
      bytes.set(entry.path, await src.bytes(entry.path));
      done++;
      if (done % 64 === 0 || done === all.length) onProgress(done, all.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, all.length) }, fetchOne));
  const ref = (e: ImageEntry): ImageRef => ({
    label: e.label,
    path: e.path,
    bytes: async () => {
      await gate();
      return bytes.get(e.path)!;
    },
  });
  return { data: { classNames: manifest.classes, train: train.map(ref), test: test.map(ref) }, fetched: all.length };
}
