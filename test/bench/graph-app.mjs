/* global document, window */
/**
 * The graph benchmark's second half: opening a real .onnx file in the app, as a user does, in
 * browser mode (`serve` from dist/, Debian Chromium), from the moment the file is chosen until the
 * graph is interactive (its first frame drawn), split by stage. The page marks its stages
 * (renderer/src/state/open-marks.ts) and the server's processes, started with KILN_TRACE=1, write
 * theirs to stderr (electron/platform/trace.ts); both are epoch milliseconds, so the split spans
 * the browser, the server and the engine host.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const MARK = 'kiln:open:';

/** Builds the node side (with the model builders) and the renderer, unless told not to. */
export function buildApp(root, { build = true } = {}) {
  if (!build) return;
  const t = performance.now();
  const run = (args) =>
    execFileSync(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    });
  run([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'test/bench/tsconfig.json']);
  run([
    path.join(root, 'node_modules/vite/bin/vite.js'),
    'build',
    '--config',
    'renderer/vite.config.ts',
    '--logLevel',
    'warn',
  ]);
  console.log(`app built (node + renderer) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** The generated transformer of `layers` blocks (50 nodes each) as an .onnx file. */
export function transformerFile(root, layers) {
  const require = createRequire(import.meta.url);
  const { transformer } = require(path.join(root, 'dist/test/builders/transformer.js'));
  const { encodeModel } = require(path.join(root, 'dist/electron/core/onnx/encode.js'));
  const dir = path.join(root, 'test/.tmp/graph-bench-models');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `transformer-${layers}.onnx`);
  fs.writeFileSync(file, encodeModel(transformer(layers)));
  return file;
}

/** `serve` on a free port with tracing on; resolves with its URL and the trace events it writes. */
export async function startServe(root) {
  const token = 'graph-bench-token-0123456789';
  const child = spawn(
    process.execPath,
    [path.join(root, 'dist/electron/serve/main.js'), '--port', '0', '--token', token],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KILN_TRACE: '1' } },
  );
  const events = [];
  let tail = '';
  child.stderr.on('data', (chunk) => {
    tail += String(chunk);
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{"kilnTrace"')) events.push(JSON.parse(line));
      else if (line.trim()) process.stderr.write(`  serve: ${line}\n`);
    }
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      const m = /running at (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code} before it listened`)));
  });
  return {
    url,
    events,
    async stop() {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/**
 * One open of `file` in a fresh page: chosen -> ready, with each stage's milliseconds. Stages that
 * the pipeline does not have (or that overlap) are left out of the sum; `other` is what no stage
 * covers (React, messages waiting their turn).
 */
export async function openOnce(browser, serve, file, viewport, { summary = true, uploadMbit } = {}) {
  const page = await browser.newPage({ viewport });
  if (uploadMbit) {
    // A remote server's link: Chromium sends request bodies at this rate (DevTools' throttling).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: (uploadMbit * 1e6) / 8,
    });
  }
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(serve.url);
  await page.getByText('Drop an ONNX model here').waitFor();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=statusbar]')?.textContent?.includes('connected'),
  );
  const from = serve.events.length;
  await page.getByTestId('file-input').setInputFiles(file);
  await page.waitForSelector('[data-testid="graph-view"][data-state="ready"]', { timeout: 300_000 });
  // The summary comes after the graph: wait for it, so this open's host work (the full decode,
  // shapes) is done before the next open starts and its events are this open's.
  if (summary)
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, `${MARK}summary`, {
      timeout: 300_000,
      polling: 50,
    });
  const marks = Object.fromEntries(
    await page.evaluate(
      (prefix) =>
        performance
          .getEntriesByType('mark')
          .filter((m) => m.name.startsWith(prefix))
          .map((m) => [m.name.slice(prefix.length), performance.timeOrigin + m.startTime]),
      MARK,
    ),
  );
  const visible = Number(await page.getByTestId('graph-view').getAttribute('data-visible-nodes'));
  // whether the worker's layout made ahead of the view was used (older builds lack the field)
  const prepared = await page.evaluate(() => window.__kilnGraph?.lastLayoutPrepared);
  // the worker's time making the opening layout ahead (older builds lack it)
  const prepareMs = await page.evaluate(() => window.__kilnGraph?.lastPrepareMs);
  await page.close();
  // the host's events for this open (a quiet moment lets the last lines arrive)
  await new Promise((r) => setTimeout(r, 100));
  const host = serve.events.slice(from);
  return { marks, host, visible, errors, prepared, prepareMs };
}

/**
 * Stage split of one open, in milliseconds. A host stage that ended after the graph was sent (shape
 * inference and the summary, once they no longer hold the graph up) ran beside the page's work:
 * it is listed as overlapped and left out of the sum; `other` is what no stage on the path covers
 * (React, messages waiting their turn, the summary's round trip where it came first). The transfer
 * includes fetching the payload over HTTP where the server names it on the socket instead of
 * sending it; since the worker lays the graph out as soon as it arrives, beside the view model,
 * `layout in the worker` is the wait left after the view asked for it (layout-sent -> layout-done).
 * Since the page names its upload and asks for the graph as it sends the bytes, the host reads
 * and scans the file as it arrives: the first stage then runs from the file chosen to the host's
 * graph read, and the upload, the host's scan CPU, its waits for bytes and what it did after the
 * last byte are listed beside it (not summed).
 */
