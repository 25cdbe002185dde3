// Verdicts that mean something and names that tell variants apart, as a user meets them in browser
// mode: FP16 of the sample classifier passes Compare's defaults, an INT8 variant calibrated on blank
// images fails with the reason beside it, thresholds edited in the form change the verdict; two INT8
// variants calibrated on different images carry different names in the cards, the profile picker,
// Compare's columns and the latency chart (which shows both), and a variant is renamed on its card.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { E2E_TOKEN } from './playwright.config';
import { writeTextLines } from '../builders/text-images';

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'test', '.tmp');

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test.beforeEach(async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}`);
  await page.getByRole('button', { name: 'Open sample model' }).click();
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
});

/** A screenshot with room for the dock (46 % of the window): the whole table or form shows. */
async function shot(page: Page, name: string) {
  await page.setViewportSize({ width: 1400, height: 1900 });
  await page.locator('.dock-body:not([hidden])').evaluate((e) => e.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name) });
  await page.setViewportSize({ width: 1400, height: 900 });
}

/** Makes an INT8 variant for TensorRT on `files`, unchecked (as placed), and waits for its card. */
async function makeInt8(page: Page, files: string[], cards: number) {
  await page.getByLabel('Calibration files').setInputFiles(files);
  await page.getByLabel('Check against FP32').uncheck();
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  await expect(page.getByTestId('variant')).toHaveCount(cards, { timeout: 60_000 });
}

test('Compare: FP16 passes the defaults, an INT8 on blank images fails with why, edited thresholds change the verdict', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-blank-'));
  const blank: string[] = [];
  for (let i = 0; i < 4; i++) {
    const file = path.join(dir, `blank-${i}.png`);
    await sharp({ create: { width: 192, height: 48, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .png()
      .toFile(file);
    blank.push(file);
  }
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  await expect(page.getByTestId('variant')).toHaveCount(1, { timeout: 60_000 });
  await makeInt8(page, blank, 2);
  const int8Name = (await page.getByTestId('variant').nth(1).locator('h4').textContent())!.split(' ·')[0]!;
  expect(int8Name).toMatch(/\.int8-trt-mse-unchecked\.blank-0\+3\.[0-9a-f]{6}\.onnx$/);

  await page.getByRole('tab', { name: 'Compare' }).click();
  // One set of defaults, said in the form.
  await expect(page.getByLabel('Cosine threshold', { exact: true })).toHaveValue('0.99');
  await expect(page.getByLabel('SNR threshold (dB)', { exact: true })).toHaveValue('17');
  await expect(page.getByLabel('Top-1 agreement threshold (%)', { exact: true })).toHaveValue('99');
  await expect(page.getByLabel('atol', { exact: true })).toHaveValue('');
  await page.getByLabel('Compare shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const cmp = page.getByTestId('compare-table');
  await expect(cmp).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('compare-judged-by')).toContainText(
    'judged by cosine ≥ 0.99 on every sample, SNR ≥ 17 dB, top-1 agreement ≥ 99 % on class scores',
  );
  const verdicts = cmp.locator('tr', { hasText: 'Verdict (this output)' }).locator('td');
  await expect(verdicts.nth(0)).toHaveText('pass');
  await expect(verdicts.nth(1)).toContainText('fail');
  // The reason is next to it: the cosine (of the worst sample), the SNR and top-1 that were missed.
  await expect(verdicts.nth(1).getByTestId('verdict-reasons')).toContainText(/cosine (of sample \d+ )?[\d.]+ < 0\.99/);
  await expect(verdicts.nth(1).getByTestId('verdict-reasons')).toContainText(/SNR [\d.]+ dB < 17 dB/);
  await expect(cmp.locator('tr', { hasText: 'Outside atol/rtol' })).toContainText('not asked');
  await shot(page, 'compare-verdicts.png');

  // Polygraphy's FP32-vs-FP32 tolerance, asked for in the form: FP16 now fails, and says why.
  await page.getByLabel('atol', { exact: true }).fill('1e-5');
  await page.getByLabel('rtol', { exact: true }).fill('1e-5');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(verdicts.nth(0)).toContainText('fail', { timeout: 60_000 });
  await expect(verdicts.nth(0).getByTestId('verdict-reasons')).toContainText(
    /\d+ of \d+ elements outside atol 1e-5 \+ rtol 1e-5·\|ref\|/,
  );
  await shot(page, 'compare-atol-asked.png');
  // A loose cosine and nothing else: the broken INT8 passes what was asked.
  await page.getByRole('button', { name: 'Defaults' }).click();
  await expect(page.getByLabel('atol', { exact: true })).toHaveValue('');
  await page.getByLabel('Cosine threshold', { exact: true }).fill('0.5');
  await page.getByLabel('SNR threshold (dB)', { exact: true }).fill('');
  await page.getByLabel('Top-1 agreement threshold (%)', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(verdicts.nth(1)).toHaveText('pass', { timeout: 60_000 });
  await expect(verdicts.nth(0)).toHaveText('pass');
  await expect(page.getByTestId('compare-judged-by')).toContainText('judged by cosine ≥ 0.5 on every sample');
  // A threshold that is not a number is refused by name, before any job runs.
  await page.getByLabel('SNR threshold (dB)', { exact: true }).fill('loud');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByTestId('compare-panel').getByRole('alert')).toContainText('the SNR threshold must be');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Names: two INT8 variants on different images are told apart everywhere, the chart shows both, a card renames one', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-names-'));
  // Two sets of images with the same file names (line-0000.png …), as two folders uploaded one after the other.
  const a = await writeTextLines(path.join(dir, 'a'), 4, { width: 192, height: 48, seed: 5, flipHalf: true });
  const b = await writeTextLines(path.join(dir, 'b'), 4, { width: 192, height: 48, seed: 6, flipHalf: true });
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await makeInt8(page, a, 1);
  await makeInt8(page, b, 2);
  const cards = page.getByTestId('variant');
  const names = await cards.locator('h4').evaluateAll((hs) => hs.map((h) => h.textContent!.split(' ·')[0]!));
  expect(names[0]).toMatch(/\.int8-trt-mse-unchecked\.line-0000\+3\.[0-9a-f]{6}\.onnx$/);
  expect(names[1]).toMatch(/\.int8-trt-mse-unchecked\.line-0000\+3\.[0-9a-f]{6}\.onnx$/);
  expect(names[0]).not.toBe(names[1]);
  await shot(page, 'precision-two-int8-names.png');

  // The profile picker names both apart; the reference and each variant are profiled.
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await page.getByLabel('Shape of x', { exact: true }).fill('1x3x48x192');
  await page.getByLabel('Run for').selectOption('iterations');
  await page.getByLabel('Amount').fill('20');
  const picker = page.getByLabel('Model to profile');
  await expect(picker.locator('option')).toHaveText(['original (FP32)', names[0]!, names[1]!]);
  const table = page.getByTestId('profile-table');
  for (const [i, label] of ['original (FP32)', names[0]!, names[1]!].entries()) {
    await picker.selectOption({ label });
    await page.getByRole('button', { name: 'Build & profile' }).click();
    await expect(table.locator('thead th')).toHaveCount(i + 2, { timeout: 60_000 });
  }

  // Compare: a column each, and a point each on the latency chart (the reference, both variants).
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Compare shape of x').fill('1x3x48x192');
  await page.getByLabel('Samples', { exact: true }).fill('4');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const cmp = page.getByTestId('compare-table');
  await expect(cmp).toBeVisible({ timeout: 60_000 });
  await expect(cmp.locator('thead th')).toHaveText(['', names[0]!, names[1]!]);
  const chart = page.getByTestId('tradeoff-chart');
  // One legend entry each (the legend sorts them by name); a "Pareto front" entry joins them when the
  // measured latencies put two points on the front, which depends on the timing.
  const legend = chart.locator('.recharts-legend-item-text');
  await expect(legend.filter({ hasNotText: 'Pareto front' })).toHaveCount(3);
  for (const name of ['FP32 reference', names[0]!, names[1]!])
    await expect(legend.filter({ hasText: name })).toHaveCount(1);
  expect(await chart.locator('.recharts-scatter').count()).toBeGreaterThanOrEqual(3);
  await shot(page, 'compare-two-int8.png');

  // Renamed on its card: the card, the comparison's column and the chart's legend say the new name at once.
  await page.getByRole('tab', { name: 'Precision' }).click();
  await cards.nth(0).getByRole('button', { name: 'Rename' }).click();
  const field = cards.nth(0).getByLabel('Variant name');
  await expect(field).toHaveValue(names[0]!);
  await field.fill(names[1]!);
  await cards.nth(0).getByRole('button', { name: 'Save name' }).click();
  await expect(cards.nth(0).getByRole('alert')).toContainText('another variant is already named');
  await field.fill('calib/a');
  await cards.nth(0).getByRole('button', { name: 'Save name' }).click();
  await expect(cards.nth(0).getByRole('alert')).toContainText('cannot hold /');
  await field.fill('INT8 on set A');
  await shot(page, 'precision-rename.png');
  await field.press('Enter');
  await expect(cards.nth(0).locator('h4')).toContainText('INT8 on set A');
  await expect(cards.nth(0).getByRole('alert')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Compare' }).click();
  await expect(cmp.locator('thead th')).toHaveText(['', 'INT8 on set A', names[1]!]);
  await shot(page, 'compare-renamed.png');
  await expect(legend.filter({ hasText: 'INT8 on set A' })).toHaveCount(1);
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await expect(picker.locator('option')).toHaveText(['original (FP32)', 'INT8 on set A', names[1]!]);
  fs.rmSync(dir, { recursive: true, force: true });
});
