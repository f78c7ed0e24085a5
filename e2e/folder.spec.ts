// The user's own image folder in a real browser: a fixture folder made at test time (four class folders of tiny
// generated PNGs, one corrupt .png, one .txt) is picked through the directory input; the worker's check lists
// both bad files as skipped with their reasons, shows the classes with counts, and a tiny two-task run on the
// folder finishes with a 2 × 2 accuracy matrix. No request leaves the page's origin (the images are never uploaded).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { encode } from 'fast-png';

const CLASSES = ['bird', 'cat', 'dog', 'fish'];
const PER_CLASS = 6;
const SIZE = 8;

/** An 8×8 RGB PNG: the class's base colour plus per-image noise, so no two files are byte-identical (duplicates are dropped). */
function png(classIndex: number, image: number): Uint8Array {
  const data = new Uint8Array(SIZE * SIZE * 3);
  let s = (classIndex * 7919 + image * 104729 + 1) >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const base = (i % 3 === classIndex % 3 ? 200 : 40) + (classIndex >= 3 ? 30 : 0);
    data[i] = Math.max(0, Math.min(255, base + ((s >>> 24) % 32) - 16));
  }
  return encode({ width: SIZE, height: SIZE, data, channels: 3, depth: 8 });
}

async function makeFixture(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
  for (const [c, name] of CLASSES.entries()) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) await writeFile(join(root, name, `img${i}.png`), png(c, i));
  }
  await writeFile(join(root, 'dog', 'broken.png'), new TextEncoder().encode('this is not a PNG at all'));
  await writeFile(join(root, 'cat', 'notes.txt'), 'not an image');
}

test('your own folder: bad files listed as skipped, a tiny two-task run finishes, nothing leaves the origin', async ({ page, context, baseURL }, testInfo) => {
  const foreign: string[] = [];
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  const root = testInfo.outputPath('my-pets');
  await makeFixture(root);

  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toContainText('Adapter:');
  await expect(page.getByTestId('run')).toBeEnabled();

  await page.getByTestId('folder-input').setInputFiles(root);
  const status = page.getByTestId('folder-status');
  await expect(status).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('field-dataset')).toHaveValue('@folder');

  // Classes with counts: 6 usable images each (dog's broken.png is not one), split 5 train / 1 test.
  const rows = page.getByTestId('folder-classes').locator('tbody tr');
  await expect(rows).toHaveCount(4);
  for (const [i, name] of CLASSES.entries()) await expect(rows.nth(i)).toHaveText(`${name}51`);

  // Both bad files are listed, with what is wrong with them.
  const issues = page.getByTestId('folder-issues');
  const corrupt = issues.locator('li[data-path="my-pets/dog/broken.png"]');
  const text = issues.locator('li[data-path="my-pets/cat/notes.txt"]');
  await expect(corrupt).toHaveAttribute('data-kind', 'corrupt');
  await expect(text).toHaveAttribute('data-kind', 'not-image');
  await expect(corrupt).toContainText('my-pets/dog/broken.png');
  await expect(text).toContainText('my-pets/cat/notes.txt');

  await page.getByTestId('field-model').selectOption('tiny');
  await page.getByTestId('field-max-per-class').fill('');
  await page.getByTestId('field-method').selectOption('sdlora');
  await page.getByTestId('field-tasks').selectOption('2');
  await page.getByTestId('field-epochs').fill('1');
  await page.getByTestId('field-batch-size').fill('4');
  await page.getByTestId('field-learning-rate').fill('0.05');
  await page.getByTestId('field-rank').fill('2');
  await page.getByTestId('field-seed').fill('1');
  await page.getByTestId('run').click();

  const runStatus = page.getByTestId('run-status');
  await expect(runStatus).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  // The issues stay listed while the run goes on.
  await expect(corrupt).toBeVisible();
  await expect(text).toBeVisible();
  await expect(runStatus).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });

  const matrix = page.getByTestId('acc-matrix');
  await expect(matrix.locator('tbody tr')).toHaveCount(2);
  await expect(matrix.locator('tbody tr').first().locator('td.acc-cell')).toHaveCount(2);
  await expect(matrix.locator('td.acc-cell[data-row="1"][data-col="1"]')).toHaveText(/^\d+\.\d$/);
  await page.screenshot({ path: 'test-results/screens/folder-finished.png', fullPage: true });
  expect(foreign).toEqual([]);
});
