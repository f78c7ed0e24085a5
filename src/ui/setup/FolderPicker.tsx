// "Your folder…": the user's own images as the data set. A directory picker (<input webkitdirectory>) or a
// folder dropped anywhere on the page (./drop.ts, which sends model files to the Model section instead) gives
// File objects with their paths relative to the folder's parent; they go to the training
// worker, which checks them (src/worker/folder.ts) and reports classes and every skipped file here.
// The images are read only inside this page: nothing is uploaded.

import { folderPickFailed } from '../../store/actions';
import { usePlayground } from '../../store/state';
import { chooseFolder } from '../../worker/client';
import { formatBytes } from '../format';
import { folderFiles } from './drop';

export function FolderPicker({ disabled, selected }: { disabled: boolean; selected: boolean }) {
  const folder = usePlayground((s) => s.folder);
  return (
    <div className="folder-picker" data-testid="folder-picker">
      <label className="field">
        <span>Your folder…</span>
        <input
          type="file"
          data-testid="folder-input"
          multiple
          // React has no typed prop for these; set as attributes so Chromium opens a directory picker.
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => {
            const list = e.target.files ? Array.from(e.target.files, (file) => ({ file, path: file.webkitRelativePath || file.name })) : [];
            const picked = folderFiles(list);
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
