#!/usr/bin/env node
/**
 * `npm run soak [-- --minutes N --clients N]`: browser mode under a bounded mix of clients (issue 20).
 * Not part of `npm test`: it takes minutes and the machine's cores. Build first (`npx tsc -p
 * tsconfig.json`, or `npm run build`); `npx tsc -p test/bench/tsconfig.json` also compiles the test
 * builders, which make the 12.5k-node model whose graph (megabytes) the graph-big op fetches over
 * HTTP as the page does. Clients read replies as the page does (renderer/src/api/transport.ts).
 *
 * Starts `node dist/electron/serve/main.js` on 127.0.0.1 with a token, in a folder of its own (its
 * own TMPDIR, build cache, variants and exports, so whatever it leaves is its own), with the fake
 * TensorRT plugin when it is built. A warm-up runs each kind of job once; at rest, a first snapshot
 * is taken (descriptors and memory of the server and its engine hosts, kiln-* temp folders). Then
 * N clients (test/soak/clients.mjs) run their mix until the time is up or the request budget is
 * spent; every call must be answered. After a short idle a second snapshot is compared with the
 * first, the server is stopped, and nothing of it may be left in its TMPDIR.
 *
 * Prints a summary table (and writes it as JSON with --json FILE); exits 1 on a crash (the server
 * or an engine host), an unanswered call, an unexpected outcome, a leaked descriptor or temp folder,
 * or memory that did not come back near its baseline; 2 on wrong usage.
 *
 * Options: --minutes N (10), --clients N (50), --seed N (1), --max-requests N (200000),
 * --call-timeout-s N (180), --idle-s N (15), --keep (leave the soak folder).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bigModel, MIX, readModel, runClient, Tally } from './clients.mjs';
import { heapsAfterGc, snapshot } from './process-stats.mjs';
import { printSummary, verdicts } from './summary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVE = path.join(root, 'dist/electron/serve/main.js');
const MODEL = path.join(root, 'assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const FAKE_PLUGIN = path.join(root, 'native/build/Release/libkiln_trt_fake.so');

function options() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      clients: { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      'max-requests': { type: 'string', default: '200000' },
      'call-timeout-s': { type: 'string', default: '180' },
      'idle-s': { type: 'string', default: '15' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const num = (name, min, max) => {
    const v = Number(values[name]);
    if (!(v >= min && v <= max)) {
      console.error(`--${name} must be a number from ${min} to ${max}, not "${values[name]}"`);
      process.exit(2);
    }
    return v;
  };
  return {
    minutes: num('minutes', 0.05, 240),
    clients: Math.round(num('clients', 1, 500)),
    seed: Math.round(num('seed', 0, 2 ** 31)),
    maxRequests: Math.round(num('max-requests', 1, 10_000_000)),
    callTimeoutMs: num('call-timeout-s', 1, 3600) * 1000,
    idleMs: num('idle-s', 1, 600) * 1000,
    json: values.json,
    keep: values.keep,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts serve in `dir`; resolves once it printed its URL. */
function startServe(dir, token, trt) {
  const env = {
    ...process.env,
    TMPDIR: path.join(dir, 'tmp'),
    KILN_CACHE_DIR: path.join(dir, 'cache'),
    KILN_VARIANTS_DIR: path.join(dir, 'variants'),
    KILN_EXPORT_DIR: path.join(dir, 'exports'),
  };
  if (trt) env.KILN_TRT_PLUGIN = FAKE_PLUGIN;
  else delete env.KILN_TRT_PLUGIN;
  // An inspector in the server and in each engine host (NODE_OPTIONS reaches the forked hosts;
  // loopback, a free port each) lets the soak collect garbage before it reads their heaps.
  env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--inspect=127.0.0.1:0'].filter(Boolean).join(' ');
  const args = [SERVE, '--host', '127.0.0.1', '--port', '0', '--token', token, '--max-upload-mb', '64'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { lines: [], exit: null, inspectors: [] };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    for (const line of d.split('\n').filter(Boolean)) {
      const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(line);
      if (m) log.inspectors.push(m[1]);
      else if (!/^For help, see: |^Debugger (attached|ending)/.test(line)) log.lines.push(line);
    }
  });
  child.on('exit', (code, signal) => (log.exit = { code, signal, at: Date.now() }));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Kiln is running at (http:\/\/127\.0\.0\.1:(\d+))\//.exec(out);
      if (m) resolve({ child, log, origin: m[1], port: Number(m[2]), token });
    });
    child.on('exit', () => reject(new Error(`serve exited before it started:\n${log.lines.join('\n')}`)));
    setTimeout(() => reject(new Error('serve did not start within 30 s')), 30_000);
  });
}

/** Each kind of job once, so what loads lazily (onnxruntime, the plugin, caches) is there for the baseline. */
async function warmUp(server, model, big, trt) {
  const tally = new Tally();
  await runClient({
    server,
    model,
    bigModel: big,
    tally,
    trt,
    seed: 999,
    index: 'warm',
    deadline: Date.now() + 120_000,
    budget: { left: 1000 },
    script: Object.keys(MIX).filter((op) => op !== 'reconnect'),
    timeoutMs: 120_000,
  });
  return tally;
}

