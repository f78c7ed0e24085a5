// The user's folder in the store: picking selects it, the worker's check makes it a valid data set (classes for
// the task choices and validation), and its issues are kept for the page to list.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../training/methods';
import { FOLDER_DATASET, type FolderSummary } from '../worker/protocol';
import { folderPicked, requestRun, setConfig, setMaxPerClass, setModel, workerMessages } from './actions';
import { datasetEntry, store } from './state';

const summary: FolderSummary = {
  name: 'pets',
  layout: 'classes',
  classes: ['bird', 'cat', 'dog', 'fish'].map((className) => ({ className, train: 5, test: 1 })),
  issues: [
    { path: 'pets/dog/broken.png', kind: 'corrupt', reason: 'not a PNG' },
    { path: 'pets/cat/notes.txt', kind: 'not-image', reason: 'not an image' },
  ],
  trainImages: 20,
  testImages: 4,
  bytes: 2400,
};

describe('your folder', () => {
  it('is selected when picked, and not runnable until checked', () => {
    folderPicked('pets', 26);
    expect(store.getState().form.dataset).toBe(FOLDER_DATASET);
    expect(store.getState().folder?.status).toBe('scanning');
    setModel('tiny');
    setMaxPerClass(null);
    setConfig({ ...DEFAULT_CONFIG, tasks: 2, batchSize: 4, epochs: 1 });
    expect(requestRun(0)).toBeNull();
    expect(store.getState().formErrors.join()).toContain('pick a folder');
  });

  it('becomes a data set with its classes once the worker reports it; issues are kept', () => {
    workerMessages([{ type: 'folderProgress', done: 13, total: 26 }], 0);
    expect(store.getState().folder?.done).toBe(13);
    workerMessages([{ type: 'folderScanned', summary }], 0);
    const s = store.getState();
    expect(s.folder?.status).toBe('ready');
    expect(s.folder?.summary?.issues.map((i) => i.kind)).toEqual(['corrupt', 'not-image']);
    expect(datasetEntry(s, FOLDER_DATASET)).toMatchObject({ classes: 4, train: 20, test: 4 });
    const request = requestRun(0);
    expect(store.getState().formErrors).toEqual([]);
    expect(request?.dataset).toBe(FOLDER_DATASET);
    setConfig({ tasks: 3 });
    expect(requestRun(0)).toBeNull();
    expect(store.getState().formErrors.join()).toContain('one of 1, 2, 4');
  });

  it('reports a failed check', () => {
    workerMessages([{ type: 'folderFailed', message: 'boom' }], 0);
    expect(store.getState().folder).toMatchObject({ status: 'failed', error: 'boom' });
  });
});
