import { setDataset, setMaxPerClass } from '../../store/actions';
import { usePlayground } from '../../store/state';
import { FOLDER_DATASET } from '../../worker/protocol';
import { formatBytes } from '../format';
import { ClassPreviewView } from './ClassPreviewView';
import { FolderPicker } from './FolderPicker';
import { TaskOrderView } from './TaskOrderView';
import { NumberField } from './NumberField';
import { SelectField } from './SelectField';

export function DatasetPicker({ disabled }: { disabled: boolean }) {
  const datasets = usePlayground((s) => s.datasets);
  const error = usePlayground((s) => s.datasetsError);
  const dataset = usePlayground((s) => s.form.dataset);
  const maxPerClass = usePlayground((s) => s.form.maxPerClass);
  const folderName = usePlayground((s) => s.folder?.summary?.name ?? s.folder?.name ?? null);
  const entry = datasets?.find((d) => d.name === dataset);
  if (error) return <p className="error">Could not load the built-in data index: {error}</p>;
  if (!datasets) return <p className="hint">Loading the built-in benchmarks…</p>;
  const options = [...datasets.map((d) => ({ value: d.name, label: d.title })), { value: FOLDER_DATASET, label: folderName ? `Your folder: ${folderName}` : 'Your folder…' }];
  return (
    <fieldset disabled={disabled}>
      <legend>Data</legend>
      <SelectField label="Benchmark" testId="field-dataset" value={dataset} onChange={setDataset} options={options} />
      {entry && (
        <p className="hint">
          {entry.classes} classes, {entry.train} training and {entry.test} test images ({formatBytes(entry.bytes)}), served by this page.
        </p>
      )}
      <FolderPicker disabled={disabled} selected={dataset === FOLDER_DATASET} />
      <NumberField
        label="Images per class (max)"
        testId="field-max-per-class"
        value={maxPerClass}
        min={1}
        emptyMeans="all"
        onChange={setMaxPerClass}
        hint="Keep only the first N training and N test images of every class: shorter runs."
      />
      <ClassPreviewView />
      <TaskOrderView />
    </fieldset>
  );
}
