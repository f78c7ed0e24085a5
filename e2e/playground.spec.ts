// The playground in a real browser (headless Chromium, WebGPU on SwiftShader): a tiny two-task SD-LoRA run on
// built-in data trained in the Web Worker, the live α chart, the accuracy matrix against the downloaded metrics
// JSON, pause / resume / stop, and no request leaving the page's origin. Screens go to test-results/screens/.
// The model is the "tiny (test)" ViT (8 px, width 16) and the data is capped per class: SwiftShader is slow.
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { downloadMetricsJson, fillTinyRun } from './helpers';

const SCREENS = 'test-results/screens';


/** Records every request that leaves the origin, and how many went to the built-in data (worker requests included). */
function watchRequests(context: BrowserContext, origin: string): { foreign: string[]; data: string[] } {
  const seen = { foreign: [] as string[], data: [] as string[] };
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) seen.foreign.push(url);
    else if (url.startsWith(`${origin}/data/`)) seen.data.push(url);
  });
  return seen;
}



const stepOf = async (page: Page) => Number(/step (\d+) of/.exec((await page.getByTestId('progress-text').textContent()) ?? '')?.[1] ?? -1);

test('a tiny two-task SD-LoRA run: live α chart, accuracy matrix equal to the exported metrics, nothing leaves the origin', async ({ page, context, baseURL }) => {
  const requests = watchRequests(context, baseURL!);
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toContainText('Adapter:');
  await expect(page.getByTestId('run')).toBeEnabled();
  await page.screenshot({ path: `${SCREENS}/playground-idle.png`, fullPage: true });

  await fillTinyRun(page, { maxPerClass: 8, epochs: 1, batchSize: 4 });
  const t0 = Date.now();
  await page.getByTestId('run').click();
  const status = page.getByTestId('run-status');
  await expect(page.getByTestId('alpha-chart').locator('.recharts-line').first()).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: `${SCREENS}/playground-running.png`, fullPage: true });
  await expect(status).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });
  console.log(`tiny 2-task run: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${await page.getByTestId('progress-text').textContent()}`);
  await page.screenshot({ path: `${SCREENS}/playground-finished.png`, fullPage: true });

  // The α chart: one series per LoRA component, i.e. one per task.
  const alphaChart = page.getByTestId('alpha-chart');
  await expect(alphaChart.locator('.recharts-line')).toHaveCount(2);
  await expect(alphaChart.locator('.recharts-legend-item')).toHaveCount(2);
  await expect(page.getByTestId('loss-chart').locator('.recharts-line')).toHaveCount(1);

  // The accuracy matrix is 2 × 2 (lower triangle filled) and shows exactly the exported numbers.
  const matrix = page.getByTestId('acc-matrix');
  await expect(matrix.locator('tbody tr')).toHaveCount(2);
  await expect(matrix.locator('tbody tr').first().locator('td.acc-cell')).toHaveCount(2);
  const metrics = await downloadMetricsJson(page);
  for (const key of ['method', 'seed', 'classOrder', 'accMatrix', 'acc', 'aaa', 'accMeanOfTasks', 'forgetting', 'bwt', 'alpha', 'lsResidual', 'trainableParams', 'wallSeconds'])
    expect(metrics, `metrics JSON has ${key}`).toHaveProperty(key);
  expect(metrics.method).toBe('sdlora');
  expect(metrics.seed).toBe(1);
  expect(metrics.stopped).toBe(false);
  expect(metrics.classOrder).toHaveLength(10);
  expect(metrics.accMatrix).toHaveLength(2);
  expect(metrics.accMatrix[0]![1]).toBeNull();
  for (let t = 0; t < 2; t++)
    for (let j = 0; j < 2; j++) {
      const cell = matrix.locator(`td.acc-cell[data-row="${t}"][data-col="${j}"]`);
      const v = metrics.accMatrix[t]![j]!;
      if (v === null) await expect(cell).toHaveText('');
      else {
        await expect(cell).toHaveText(v.toFixed(1));
        expect(Number(await cell.getAttribute('data-value'))).toBe(v);
      }
    }
  await expect(page.getByTestId('pooled-1')).toHaveText(metrics.pooled[1]!.toFixed(1));
  await expect(page.getByTestId('metric-acc')).toHaveText(metrics.acc.toFixed(1));
  await expect(page.getByTestId('metric-aaa')).toHaveText(metrics.aaa.toFixed(1));
  // diagnostics: task-aware accuracy of the last row, the pull toward the newest task, feature drift
  const til = metrics.tilMatrix![1]!.filter((x): x is number => x !== null);
  await expect(page.getByTestId('metric-task-aware')).toHaveText((til.reduce((x, y) => x + y, 0) / til.length).toFixed(1));
  await expect(page.getByTestId('metric-to-newest')).toHaveText(metrics.newTaskBias![1]!.toFixed(1));
  await expect(page.getByTestId('metric-drift')).toHaveText(metrics.featureDrift[1]!.toFixed(3));
  expect(metrics.alpha).toHaveLength(2);
  expect(metrics.alpha[0]![0]).toHaveLength(1); // task 1: its own α
  expect(metrics.alpha[1]![0]).toHaveLength(2); // task 2: α1 (frozen direction) and α2
  expect(metrics.trainableParams).toHaveLength(2);
  expect(metrics.lsResidual[1]).toEqual(expect.any(Number));

  expect(requests.data.length, 'the listener sees the worker’s data requests').toBeGreaterThan(80);
  expect(requests.foreign).toEqual([]);
});