async function main() {
  const opt = options();
  if (!fs.existsSync(SERVE)) {
    console.error(`${path.relative(process.cwd(), SERVE)} is missing: build first (npx tsc -p tsconfig.json)`);
    process.exit(2);
  }
  const trt = fs.existsSync(FAKE_PLUGIN);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-soak-'));
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  const model = readModel(MODEL);
  const big = await bigModel();
  const server = await startServe(dir, randomBytes(18).toString('base64url'), trt);
  const pid = server.child.pid;
  console.log(
    `soak: serve pid ${pid} at ${server.origin}; ${opt.clients} clients for ${opt.minutes} min (seed ${opt.seed})`,
  );
  console.log(
    `soak: its folder ${dir}${trt ? '' : ' (no fake TensorRT plugin: TensorRT profiles become ONNX Runtime ones)'}`,
  );

  if (!big)
    console.log(
      'soak: no big model (npx tsc -p test/bench/tsconfig.json builds it): graph-big asks for the small graph',
    );
  const warm = await warmUp(server, model, big, trt);
  console.log(`soak: warmed up (${warm.jobsAnswered} calls answered, ${warm.unexpected} unexpected outcomes)`);
  await sleep(opt.idleMs);
  const before = withHeaps(snapshot(pid, tmp), await heapsAfterGc(server.log.inspectors));

  const tally = new Tally();
  const peak = { serverFds: 0, serverRss: 0, hostFds: 0, hostRss: 0, hosts: new Set() };
  const series = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    const s = snapshot(pid, tmp);
    series.push({
      s: Math.round((s.at - started) / 1000),
      serverFds: s.server.fds,
      serverRss: s.server.rss,
      hostFds: s.hostFds,
      hostRss: s.hostRss,
      requests: tally.requests,
    });
    peak.serverFds = Math.max(peak.serverFds, s.server.fds ?? 0);
    peak.serverRss = Math.max(peak.serverRss, s.server.rss ?? 0);
    peak.hostFds = Math.max(peak.hostFds, s.hostFds);
    peak.hostRss = Math.max(peak.hostRss, s.hostRss);
    for (const h of s.hosts) peak.hosts.add(h.pid);
  }, 5_000);
  const deadline = started + opt.minutes * 60_000;
  const budget = { left: opt.maxRequests };
  const clients = Array.from({ length: opt.clients }, (_, i) =>
    runClient({
      server,
      model,
      bigModel: big,
      tally,
      trt,
      seed: opt.seed * 100_003 + i,
      index: i,
      deadline,
      budget,
      timeoutMs: opt.callTimeoutMs,
    }).catch((err) => tally.record('client', 'died', false, err instanceof Error ? err.message : String(err))),
  );
  await Promise.all(clients);
  const ranMs = Date.now() - started;
  clearInterval(sampler);

  await sleep(opt.idleMs);
  const after = withHeaps(snapshot(pid, tmp), await heapsAfterGc(server.log.inspectors));
  const crashed = server.log.exit;
  server.child.kill('SIGTERM');
  const stopped = await Promise.race([
    new Promise((r) => server.child.once('exit', (code, signal) => r({ code, signal }))),
    sleep(15_000).then(() => null),
  ]).then((r) => r ?? server.log.exit);
  await sleep(500);
  const leftAfterStop = fs.readdirSync(tmp).filter((n) => n.startsWith('kiln-'));

  const result = {
    command: `npm run soak -- --minutes ${opt.minutes} --clients ${opt.clients} --seed ${opt.seed}`,
    clients: opt.clients,
    minutes: opt.minutes,
    ranMs,
    tally,
    warm,
    before,
    after,
    peak: { ...peak, hosts: [...peak.hosts] },
    series,
    crashed,
    stopped,
    leftAfterStop,
    serverLog: server.log.lines,
  };
  const verdict = verdicts(result);
  printSummary(result, verdict);
  if (opt.json)
    fs.writeFileSync(
      opt.json,
      `${JSON.stringify({ ...result, tally: summaryOf(tally), warm: summaryOf(warm), verdict }, null, 2)}\n`,
    );
  if (!opt.keep) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(verdict.every((v) => v.ok) ? 0 : 1);
}

/** A snapshot with the heap after GC of the server (`heap`) and of its engine hosts together (`hostHeap`). */
function withHeaps(snap, heaps) {
  const heap = heaps.get(snap.server.pid) ?? null;
  const hosts = snap.hosts.map((h) => heaps.get(h.pid));
  const hostHeap = hosts.every(Boolean) ? hosts.reduce((s, h) => s + h.heapUsed, 0) : null;
  return { ...snap, heap, hostHeap };
}

/** The tally as plain JSON. */
function summaryOf(t) {
  return {
    requests: t.requests,
    jobsAnswered: t.jobsAnswered,
    abandoned: t.abandoned,
    unanswered: t.unanswered,
    kinds: Object.fromEntries(t.kinds),
    samples: t.samples,
    latency: Object.fromEntries(t.latency),
  };
}

main().catch((err) => {
  console.error(`soak: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
