// The engine page in a real browser: WebGPU adapter found, every kernel matches its float64
// reference on the browser's adapter, no request leaves the page's origin; and without WebGPU
// the page explains what to do instead of going blank.
import { expect, test } from '@playwright/test';

test('kernels match their references in the browser, all requests stay on the origin', async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toContainText('Adapter:');
  await page.getByTestId('run-checks').click();
  const summary = page.getByTestId('check-summary');
  await expect(summary).toBeVisible({ timeout: 150_000 });
  const text = (await summary.textContent()) ?? '';
  const m = /(\d+) of (\d+) kernels match/.exec(text);
  expect(m, text).not.toBeNull();
  const failed = await page.locator('tr.fail').allTextContents();
  expect(failed, `failing kernels: ${failed.join(' | ')}`).toEqual([]);
  expect(Number(m![1])).toBe(Number(m![2]));
  expect(Number(m![2])).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/screens/engine.png', fullPage: true });
  expect(foreign).toEqual([]);
});

test('without WebGPU the page says why and what to do', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/');
  const box = page.getByTestId('no-webgpu');
  await expect(box).toBeVisible();
  await expect(box).toContainText('WebGPU is not available');
  await expect(box).toContainText('Chrome');
  await page.screenshot({ path: 'test-results/screens/no-webgpu.png', fullPage: true });
});
