// What the form offers, derived from the registries (methods list, model choices, presets), for the UI.

import { METHODS, type MethodName } from '../training/methods';

export { METHODS, type MethodName };
export { PRESET_MODELS, sourceKey, type SourceKey } from '../worker/modelSource';
export { PRESETS } from './presets';
export { taskChoices, trainImagesPerTask } from './validate';

/** One-line descriptions; a method added to the registry without one shows its name. */
export const METHOD_LABELS: Partial<Record<MethodName, string>> = {
  sdlora: 'SD-LoRA: a new low-rank direction per task, old ones frozen, one learnable α per task',
  'sdlora-rr': 'SD-LoRA-RR: SD-LoRA whose rank shrinks for later tasks',
  'sdlora-kd': 'SD-LoRA-KD: drops a new direction the old ones already explain, folding it into their α',
  'seq-lora': 'Sequential LoRA: one LoRA pair trained on every task in turn',
  'seq-full': 'Sequential fine-tuning: every weight trained on every task',
  ncm: 'Nearest class mean: no training, class prototypes on the frozen backbone',
  'first-direction': 'Ablation: the first task’s LoRA direction only; later tasks train just its α (and the head)',
  'fixed-magnitudes': 'Ablation: old directions fixed at α = 1, only the new task’s α learns',
  'one-direction': 'Ablation: one decoupled direction and its α, both re-trained on every task (normalised at each boundary)',
};

export const methodLabel = (m: MethodName) => METHOD_LABELS[m] ?? m;

/** Methods whose runs have α magnitudes to chart. */
export const hasAlpha = (m: MethodName) => m !== 'seq-full' && m !== 'ncm';
