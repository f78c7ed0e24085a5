// Shared steps of the playground specs: filling the form for a tiny two-task run (SwiftShader is slow, so the
// runs are small) and downloading the metrics JSON.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import type { MetricsJson } from '../src/store/metricsJson';

export interface TinyRun {
  epochs: number;
  maxPerClass?: number; // default 8
  batchSize?: number; // default 4
  /** Select the 'tiny' preset model (default true); false keeps the model already chosen (e.g. the user's files). */
  tinyModel?: boolean;
  /** Set α mode to reset (default true). */
  alphaReset?: boolean;
}

/** Two SD-LoRA tasks on built-in Split Fashion-MNIST, seed 1, rank 2, lr 0.05. */
export async function fillTinyRun(page: Page, o: TinyRun): Promise<void> {
  await page.getByTestId('field-dataset').selectOption('split-fashion-mnist');
  if (o.tinyModel ?? true) await page.getByTestId('field-model').selectOption('tiny');
  await page.getByTestId('field-max-per-class').fill(String(o.maxPerClass ?? 8));
  await page.getByTestId('field-method').selectOption('sdlora');
  await page.getByTestId('field-tasks').selectOption('2');
  await page.getByTestId('field-epochs').fill(String(o.epochs));
  await page.getByTestId('field-batch-size').fill(String(o.batchSize ?? 4));
  await page.getByTestId('field-learning-rate').fill('0.05');
  // The run these tests were written for, whatever the first preset holds: SGD and the code's linear head.
  await page.getByTestId('field-optimizer').selectOption('sgd');
  await page.getByTestId('field-head').selectOption('linear');
  await page.getByTestId('field-rank').fill('2');
  await page.getByTestId('field-seed').fill('1');
  if (o.alphaReset ?? true) await page.getByTestId('field-alpha-mode').selectOption('reset');
}

export async function downloadMetricsJson(page: Page): Promise<MetricsJson> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-metrics').click()]);
  return JSON.parse(await readFile((await download.path())!, 'utf8')) as MetricsJson;
}
