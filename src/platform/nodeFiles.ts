// Node side of src/data/imageFolder.ts: list a folder on disk as FolderEntry[] and read files by
// relative path. The browser gets the same two things from a directory picker.
//
// Paths use '/' whatever the OS. Directories are listed too (as 'dir/', size 0) so an empty class folder
// can be reported. Symbolic links to files are followed; links to directories are not (no cycles).
// Folders that cannot be listed become issues, not exceptions.

import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FolderEntry, Issue } from '../data/imageFolder';

export interface ListOptions {
  /** Stop after this many files (a guard against pointing at '/'); default 1,000,000. */
  maxFiles?: number;
}

/** Walks `root` (sorted, depth first) and returns every file and directory relative to it. */
export async function listFolder(root: string, options: ListOptions = {}): Promise<{ entries: FolderEntry[]; issues: Issue[] }> {
  const maxFiles = options.maxFiles ?? 1_000_000;
  const entries: FolderEntry[] = [];
  const issues: Issue[] = [];
  let files = 0;
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a folder`);

  const walk = async (relDir: string): Promise<void> => {
    let dirents;
    try {
      dirents = await readdir(join(root, relDir), { withFileTypes: true });
    } catch (e) {
      issues.push({ path: `${relDir}/`, kind: 'unreadable', reason: `cannot list folder: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      const rel = relDir ? `${relDir}/${d.name}` : d.name;
      if (d.isDirectory()) {
        entries.push({ path: `${rel}/`, size: 0 });
        await walk(rel);
      } else if (d.isFile() || d.isSymbolicLink()) {
        if (files >= maxFiles) throw new Error(`${root} holds more than ${maxFiles} files; pick the data set's own folder`);
        try {
          const st = await stat(join(root, rel)); // follows file links
          if (st.isFile()) {
            entries.push({ path: rel, size: st.size });
            files++;
          }
        } catch (e) {
          issues.push({ path: rel, kind: 'unreadable', reason: `cannot stat: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
    }
  };
  await walk('');
  return { entries, issues };
}

/** A reader of paths relative to `root` that refuses paths leaving it. */
export function nodeReader(root: string): (path: string) => Promise<Uint8Array> {
  const base = resolve(root);
  return async (path: string) => {
    const full = resolve(base, path);
    const rel = relative(base, full);
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw new Error(`path "${path}" is outside ${root}`);
    const buf = await readFile(full);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  };
}
