// The Data section in a real browser (headless Chromium, WebGPU on SwiftShader): per-class thumbnails with counts
// for a built-in benchmark and for the user's folder, the seeded task order edited by moving a class across the task border (the finished
// run's metrics JSON carries exactly that order), Reset back to the seeded order, and the time estimate measured
// on this device. Tiny model and few images: SwiftShader is slow.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { encode } from 'fast-png';
import { downloadMetricsJson, fillTinyRun } from './helpers';

const SCREENS = 'test-results/screens';

const taskClasses = async (page: import('@playwright/test').Page) =>
  Promise.all([0, 1].map(async (t) => ((await page.getByTestId('order-task').nth(t).getAttribute('data-classes')) ?? '').split(',')));

test('thumbnails with counts, an edited class order used by the run, and a measured time estimate', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await fillTinyRun(page, { maxPerClass: 8, epochs: 1, batchSize: 4 });

  // Ten classes, each with thumbnails (decoded PNGs) and its counts; the cap shows how many the run uses.
  const rows = page.getByTestId('class-preview-row');
  await expect(rows).toHaveCount(10, { timeout: 60_000 });
  for (let i = 0; i < 10; i++) {
    const row = rows.nth(i);
    await expect(row.getByTestId('class-thumb')).toHaveCount(4);
    expect(Number(await row.getAttribute('data-train'))).toBeGreaterThan(8);
    expect(Number(await row.getAttribute('data-test'))).toBeGreaterThan(0);
    await expect(row).toContainText('(8 / 8 used)');
  }
  const loaded = await rows.first().getByTestId('class-thumb').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
  expect(loaded).toBe(true);

  // The seeded order in two tasks of five, named like the thumbnails.
  const order = page.getByTestId('task-order');
  await expect(order).toHaveAttribute('data-edited', 'false');
  const seeded = await taskClasses(page);
  expect(seeded.map((t) => t.length)).toEqual([5, 5]);
  const names = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-class')));
  expect([...seeded[0]!, ...seeded[1]!].sort()).toEqual([...names].sort());

  // Reset restores the seeded order; a move across the border swaps a class between the tasks.
  await page.getByTestId('order-up-5').click();
  await expect(order).toHaveAttribute('data-edited', 'true');
  await page.getByTestId('order-reset').click();
  expect(await taskClasses(page)).toEqual(seeded);
  await page.getByTestId('order-up-5').click();
  const edited = await taskClasses(page);
  expect(edited[0]).toEqual([...seeded[0]!.slice(0, 4), seeded[1]![0]]);
  expect(edited[1]).toEqual([seeded[0]![4], ...seeded[1]!.slice(1)]);
  await page.screenshot({ path: `${SCREENS}/data-order.png`, fullPage: true });

  // The estimate: a warm-up on this device gives seconds per task and for the run.
  await page.getByTestId('measure').click();
  const total = page.getByTestId('estimate-total');
  await expect(total).toBeVisible({ timeout: 120_000 });
  const seconds = Number(await total.getAttribute('data-seconds'));
  expect(seconds).toBeGreaterThan(0);
  expect(Number.isFinite(seconds)).toBe(true);
  await expect(page.getByTestId('estimate-tasks').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('estimate')).toContainText('Estimate measured now on this device');
  console.log(`estimate: ${await total.textContent()}`);

  // The run uses exactly the edited order.
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });
  const metrics = await downloadMetricsJson(page);
  expect(metrics.classNames).toEqual([...edited[0]!, ...edited[1]!]);
  expect(metrics.config.classOrder).toEqual(metrics.classOrder);
  expect(metrics.tasks).toEqual([metrics.classOrder.slice(0, 5), metrics.classOrder.slice(5)]);
  console.log(`run: ${metrics.wallSeconds.map((s) => s.toFixed(1)).join(' + ')} s of tasks`);
  expect(errors, 'no uncaught error in the page').toEqual([]);
});

/** A 12×12 RGB PNG in the colour its class is named after (blue, green, red), with per-image noise (no two files alike: duplicates are dropped). */
function png(c: number, i: number): Uint8Array {
  const data = new Uint8Array(12 * 12 * 3);
  for (let k = 0; k < data.length; k++) data[k] = (k % 3 === 2 - c ? 200 : 30) + ((k * 31 + i * 17) % 40);
  return encode({ width: 12, height: 12, data, channels: 3, depth: 8 });
}

test('your folder: thumbnails and counts per class, tasks named by its classes', async ({ page }, testInfo) => {
  const root = testInfo.outputPath('shapes');
  await rm(root, { recursive: true, force: true });
  const classes = ['blue', 'green', 'red'].sort();
  for (const [c, name] of classes.entries()) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(join(root, name, `${i}.png`), png(c, i));
  }
  await writeFile(join(root, 'red', 'broken.png'), 'not a png');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(root);
  await expect(page.getByTestId('folder-status')).toHaveAttribute('data-status', 'ready');
  const rows = page.getByTestId('class-preview-row');
  await expect(rows).toHaveCount(3);
  for (const [i, name] of classes.entries()) {
    const row = rows.nth(i);
    await expect(row).toHaveAttribute('data-class', name);
    // 6 images split 5 train / 1 test; the broken file is neither counted nor shown.
    await expect(row).toHaveAttribute('data-train', '5');
    await expect(row).toHaveAttribute('data-test', '1');
    await expect(row.getByTestId('class-thumb')).toHaveCount(4);
  }
  await page.getByTestId('field-tasks').selectOption('3');
  const tasks = page.getByTestId('order-task');
  await expect(tasks).toHaveCount(3);
  const named = await tasks.evaluateAll((els) => els.map((e) => e.getAttribute('data-classes')));
  expect([...named].sort()).toEqual(classes);
  await page.screenshot({ path: `${SCREENS}/data-folder.png`, fullPage: true });
  expect(errors, 'no uncaught error in the page (e.g. a render loop)').toEqual([]);
});
