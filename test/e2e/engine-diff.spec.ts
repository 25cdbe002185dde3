// Issue 23, seen in the browser: a Kiln FP16 variant whose engine ran one covered layer in FP32 —
// the audit flags that node (click: the node on the graph) — then an FP32 build of the same network
// added to compare: the groups sorted by change, where the time went, the difference painted on the
// graph. Screenshots land in test/.tmp/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { dropBytes as drop } from './drop';
import { analyzeModel, analyzeModelBytes } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { stampRecipe } from '../../electron/core/onnx/recipe-meta';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { trtexecBuild, type TrtexecFiles } from '../builders/trtexec';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const SHOTS = path.join(ROOT, 'test/.tmp');

const asFiles = (prefix: string, f: TrtexecFiles) =>
  (['layers', 'profile', 'times'] as const).map((k) => ({
    name: `${prefix}.${k}.json`,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(f[k])),
  }));

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test('the audit flags an FP16-asked node the engine ran in FP32; a second engine diffs against it', async ({
  page,
}) => {
  // The classifier made FP16 by Kiln's rewrite, its recipe stamped in metadata_props, as a variant is.
  const src = await analyzeModel(CLS);
  autocastFp16(src);
  stampRecipe(src.opened.model, { precision: 'fp16', excludeNodes: [] }, 'cls sha256:e2e');
  const bytes = encodeModel(src.opened.model, { source: src.opened.bytes });
  const v = analyzeModelBytes(bytes, CLS, 'cls-fp16.onnx');
  const nodes = v.ir.nodes.slice(0, v.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
  const target = nodes.filter((n) => n.opType === 'Conv')[6]!.name;

  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  await drop(page, 'cls-fp16.onnx', bytes);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Engine' }).click();
  const panel = page.getByTestId('engine-panel');

  // An FP16 build in which the layer over `target` computes in FP32 (f32 tactic, FP32 formats; built
  // with --noTF32, so it is true FP32 and not TF32).
  await page
    .getByTestId('engine-files')
    .setInputFiles(asFiles('fp16', trtexecBuild(nodes, { precision: 'fp16', fp32Nodes: [target], tf32: false })));
  const audit = panel.getByTestId('engine-audit');
  await expect(audit).toContainText("Kiln's recipe asked FP16");
  // The node's own row (the other nodes of its layer name the layer, and so the node, in their reasons).
  const flagged = audit.getByRole('row').filter({ has: page.getByRole('button', { name: target, exact: true }) });
  await expect(flagged).toHaveCount(1);
  await expect(flagged).toHaveAttribute('data-kind', 'fp16-built-fp32');
  await expect(flagged.locator('td').nth(2)).toHaveText('FP16');
  await expect(flagged.locator('td').nth(3)).toHaveText('FP32');
  // Only the nodes of that layer are flagged: the rest of the engine ran FP16 as asked.
  const rows = await audit.getByTestId('engine-audit-items').locator('tbody tr').count();
  expect(rows).toBeLessThanOrEqual(4);
  await expect(audit.getByTestId('engine-audit-reformats')).toContainText('FP16 → FP32');
  await page.setViewportSize({ width: 1400, height: 1300 });
  await page.screenshot({ path: path.join(SHOTS, 'engine-audit.png') });
  // Click: the node on the graph.
  await flagged.getByRole('button', { name: target }).click();
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');

  // Compare with an FP32 build of the same network.
  await page.getByRole('button', { name: 'Compare with another engine…' }).click();
  await page
    .getByTestId('engine-compare-files')
    .setInputFiles(asFiles('fp32', trtexecBuild(nodes, { precision: 'fp32' })));
  const diff = panel.getByTestId('engine-diff');
  await expect(diff).toBeVisible({ timeout: 20_000 });
  await expect(diff.getByTestId('engine-diff-imports').locator('tbody tr')).toHaveCount(2);
  await expect(diff.getByTestId('engine-diff-imports')).toContainText('fp32.layers.json');
  await expect(diff.getByTestId('engine-type-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  const groups = diff.getByTestId('engine-diff-groups').locator('tbody tr');
  expect(await groups.count()).toBeGreaterThan(30);
  await expect(groups.first().locator('td').last()).toHaveText(/differs|same/);
  // Both audits: A's flags the node, B's (FP32 build of an FP16-asked model) flags many.
  await expect(diff.getByTestId('engine-audit')).toHaveCount(2);
  await diff.getByTestId('engine-paint-B').click();
  await expect(page.getByTestId('graph-legend')).toContainText('engine time B − A per ONNX node');
  await page.setViewportSize({ width: 1400, height: 1800 });
  await page.screenshot({ path: path.join(SHOTS, 'engine-diff.png'), fullPage: true });
  await diff.getByTestId('engine-diff-groups').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'engine-diff-groups.png') });
  await diff.getByTestId('engine-audit').last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'engine-diff-audits.png') });
});

test('layer files alone (no profile): layer counts by type, no zero times, precision changes count as changes', async ({
  page,
}) => {
  const src = await analyzeModel(CLS);
  const nodes = src.ir.nodes.slice(0, src.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
  const layersOnly = (prefix: string, f: TrtexecFiles) => asFiles(prefix, f).slice(0, 1);
  await page.goto(`/?token=${E2E_TOKEN}`);
  await drop(page, 'cls.onnx', fs.readFileSync(CLS));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Engine' }).click();
  const panel = page.getByTestId('engine-panel');
  await page.getByTestId('engine-files').setInputFiles(layersOnly('fp32', trtexecBuild(nodes, { precision: 'fp32' })));
  // An FP32 build with TensorRT's defaults ran its convolutions in TF32: the audit says so.
  await expect(panel.getByTestId('engine-audit')).toContainText('an FP32 build');
  await expect(panel.getByTestId('engine-audit-items').locator('tbody tr').first()).toHaveAttribute(
    'data-kind',
    'tf32-in-fp32-engine',
  );
  await page.getByRole('button', { name: 'Compare with another engine…' }).click();
  await page
    .getByTestId('engine-compare-files')
    .setInputFiles(layersOnly('fp16', trtexecBuild(nodes, { precision: 'fp16' })));
  const diff = panel.getByTestId('engine-diff');
  await expect(diff).toBeVisible({ timeout: 20_000 });
  await expect(diff.getByTestId('engine-type-chart')).toContainText('Layers by type (no profile imported');
  await expect(diff.getByTestId('engine-group-chart-empty')).toBeVisible();
  await expect(diff.getByTestId('engine-paint-B')).toBeDisabled();
  const rows = diff.getByTestId('engine-diff-groups').locator('tbody tr');
  const all = await rows.count();
  await diff.getByLabel('changed only').check();
  // Every group here changed precision (FP32/TF32 against FP16), so none is hidden as unchanged.
  await expect(rows).toHaveCount(all);
  await page.setViewportSize({ width: 1400, height: 1400 });
  await page.screenshot({ path: path.join(SHOTS, 'engine-diff-no-profile.png'), fullPage: true });
});
