// Opening a big model in browser mode (issue 21, item 12): the graph comes first, as bytes, and is
// drawn before shapes and the summary are worked out; the summary panel says it is on its way.
// The speed itself is measured by `npm run bench:graph`; these tests hold the order that makes it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';
import { encodeModel } from '../../electron/core/onnx/encode';
import { transformer } from '../builders/transformer';

const SHOTS = path.resolve(__dirname, '../../test-results');
// 250 blocks of 50 nodes: big enough that the order of the stages shows.
const MODEL = path.join(os.tmpdir(), `kiln-e2e-transformer-250-${process.pid}.onnx`);

test.beforeAll(() => {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.writeFileSync(MODEL, encodeModel(transformer(250)));
});
test.afterAll(() => fs.rmSync(MODEL, { force: true }));

test('the graph comes as bytes fetched over HTTP and is drawn before the summary is asked for', async ({ page }) => {
  const frames: { binary: boolean; bytes: number }[] = [];
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) =>
      frames.push({ binary: typeof f.payload !== 'string', bytes: Buffer.byteLength(f.payload) }),
    ),
  );
  const fetched: Promise<number>[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api-bytes/')) fetched.push(r.body().then((b) => b.byteLength));
  });
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  await page.getByTestId('file-input').setInputFiles(MODEL);
  await expect(page.getByTestId('graph-view')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('node-count')).toHaveText('12,500', { timeout: 60_000 });
  const marks = await page.evaluate(() =>
    performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('kiln:open:'))
      .map((m) => m.name.slice('kiln:open:'.length)),
  );
  // The upload's last byte is in before the graph can be read to its end, and its reply comes when
  // it is; the graph, read while the bytes arrived, may reach the page first.
  expect(marks.filter((m) => m !== 'uploaded')).toEqual([
    'chosen',
    'graph',
    'model',
    'layout-sent',
    'layout-done',
    'ready',
    'summary',
  ]);
  expect(marks.indexOf('uploaded')).toBeGreaterThan(0);
  expect(marks.indexOf('uploaded')).toBeLessThan(marks.indexOf('summary'));
  // The layout worker laid the graph out as the payload arrived, and the view used that layout.
  const prepared = await page.evaluate(
    () => (window as unknown as { __kilnGraph?: { lastLayoutPrepared?: boolean } }).__kilnGraph?.lastLayoutPrepared,
  );
  expect(prepared).toBe(true);
  // The payload (megabytes) is one HTTP response (Chromium takes it far faster than a WebSocket
  // message); everything on the socket is small.
  const sizes = await Promise.all(fetched);
  expect(sizes.length).toBe(1);
  expect(sizes[0]).toBeGreaterThan(1_000_000);
  expect(Math.max(...frames.map((f) => f.bytes))).toBeLessThan(200_000);
});

test('the graph is asked for while the bytes are still on their way (the page names its upload)', async ({ page }) => {
  const events: { what: string; at: number }[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"model.graph"'))
        events.push({ what: 'graph asked', at: Date.now() });
    }),
  );
  const uploads: { path: string; id: string | null }[] = [];
  page.on('request', (r) => {
    const { pathname } = new URL(r.url());
    if (pathname.startsWith('/upload')) uploads.push({ path: pathname, id: r.headers()['x-kiln-upload-id'] ?? null });
  });
  page.on('requestfinished', (r) => {
    if (new URL(r.url()).pathname === '/upload') events.push({ what: 'bytes sent', at: Date.now() });
  });
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  await page.getByTestId('file-input').setInputFiles(MODEL);
  await expect(page.getByTestId('graph-view')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('node-count')).toHaveText('12,500', { timeout: 60_000 });
  await expect(page.getByTestId('summary-weights')).toBeVisible({ timeout: 60_000 });
  // one request, named by the page, whose graph was asked for before its bytes were all sent
  expect(uploads.map((u) => u.path)).toEqual(['/upload']);
  expect(uploads[0]!.id).toMatch(/^[0-9a-f]{32}$/);
  expect(events.map((e) => e.what)).toEqual(['graph asked', 'bytes sent']);
});

test('the connection drops while the bytes are on their way: once they are in, the graph is asked again and the model opens', async ({
  page,
}) => {
  let dropped = false;
  const graphCalls: number[] = [];
  await page.routeWebSocket(/\/api/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = typeof message === 'string' ? (JSON.parse(message) as { method?: string }) : {};
      if (call.method === 'model.graph') graphCalls.push(Date.now());
      if (call.method === 'model.graph' && !dropped) {
        // the link goes as the graph is asked for (a proxy's idle timeout, a network blip)
        dropped = true;
        void ws.close();
        return;
      }
      server.send(message);
    });
  });
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  await page.getByTestId('file-input').setInputFiles(MODEL);
  await expect(page.getByTestId('node-count')).toHaveText('12,500', { timeout: 60_000 });
  await expect(page.getByTestId('summary-weights')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('graph-view')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(graphCalls).toHaveLength(2);
});

