// Closing or reloading the tab loses nothing: the worker saves a checkpoint in OPFS after every task, and a
// reloaded page offers to resume. A tiny two-task run (tiny ViT, few images) is reloaded after task 1; Resume
// finishes it with the first task's results back in the matrix and a full 2 × 2 matrix at the end.
import { expect, test } from '@playwright/test';

test('a run reloaded after task 1 resumes from its checkpoint and completes with a 2 × 2 matrix', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  await expect(page.getByTestId('interrupted-banner')).toHaveCount(0);
  await page.getByTestId('field-dataset').selectOption('split-fashion-mnist');
  await page.getByTestId('field-model').selectOption('tiny');
  await page.getByTestId('field-max-per-class').fill('8');
  await page.getByTestId('field-method').selectOption('sdlora');
  await page.getByTestId('field-tasks').selectOption('2');
  await page.getByTestId('field-epochs').fill('6'); // task 2 must still be training when the page reloads
  await page.getByTestId('field-batch-size').fill('4');
  await page.getByTestId('field-learning-rate').fill('0.05');
  await page.getByTestId('field-rank').fill('2');
  await page.getByTestId('field-seed').fill('1');
  await page.getByTestId('run').click();

  const matrix = page.getByTestId('acc-matrix');
  const cell00 = matrix.locator('td.acc-cell[data-row="0"][data-col="0"]');
  await expect(cell00).toHaveAttribute('data-value', /\d/, { timeout: 150_000 });
  const firstTask = await cell00.getAttribute('data-value');
  await expect(page.getByTestId('checkpoint-status')).toHaveAttribute('data-saved', '1');
  await expect(page.getByTestId('run-status')).not.toHaveAttribute('data-status', 'finished');

  await page.reload();
  const banner = page.getByTestId('interrupted-banner');
  await expect(banner).toContainText('A run was interrupted after task 1 of 2');
  await expect(page.getByTestId('resume-interrupted')).toBeEnabled();
  await page.getByTestId('resume-interrupted').click();
  await expect(banner).toHaveCount(0);
  // The completed task is shown again before the resumed one trains.
  await expect(cell00).toHaveAttribute('data-value', firstTask!);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'finished', { timeout: 150_000 });
  await expect(matrix.locator('tbody tr')).toHaveCount(2);
  await expect(matrix.locator('tbody tr').first().locator('td.acc-cell')).toHaveCount(2);
  for (const [t, j] of [[0, 0], [1, 0], [1, 1]])
    await expect(matrix.locator(`td.acc-cell[data-row="${t}"][data-col="${j}"]`)).toHaveAttribute('data-value', /\d/);
  await expect(cell00).toHaveAttribute('data-value', firstTask!);

  // The finished run is not offered again.
  await page.reload();
  await expect(page.getByTestId('run')).toBeEnabled();
  await expect(page.getByTestId('interrupted-banner')).toHaveCount(0);
});
