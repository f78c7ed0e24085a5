// The playground's analysis features in a real browser (headless Chromium, WebGPU on SwiftShader), on tiny
// two-task runs (the "tiny (test)" ViT, 8 images per class):
//   (1) after an SD-LoRA run the per-task accuracy lines (with Acc and AAA) and the least-squares residual chart
//       show the exported metrics' numbers; the α explorer at 1× gives the run's last accuracy row, α2 at 0 changes
//       it and back at 1× gives it again; the walk between the two tasks' weights ends (λ = 1) on the run; "Run
//       the comparison" runs sequential LoRA on the same data and seed and the SD-LoRA run is drawn as a dashed
//       overlay (two Acc series, both runs' α), which unpinning removes;
//   (2) teaching mode on the form's settings: sequential LoRA then SD-LoRA, its moments appearing as the real
//       training events arrive, each quoting the runs' own numbers; back / next / exit.
// Screens go to test-results/screens/.
import { expect, test, type Page } from '@playwright/test';
import { downloadMetricsJson, fillTinyRun } from './helpers';

const SCREENS = 'test-results/screens';



const json = async <T,>(page: Page, testId: string, attr: string): Promise<T> => JSON.parse((await page.getByTestId(testId).getAttribute(attr))!) as T;
const numberAttr = async (page: Page, testId: string, attr = 'data-value') => Number(await page.getByTestId(testId).getAttribute(attr));

