// "Your folder…": the user's own images as the data set. A directory picker (<input webkitdirectory>) or a
// folder dropped anywhere on the page (DataTransferItem.webkitGetAsEntry, best effort: Chromium and
// Firefox) gives File objects with their paths relative to the folder's parent; they go to the training
// worker, which checks them (src/worker/folder.ts) and reports classes and every skipped file here.
// The images are read only inside this page: nothing is uploaded.

import { useEffect, useState } from 'react';
import { folderPickFailed } from '../../store/actions';
import { usePlayground } from '../../store/state';
import { chooseFolder } from '../../worker/client';
import type { FolderFiles } from '../../worker/protocol';
import { formatBytes } from '../format';

/** Picked files → FolderFiles; paths keep the picked folder's name as their first segment (loadImageFolder strips it as the root). */
function fromPicked(list: readonly { file: File; path: string }[]): FolderFiles | null {
  const usable = list.filter((f) => f.path.length > 0);
  if (usable.length === 0) return null;
  const name = usable[0]!.path.split('/')[0] || 'folder';
  return { name, entries: usable.map((f) => ({ path: f.path, size: f.file.size })), files: usable.map((f) => f.file) };
}

function fromInput(files: FileList): FolderFiles | null {
  return fromPicked(Array.from(files, (file) => ({ file, path: file.webkitRelativePath || file.name })));
}

const readBatch = (reader: FileSystemDirectoryReader) =>
  new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
const entryFile = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** Every file below a dropped entry; readEntries returns at most ~100 entries per call, so it is called until empty. */
async function walk(entry: FileSystemEntry, out: { file: File; path: string }[]): Promise<void> {
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

async function fromDrop(items: DataTransferItemList): Promise<FolderFiles | null> {
  // Entries must be taken synchronously, inside the drop event.
  const entries = Array.from(items, (it) => (it.kind === 'file' ? it.webkitGetAsEntry() : null)).filter((e): e is FileSystemEntry => e !== null);
  const dir = entries.find((e) => e.isDirectory);
  if (!dir) return null;
  const out: { file: File; path: string }[] = [];
  await walk(dir, out);
  return fromPicked(out);
}

/** Window-wide folder drop while `enabled`; the page shows a hint while something is dragged over it. */
function useFolderDrop(enabled: boolean): boolean {
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
      fromDrop(items)
        .then((f) => (f ? chooseFolder(f) : folderPickFailed('drop a folder (not single files) with one sub-folder per class')))
        .catch((err: unknown) => folderPickFailed(`could not read the dropped folder: ${err instanceof Error ? err.message : String(err)}`));
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

export function FolderPicker({ disabled, selected }: { disabled: boolean; selected: boolean }) {
  const folder = usePlayground((s) => s.folder);
  const dragging = useFolderDrop(!disabled);
  return (
    <div className={`folder-picker${dragging ? ' dragging' : ''}`} data-testid="folder-picker">
      <label className="field">
        <span>Your folder…</span>
        <input
          type="file"
          data-testid="folder-input"
          multiple
          // React has no typed prop for these; set as attributes so Chromium opens a directory picker.
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => {
            const picked = e.target.files ? fromInput(e.target.files) : null;
            if (picked) chooseFolder(picked);
            else folderPickFailed('the folder is empty');
            e.target.value = '';
          }}
        />
      </label>
      <p className="hint">
        Or drop a folder on the page. One sub-folder per class (or train/ and test/ of class folders); PNG or JPEG. Your images are read
        only in this page and never uploaded.
      </p>
      {folder && selected && <FolderSummaryView />}
    </div>
  );
}

function FolderSummaryView() {
  const folder = usePlayground((s) => s.folder)!;
  if (folder.status === 'failed') return <p className="error" data-testid="folder-status" data-status="failed">{folder.error}</p>;
  if (folder.status === 'scanning' || !folder.summary)
    return (
      <p className="hint" data-testid="folder-status" data-status="scanning">
        Checking {folder.name}: {folder.done} of {folder.total} files…
      </p>
    );
  const f = folder.summary;
  return (
    <div className="folder-summary" data-testid="folder-status" data-status="ready">
      <p className="hint">
        {f.name}: {f.classes.length} classes, {f.trainImages} training and {f.testImages} test images ({formatBytes(f.bytes)}; layout {f.layout}).
      </p>
      {f.classes.length < 2 && <p className="error">At least two classes with images are needed.</p>}
      <table className="folder-classes" data-testid="folder-classes">
        <thead>
          <tr>
            <th>class</th>
            <th>train</th>
            <th>test</th>
          </tr>
        </thead>
        <tbody>
          {f.classes.map((c) => (
            <tr key={c.className}>
              <td>{c.className}</td>
              <td>{c.train}</td>
              <td>{c.test}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {f.issues.length > 0 && (
        <details className="skipped" open>
          <summary>{f.issues.length} file(s) or folder(s) skipped or flagged</summary>
          <ul data-testid="folder-issues">
            {f.issues.map((i) => (
              <li key={`${i.kind}:${i.path}`} data-kind={i.kind} data-path={i.path}>
                <code>{i.path}</code>: {i.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
