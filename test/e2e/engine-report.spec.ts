// Issue 23 item 5, seen in the browser: with two engines imported on the Engine tab (an FP16 build
// that ran one layer in FP32, and an FP32 build of the same network), the Compare tab's downloaded
// reports carry the engine section — in the HTML the engine diff, where the time went and each
// engine's precision audit; in the JSON the same `engines` object `kiln engine --json` writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { dropBytes as drop } from './drop';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { trtexecBuild, type TrtexecFiles } from '../builders/trtexec';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');

const asFiles = (prefix: string, f: TrtexecFiles) =>
  (['layers', 'profile', 'times'] as const).map((k) => ({
    name: `${prefix}.${k}.json`,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(f[k])),
  }));

/** Clicks `button` on the Compare tab and reads the file it downloads. */
async function downloaded(page: Page, button: string, ext: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  const file = await download;
  expect(file.suggestedFilename()).toContain(ext);
  return fs.readFileSync((await file.path())!, 'utf8');
}

test("the comparison report downloads with the Engine tab's engine diff and audits", async ({ page }) => {
  test.setTimeout(180_000);
  const a = await analyzeModel(CLS);
  const nodes = a.ir.nodes.slice(0, a.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
  const target = nodes.filter((n) => n.opType === 'Conv')[6]!.name;

  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  await drop(page, 'cls.onnx', fs.readFileSync(CLS));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });

  // A variant to compare (a comparison needs one).
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  await expect(page.getByTestId('variant').first()).toContainText('fp16', { timeout: 60_000 });
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Compare shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByTestId('compare-table')).toBeVisible({ timeout: 90_000 });

  // No engine imported: the reports say nothing of engines.
  expect(await downloaded(page, 'Export HTML report', '.comparison.html')).not.toContain('class="engine');
  expect(JSON.parse(await downloaded(page, 'Export JSON', '.comparison.json'))).not.toHaveProperty('engines');

  // One engine: its view and audit.
  await page.getByRole('tab', { name: 'Engine' }).click();
  const panel = page.getByTestId('engine-panel');
  await page
    .getByTestId('engine-files')
    .setInputFiles(asFiles('fp16', trtexecBuild(nodes, { precision: 'fp16', fp32Nodes: [target] })));
  await expect(panel.getByTestId('engine-audit')).toContainText('the engine runs FP16');
  await page.getByRole('tab', { name: 'Compare' }).click();
  let html = await downloaded(page, 'Export HTML report', '.comparison.html');
  expect(html).toContain('<h2>Engine</h2>');
  expect(html).toContain('fp16.layers.json');
  expect(html).not.toContain('<h2>Engine diff</h2>');
  expect(html).toMatch(/No recipe in the model; the engine runs FP16: [1-9]\d* of \d+ node\(s\) in FP32 layers/);

  // A second engine: the diff, the charts and both audits.
  await page.getByRole('tab', { name: 'Engine' }).click();
  await page.getByRole('button', { name: 'Compare with another engine…' }).click();
  await page
    .getByTestId('engine-compare-files')
    .setInputFiles(asFiles('fp32', trtexecBuild(nodes, { precision: 'fp32' })));
  await expect(panel.getByTestId('engine-diff')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Compare' }).click();
  html = await downloaded(page, 'Export HTML report', '.comparison.html');
  expect(html).not.toMatch(/<script|https?:\/\/|<link|<img/);
  expect(html).toContain('<h2>Output');
  expect(html).toContain('<h2>Engine diff</h2>');
  expect(html).toContain('fp32.layers.json');
  expect(html).toContain('Where the time went, by layer type');
  expect(html).toContain('Groups of ONNX nodes, by what changed most');
  expect(html).toContain('Precision audit A');
  expect(html).toContain('Precision audit B');
  expect(html).toContain(target);

  const json = JSON.parse(await downloaded(page, 'Export JSON', '.comparison.json')) as {
    variants: unknown[];
    engines: {
      imports: { label: string; files: string[]; audit: { items: { name: string; built: string }[] } }[];
      totals: number[];
      groups: { nodes: string[]; engines: { precision: string | null }[] }[];
    };
  };
  expect(json.variants.length).toBeGreaterThan(0);
  expect(json.engines.imports.map((i) => i.label)).toEqual(['A', 'B']);
  expect(json.engines.imports[1]!.files.join(' ')).toContain('fp32.layers.json');
  expect(json.engines.totals).toHaveLength(2);
  expect(json.engines.imports[0]!.audit.items.map((i) => i.name)).toContain(target);
  const group = json.engines.groups.find((g) => g.nodes.includes(target))!;
  // Both builds ran that convolution at FP32's range: TF32 tactics, TensorRT's default (no --noTF32).
  expect(group.engines.map((e) => e.precision)).toEqual(['TF32', 'TF32']);
});
