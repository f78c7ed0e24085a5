// Form → RunRequest: parseRunConfig for the config, plus what only the chosen data set can tell (task count
// divides the class count, a batch fits in a task's training images) and what only the model and the device can
// (the model is read and usable; the run's largest ViT fits the device's buffers and the memory budget, by the
// plan GpuViT itself makes before allocating). Errors list the valid choices or say what to change.

import type { BuiltinIndexEntry } from '../data/builtin';
import { parseRunConfig } from '../training/methods';
import { memoryError, planRunMemory } from '../worker/memoryPlan';
import { FOLDER_DATASET, type DeviceLimits, type ModelInfo, type RunRequest } from '../worker/protocol';
import type { RunForm } from './state';

/** Task counts that split `classes` into equal tasks. */
export const taskChoices = (classes: number): number[] => Array.from({ length: classes }, (_, i) => i + 1).filter((t) => classes % t === 0);

/** Training images of one task under the form's image cap. */
export function trainImagesPerTask(entry: BuiltinIndexEntry, tasks: number, maxPerClass: number | null): number {
  const perClass = entry.train / entry.classes;
  return (entry.classes / tasks) * Math.min(perClass, maxPerClass ?? perClass);
}

/** The model side of validation: its summary when read (else why it cannot be used), and the device's limits. */
export interface ModelCheck {
  info: ModelInfo | null;
  error: string | null;
  limits: DeviceLimits | null;
}

export function validateForm(form: RunForm, datasets: BuiltinIndexEntry[] | null, model?: ModelCheck): { request: RunRequest | null; errors: string[] } {
  const errors: string[] = [];
  if (model?.error) errors.push(model.error);
  const entry = datasets?.find((d) => d.name === form.dataset);
  if (!entry && form.dataset === FOLDER_DATASET) errors.push('pick a folder of images first, and wait until it is checked');
  else if (!entry) errors.push(`data set must be one of: ${(datasets ?? []).map((d) => d.name).join(', ') || '(index not loaded)'}`);
  if (form.maxPerClass !== null && !(Number.isInteger(form.maxPerClass) && form.maxPerClass >= 1))
    errors.push('images per class must be a positive integer, or empty for all');
  let config = form.config;
  try {
    config = parseRunConfig({ ...form.config });
  } catch (e) {
    errors.push((e as Error).message.replace(/^invalid run config: /, ''));
  }
  if (entry && Number.isInteger(config.tasks) && config.tasks >= 1) {
    if (config.classOrder && config.classOrder.length !== entry.classes)
      errors.push(`the edited class order lists ${config.classOrder.length} classes but ${entry.title} has ${entry.classes}: reset it to the seeded order under Data`);
    if (entry.classes % config.tasks !== 0)
      errors.push(`tasks must divide the ${entry.classes} classes of ${entry.title}: one of ${taskChoices(entry.classes).join(', ')}`);
    else if (config.method !== 'ncm') {
      const images = trainImagesPerTask(entry, config.tasks, form.maxPerClass);
      if (config.batchSize > images) errors.push(`batch size ${config.batchSize} is larger than the ${images} training images of a task`);
    }
  }
  if (!errors.length && entry && model?.info && model.limits) {
    const memory = planRunMemory(model.info.config, config, entry.classes, model.limits);
    if (memory.problems.length) errors.push(memoryError(memory, config.batchSize));
  }
  if (errors.length) return { request: null, errors };
  return { request: { dataset: form.dataset, model: form.model, maxPerClass: form.maxPerClass, config }, errors };
}