export function stages({ marks, host }) {
  const at = (what, job) => host.find((e) => e.kilnTrace === what && (job === undefined || e.job === job));
  const sent = at('job-sent', 'model.graph')?.at;
  // Before the graph came first, one `analyze` event held every host stage.
  const analyze = at('analyze');
  const structure = at('structure') ?? analyze;
  const analysis = at('analysis') ?? analyze;
  // Since the main graph is read straight from the bytes, the full decode and IR come after it.
  const fromBytes = at('graph-from-bytes');
  // Since the page names its upload and asks for the graph at once, the host reads it as it arrives.
  const arriving = at('graph-while-arriving');
  const payload = at('graph-payload');
  const encoded = at('graph-encoded');
  const span = (a, b) => (a !== undefined && b !== undefined ? b - a : undefined);
  const onPath = (event) => event !== undefined && sent !== undefined && event.at <= sent;
  const out = arriving
    ? {
        'upload, graph read as it arrives (to the graph read)': span(marks.chosen, arriving.at),
        '  (beside) upload, file chosen -> all bytes sent': span(marks.chosen, marks.uploaded),
        '  (beside) host: scan while the bytes arrive, CPU': arriving.scan,
        '  (beside) host: waiting for bytes': arriving.waited,
        '  (beside) host: after the last byte (scan end, payload build)': arriving.after,
      }
    : { upload: span(marks.chosen, marks.uploaded) };
  Object.assign(out, {
    'host: read (graph from the bytes)': fromBytes?.read,
    'host: scan + payload build (graph from the bytes)': fromBytes?.ms,
    [onPath(structure) ? 'host: read + decode' : 'host: read + decode (after the graph)']: structure?.read,
    [onPath(structure) ? 'host: IR' : 'host: IR (after the graph)']: structure?.ir,
    [onPath(analysis) ? 'host: shapes + costs' : 'host: shapes + costs (overlapped)']: analysis?.shapes,
    [onPath(analysis) ? 'host: summary' : 'host: summary (overlapped)']: analysis?.summary,
    'host: payload build': payload?.ms,
    'host: payload encode': encoded?.ms,
    'host: result serialised': span(at('job-done', 'model.graph')?.at, sent),
    'transfer (host -> page, decoded)': span(sent, marks.graph),
    'view model': span(marks.graph, marks.model),
    'layout in the worker': span(marks['layout-sent'], marks['layout-done']),
    'first paint': span(marks['layout-done'], marks.ready),
  });
  const total = span(marks.chosen, marks.ready);
  const summary = span(marks.chosen, marks.summary);
  const counted = Object.entries(out).reduce(
    (s, [k, v]) =>
      s + (k.includes('overlapped') || k.includes('after the graph') || k.includes('(beside)') ? 0 : (v ?? 0)),
    0,
  );
  return { ...out, other: total !== undefined ? total - counted : undefined, total, summary };
}

/** Opens each size `runs` times in a fresh page; reports the median of each stage and the total. */
export async function appRuns(browser, root, report, { sizes, runs, viewport, goals, uploadMbit }) {
  const serve = await startServe(root);
  try {
    for (const { layers, label, goal } of sizes) {
      const file = transformerFile(root, layers);
      const mb = fs.statSync(file).size / 2 ** 20;
      const all = [];
      for (let i = 0; i < runs; i++) {
        const one = await openOnce(browser, serve, file, viewport, { uploadMbit });
        if (one.errors.length) console.log(`  page errors: ${one.errors.join(' | ')}`);
        all.push({ ...stages(one), visible: one.visible, prepared: one.prepared });
      }
      const median = (key) => {
        const xs = all
          .map((a) => a[key])
          .filter((v) => v !== undefined)
          .sort((a, b) => a - b);
        return xs.length ? xs[Math.floor(xs.length / 2)] : undefined;
      };
      report(
        `${label}: app, file chosen -> graph interactive${uploadMbit ? ` (upload at ${uploadMbit} Mbit/s)` : ''}`,
        median('total'),
        'ms',
        goal ?? goals,
        `${mb.toFixed(1)} MB upload, median of ${runs}: ${all.map((a) => a.total.toFixed(0)).join(' / ')} ms, ${all[0].visible} boxes on screen` +
          (all[0].prepared === undefined
            ? ''
            : `, layout made ahead in ${all.filter((a) => a.prepared).length} of ${runs}`),
      );
      for (const key of Object.keys(all[0])) {
        if (key === 'total' || key === 'visible' || key === 'summary' || key === 'prepared') continue;
        const v = median(key);
        if (v !== undefined) console.log(`    ${key.padEnd(54)} ${v.toFixed(0).padStart(9)} ms`);
      }
      const summary = median('summary');
      if (summary !== undefined)
        console.log(
          `  ${`${label}: file chosen -> summary shown (no goal)`.padEnd(56)} ${summary.toFixed(0).padStart(9)} ms`,
        );
    }
  } finally {
    await serve.stop();
  }
}