test('charts of the run, the α explorer, the walk, and a comparison run drawn as an overlay', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await fillTinyRun(page, { epochs: 3 });
  await page.getByTestId('run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  const metrics = await downloadMetricsJson(page);
  expect(metrics.method).toBe('sdlora');

  // Per-task lines: column j of the matrix after each task, the pooled Acc and the running AAA.
  const chart = page.getByTestId('task-accuracy-chart');
  const values = await json<{ tasks: (number | null)[][]; acc: number[]; aaa: number[] }>(page, 'task-accuracy-chart', 'data-values');
  expect(values.tasks).toEqual([0, 1].map((j) => metrics.accMatrix.map((row) => row[j] ?? null)));
  expect(values.acc).toEqual(metrics.pooled);
  expect(values.aaa[0]).toBeCloseTo(metrics.pooled[0]!, 9);
  expect(values.aaa[1]).toBeCloseTo(metrics.aaa, 9);
  await expect(chart.locator('.recharts-line.current-line')).toHaveCount(4); // task 1, task 2, AAA, Acc
  await expect(chart.locator('.acc-label text, text.acc-label')).toHaveText(metrics.pooled.map((p) => p.toFixed(1)));
  // The residual of task 2's direction against task 1's (Fig. 3a).
  const residual = metrics.lsResidual[1]!;
  expect(residual).toEqual(expect.any(Number));
  expect(await json(page, 'residual-chart', 'data-values')).toEqual([{ task: 2, residual }]);
  await expect(page.getByTestId('residual-chart').locator('.residual-label text, text.residual-label')).toHaveText([residual.toFixed(3)]);
  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/analysis-charts.png`, fullPage: true });

  // The α explorer: at 1× it gives the run's last row (8 test images per class: the whole test set).
  const explorer = page.getByTestId('explorer');
  await expect(explorer).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('explorer-state')).toHaveText('evaluated at 1.00×, 1.00×', { timeout: 60_000 });
  await expect(explorer).toContainText('Evaluated on all 80 test images');
  const last = metrics.accMatrix[1]!;
  for (let j = 0; j < 2; j++) {
    await expect(page.getByTestId(`explorer-run-${j}`)).toHaveText(last[j]!.toFixed(1));
    expect(await numberAttr(page, `explorer-now-${j}`)).toBeCloseTo(last[j]!, 6);
  }
  expect(await numberAttr(page, 'explorer-now-all')).toBeCloseTo(metrics.acc, 6);
  const lossAsTrained = [await numberAttr(page, 'explorer-loss-0'), await numberAttr(page, 'explorer-loss-1')];

  // α2 (task 2's direction) to 0: the accuracies change.
  await page.getByTestId('alpha-slider-1').focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('alpha-value-1')).toHaveAttribute('data-scale', '0');
  await expect(page.getByTestId('explorer-state')).toHaveText('evaluated at 1.00×, 0.00×', { timeout: 60_000 });
  const atZero = [await numberAttr(page, 'explorer-now-0'), await numberAttr(page, 'explorer-now-1')];
  const lossAtZero = [await numberAttr(page, 'explorer-loss-0'), await numberAttr(page, 'explorer-loss-1')];
  console.log(`explorer: as trained ${last.join(', ')} (loss ${lossAsTrained.join(', ')}); α2 at 0: ${atZero.join(', ')} (loss ${lossAtZero.join(', ')})`);
  expect(lossAtZero).not.toEqual(lossAsTrained);
  expect(atZero).not.toEqual(last);
  await explorer.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/analysis-explorer-alpha2-off.png`, fullPage: true });

  // Back to 1×: the run's accuracies again.
  await page.getByTestId('alpha-scale-input-1').fill('1');
  await expect(page.getByTestId('explorer-state')).toHaveText('evaluated at 1.00×, 1.00×', { timeout: 60_000 });
  for (let j = 0; j < 2; j++) expect(await numberAttr(page, `explorer-now-${j}`)).toBeCloseTo(last[j]!, 6);

  // Walk the line from the weights after task 1 to those after task 2: λ = 1 is the run after task 2.
  await page.getByTestId('walk-run').click();
  await expect(page.getByTestId('walk')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const rows = page.getByTestId('walk-table').locator('tbody tr');
  await expect(rows).toHaveCount(5);
  const end = page.getByTestId('walk-row-4');
  expect(Number(await end.getAttribute('data-old'))).toBeCloseTo(last[0]!, 6);
  expect(Number(await end.getAttribute('data-new'))).toBeCloseTo(last[1]!, 6);
  await page.getByTestId('walk').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/analysis-walk.png`, fullPage: true });

  // The comparison: sequential LoRA on the same data and seed; the SD-LoRA run becomes a dashed overlay.
  await expect(page.getByTestId('compare-method')).toHaveValue('seq-lora');
  await page.getByTestId('run-comparison').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished', { timeout: 240_000 });
  const seq = await downloadMetricsJson(page);
  expect(seq.method).toBe('seq-lora');
  expect(seq.seed).toBe(1);
  expect(seq.classOrder).toEqual(metrics.classOrder);
  expect(await json(page, 'task-accuracy-chart', 'data-overlays')).toEqual(['#1 sdlora · seed 1']);
  const overlay = await json<{ accMatrix: (number | null)[][]; acc: number[] }[]>(page, 'task-accuracy-chart', 'data-overlay-values');
  expect(overlay[0]!.acc).toEqual(metrics.pooled);
  expect(overlay[0]!.accMatrix).toEqual(metrics.accMatrix);
  await expect(chart.locator('.recharts-line.overlay-acc')).toHaveCount(1);
  await expect(chart.locator('.recharts-line.current-acc')).toHaveCount(1); // two pooled-Acc series
  await expect(chart.locator('.recharts-line.overlay-line path.recharts-line-curve[stroke-dasharray="6 4"]')).toHaveCount(3);
  await expect(chart.getByTestId('run-legend')).toContainText('#1 sdlora · seed 1 (pinned)');
  await expect(chart.getByTestId('run-legend')).toContainText('#2 seq-lora · seed 1 (this run)');
  const alpha = page.getByTestId('alpha-chart');
  await expect(alpha).toHaveAttribute('data-overlays', '1');
  await expect(alpha.locator('.recharts-line.overlay-line')).toHaveCount(2); // SD-LoRA's α1, α2 dashed
  await expect(alpha.locator('.recharts-line')).toHaveCount(3); // and sequential LoRA's one α
  await expect(page.getByTestId('residual-chart').locator('.recharts-line.overlay-line')).toHaveCount(1);
  await page.getByTestId('task-accuracy-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/analysis-overlay.png`, fullPage: true });

  await page.getByTestId('pin-run-1').uncheck();
  await expect(chart.locator('.recharts-line.overlay-line')).toHaveCount(0);
  await expect(alpha.locator('.recharts-line')).toHaveCount(1);
  await page.getByTestId('pin-run-1').check();
  await expect(chart.locator('.recharts-line.overlay-acc')).toHaveCount(1);
});

