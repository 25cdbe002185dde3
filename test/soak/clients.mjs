/**
 * The soak's clients: each holds a WebSocket session to the server and, until the deadline or the
 * request budget, runs a seeded mix of what users and hostile clients do — uploads, opens, graphs,
 * profiles, variants, compares, cancels, disconnects mid-job, malformed frames and messages, bad
 * uploads and hostile URLs — one at a time with a pause between. Every call waits for its answer
 * (up to a time limit); every outcome is tallied by kind, and marked expected or not.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import WebSocket from 'ws';
import { BROWSER_MODE } from '../../dist/electron/shared/api/bridge.js';
import { BYTE_REPLY_MIN_BYTES, byteReplyRef, readServerFrame } from '../../dist/electron/shared/api/frames.js';
import { BAD_UPLOADS, HOSTILE_TARGETS, MALFORMED_FRAMES, malformedFrame } from './hostile.mjs';

/** A small seeded generator (mulberry32), so a run's mix can be repeated. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Outcomes by kind (`op: result`), with the unexpected ones kept as samples, and the calls never answered. */
export class Tally {
  kinds = new Map();
  samples = [];
  unanswered = [];
  abandoned = 0;
  requests = 0;
  jobsAnswered = 0;
  latency = new Map();

  record(op, result, expected, detail = '') {
    const key = `${op}: ${result}`;
    const k = this.kinds.get(key) ?? { count: 0, expected };
    k.count++;
    this.kinds.set(key, k);
    if (!expected && this.samples.length < 40) this.samples.push(`${key}${detail ? ` — ${detail}` : ''}`);
  }

  time(op, ms) {
    const l = this.latency.get(op) ?? { count: 0, total: 0, max: 0 };
    l.count++;
    l.total += ms;
    l.max = Math.max(l.max, ms);
    this.latency.set(op, l);
  }

  get unexpected() {
    let n = 0;
    for (const k of this.kinds.values()) if (!k.expected) n += k.count;
    return n;
  }
}

/** One WebSocket session: calls by id, each answered by exactly one result or counted as unanswered. */
class Session {
  pending = new Map();
  closedByUs = false;

  constructor(server, tally, name) {
    this.server = server;
    this.tally = tally;
    this.name = name;
    this.next = 0;
  }

