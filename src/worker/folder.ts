// The user's own image folder → LabeledImages for runExperiment, in the worker. The page sends File objects
// (structured clone keeps them as handles to the local files: nothing leaves the machine); loadImageFolder
// (src/data/imageFolder.ts) detects the layout, reads and decodes every file once to report corrupt,
// non-image, duplicate and empty-class problems, and makes the seeded split. Training then reads each image
// from its File again on demand, so the folder is never held in memory as a whole.

import { classCounts, loadImageFolder, type DatasetImage } from '../data/imageFolder';
import { capPerClass } from '../data/taskSplit';
import type { ImageRef, LabeledImages } from '../training/experiment';
import type { FolderFiles, FolderSummary } from './protocol';

/** Seed of the train/test split for folders without train/ and test/ (fixed, so a folder always splits alike). */
const SPLIT_SEED = 1;


export interface LoadedFolder {
  data: LabeledImages;
  summary: FolderSummary;
}

/**
 * Scans and checks the folder. `gate` is awaited before every image read during training (pause).
 * Throws only when fewer than two usable classes remain (nothing to learn incrementally).
 */
export async function loadFolder(
  folder: FolderFiles,
  maxPerClass: number | null,
  gate: () => Promise<void>,
  onProgress: (done: number, total: number) => void,
): Promise<LoadedFolder> {
  if (folder.entries.length !== folder.files.length) throw new Error('folder entries and files differ in number');
  const byPath = new Map<string, File>();
  folder.entries.forEach((e, i) => byPath.set(e.path, folder.files[i]!));
  const read = async (path: string): Promise<Uint8Array> => {
    const file = byPath.get(path);
    if (!file) throw new Error(`no file ${path}`);
    return new Uint8Array(await file.arrayBuffer());
  };
  const ds = await loadImageFolder(folder.entries, read, { seed: SPLIT_SEED, onProgress });
  const bytes = [...ds.train, ...ds.test].reduce((a, im) => a + im.size, 0);
  const summary: FolderSummary = {
    name: folder.name,
    layout: ds.layout,
    classes: classCounts(ds),
    issues: ds.issues,
    trainImages: ds.train.length,
    testImages: ds.test.length,
    bytes,
  };
  const ref = (im: DatasetImage): ImageRef => ({
    label: im.label,
    path: im.path,
    bytes: async () => {
      await gate();
      return read(im.path);
    },
  });
  const data: LabeledImages = {
    classNames: ds.classes,
    train: capPerClass(ds.train, maxPerClass).map(ref),
    test: capPerClass(ds.test, maxPerClass).map(ref),
  };
  return { data, summary };
}

/** The scan alone, for the page to show classes, issues and thumbnails before a run (images stay on disk). */
export async function scanFolderFiles(folder: FolderFiles, onProgress: (done: number, total: number) => void): Promise<LoadedFolder> {
  return loadFolder(folder, null, async () => {}, onProgress);
}
