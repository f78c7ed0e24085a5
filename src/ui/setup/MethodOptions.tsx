import { useEffect, useState } from 'react';
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
      <details className="advanced" data-testid="method-advanced">
        <summary>More options (the paper's and the code's variants)</summary>
        <div className="field-grid">
          {hasAlpha(config.method) && (
            <NumberField label="α₀ (initial magnitude)" testId="field-alpha-init" value={config.alphaInit} step="any" onChange={(v) => setConfig({ alphaInit: num(v) })} />
          )}
          {hasAlpha(config.method) && (
            <SelectField
              label="Direction normaliser"
              testId="field-norm"
              value={config.norm}
              onChange={(norm) => setConfig({ norm })}
              options={[
                { value: 'factors', label: '‖U‖·‖D‖ (code)' },
                { value: 'product', label: '‖UD‖ (paper)' },
              ]}
            />
          )}
          {config.method === 'sdlora-kd' && (
            <NumberField label="KD threshold τ" testId="field-kd-threshold" value={config.kdThreshold} step="any" min={0} onChange={(v) => setConfig({ kdThreshold: num(v) })} hint="Fold a new direction into the old α's when its relative least-squares residual is at most τ." />
          )}
          {config.method === 'sdlora-rr' && (
            <ListField
              label="Rank schedule (task:rank)"
              testId="field-rank-schedule"
              value={config.rankSchedule}
              format={(v) => v.map(([t, r]) => `${t}:${r}`).join(', ')}
              parse={parseSchedule}
              onChange={(rankSchedule) => setConfig({ rankSchedule })}
              hint="0-based task index : rank from that task on, e.g. 0:10, 4:8, 8:6"
            />
          )}
          {config.optimizer === 'sgd' && (
            <NumberField label="Momentum" testId="field-momentum" value={config.momentum} step="any" min={0} onChange={(v) => setConfig({ momentum: num(v) })} />
          )}
          <ListField
            label="LR milestones (epochs)"
            testId="field-milestones"
            value={config.milestones}
            format={(v) => v.join(', ')}
            parse={parseEpochs}
            onChange={(milestones) => setConfig({ milestones })}
            hint="Epochs at which the learning rate is multiplied by γ; empty for a constant rate."
          />
          <NumberField label="γ" testId="field-gamma" value={config.gamma} step="any" min={0} onChange={(v) => setConfig({ gamma: num(v) })} />
          {config.augment && (
            <NumberField
              label="Crop scale (min)"
              testId="field-crop-min"
              value={config.cropScale[0]}
              step="any"
              min={0}
              onChange={(v) => setConfig({ cropScale: [num(v), config.cropScale[1]] })}
              hint="Random resized crop keeps this fraction of the image area at least."
            />
          )}
          {config.augment && (
            <SelectField
              label="Flip"
              testId="field-flip"
              value={config.flip ? 'on' : 'off'}
              onChange={(v) => setConfig({ flip: v === 'on' })}
              options={[
                { value: 'on', label: 'random horizontal flip' },
                { value: 'off', label: 'none' },
              ]}
            />
          )}
        </div>
      </details>
    </fieldset>
  );
}

/** A list typed as text: the config changes only when the text parses (else the field is marked invalid); outside
 *  changes (presets, a loaded config) replace the text unless it already says the same. */
function ListField<T>({ label, testId, value, format, parse, onChange, hint }: { label: string; testId: string; value: T; format: (v: T) => string; parse: (t: string) => T | null; onChange: (v: T) => void; hint?: string }) {
  const shown = format(value);
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    const p = parse(text);
    if (p === null || format(p) !== shown) {
      setText(shown);
      setBad(false);
    }
  }, [shown]);
  return (
    <label className="field" title={hint}>
      <span>{label}</span>
      <input
        type="text"
        data-testid={testId}
        value={text}
        aria-invalid={bad}
        onChange={(e) => {
          setText(e.target.value);
          const v = parse(e.target.value);
          setBad(v === null);
          if (v !== null) onChange(v);
        }}
      />
    </label>
  );
}

const isInt = (x: number, min: number) => Number.isInteger(x) && x >= min;
/** "0:10, 4:8" → [[0, 10], [4, 8]], or null. */
const parseSchedule = (t: string): [number, number][] | null => {
  const pairs = t.split(',').map((p) => p.trim().split(':').map((x) => Number(x.trim())));
  return pairs.every((p) => p.length === 2 && isInt(p[0]!, 0) && isInt(p[1]!, 1)) ? (pairs as [number, number][]) : null;
};
/** "3, 4" → [3, 4]; "" → []; else null. */
const parseEpochs = (t: string): number[] | null => {
  if (t.trim() === '') return [];
  const xs = t.split(',').map((x) => Number(x.trim()));
  return xs.every((x) => isInt(x, 1)) ? xs : null;
};
