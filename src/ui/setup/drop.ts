// Files dropped anywhere on the page, routed to what they are: model files (a .safetensors or .onnx, with its
// config.json; loose or in a dropped folder such as a Hugging Face model directory) go to the Model section,
// any other dropped folder becomes the image data set (one sub-folder per class). Dropped entries are walked
// with DataTransferItem.webkitGetAsEntry (best effort: Chromium and Firefox); nothing is uploaded.

import { useEffect, useState } from 'react';
import { folderPickFailed } from '../../store/actions';
import { chooseFolder, chooseModelFiles } from '../../worker/client';
import type { FolderFiles } from '../../worker/protocol';

export interface PickedFile {
  file: File;
  path: string;
}

/** Picked files → FolderFiles; paths keep the picked folder's name as their first segment (loadImageFolder strips it as the root). */
export function folderFiles(list: readonly PickedFile[]): FolderFiles | null {
  const usable = list.filter((f) => f.path.length > 0);
  if (usable.length === 0) return null;
  const name = usable[0]!.path.split('/')[0] || 'folder';
  return { name, entries: usable.map((f) => ({ path: f.path, size: f.file.size })), files: usable.map((f) => f.file) };
}

/** Model weights decide it: a drop holding a .safetensors or an .onnx is a model, whatever else it holds. */
export const holdsModel = (list: readonly PickedFile[]) => list.some((f) => /\.(safetensors|onnx)$/i.test(f.path));

const readBatch = (reader: FileSystemDirectoryReader) =>
  new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
const entryFile = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** Every file below a dropped entry; readEntries returns at most ~100 entries per call, so it is called until empty. */
async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    out.push({ file: await entryFile(entry as FileSystemFileEntry), path: entry.fullPath.replace(/^\/+/, '') });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await readBatch(reader);
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, out);
    }
  }
}

async function route(entries: FileSystemEntry[]): Promise<void> {
  const files: PickedFile[] = [];
  for (const e of entries) await walk(e, files);
  const dir = entries.some((e) => e.isDirectory);
  if (holdsModel(files) || (!dir && files.some((f) => /\.json$/i.test(f.path)))) {
    chooseModelFiles(files);
    return;
  }
  const folder = dir ? folderFiles(files) : null;
  if (folder) chooseFolder(folder);
  else
    folderPickFailed(
      'drop a folder of images (one sub-folder per class), or model files (config.json with model.safetensors, or one .onnx)',
    );
}

/** Window-wide drop while `enabled`; returns whether something is being dragged over the page (for a hint). */
export function useFileDrop(enabled: boolean): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      setOver(true);
    };
    const onLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(false);
      const items = e.dataTransfer?.items;
      if (!items) return;
      // Entries must be taken synchronously, inside the drop event.
      const entries = Array.from(items, (it) => (it.kind === 'file' ? it.webkitGetAsEntry() : null)).filter((x): x is FileSystemEntry => x !== null);
      route(entries).catch((err: unknown) => folderPickFailed(`could not read what was dropped: ${err instanceof Error ? err.message : String(err)}`));
    };
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [enabled]);
  return over;
}