  open() {
    const ws = new WebSocket(`ws://127.0.0.1:${this.server.port}/api?token=${encodeURIComponent(this.server.token)}`);
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      // As the page reads them (renderer/src/api/transport.ts): JSON text, a binary frame whose value
      // is bytes, or a result naming bytes of a megabyte or more to fetch over HTTP.
      const m = readServerFrame(isBinary ? data : data.toString());
      if (!m || typeof m !== 'object') return this.tally.record('protocol', 'reply-not-readable', false);
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') return;
      this.pending.delete(m.id);
      const big = byteReplyRef(m);
      if (!big) return this.answer(p, m);
      // Still counted as in flight (its timer runs) until the bytes are here.
      void this.fetchBytes(big.ref).then((value) =>
        this.answer(p, value instanceof Uint8Array ? { ...m, value } : { ...m, ok: false, error: value }),
      );
    });
    ws.on('close', () => {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        if (this.closedByUs) this.tally.abandoned++;
        else this.tally.unanswered.push(`${this.name} ${p.method} (${id}): the connection closed unasked`);
        p.resolve({ ok: false, code: this.closedByUs ? 'ABANDONED' : 'CONNECTION_LOST' });
      }
      this.pending.clear();
    });
    return new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }).then(() => ws.on('error', () => {}));
  }

  /** Settles a pending call with its result message. */
  answer(p, m) {
    clearTimeout(p.timer);
    this.tally.jobsAnswered++;
    p.resolve(m.ok ? { ok: true, value: m.value } : { ok: false, code: m.error?.code, message: m.error?.message });
  }

  /** The bytes a ByteReplyRef names, fetched once with the token (electron/serve/byte-replies.ts), or an error. */
  async fetchBytes(ref) {
    const t = performance.now();
    const failed = (why) => {
      this.tally.record('byte-reply', 'fetch-failed', false, why);
      return { code: 'BYTE_REPLY_FAILED', message: `a reply of ${ref.bytes} bytes could not be fetched: ${why}` };
    };
    try {
      this.tally.requests++;
      const res = await fetch(`${this.server.origin}${BROWSER_MODE.byteReplyPath}/${ref.kilnByteReply}`, {
        headers: { [BROWSER_MODE.tokenHeader]: this.server.token },
      });
      if (!res.ok) return failed(`HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength !== ref.bytes) return failed(`${bytes.byteLength} bytes came, ${ref.bytes} named`);
      this.tally.time('byte-reply', performance.now() - t);
      this.tally.record('byte-reply', 'fetched', true);
      return bytes;
    } catch (err) {
      return failed(err instanceof Error ? err.message : String(err));
    }
  }

  /** Sends a call (or, with `raw`, any text under that id) and resolves with its result. */
  call(method, params, { timeoutMs, id = `${this.name}-${this.next++}`, raw } = {}) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.tally.unanswered.push(`${this.name} ${method} (${id}): no answer in ${timeoutMs / 1000} s`);
        resolve({ ok: false, code: 'NO_ANSWER' });
      }, timeoutMs);
      this.pending.set(id, { method, resolve, timer });
      this.tally.requests++;
      this.ws.send(raw ?? JSON.stringify({ type: 'call', id, method, params }));
    });
  }

  cancel(id) {
    this.ws.send(JSON.stringify({ type: 'cancel', id }));
  }

  close() {
    this.closedByUs = true;
    this.ws?.close();
    return new Promise((resolve) => {
      if (!this.ws || this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', resolve);
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 5_000);
    });
  }
}

/** A graph result must be the payload's bytes (at least `min` of them); anything else is a wrong answer. */
function graphBytes(r, min = 1) {
  if (!r.ok || (r.value instanceof Uint8Array && r.value.byteLength >= min)) return r;
  const got = r.value instanceof Uint8Array ? `${r.value.byteLength} bytes` : typeof r.value;
  return { ok: false, code: 'WRONG_REPLY', message: `a graph came as ${got}, not ${min}+ bytes` };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SHAPES = { x: [1, 3, 48, 192] };
const ORT = { backend: 'onnxruntime', optimizationLevel: 'basic' };
const QUICK = { warmupMs: 0, iterations: 10, shapes: SHAPES, seed: 1, layerRuns: 1, intraOpThreads: 1 };
const LONG = { warmupMs: 0, durationS: 3, shapes: SHAPES, seed: 1, layerRuns: 1, intraOpThreads: 1 };
const FP16 = { precision: 'fp16', calibrationSamples: 0 };

/** The mix: how often each operation is picked (weights). */
export const MIX = {
  open: 14,
  graph: 6,
  'graph-big': 1,
  node: 6,
  check: 4,
  probe: 2,
  profile: 10,
  'profile-trt': 4,
  variant: 3,
  compare: 6,
  cancel: 8,
  upload: 3,
  'junk-upload': 2,
  'bad-upload': 6,
  'malformed-frame': 6,
  'malformed-message': 6,
  static: 6,
  disconnect: 3,
  reconnect: 2,
  trust: 2,
};

/** One client's loop. `ctx`: { server, model, bigModel?, tally, deadline, budget: {left}, timeoutMs, trt, seed, index, script? }. */
export async function runClient(ctx) {
  const { server, tally } = ctx;
  const random = rng(ctx.seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const name = `c${ctx.index}`;
  let session = new Session(server, tally, name);
  await session.open();
  const state = { uploadId: null, variantId: null };
  const opts = { timeoutMs: ctx.timeoutMs };

  /** Records a call's result: ok, or its error code, expected when listed in `fine`. */
  const outcome = async (op, started, r, fine = []) => {
    tally.time(op, performance.now() - started);
    const result = r.ok ? 'ok' : r.code;
    if (result === 'NO_ANSWER' || result === 'CONNECTION_LOST') return tally.record(op, result, false);
    tally.record(op, result, result === 'ok' || fine.includes(result), r.ok ? '' : r.message);
    return r;
  };
  const upload = async (body, fileName) => {
    tally.requests++;
    const res = await fetch(`${server.origin}/upload`, {
      method: 'POST',
      headers: { 'x-kiln-token': server.token, 'x-kiln-filename': encodeURIComponent(fileName) },
      body,
    });
    const json = await res.json();
    return { status: res.status, uploadId: json.uploadId };
  };
  const source = () => ({ kind: 'upload', uploadId: state.uploadId });
  // An upload may have aged out of the store (least recently used first): then upload again.
  const expired = (r) => !r.ok && r.code === 'FILE_NOT_FOUND' && /expired/.test(r.message ?? '');

  const ops = {
    upload: async () => {
      const t = performance.now();
      const r = await upload(ctx.model, 'cls model.onnx');
      tally.time('upload', performance.now() - t);
      tally.record('upload', `http-${r.status}`, r.status === 200);
      if (r.uploadId) state.uploadId = r.uploadId;
    },
    'junk-upload': async () => {
      const r = await upload(randomBytes(4096), 'junk.onnx');
      tally.record('junk-upload', `http-${r.status}`, r.status === 200);
      if (!r.uploadId) return;
      const t = performance.now();
      await outcome(
        'junk-open',
        t,
        await session.call('model.open', { source: { kind: 'upload', uploadId: r.uploadId } }, opts),
        ['NOT_ONNX'],
      );
    },
    open: async () => {
      const t = performance.now();
      const r = await session.call('model.open', { source: source() }, opts);
      if (expired(r)) state.uploadId = null;
      await outcome('open', t, r, ['FILE_NOT_FOUND']);
    },
    graph: async () => {
      const t = performance.now();
      await outcome('graph', t, graphBytes(await session.call('model.graph', { source: source() }, opts)), [
        'FILE_NOT_FOUND',
      ]);
    },
    'graph-big': async () => {
      // A graph payload of megabytes: named on the socket, fetched over HTTP (fetchBytes).
      if (!ctx.bigModel) return ops.graph();
      const r = await upload(ctx.bigModel, 'big model.onnx');
      tally.record('big-upload', `http-${r.status}`, r.status === 200);
      if (!r.uploadId) return;
      const t = performance.now();
      const big = graphBytes(
        await session.call('model.graph', { source: { kind: 'upload', uploadId: r.uploadId } }, opts),
        BYTE_REPLY_MIN_BYTES,
      );
      await outcome('graph-big', t, big, ['FILE_NOT_FOUND']);
    },
    node: async () => {
      const t = performance.now();
      const node = Math.floor(random() * 200);
      await outcome('node', t, await session.call('model.node', { source: source(), node }, opts), ['FILE_NOT_FOUND']);
    },
    check: async () => {
      const t = performance.now();
      await outcome('check', t, await session.call('model.check', { source: source(), trt: pick([10, 11]) }, opts), [
        'FILE_NOT_FOUND',
      ]);
    },
    probe: async () => {
      const t = performance.now();
      await outcome('probe', t, await session.call('native.probe', {}, opts));
    },
    profile: async () => {
      const t = performance.now();
      await outcome(
        'profile',
        t,
        await session.call('model.profile', { source: source(), build: ORT, profile: QUICK }, opts),
        ['FILE_NOT_FOUND'],
      );
    },
    'profile-trt': async () => {
      if (!ctx.trt) return ops.profile();
      const t = performance.now();
      const build = { backend: 'tensorrt', trt: { fake: { steps: 2, stepMs: 5 } } };
      await outcome(
        'profile-trt',
        t,
        await session.call('model.profile', { source: source(), build, profile: QUICK }, opts),
        ['FILE_NOT_FOUND'],
      );
    },
    variant: async () => {
      const t = performance.now();
      const r = await outcome(
        'variant',
        t,
        await session.call('variant.make', { source: source(), recipe: FP16 }, opts),
        ['FILE_NOT_FOUND'],
      );
      if (r?.ok) state.variantId = r.value.id;
    },
    compare: async () => {
      if (!state.variantId) return ops.variant();
      const t = performance.now();
      const params = { source: source(), variants: [state.variantId], samples: 2, shapes: SHAPES, layerwise: false };
      await outcome('compare', t, await session.call('model.compare', params, opts), ['FILE_NOT_FOUND']);
    },
    cancel: async () => {
      const t = performance.now();
      const id = `${name}-cancel-${session.next++}`;
      const long = random() < 0.5 || !state.variantId;
      const pending = long
        ? session.call('model.profile', { source: source(), build: ORT, profile: LONG }, { ...opts, id })
        : session.call(
            'model.compare',
            { source: source(), variants: [state.variantId], samples: 200, shapes: SHAPES, layerwise: false },
            { ...opts, id },
          );
      await sleep(20 + random() * 600);
      session.cancel(id);
      await outcome(long ? 'cancel-profile' : 'cancel-compare', t, await pending, ['CANCELLED', 'FILE_NOT_FOUND']);
    },
    disconnect: async () => {
      // A second connection starts a job and goes away mid-job: the server must let it go.
      const other = new Session(server, tally, `${name}-gone`);
      await other.open();
      void other.call('model.profile', { source: source(), build: ORT, profile: LONG }, opts);
      await sleep(50 + random() * 300);
      await other.close();
      tally.record('disconnect', 'closed-mid-job', true);
    },
    reconnect: async () => {
      await session.close();
      session = new Session(server, tally, name);
      await session.open();
      tally.record('reconnect', 'ok', true);
    },
    trust: async () => {
      const t = performance.now();
      const missing = random() < 0.5;
      const engine = missing ? { kind: 'path', path: `/nonexistent/${name}.engine` } : source();
      await outcome('trust', t, await session.call('engine.trust', { engine, confirm: true }, opts), [
        'FILE_NOT_FOUND',
      ]);
    },
    'malformed-message': async () => {
      const kind = pick(['not-json', 'unknown-method', 'bad-params', 'no-confirm']);
      const id = `${name}-bad-${session.next++}`;
      const t = performance.now();
      const r =
        kind === 'not-json'
          ? await session.call('(not json)', null, {
              ...opts,
              id: '',
              raw: `{"type": "call", "id": ${JSON.stringify(id)}`,
            })
          : kind === 'unknown-method'
            ? await session.call('no.such.method', {}, { ...opts, id })
            : kind === 'bad-params'
              ? await session.call('model.open', { source: { kind: 'path' } }, { ...opts, id })
              : await session.call('engine.trust', { engine: source() }, { ...opts, id });
      const want = kind === 'unknown-method' ? 'UNKNOWN_METHOD' : 'INVALID_ARGUMENT';
      tally.time('malformed-message', performance.now() - t);
      tally.record(`malformed-message ${kind}`, r.ok ? 'ok' : r.code, !r.ok && r.code === want);
    },
    'malformed-frame': async () => {
      const kind = pick(Object.keys(MALFORMED_FRAMES));
      tally.requests++;
      const result = await malformedFrame(server.port, server.token, kind);
      tally.record(`malformed-frame ${kind}`, result, /^closed-(1002|1007|1009)$/.test(result));
    },
    'bad-upload': async () => {
      const kind = pick(Object.keys(BAD_UPLOADS));
      tally.requests++;
      const status = await BAD_UPLOADS[kind].send(server.port, server.token);
      tally.record(`bad-upload ${kind}`, `http-${status}`, status === BAD_UPLOADS[kind].want);
    },
    static: async () => {
      const target = pick([{ path: '/sample.onnx', want: 200 }, { path: '/', want: [200, 503] }, ...HOSTILE_TARGETS]);
      tally.requests++;
      const res = await fetch(`${server.origin}${target.path}`);
      await res.arrayBuffer();
      const want = [target.want].flat();
      tally.record(`static ${target.path}`, `http-${res.status}`, want.includes(res.status));
    },
  };

  const weights = Object.entries(MIX);
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const choose = () => {
    let x = random() * total;
    for (const [op, w] of weights) if ((x -= w) < 0) return op;
    return 'open';
  };

  // A script (the warm-up) runs its operations in order; otherwise the mix picks.
  const script = ctx.script ? [...ctx.script] : null;
  try {
    while (Date.now() < ctx.deadline && ctx.budget.left > 0 && (!script || script.length > 0)) {
      ctx.budget.left--;
      if (!state.uploadId) await ops.upload();
      const op = script ? script.shift() : choose();
      try {
        await ops[op]();
      } catch (err) {
        tally.record(op, 'client-error', false, err instanceof Error ? err.message : String(err));
        if (session.ws.readyState !== WebSocket.OPEN) {
          session = new Session(server, tally, name);
          await session.open();
        }
      }
      await sleep(100 + random() * 900);
    }
  } finally {
    await session.close();
  }
}

/** The model every client uploads (read once). */
export function readModel(file) {
  return fs.readFileSync(file);
}

/**
 * The model whose graph payload is megabytes (a 250-layer transformer, 12,500 nodes), for the
 * graph-big op; null when the test builders are not compiled (`npx tsc -p test/bench/tsconfig.json`).
 */
export async function bigModel() {
  const dist = new URL('../../dist/', import.meta.url);
  const builder = new URL('test/builders/transformer.js', dist);
  if (!fs.existsSync(builder)) return null;
  const { transformer } = await import(builder.href);
  const { encodeModel } = await import(new URL('electron/core/onnx/encode.js', dist).href);
  return Buffer.from(encodeModel(transformer(250)));
}