test('while the summary is on its way, the graph is there and the summary panel says so', async ({ page }) => {
  let hold = false;
  let held: string | null = null;
  let release: () => void = () => {};
  await page.routeWebSocket(/\/api/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = typeof message === 'string' ? (JSON.parse(message) as { method?: string }) : {};
      if (hold && call.method === 'model.open') {
        held = message as string;
        release = () => server.send(message);
        return;
      }
      server.send(message);
    });
  });
  await page.goto(`/?token=${E2E_TOKEN}`);
  await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
  // A model with a tab open in the dock; then the big one, whose summary is held back.
  await page.getByRole('button', { name: 'Open sample model' }).click();
  await expect(page.getByTestId('node-count')).toHaveText('471');
  await page.getByRole('tab', { name: 'TensorRT readiness' }).click();
  await expect(page.getByTestId('compat-verdict')).toHaveText('All 471 nodes supported');
  hold = true;
  await page.getByTestId('file-input').setInputFiles(MODEL);
  await expect(page.getByTestId('graph-view')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect.poll(() => held !== null).toBe(true);
  await expect(page.locator('.leftpanel').getByTestId('summary-pending')).toHaveText('Reading the model…');
  // The open tab stays open and says what it waits for.
  await expect(page.getByRole('tab', { name: 'TensorRT readiness' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.dock-body:not([hidden])').getByTestId('summary-pending')).toBeVisible();
  await expect(page.getByTestId('model-name')).toHaveText(path.basename(MODEL));
  await expect(page.getByTestId('graph-view')).toContainText('12,500 nodes');
  await page.screenshot({ path: path.join(SHOTS, 'open-big-summary-pending.png') });
  release();
  await expect(page.getByTestId('node-count')).toHaveText('12,500', { timeout: 60_000 });
  await expect(page.getByTestId('summary-pending')).toHaveCount(0);
  await expect(page.getByTestId('compat-verdict')).toHaveText('All 12500 nodes supported', { timeout: 60_000 });
  await page.screenshot({ path: path.join(SHOTS, 'open-big-summary.png') });
});

for (const reach of [true, false])
  test(`an upload that fails on its way (its bytes ${reach ? 'reach the server' : 'never reach it'}): the open stops at once with its error, the model before stays, the next open works`, async ({
    page,
  }) => {
    // Either the bytes reach the server (its host reads the graph from them, the page draws it)
    // and the page then hears the upload failed, or they never leave the page (the host waits for
    // them until the page stops it).
    if (reach)
      await page.addInitScript(() => {
        const w = window as unknown as { __breakUploadReply?: boolean };
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
          this.addEventListener('loadstart', () => {
            if (!w.__breakUploadReply || !this.onload) return;
            const onerror = this.onerror;
            this.onload = () => {
              const drawn = () =>
                document.querySelector('[data-testid=graph-view]')?.textContent?.includes('12,500 nodes');
              const fail = () => (drawn() ? onerror?.call(this, new ProgressEvent('error')) : setTimeout(fail, 20));
              fail();
            };
          });
          return send.call(this, body);
        };
      });
    await page.goto(`/?token=${E2E_TOKEN}`);
    await expect(page.getByText('Drop an ONNX model here')).toBeVisible();
    await page.getByRole('button', { name: 'Open sample model' }).click();
    await expect(page.getByTestId('node-count')).toHaveText('471');
    let broken = true;
    if (reach)
      await page.evaluate(() => ((window as unknown as { __breakUploadReply?: boolean }).__breakUploadReply = true));
    else await page.route('**/upload', (route) => (broken ? route.abort('connectionreset') : route.continue()));
    const started = Date.now();
    await page.getByTestId('file-input').setInputFiles(MODEL);
    await expect(page.getByRole('alert')).toContainText(path.basename(MODEL), { timeout: 30_000 });
    await expect(page.getByRole('alert')).toContainText('cannot be reached');
    // not after the server gives up on bytes that never come (a minute)
    expect(Date.now() - started).toBeLessThan(20_000);
    // the sample is still the open model, whole: graph and summary
    await expect(page.getByTestId('model-name')).toHaveText('ch_ppocr_mobile_v2.0_cls_infer.onnx');
    await expect(page.getByTestId('node-count')).toHaveText('471');
    await expect(page.getByTestId('graph-view')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('graph-view')).not.toContainText('12,500 nodes');
    await page.screenshot({ path: path.join(SHOTS, `open-big-upload-failed-${reach ? 'reached' : 'lost'}.png`) });
    broken = false;
    await page.evaluate(() => ((window as unknown as { __breakUploadReply?: boolean }).__breakUploadReply = false));
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByTestId('file-input').setInputFiles(MODEL);
    await expect(page.getByTestId('node-count')).toHaveText('12,500', { timeout: 60_000 });
  });
