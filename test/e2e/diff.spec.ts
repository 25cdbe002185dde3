// The side-by-side diff as a user meets it in browser mode: the sample classifier against its FP16
// variant — both graphs drawn, the Casts the variant added coloured, the verdict and the recipe in
// the header; a click on a changed node selects its pair on the other side and shows what changed;
// panning one graph brings the other to the same place. Screenshots land in test/.tmp.
import * as fs from 'node:fs';
import * as path from 'node:path';
// Brings the view's window hooks (declare global) into this file's types.
import type {} from '../../renderer/src/diff/DiffView';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';

const SHOTS = path.join(path.resolve(__dirname, '../..'), 'test', '.tmp');
test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

/** Where the pair of A's middle node is drawn in B, against where that node is drawn in A (screen px). */
async function alignment(page: Page) {
  return page.evaluate(() => {
    const d = window.__kilnDiff!;
    const node = d.a!.centreNode();
    const pair = d.pairs!.aToB[node]!;
    const from = d.a!.screenBox(node)!;
    const to = d.b!.screenBox(pair)!;
    return { node, pair, dx: to.x + to.w / 2 - (from.x + from.w / 2), dy: to.y + to.h / 2 - (from.y + from.h / 2) };
  });
}

test('a variant against its source: side by side, coloured, paired, followed', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`/?token=${E2E_TOKEN}`);
  await page.getByRole('button', { name: 'Open sample model' }).click();
  await expect(page.locator('[data-testid=graph-view][data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  await expect(page.getByTestId('variant')).toHaveCount(1, { timeout: 60_000 });
  const variantName = (await page.getByTestId('variant').locator('h4').textContent())!.split(' ·')[0]!.trim();

  await page.getByLabel('Diff against').selectOption({ label: variantName });
  const view = page.getByTestId('diff-view');
  await expect(view).toBeVisible();
  await expect(page.locator('[data-testid=diff-graph-a][data-state=ready]')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-testid=diff-graph-b][data-state=ready]')).toBeVisible({ timeout: 30_000 });
  const verdict = page.getByTestId('diff-verdict');
  await expect(verdict).toContainText(`ch_ppocr_mobile_v2.0_cls_infer.onnx → ${variantName}:`);
  await expect(verdict).toContainText('metadata kiln.recipe');
  // FP16 with FP32 inputs and outputs kept: Casts added at the edges, nothing removed.
  await expect(page.getByTestId('diff-count-added')).toHaveText(/^\s*[1-9]\d* added$/);
  await expect(page.getByTestId('diff-count-removed')).toHaveText(/^\s*0 removed$/);
  await page.screenshot({ path: path.join(SHOTS, 'diff-variant.png') });

  // A changed node clicked in A: its pair selected in B, and what changed in it shown.
  const x = await page.evaluate(async () => {
    const d = window.__kilnDiff!;
    const node = Array.from(d.pairs!.classA).findIndex((c) => c === 3);
    await d.a!.jumpTo(node);
    d.a!.select(-1);
    return node;
  });
  expect(x).toBeGreaterThanOrEqual(0);
  await page.waitForTimeout(300);
  const box = await page.evaluate((n) => window.__kilnDiff!.a!.screenBox(n), x);
  const canvas = page.locator('[data-testid=diff-graph-a] canvas');
  const at = (await canvas.boundingBox())!;
  await page.mouse.click(at.x + box!.x + box!.w / 2, at.y + box!.y + box!.h / 2);
  const details = page.getByTestId('diff-details');
  await expect(details).toContainText('changed');
  // The sample's first changed node is a Constant: its value, rounded to FP16.
  await expect(page.getByTestId('diff-changes')).toContainText(/attribute value.*float32\[.*float16\[/);
  const selected = await page.evaluate(() => ({
    a: window.__kilnDiff!.a!.selected,
    b: window.__kilnDiff!.b!.selected,
  }));
  const pairOfX = await page.evaluate((n) => window.__kilnDiff!.pairs!.aToB[n], x);
  expect(selected).toEqual({ a: x, b: pairOfX });
  await page.screenshot({ path: path.join(SHOTS, 'diff-selected.png') });

  // Panning A brings B along: the pair of A's middle node sits where that node sits.
  const before = await page.evaluate(() => ({ ...window.__kilnDiff!.b!.view }));
  await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
  await page.mouse.wheel(0, 400);
  await page.waitForTimeout(400);
  const after = await page.evaluate(() => ({ ...window.__kilnDiff!.b!.view }));
  expect(after.ty).not.toBeCloseTo(before.ty, 0);
  const aligned = await alignment(page);
  expect(Math.abs(aligned.dx), JSON.stringify(aligned)).toBeLessThan(2);
  expect(Math.abs(aligned.dy), JSON.stringify(aligned)).toBeLessThan(2);
  await page.screenshot({ path: path.join(SHOTS, 'diff-panned.png') });

  await page.getByRole('button', { name: 'Close diff' }).click();
  await expect(view).toBeHidden();
  await expect(page.locator('[data-testid=graph-view][data-state=ready]')).toBeVisible();
});