test('pause holds the run, resume continues it, stop keeps the finished tasks; bad settings are explained', async ({ page, context, baseURL }) => {
  const requests = watchRequests(context, baseURL!);
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await fillTinyRun(page, { maxPerClass: 8, epochs: 1, batchSize: 100 });
  await page.getByTestId('run').click();
  await expect(page.getByTestId('form-errors')).toContainText('batch size 100 is larger than the 40 training images of a task');

  await fillTinyRun(page, { maxPerClass: 24, epochs: 6, batchSize: 4 });
  await page.getByTestId('run').click();
  const status = page.getByTestId('run-status');
  await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThan(2);
  await page.getByTestId('pause').click();
  await expect(status).toHaveAttribute('data-status', 'paused');
  await page.waitForTimeout(1500); // the step in flight finishes; then nothing moves
  const held = await stepOf(page);
  await page.waitForTimeout(1500);
  expect(await stepOf(page)).toBe(held);
  await page.screenshot({ path: `${SCREENS}/playground-paused.png`, fullPage: true });

  await page.getByTestId('resume').click();
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(held);
  await page.getByTestId('stop').click();
  await expect(status).toHaveAttribute('data-status', 'stopped');
  await expect(page.getByTestId('run')).toBeEnabled();
  await page.screenshot({ path: `${SCREENS}/playground-stopped.png`, fullPage: true });
  const metrics = await downloadMetricsJson(page);
  expect(metrics.stopped).toBe(true);
  expect(metrics.completedTasks).toBe(metrics.accMatrix.length);
  expect(metrics.alpha).toHaveLength(metrics.completedTasks);
  await page.locator('#engine').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/playground-engine-section.png` });
  expect(requests.foreign).toEqual([]);
});

test("the teaching preset's kind of run (Adam, class-prototype head, LoRA on every linear map) trains in the browser and matches its metrics", async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await fillTinyRun(page, { maxPerClass: 8, epochs: 1, batchSize: 4 });
  await page.getByTestId('field-optimizer').selectOption('adam');
  await page.getByTestId('field-learning-rate').fill('0.001');
  await page.getByTestId('field-head').selectOption('prototype');
  await page.getByTestId('field-targets').selectOption('q,k,v,proj,fc1,fc2');
  // The advanced options: a list that does not parse is marked and leaves the config as it was.
  await page.getByTestId('method-advanced').locator('summary').click();
  const milestones = page.getByTestId('field-milestones');
  await milestones.fill('1, x');
  await expect(milestones).toHaveAttribute('aria-invalid', 'true');
  await milestones.fill('');
  await expect(milestones).toHaveAttribute('aria-invalid', 'false');
  await expect(page.getByTestId('field-norm')).toHaveValue('factors');
  await expect(page.getByTestId('model-params')).toContainText('on q, k, v, proj, fc1, fc2');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });
  const metrics = await downloadMetricsJson(page);
  expect(metrics.accMatrix).toHaveLength(2);
  for (let j = 0; j < 2; j++) await expect(page.getByTestId('acc-matrix').locator(`td.acc-cell[data-row="1"][data-col="${j}"]`)).toHaveText(metrics.accMatrix[1]![j]!.toFixed(1));
  await expect(page.getByTestId('metric-acc')).toHaveText(metrics.acc.toFixed(1));
  expect(metrics.alpha[1]![0]).toHaveLength(2);
});