test('teaching mode: sequential LoRA then SD-LoRA, explained moment by moment from the real events', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await fillTinyRun(page, { epochs: 2 });
  await page.getByTestId('tour-use-form').check();
  await page.getByTestId('tour-start').click();
  const tour = page.getByTestId('tour');
  await expect(tour).toHaveAttribute('data-kind', 'intro');
  await expect(page.getByTestId('tour-text')).toContainText('Sequential LoRA, then SD-LoRA, on the same Split Fashion-MNIST tasks with seed 1: 2 tasks of 5 classes, 8 images per class');
  await expect(page.getByTestId('field-method')).toHaveValue('seq-lora');

  // The tour follows the run: each moment appears when its event arrives. The runs are quick, so every change of
  // the moment shown is recorded in the page, with the run's status at that instant.
  await page.evaluate(() => {
    const log: { moment: string; status: string }[] = [];
    (window as unknown as { tourLog: typeof log }).tourLog = log;
    const el = document.querySelector('[data-testid="tour"]')!;
    new MutationObserver(() => {
      const moment = el.getAttribute('data-moment')!;
      if (log.at(-1)?.moment !== moment) log.push({ moment, status: document.querySelector('[data-testid="run-status"]')!.getAttribute('data-status')! });
    }).observe(el, { attributes: true, attributeFilter: ['data-moment'] });
  });
  await expect(tour).not.toHaveAttribute('data-kind', 'intro', { timeout: 120_000 });
  await page.screenshot({ path: `${SCREENS}/teaching-running.png`, fullPage: true });
  await expect(tour).toHaveAttribute('data-phase', 'done', { timeout: 480_000 });
  const log = await page.evaluate(() => (window as unknown as { tourLog: { moment: string; status: string }[] }).tourLog);
  console.log(`tour moments as they appeared: ${log.map((l) => `${l.moment} (${l.status})`).join(', ')}`);

  // The last moment: the comparison, pointing at the per-task lines.
  await expect(tour).toHaveAttribute('data-kind', 'compare');
  await expect(page.getByTestId('tour-next')).toBeDisabled();
  await expect(page.getByTestId('task-accuracy-chart')).toHaveClass(/tour-focus/);
  await page.screenshot({ path: `${SCREENS}/teaching-compare.png`, fullPage: true });
  const compare = await json<{ sdAcc: number; seqAcc: number; sdForgetting: number; seqForgetting: number }>(page, 'tour-text', 'data-figures');

  // Every figure is the runs' own: SD-LoRA is on screen, sequential LoRA the pinned overlay.
  const sd = await downloadMetricsJson(page);
  expect(sd.method).toBe('sdlora');
  const seqRun = (await json<{ label: string; accMatrix: (number | null)[][]; acc: number[] }[]>(page, 'task-accuracy-chart', 'data-overlay-values'))[0]!;
  expect(seqRun.label).toBe('#1 seq-lora · seed 1');
  expect(compare.sdAcc).toBeCloseTo(sd.acc, 9);
  expect(compare.sdForgetting).toBeCloseTo(sd.forgetting, 9);
  expect(compare.seqAcc).toBeCloseTo(seqRun.acc[1]!, 9);

  // Back to the start, then Next through every moment.
  const ids: string[] = [];
  const kinds: string[] = [];
  const figures: Record<string, Record<string, number>> = {};
  while (await page.getByTestId('tour-back').isEnabled()) await page.getByTestId('tour-back').click();
  await expect(tour).toHaveAttribute('data-kind', 'intro');
  await expect(page.getByTestId('tour-position')).toContainText('moment 1 of 14 · 13 newer');
  for (;;) {
    const id = (await tour.getAttribute('data-moment'))!;
    ids.push(id);
    kinds.push((await tour.getAttribute('data-kind'))!);
    figures[id] = await json(page, 'tour-text', 'data-figures');
    if (id === 'r1-frozen1') {
      await expect(page.getByTestId('alpha-chart')).toHaveClass(/tour-focus/);
      await page.screenshot({ path: `${SCREENS}/teaching-frozen.png`, fullPage: true });
    }
    if (!(await page.getByTestId('tour-next').isEnabled())) break;
    await page.getByTestId('tour-next').click();
  }
  expect(kinds).toEqual(['intro', 'task', 'learned', 'task', 'forgetting', 'done', 'task', 'learned', 'task', 'frozen', 'alpha', 'retention', 'done', 'compare']);
  // Moments appeared while the runs were training (not all at the end), in the tour's order.
  const seen = log.map((l) => l.moment);
  expect(seen.every((id, i) => i === 0 || ids.indexOf(id) > ids.indexOf(seen[i - 1]!))).toBe(true);
  expect(log.some((l) => l.moment.startsWith('r0-') && l.status === 'running')).toBe(true);
  expect(log.some((l) => l.moment.startsWith('r1-') && l.status === 'running')).toBe(true);
  expect(figures['r0-learned0']).toEqual({ acc: seqRun.accMatrix[0]![0] });
  expect(figures['r0-forgetting1']).toMatchObject({ task: 1, was: seqRun.accMatrix[0]![0], now: seqRun.accMatrix[1]![0], newAcc: seqRun.accMatrix[1]![1] });
  expect(figures['r1-retention1']).toMatchObject({ task: 1, was: sd.accMatrix[0]![0], now: sd.accMatrix[1]![0], newAcc: sd.accMatrix[1]![1], residual: sd.lsResidual[1] });
  expect(figures['r1-frozen1']).toEqual({ alpha1: sd.alpha[1]![0]![0], alpha2: sd.alpha[1]![0]![1] });
  const steps = sd.alpha[1]!;
  expect(figures['r1-alpha1']).toMatchObject({ first1: steps[0]![0], last1: steps.at(-1)![0], last2: steps.at(-1)![1] });
  expect(figures['r1-done']).toMatchObject({ acc: sd.acc, aaa: sd.aaa, forgetting: sd.forgetting });

  await page.getByTestId('tour-exit').click();
  await expect(tour).toHaveCount(0);
});

