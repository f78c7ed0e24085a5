// nodeFiles: lists files (with sizes) and folders (trailing '/') in sorted order, and reads only inside the root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder, nodeReader } from './nodeFiles';

const root = mkdtempSync(join(tmpdir(), 'sdlora-nodefiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('nodeFiles', () => {
  mkdirSync(join(root, 'b/empty'), { recursive: true });
  mkdirSync(join(root, 'a'), { recursive: true });
  writeFileSync(join(root, 'a/x.png'), new Uint8Array([1, 2, 3]));
  writeFileSync(join(root, 'b/y.jpg'), new Uint8Array(10));
  writeFileSync(join(root, 'top.txt'), 'hi');

  it('walks the tree, sorted, with sizes and folder entries', async () => {
    const { entries, issues } = await listFolder(root);
    expect(issues).toEqual([]);
    expect(entries).toEqual([
      { path: 'a/', size: 0 },
      { path: 'a/x.png', size: 3 },
      { path: 'b/', size: 0 },
      { path: 'b/empty/', size: 0 },
      { path: 'b/y.jpg', size: 10 },
      { path: 'top.txt', size: 2 },
    ]);
    await expect(listFolder(join(root, 'top.txt'))).rejects.toThrow(/not a folder/);
    await expect(listFolder(root, { maxFiles: 2 })).rejects.toThrow(/more than 2 files/);
  });

  it('reads bytes by relative path and refuses paths outside the root', async () => {
    const read = nodeReader(root);
    expect(Array.from(await read('a/x.png'))).toEqual([1, 2, 3]);
    await expect(read('../etc/passwd')).rejects.toThrow(/outside/);
    await expect(read('a/missing.png')).rejects.toThrow(/ENOENT/);
  });
});
