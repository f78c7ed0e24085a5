// A resumable checkpoint (runExperiment's onCheckpoint data after `done` tasks) as a set of named files, and
// back. Platform-free: the CLI writes the map into <out>/checkpoint/, the browser worker into an OPFS folder.
//   progress.json       {done, counts, alpha, loss, lsResidual, trainableParams, wallSeconds, imagesPerSec}
//   bank.safetensors    the LoRA bank (SD-LoRA components, seq-lora's pair appended last when meta.seqLora = 1) and head
//   extra.json          prototypes, least-squares residuals (host numbers the bank format has no place for)
//   base.safetensors    the backbone, only when the method changes it (seq-full); otherwise the caller's base is used

import { readLoraBank, writeLoraBank } from '../io/loraBank';
import { parseSafetensors, writeSafetensors } from '../io/safetensors';
import type { ViTConfig } from '../model/vit/config';
import type { ParamTable } from '../model/vit/params';
import type { CheckpointData } from './experiment';
import type { MethodState } from './methods';

export type CheckpointFiles = Map<string, Uint8Array>;

/** What runExperiment's `resume` option takes. */
export type ResumeData = { done: number } & CheckpointData;

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Extra {
  prototypes: number[] | null;
  lastResidual: number | null;
  absResidual: number | null;
}

/** The files of one checkpoint. baseChanged: the method trains the backbone (seq-full), so it is saved too. */
export function checkpointToFiles(done: number, data: CheckpointData, config: ViTConfig, baseChanged: boolean): CheckpointFiles {
  const { state, ...rest } = data;
  const files: CheckpointFiles = new Map();
  files.set('progress.json', enc.encode(JSON.stringify({ done, ...rest })));
  files.set(
    'bank.safetensors',
    writeLoraBank({
      config,
      components: state.seqLora ? [...state.components, state.seqLora] : state.components,
      head: state.head ? { weight: state.head.weight, bias: state.head.bias, classes: state.head.bias.length } : undefined,
      meta: { seqLora: state.seqLora ? '1' : '0' },
    }),
  );
  const extra: Extra = { prototypes: state.prototypes ? Array.from(state.prototypes) : null, lastResidual: state.lastResidual, absResidual: state.absResidual };
  files.set('extra.json', enc.encode(JSON.stringify(extra)));
  if (baseChanged)
    files.set('base.safetensors', writeSafetensors(new Map([...state.base].map(([k, v]) => [k, { shape: [v.length], data: v }]))));
  return files;
}

function need(files: CheckpointFiles, name: string): Uint8Array {
  const f = files.get(name);
  if (!f) throw new Error(`checkpoint is missing ${name}`);
  return f;
}

/** The method state of a checkpoint; `base` is the run's initial backbone (used unless base.safetensors is there). */
export function stateFromFiles(files: CheckpointFiles, base: ParamTable): MethodState {
  const bank = readLoraBank(need(files, 'bank.safetensors'), 'checkpoint bank.safetensors');
  const extra = JSON.parse(dec.decode(need(files, 'extra.json'))) as Extra;
  let params = base;
  const baseFile = files.get('base.safetensors');
  if (baseFile) {
    const f = parseSafetensors(baseFile, 'checkpoint base.safetensors');
    params = new Map([...base.keys()].map((k) => [k, f.get(k)]));
  }
  const seq = bank.meta.seqLora === '1';
  return {
    base: params,
    head: bank.head ? { weight: bank.head.weight, bias: bank.head.bias } : null,
    components: seq ? bank.components.slice(0, -1) : bank.components,
    seqLora: seq ? bank.components[bank.components.length - 1]! : null,
    prototypes: extra.prototypes ? Float32Array.from(extra.prototypes) : null,
    lastResidual: extra.lastResidual,
    absResidual: extra.absResidual,
  };
}

/** The progress of a checkpoint alone (tasks done and their logs), without reading the tensors. */
export function progressFromFiles(files: CheckpointFiles): Omit<ResumeData, 'state'> {
  return JSON.parse(dec.decode(need(files, 'progress.json'))) as Omit<ResumeData, 'state'>;
}

/** Everything runExperiment's `resume` needs. */
export function checkpointFromFiles(files: CheckpointFiles, base: ParamTable): ResumeData {
  return { ...progressFromFiles(files), state: stateFromFiles(files, base) };
}