test('teaching mode can hold the run at each new moment: Next lets training go on to the next one', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await fillTinyRun(page, { epochs: 2 });
  await page.getByTestId('tour-use-form').check();
  await page.getByTestId('tour-hold-start').check();
  await page.getByTestId('tour-start').click();
  const tour = page.getByTestId('tour');
  const status = page.getByTestId('run-status');
  const next = page.getByTestId('tour-next');
  // Held at the introduction before training starts.
  await expect(tour).toHaveAttribute('data-kind', 'intro');
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  await expect(next).toHaveText('Next: continue the run');
  await expect(page.getByTestId('progress-text')).not.toContainText(/step [1-9]/);
  for (let i = 0; i < 3; i++) {
    const count = Number(await tour.getAttribute('data-count'));
    await next.click();
    await expect.poll(async () => Number(await tour.getAttribute('data-count')), { timeout: 120_000 }).toBeGreaterThan(count);
    await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
    // The newest moment is shown (index and count read together: a moment may arrive while the run pauses).
    await expect
      .poll(async () => tour.evaluate((el) => Number(el.getAttribute('data-count')) - 1 - Number(el.getAttribute('data-index'))), { timeout: 60_000 })
      .toBe(0);
    await expect(next).toHaveText('Next: continue the run');
  }
  await page.screenshot({ path: `${SCREENS}/teaching-held.png`, fullPage: true });
  // Without holding, the tour follows the run to its end.
  await page.getByTestId('tour-hold').uncheck();
  await next.click();
  await expect(tour).toHaveAttribute('data-phase', 'done', { timeout: 240_000 });
  await expect(tour).toHaveAttribute('data-kind', 'compare');
});
