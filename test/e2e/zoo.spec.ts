// Real transformer exports in the app (browser mode): a torchvision ViT made FP16 and INT8 and
// compared against FP32 — its untrained head outputs zeros, so PSNR and SNR have no finite value
// (JSON carries them as null), and the table says "–" there instead of breaking. Screenshots land
// in test/.tmp/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';

const ROOT = path.resolve(__dirname, '../..');
const VIT = path.join(ROOT, 'test/fixtures/zoo/vit-tiny.onnx');
const SHOTS = path.join(ROOT, 'test/.tmp');

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test('a torchvision ViT: FP16 and INT8 variants compared against FP32, every metric shown', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`/?token=${E2E_TOKEN}`);
  await page.getByTestId('file-input').setInputFiles(VIT);
  await expect(page.getByTestId('model-name')).toHaveText('vit-tiny.onnx');
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });

  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of images').fill('1x3x64x64');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  await expect(page.getByTestId('variant').first()).toContainText('vit-tiny.fp16.onnx', { timeout: 30_000 });
  await page.getByLabel('Calibration samples').fill('4');
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  await expect(page.getByTestId('variant')).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'zoo-vit-precision.png') });

  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Compare shape of images').fill('1x3x64x64');
  await page.getByLabel('Samples', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const cmp = page.getByTestId('compare-table');
  await expect(cmp).toBeVisible({ timeout: 60_000 });
  await expect(cmp.locator('thead th')).toHaveCount(3);
  for (const row of [/^Cosine/, /^Worst sample cosine/])
    await expect(cmp.locator('tr', { hasText: row }).locator('td').first()).toHaveText(/^1\.000000/);
  for (const row of ['PSNR (dB)', 'SNR (dB)'])
    for (const cell of await cmp.locator('tr', { hasText: row }).locator('td').all())
      await expect(cell).toHaveText('–');
  await page.screenshot({ path: path.join(SHOTS, 'zoo-vit-compare.png') });
  await cmp.screenshot({ path: path.join(SHOTS, 'zoo-vit-compare-table.png') });
});
