// The results panel's downloads after a tiny two-task SD-LoRA run (headless Chromium, WebGPU on SwiftShader):
// the CLI's CSVs (acc_matrix.csv, alpha.csv: same bytes as src/training/resultFiles.ts makes of the exported
// metrics), the α chart and accuracy heatmap as SVG (parsed as XML) and PNG (signature), the config JSON loaded
// back through "Open config…", the LoRA bank written in the worker (parsed with readLoraBank), and the merged
// model as ONNX: offered only after the worker's ONNX Runtime check (its result shown), read back with the
// project's importer and run here in onnxruntime-web (Node, wasm) to finite logits of the right shape.
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import * as ort from 'onnxruntime-web';
import { readLoraBank } from '../src/io/loraBank';
import { importVitOnnx } from '../src/io/onnx/importVit';
import type { MetricsJson } from '../src/store/metricsJson';
import { accMatrixCsv, alphaCsv } from '../src/training/resultFiles';
import { downloadFile } from './helpers';

/** The root element's name of an XML document, parsed by the browser (null: not well-formed). */
const xmlRoot = (page: Page, text: string) =>
  page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return doc.getElementsByTagName('parsererror').length ? null : doc.documentElement.localName;
  }, text);

const SCREENS = 'test-results/screens';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

test('downloads: CSVs in the CLI format, SVG and PNG charts, a config that reloads into the form, the LoRA bank, the checked ONNX model', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await page.getByTestId('field-dataset').selectOption('split-fashion-mnist');
  await page.getByTestId('field-model').selectOption('tiny');
  await page.getByTestId('field-max-per-class').fill('8');
  await page.getByTestId('field-method').selectOption('sdlora');
  await page.getByTestId('field-tasks').selectOption('2');
  await page.getByTestId('field-epochs').fill('1');
  await page.getByTestId('field-batch-size').fill('4');
  await page.getByTestId('field-learning-rate').fill('0.05');
  await page.getByTestId('field-rank').fill('2');
  await page.getByTestId('field-seed').fill('7');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });

  const metrics = JSON.parse((await downloadFile(page, 'download-metrics')).bytes.toString('utf8')) as MetricsJson;
  await page.getByTestId('more-downloads').locator('summary').click();

  // CSVs: the exact bytes of the CLI's files for these numbers, and rows that read back as the matrix.
  const acc = (await downloadFile(page, 'download-acc-csv')).bytes.toString('utf8');
  expect(acc).toBe(accMatrixCsv(metrics.accMatrix));
  const rows = acc.trimEnd().split('\n').map((l) => l.split(','));
  expect(rows[0]).toEqual(['after_task', 'task_1', 'task_2']);
  for (let t = 0; t < 2; t++)
    for (let j = 0; j < 2; j++) {
      const v = metrics.accMatrix[t]![j] ?? null;
      const cell = rows[t + 1]![j + 1]!;
      if (v === null) expect(cell).toBe('');
      else expect(Number(cell)).toBeCloseTo(v, 3);
    }
  const alpha = (await downloadFile(page, 'download-alpha-csv')).bytes.toString('utf8');
  expect(alpha).toBe(alphaCsv(metrics.alpha));
  expect(alpha.split('\n')[0]).toBe('task,step,alpha_1,alpha_2');
  expect(alpha.trimEnd().split('\n')).toHaveLength(1 + metrics.alpha.flat().length);

  // Charts: SVG documents with an <svg> root; PNGs with the PNG signature.
  for (const id of ['download-heatmap-svg', 'download-alpha-svg']) {
    const svg = await downloadFile(page, id);
    expect(svg.name).toMatch(/\.svg$/);
    expect(await xmlRoot(page, svg.bytes.toString('utf8')), `${id} parses as SVG`).toBe('svg');
  }
  const alphaSvg = (await downloadFile(page, 'download-alpha-svg')).bytes.toString('utf8');
  expect(alphaSvg.match(/<path[^>]*recharts-line-curve/g) ?? []).toHaveLength(2);
  expect(alphaSvg).toContain('>α1</text>');
  expect(alphaSvg).toContain('>α2</text>');
  for (const id of ['download-heatmap-png', 'download-alpha-png']) {
    const png = await downloadFile(page, id);
    expect(png.name).toMatch(/\.png$/);
    expect([...png.bytes.subarray(0, 8)], `${id} is a PNG`).toEqual(PNG_SIGNATURE);
    expect(png.bytes.length).toBeGreaterThan(1000);
    await mkdir(SCREENS, { recursive: true });
    await writeFile(`${SCREENS}/export-${png.name.replace(/-.*/, '')}.png`, png.bytes); // to look at
  }

  // Config: change the form, open the downloaded config, and the run's settings are back.
  const config = await downloadFile(page, 'download-config');
  expect(JSON.parse(config.bytes.toString('utf8'))).toMatchObject({ run: { seed: 7, rank: 2, epochs: 1 }, data: 'split-fashion-mnist', model: 'tiny', maxPerClass: 8 });
  await page.getByTestId('field-seed').fill('3');
  await page.getByTestId('field-rank').fill('5');
  await page.getByTestId('field-max-per-class').fill('20');
  await page.getByTestId('open-config').setInputFiles(config.path);
  await expect(page.getByTestId('field-seed')).toHaveValue('7');
  await expect(page.getByTestId('field-rank')).toHaveValue('2');
  await expect(page.getByTestId('field-max-per-class')).toHaveValue('8');
  await expect(page.getByTestId('field-model')).toHaveValue('tiny');
  await expect(page.getByTestId('field-tasks')).toHaveValue('2');
  await page.getByTestId('open-config').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"run":{"rank":0}}') });
  await expect(page.getByTestId('form-errors')).toContainText('bad.json: rank must be a positive integer');
  await expect(page.getByTestId('field-rank')).toHaveValue('2');

  // The LoRA bank: two SD-LoRA components of rank 2 and the head, as the CLI writes it.
  const bank = readLoraBank(new Uint8Array((await downloadFile(page, 'download-bank')).bytes));
  expect(bank.components).toHaveLength(2);
  expect(bank.components.map((c) => c.rank)).toEqual([2, 2]);
  expect(bank.components.map((c) => c.alpha)).toEqual(metrics.alpha[1]!.at(-1)!.map((a) => expect.closeTo(a, 5)));
  expect(bank.meta.method).toBe('sdlora');
  expect(bank.meta.seed).toBe('7');
  expect(JSON.parse(bank.meta.classOrder!)).toEqual(metrics.classOrder);

  // The merged model: offered once ONNX Runtime (in the worker) reproduced the playground's logits.
  const onnxBox = page.getByTestId('onnx');
  await expect(onnxBox).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  const check = page.getByTestId('onnx-check');
  await expect(check).toContainText('Checked in onnxruntime-web');
  expect(Number(await check.getAttribute('data-max-abs-diff'))).toBeLessThanOrEqual(1e-3);
  console.log(await check.textContent());
  const onnx = await downloadFile(page, 'download-onnx');
  expect(onnx.name).toMatch(/^model-split-fashion-mnist-sdlora-seed7\.onnx$/);
  const bytes = new Uint8Array(onnx.bytes);
  const imported = importVitOnnx(bytes, { source: onnx.name });
  expect(imported.naming).toBe('sdlora');
  expect(imported.config).toMatchObject({ imageSize: 8, width: 16, depth: 2, numClasses: 10 });
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + '/';
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const B = 3;
  const x = Float32Array.from({ length: B * 3 * 8 * 8 }, (_, i) => Math.sin(i * 0.7));
  const out = await session.run({ pixel_values: new ort.Tensor('float32', x, [B, 3, 8, 8]) });
  const logits = out.logits!;
  expect(logits.dims).toEqual([B, 10]);
  expect(Array.from(logits.data as Float32Array).every(Number.isFinite)).toBe(true);
  // The head carries what the run learned: rows differ between classes (not a fresh zero head).
  const row = Array.from((logits.data as Float32Array).subarray(0, 10));
  expect(Math.max(...row) - Math.min(...row)).toBeGreaterThan(1e-4);
  await session.release();
});
