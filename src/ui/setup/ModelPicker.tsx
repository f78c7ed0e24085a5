// The Model section: the backbone a run trains on — the embedded pretrained default (when this copy was built
// with it), an untrained preset, or the user's own files (config.json + model.safetensors, or one .onnx; picked
// here or dropped on the page, read in the worker, never uploaded) — and what it is: architecture, parameter
// counts (backbone, and the LoRA parameters one task trains at the form's rank), input size, the worker device's
// limits, and the GPU memory the run needs by GpuViT's own plan (the form refuses a run that will not fit).

import { useRef } from 'react';
import { setModel } from '../../store/actions';
import { PRESET_MODELS, sourceKey, type SourceKey } from '../../store/choices';
import { datasetEntry, modelStatus, usePlayground, usePlaygroundShallow } from '../../store/state';
import { chooseModelFiles } from '../../worker/client';
import { describeMemory, planRunMemory } from '../../worker/memoryPlan';
import { MODEL_FILES_HINT } from '../../worker/modelSource';
import { loraParamCount } from '../../model/vit/loraTargets';
import { numPatches, numTokens, mlpDim } from '../../model/vit/config';
import { formatBinaryBytes, formatBytes, formatCount } from '../format';
import { SelectField } from './SelectField';

const DEFAULT_LABELS = {
  checking: 'pretrained default (reading…)',
  ready: 'pretrained default (embedded)',
  absent: 'embedded default: not built in this copy',
  failed: 'embedded default: cannot be read',
} as const;

export function ModelPicker({ disabled }: { disabled: boolean }) {
  const model = usePlayground((s) => s.form.model);
  const def = usePlayground((s) => s.defaultModel);
  const accepted = usePlayground((s) => s.userModel.accepted);
  const input = useRef<HTMLInputElement>(null);
  const filesName = model.kind === 'files' ? model.name : accepted?.source.name;
  const options: { value: SourceKey; label: string; disabled?: boolean }[] = [
    { value: 'default', label: DEFAULT_LABELS[def.status], disabled: def.status === 'absent' || def.status === 'failed' },
    ...PRESET_MODELS.map((p) => ({ value: p.id, label: p.label })),
    ...(filesName ? [{ value: 'files' as const, label: `your model: ${filesName}` }] : []),
  ];
  return (
    <fieldset disabled={disabled} data-testid="model-section">
      <legend>Model</legend>
      <SelectField label="Backbone" testId="field-model" value={sourceKey(model)} onChange={setModel} options={options} />
      {def.status === 'absent' && (
        <p className="hint" data-testid="default-model-status" data-status="absent">
          Note: {def.error}; the presets use the untrained small32 instead.
        </p>
      )}
      {def.status === 'failed' && (
        <p className="error" data-testid="default-model-status" data-status="failed">
          {def.error}
        </p>
      )}
      <div className="model-files">
        <button type="button" className="secondary" data-testid="model-files-button" onClick={() => input.current?.click()}>
          Your model files…
        </button>
        <input
          ref={input}
          type="file"
          hidden
          multiple
          accept=".json,.safetensors,.onnx"
          data-testid="model-files-input"
          onChange={(e) => {
            const files = e.target.files ? Array.from(e.target.files, (file) => ({ file, path: file.webkitRelativePath || file.name })) : [];
            if (files.length) chooseModelFiles(files);
            e.target.value = '';
          }}
        />
        <p className="hint">{MODEL_FILES_HINT} Or drop them on the page. They are read only in this page and never uploaded.</p>
        <PendingFiles />
      </div>
      <ModelSummary />
    </fieldset>
  );
}

/** The pick being read, or why it was refused (the form keeps the model it had). */
function PendingFiles() {
  const pending = usePlayground((s) => s.userModel.pending);
  if (!pending) return null;
  if (pending.status === 'checking')
    return (
      <p className="hint" data-testid="model-files-status" data-status="checking">
        Reading {pending.name}…
      </p>
    );
  return (
    <div className="error" data-testid="model-files-status" data-status="failed">
      <p>
        <b>{pending.name}</b> cannot be used: {pending.error}
      </p>
      <p>The form keeps its current model.</p>
    </div>
  );
}

function ModelSummary() {
  const { model, classes, config, limits, defaultModel, userModel } = usePlaygroundShallow((s) => ({
    model: s.form.model,
    classes: datasetEntry(s, s.form.dataset)?.classes ?? null,
    config: s.form.config,
    limits: s.deviceLimits,
    defaultModel: s.defaultModel,
    userModel: s.userModel,
  }));
  const rank = config.rank;
  const status = modelStatus({ defaultModel, userModel }, model);
  if (status.checking) return <p className="hint" data-testid="model-summary" data-status="checking">Reading the model…</p>;
  if (!status.info)
    return (
      <p className="error" data-testid="model-summary" data-status="unavailable">
        {status.error}
      </p>
    );
  const info = status.info;
  const c = info.config;
  const lora = loraParamCount(c, Number.isInteger(rank) && rank > 0 ? rank : 0, config.targets);
  let memory: { text: string; problems: string[] } | null = null;
  if (limits && classes) {
    try {
      const m = planRunMemory(c, config, classes, limits);
      memory = { text: describeMemory(m), problems: m.problems };
    } catch {
      memory = null; // settings the form rejects on its own (a batch that is not a positive integer)
    }
  }
  return (
    <div className="model-summary" data-testid="model-summary" data-status="ready" data-model={sourceKey(model)}>
      <p className="hint">
        <b>{info.format}</b>
        {info.bytes > 0 && <> · {formatBytes(info.bytes)}</>}
        {info.about && <> · {info.about}</>}
      </p>
      <dl className="model-facts">
        <div>
          <dt>Architecture</dt>
          <dd data-testid="model-arch">
            ViT: image {c.imageSize} px, patch {c.patchSize} ({numPatches(c)} patches + CLS = {numTokens(c)} tokens), width {c.width}, depth {c.depth}, heads {c.heads}, MLP ratio{' '}
            {c.mlpRatio} ({mlpDim(c)})
          </dd>
        </div>
        <div>
          <dt>Parameters</dt>
          <dd data-testid="model-params" data-backbone={info.backboneParams} data-lora={lora}>
            backbone {formatCount(info.backboneParams)}; LoRA per task at rank {rank}: {formatCount(lora)} (U and D of rank {rank} on {config.targets.join(', ')} × {c.depth} blocks), plus one α and
            the task's head rows
          </dd>
        </div>
        <div>
          <dt>Input</dt>
          <dd>
            {c.imageSize}×{c.imageSize} RGB, normalised with mean [{c.mean.join(', ')}], std [{c.std.join(', ')}]; images are resized to it
          </dd>
        </div>
        {limits && (
          <div>
            <dt>Device limits</dt>
            <dd data-testid="device-limits">
              max buffer {formatBinaryBytes(limits.maxBufferSize)}, max storage binding {formatBinaryBytes(limits.maxStorageBufferBindingSize)}
            </dd>
          </div>
        )}
        {memory && (
          <div>
            <dt>GPU memory</dt>
            <dd data-testid="model-memory" className={memory.problems.length ? 'error' : undefined}>
              {memory.text}
              {memory.problems.length > 0 && <>: will not fit ({memory.problems.join('; ')})</>}
            </dd>
          </div>
        )}
      </dl>
      {info.notes.length > 0 && (
        <details className="model-notes">
          <summary>{info.notes.length} note(s) from the loader</summary>
          <ul>
            {info.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
