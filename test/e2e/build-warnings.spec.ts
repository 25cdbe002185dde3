// Build warnings and shape-tensor values, seen in the browser: a TensorRT build (Kiln's fake plugin,
// told by KILN_FAKE_SHAPE_TENSORS that input x is a shape tensor) without values is built for all 1s
// and the Build & profile tab says so on the run; with values typed in the form, they reach the
// plugin and the warning goes; values that cannot be read are refused in the form, in words. This
// spec starts its own browser-mode server, since the shared one must not see that variable.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFile } from './drop';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const PORT = Number(process.env.KILN_E2E_PORT ?? 4317) + 7;
const TOKEN = 'e2e-build-warnings-0123456789';
const CACHE = path.join(ROOT, 'test-results/e2e-build-warnings');
let server: ChildProcess;

test.beforeAll(async () => {
  fs.rmSync(CACHE, { recursive: true, force: true });
  server = spawn(process.execPath, ['dist/electron/serve/main.js', '--port', String(PORT), '--token', TOKEN], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      ...process.env,
      KILN_TRT_PLUGIN: path.join(ROOT, 'native/build/Release/libkiln_trt_fake.so'),
      KILN_FAKE_SHAPE_TENSORS: 'x',
      KILN_CACHE_DIR: path.join(CACHE, 'builds'),
      KILN_VARIANTS_DIR: path.join(CACHE, 'variants'),
      KILN_EXPORT_DIR: path.join(CACHE, 'exports'),
    },
  });
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(`http://127.0.0.1:${PORT}/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server on port ${PORT} did not start`);
});
test.afterAll(() => {
  server?.kill();
  fs.rmSync(CACHE, { recursive: true, force: true });
});

test('a shape tensor built for all 1s is warned of on the run; typed values reach the build', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`http://127.0.0.1:${PORT}/?token=${TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  await dropFile(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await page.getByLabel('Shape of x', { exact: true }).fill('1x3x48x192');
  await page.getByLabel('Run for').selectOption('iterations');
  await page.getByLabel('Amount').fill('5');
  await page.getByLabel('Backend').selectOption('tensorrt');

  // No values: built for all 1s, and the run says so as a build warning.
  await page.getByRole('button', { name: 'Build & profile' }).click();
  const table = page.getByTestId('profile-table');
  await expect(table.locator('thead th')).toHaveCount(2, { timeout: 60_000 });
  const warnings = page.getByTestId('profile-warnings');
  const build = warnings.locator('li[data-kind=build]');
  await expect(build).toHaveCount(1);
  await expect(build).toHaveText(
    '#1 TRT L3 (build): shape tensor input x has no values in the request: built for all 1s',
  );

  // Values that cannot be read, or out of order, are refused in the form.
  const values = page.getByLabel('Shape-tensor values');
  await values.fill('x:1x1/2');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(page.getByRole('alert')).toContainText('give 2 lists: give one, or min/opt/max');
  await values.fill('x:4x4/2x3/6x6');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(page.getByRole('alert')).toContainText('x: shape-tensor values must hold min ≤ opt ≤ max');

  // Values given: they reach the plugin, and this run has no build warning.
  await values.fill('x:1x1/2x3/6x6');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(table.locator('thead th')).toHaveCount(3, { timeout: 60_000 });
  await expect(build).toHaveCount(1);
  await expect(warnings).not.toContainText('#2 TRT L3 (build)');
  await page.screenshot({ path: path.join(ROOT, 'test/.tmp/build-warnings.png') });
});
