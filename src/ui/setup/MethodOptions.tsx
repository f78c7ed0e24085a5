import { DEFAULT_TARGETS, LORA_TARGETS, parseTargets, targetsLabel, type LoraTarget } from '../../model/vit/loraTargets';
import { setConfig } from '../../store/actions';
import { hasAlpha, methodLabel, METHODS, taskChoices } from '../../store/choices';
import { datasetEntry, usePlayground } from '../../store/state';
import { NumberField } from './NumberField';
import { SelectField } from './SelectField';

const num = (v: number | null) => v ?? Number.NaN;

/** Common choices, the paper's q, v first; a config file's other subset is added to the list when loaded. */
const TARGET_CHOICES: readonly LoraTarget[][] = [['q', 'v'], ['q', 'k', 'v'], ['q', 'k', 'v', 'proj'], ['fc1', 'fc2'], [...LORA_TARGETS]];

export function MethodOptions({ disabled }: { disabled: boolean }) {
  const config = usePlayground((s) => s.form.config);
  const classes = usePlayground((s) => datasetEntry(s, s.form.dataset)?.classes ?? 0);
  const tasks = taskChoices(classes);
  if (!tasks.includes(config.tasks)) tasks.push(config.tasks);
  return (
    <fieldset disabled={disabled}>
      <legend>Method</legend>
      <SelectField label="Method" testId="field-method" value={config.method} onChange={(method) => setConfig({ method })} options={METHODS.map((m) => ({ value: m, label: m }))} />
      <p className="hint">{methodLabel(config.method)}</p>
      <div className="field-grid">
        <SelectField
          label="Tasks"
          testId="field-tasks"
          value={config.tasks}
          onChange={(t) => setConfig({ tasks: t })}
          options={tasks.sort((a, b) => a - b).map((t) => ({ value: t, label: classes % t === 0 ? `${t} × ${classes / t} classes` : `${t} (does not divide)` }))}
        />
        <NumberField label="Epochs" testId="field-epochs" value={config.epochs} min={1} onChange={(v) => setConfig({ epochs: num(v) })} />
        <NumberField label="Batch size" testId="field-batch-size" value={config.batchSize} min={1} onChange={(v) => setConfig({ batchSize: num(v) })} />
        <NumberField label="Learning rate" testId="field-learning-rate" value={config.learningRate} step="any" min={0} onChange={(v) => setConfig({ learningRate: num(v) })} />
        <NumberField label="LoRA rank" testId="field-rank" value={config.rank} min={1} onChange={(v) => setConfig({ rank: num(v) })} />
        {config.method !== 'seq-full' && config.method !== 'ncm' && (
          <SelectField
            label="LoRA on"
            testId="field-targets"
            value={config.targets.join(',')}
            onChange={(v) => setConfig({ targets: parseTargets(v) })}
            options={[...TARGET_CHOICES, ...(TARGET_CHOICES.some((t) => t.join() === config.targets.join()) ? [] : [config.targets])].map((t) => ({
              value: t.join(','),
              label: `${targetsLabel(t)}${t.join() === DEFAULT_TARGETS.join() ? ' (paper)' : t.length === LORA_TARGETS.length ? ' (every linear map)' : ''}`,
            }))}
            hint="Which linear maps of each block get a LoRA component: the q, k, v slices of the attention's fused projection, its output projection (proj), the MLP's fc1 and fc2."
          />
        )}
        <NumberField label="Seed" testId="field-seed" value={config.seed} min={0} onChange={(v) => setConfig({ seed: num(v) })} hint="Class order, task split, initialisation and shuffles." />
        {hasAlpha(config.method) && config.method !== 'seq-lora' && (
          <SelectField
            label="α at a new task"
            testId="field-alpha-mode"
            value={config.alphaMode}
            onChange={(alphaMode) => setConfig({ alphaMode })}
            options={[
              { value: 'reset', label: 'reset to α₀ (code)' },
              { value: 'carry', label: 'carried over (paper)' },
            ]}
          />
        )}
        {config.method !== 'ncm' && (
          <SelectField
            label="Head"
            testId="field-head"
            value={config.head}
            onChange={(head) => setConfig({ head })}
            options={[
              { value: 'linear', label: 'linear, current task’s logits (code)' },
              { value: 'prototype', label: 'class prototypes (mean features)' },
            ]}
            hint="The code's growing linear head is trained on each task's classes only; the prototype head keeps each class's mean feature, taken when its task ends (no image is stored)."
          />
        )}
        <SelectField
          label="Augmentation"
          testId="field-augment"
          value={config.augment ? 'on' : 'off'}
          onChange={(v) => setConfig({ augment: v === 'on' })}
          options={[
            { value: 'on', label: 'random resized crop + flip' },
            { value: 'off', label: 'none (resize + centre crop)' },
          ]}
        />
        <SelectField
          label="Optimizer"
          testId="field-optimizer"
          value={config.optimizer}
          onChange={(optimizer) => setConfig({ optimizer })}
          options={[
            { value: 'sgd', label: 'SGD + momentum' },
            { value: 'adam', label: 'Adam' },
          ]}
        />
      </div>
    </fieldset>
  );
}
