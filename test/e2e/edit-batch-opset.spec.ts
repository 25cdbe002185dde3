// Two edits of the fix strip and the model's inputs, as a user meets them in browser mode: a CNN
// exported with a fixed batch of 1 gets "Make batch dynamic" under its inputs, and the new version,
// listed under it, has a symbolic batch on its input and output; then the readiness panel offers the
// opsets TensorRT 10 parses above the model's (17) and converts it to the chosen one, a third
// version whose outputs are unchanged. Screenshots land in test/.tmp/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { dropBytes } from './drop';
import { encodeModel } from '../../electron/core/onnx/encode';
import { cnn } from '../builders/cnn';

const SHOTS = path.resolve(__dirname, '../.tmp');
test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test('Make batch dynamic on a fixed-batch CNN, then convert the new version to opset 24 for TensorRT 10', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(`/?token=${E2E_TOKEN}`);
  await dropBytes(page, 'cnn-batch1.onnx', encodeModel(cnn([8, 16], 4, 16, 1)));
  await expect(page.getByTestId('model-name')).toHaveText('cnn-batch1.onnx');
  const inputs = page.getByTestId('inputs');
  await expect(inputs).toContainText('image');
  await expect(inputs.locator('.dim').first()).toHaveText('1');
  await expect(inputs.locator('.dim').first()).not.toHaveClass(/sym/);

  // Under the model's inputs: the batch made dynamic, a new version opened and listed under the model.
  await page.getByTestId('summary').getByTestId('dynamic-batch').click();
  const versions = page.getByTestId('version');
  await expect(versions).toHaveCount(2, { timeout: 90_000 });
  const edited = versions.nth(1);
  await expect(edited).toHaveAttribute('data-open', 'true');
  await expect(edited).toContainText('from cnn-batch1.onnx: dynamic batch "batch"');
  await expect(edited.getByTestId('version-exactness')).toContainText('Outputs unchanged');
  await expect(page.getByTestId('model-name')).not.toHaveText('cnn-batch1.onnx');
  // The new version's input and output: a symbolic first dim, "batch"; the rest as they were.
  const batch = inputs.locator('.dim').first();
  await expect(batch).toHaveText('batch', { timeout: 30_000 });
  await expect(batch).toHaveClass(/sym/);
  await expect(inputs).toContainText('[batch, 3, 16, 16]');
  await expect(page.getByTestId('outputs')).toContainText('[batch, 4]');
  // Nothing fixed is left to make dynamic.
  await expect(page.getByTestId('summary').getByTestId('dynamic-batch')).toHaveCount(0);
  await page.getByTestId('summary').screenshot({ path: path.join(SHOTS, 'edit-dynamic-batch.png') });

  // The readiness panel for TensorRT 10: opsets 18 to 24 offered, newest first; 25 is not.
  await page.getByRole('tab', { name: 'TensorRT readiness' }).click();
  const control = page.getByTestId('opset-control');
  await expect(control).toBeVisible({ timeout: 30_000 });
  // TensorRT 11 (the default) parses up to 25; TensorRT 10 up to 24.
  await expect(control.getByLabel('Target opset').locator('option').first()).toHaveText('25');
  await page.getByRole('radio', { name: 'TensorRT 10' }).click();
  await expect(control).toBeVisible({ timeout: 30_000 });
  const select = control.getByLabel('Target opset');
  await expect(select.locator('option')).toHaveText(['24', '23', '22', '21', '20', '19', '18']);
  await select.selectOption('24');
  await control.getByRole('button', { name: 'Convert to opset 24' }).click();
  await expect(versions).toHaveCount(3, { timeout: 90_000 });
  await expect(versions.nth(2)).toHaveAttribute('data-open', 'true');
  await expect(versions.nth(2)).toContainText('opset 24');
  await expect(versions.nth(2).getByTestId('version-exactness')).toContainText('Outputs unchanged');
  await expect(page.getByTestId('opsets')).toHaveText('ai.onnx 24');
  await expect(control).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'edit-opset.png') });
});
