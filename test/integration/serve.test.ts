// Browser mode over a real socket: token, origin and host checks, uploads streamed with a limit,
// and the same API calls as the desktop app.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient } from '../../electron/shared/api/client';
import type { Transport } from '../../electron/shared/api/client';
import type { ClientMessage } from '../../electron/shared/api/protocol';
import { byteReplyRef, readServerFrame } from '../../electron/shared/api/frames';
import type { RunningServer } from '../../electron/serve/server';
import { startServer } from '../../electron/serve/server';
import { encodeModel } from '../../electron/core/onnx/encode';
import { transformer } from '../builders/transformer';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ port: 0, rendererDir, maxUploadBytes: 2 * 1024 * 1024 });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

/** `token: null` sends no token at all (no `token` parameter). */
function connect(opts: { token?: string | null; origin?: string } = {}): Promise<WebSocket> {
  const token = opts.token === undefined ? server.token : opts.token;
  const url = `ws://127.0.0.1:${server.port}/api${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  const ws = new WebSocket(url, opts.origin ? { origin: opts.origin } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/**
 * Every frame as the page reads it; `frames` records whether each came as text or bytes, and
 * `fetched` for a big reply whose bytes were fetched over HTTP (as renderer/src/api/transport.ts does).
 */
function wsClient(
  ws: WebSocket,
  frames: ('text' | 'binary' | 'fetched')[] = [],
  from: RunningServer = server,
): ApiClient {
  const transport: Transport = {
    kind: 'websocket',
    send: (m: ClientMessage) => ws.send(JSON.stringify(m)),
    onMessage(listener) {
      const h = (data: WebSocket.RawData, isBinary: boolean) => {
        frames.push(isBinary ? 'binary' : 'text');
        const message = readServerFrame(isBinary ? (data as Buffer) : data.toString());
        const big = byteReplyRef(message);
        if (!big) return listener(message);
        frames.push('fetched');
        void fetch(`${from.origin}/api-bytes/${big.ref.kilnByteReply}`, { headers: { 'x-kiln-token': from.token } })
          .then((res) => res.arrayBuffer())
          .then((bytes) => listener({ ...(message as object), value: new Uint8Array(bytes) }));
      };
      ws.on('message', h);
      return () => ws.off('message', h);
    },
  };
  return new ApiClient(transport);
}

/** `token: null` sends no token header at all. */
async function upload(body: Uint8Array<ArrayBuffer>, name: string, token: string | null = server.token) {
  const res = await fetch(`${server.origin}/upload`, {
    method: 'POST',
    headers: { ...(token === null ? {} : { 'x-kiln-token': token }), 'x-kiln-filename': encodeURIComponent(name) },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('browser mode', () => {
  it('serves the page with a strict CSP', async () => {
    const res = await fetch(`${server.origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('Kiln');
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await fetch(`${server.origin}/..%2f..%2fetc%2fpasswd`);
    expect(res.status).toBe(404);
  });

  it('refuses a WebSocket with no token, an empty or a wrong one, or from another origin', async () => {
    await expect(connect({ token: null })).rejects.toThrow('403');
    await expect(connect({ token: '' })).rejects.toThrow('403');
    await expect(connect({ token: 'wrong-token' })).rejects.toThrow('403');
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('403');
    const ok = await connect({ origin: server.origin });
    ok.close();
  });

  it('refuses a request for a foreign Host (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      http.get(
        { host: '127.0.0.1', port: server.port, path: '/', headers: { host: `evil.example:${server.port}` } },
        (res) => resolve(res.statusCode ?? 0),
      );
    });
    expect(status).toBe(421);
  });

  it('uploads a model and opens it over the WebSocket', async () => {
    const up = await upload(fs.readFileSync(CLS), 'orientation classifier.onnx');
    expect(up.status).toBe(200);
    expect(up.body.fileName).toBe('orientation classifier.onnx');
    const ws = await connect();
    const client = wsClient(ws);
    const info = await client.call('app.info', {});
    expect(info.transport).toBe('websocket');
    const summary = await client.call('model.open', { source: { kind: 'upload', uploadId: String(up.body.uploadId) } });
    expect(summary.fileName).toBe('orientation classifier.onnx');
    expect(summary.nodes).toBe(471);
    expect(summary.inputs[0]?.name).toBe('x');
    ws.close();
  });

  it('sends the graph as bytes in one binary frame, which the client reads back as the payload', async () => {
    const up = await upload(fs.readFileSync(CLS), 'cls.onnx');
    const ws = await connect();
    const frames: ('text' | 'binary')[] = [];
    const source = { kind: 'upload', uploadId: String(up.body.uploadId) } as const;
    const graph = await wsClient(ws, frames).call('model.graph', { source });
    expect(frames.at(-1)).toBe('binary');
    expect(graph.nodeName).toHaveLength(471);
    expect(graph.edgeFrom).toBeInstanceOf(Int32Array);
    expect(graph.ops).toContain('Conv');
    // Declared types at once; with shapes, the inferred ones and FLOPs per node.
    const full = await wsClient(ws).call('model.graph', { source, shapes: true });
    expect(full.nodeFlops).toHaveLength(471);
    expect(full.tensorType.filter(Boolean).length).toBeGreaterThan(graph.tensorType.filter(Boolean).length);
    ws.close();
  });

  /** A 250-layer transformer (12,500 nodes: a graph payload of megabytes) uploaded to `big`, and a socket to it. */
  async function uploadBig(big: RunningServer): Promise<{ uploadId: string; ws: WebSocket }> {
    const res = await fetch(`${big.origin}/upload`, {
      method: 'POST',
      headers: { 'x-kiln-token': big.token, 'x-kiln-filename': 'transformer.onnx' },
      body: Buffer.from(encodeModel(transformer(250))),
    });
    const { uploadId } = (await res.json()) as { uploadId: string };
    const ws = new WebSocket(`ws://127.0.0.1:${big.port}/api?token=${encodeURIComponent(big.token)}`);
    await new Promise((resolve) => ws.once('open', resolve));
    return { uploadId, ws };
  }

  it('a graph of megabytes comes from the engine host through a file, which is gone afterwards', async () => {
    const big = await startServer({ port: 0, rendererDir, maxUploadBytes: 64 * 1024 * 1024 });
    const before = new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('kiln-host-')));
    let hostDirs: string[] = [];
    try {
      const { uploadId, ws } = await uploadBig(big);
      const frames: ('text' | 'binary' | 'fetched')[] = [];
      const graph = await wsClient(ws, frames, big).call('model.graph', { source: { kind: 'upload', uploadId } });
      // megabytes: named on the socket and fetched over HTTP, then forgotten by the server
      expect(frames.slice(-2)).toEqual(['text', 'fetched']);
      expect(big.byteReplies.size).toBe(0);
      expect(graph.nodeName).toHaveLength(12_500);
      expect(graph.edgeFrom.length).toBeGreaterThan(12_000);
      hostDirs = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('kiln-host-') && !before.has(d));
      expect(hostDirs.length).toBeGreaterThan(0);
      for (const d of hostDirs) expect(fs.readdirSync(path.join(os.tmpdir(), d))).toEqual([]);
      ws.close();
    } finally {
      await big.close();
    }
    // the hosts' folders go with the server
    for (const d of hostDirs) expect(fs.existsSync(path.join(os.tmpdir(), d))).toBe(false);
  });

  it('a big reply is fetched once, with the token, from an allowed origin; unfetched ones go with their socket', async () => {
    const big = await startServer({ port: 0, rendererDir, maxUploadBytes: 64 * 1024 * 1024 });
    try {
      const { uploadId, ws } = await uploadBig(big);
      const refs: { kilnByteReply: string; bytes: number }[] = [];
      ws.on('message', (data, isBinary) => {
        const ref = isBinary ? null : byteReplyRef(readServerFrame(data.toString()));
        if (ref) refs.push(ref.ref);
      });
      const call = (id: string) =>
        ws.send(
          JSON.stringify({ type: 'call', id, method: 'model.graph', params: { source: { kind: 'upload', uploadId } } }),
        );
      call('a');
      await expect.poll(() => refs.length, { timeout: 60_000 }).toBe(1);
      const url = `${big.origin}/api-bytes/${refs[0]!.kilnByteReply}`;
      const get = (headers: Record<string, string>, method = 'GET') => fetch(url, { method, headers });
      expect((await get({})).status).toBe(401);
      expect((await get({ 'x-kiln-token': `${big.token}x` })).status).toBe(401);
      expect((await get({ 'x-kiln-token': big.token, origin: 'http://evil.example' })).status).toBe(403);
      expect((await get({ 'x-kiln-token': big.token }, 'POST')).status).toBe(405);
      const ok = await get({ 'x-kiln-token': big.token });
      expect(ok.status).toBe(200);
      expect((await ok.arrayBuffer()).byteLength).toBe(refs[0]!.bytes);
      expect(refs[0]!.bytes).toBeGreaterThanOrEqual(1 << 20);
      // once only; an id never made is unknown too
      expect((await get({ 'x-kiln-token': big.token })).status).toBe(404);
      expect(
        (await fetch(`${big.origin}/api-bytes/${'0'.repeat(32)}`, { headers: { 'x-kiln-token': big.token } })).status,
      ).toBe(404);
      // one left unfetched is dropped when its socket closes
      call('b');
      await expect.poll(() => refs.length, { timeout: 60_000 }).toBe(2);
      expect(big.byteReplies.size).toBe(1);
      ws.close();
      await expect.poll(() => big.byteReplies.size).toBe(0);
    } finally {
      await big.close();
    }
  });

  /** Begins an upload (named before its bytes are sent), as the page does to read a graph while it arrives. */
  async function begin(name: string, bytes: number, token = server.token) {
    const res = await fetch(`${server.origin}/upload/begin`, {
      method: 'POST',
      headers: {
        'x-kiln-token': token,
        'x-kiln-filename': encodeURIComponent(name),
        'x-kiln-upload-bytes': String(bytes),
      },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /**
   * Sends a begun upload's bytes in `pieces`, pausing between them; `stopAfter` pieces, the
   * connection is cut (the upload fails). Resolves with the reply's status (0 when cut).
   */
  async function sendSlowly(
    uploadId: string,
    bytes: Uint8Array,
    pieces: number,
    pauseMs: number,
    stopAfter = Infinity,
  ) {
    const http = await import('node:http');
    return new Promise<number>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port: server.port,
        path: '/upload',
        method: 'POST',
        headers: { 'x-kiln-token': server.token, 'x-kiln-upload-id': uploadId, 'content-length': bytes.length },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      const step = Math.ceil(bytes.length / pieces);
      void (async () => {
        for (let i = 0; i < pieces; i++) {
          if (i === stopAfter) return req.destroy();
          req.write(bytes.subarray(i * step, Math.min(bytes.length, (i + 1) * step)));
          await new Promise((r) => setTimeout(r, pauseMs));
        }
        req.end();
      })();
    });
  }

  it('an upload begun first: its graph is read while the bytes arrive; other calls are refused until they are in', async () => {
    const bytes = encodeModel(transformer(20));
    const begun = await begin('arriving.onnx', bytes.length);
    expect(begun.status).toBe(200);
    const source = { kind: 'upload', uploadId: String(begun.body.uploadId) } as const;
    const ws = await connect();
    const client = wsClient(ws);
    // asked before a single byte is sent
    const graph = client.call('model.graph', { source });
    // anything else on a file not all there is refused, in plain words
    const early = await client.call('model.open', { source }).catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'UNAVAILABLE', file: 'arriving.onnx' });
    expect((early as Error).message).toContain('still being uploaded');
    expect(await sendSlowly(source.uploadId, bytes, 10, 20)).toBe(200);
    const payload = await graph;
    expect(payload.nodeName).toHaveLength(transformer(20).graph!.node.length);
    // the same graph as the file sent whole
    const whole = await upload(new Uint8Array(bytes), 'whole.onnx');
    const wholeGraph = await client.call('model.graph', {
      source: { kind: 'upload', uploadId: String(whole.body.uploadId) },
    });
    expect(payload.nodeName).toEqual(wholeGraph.nodeName);
    expect(Array.from(payload.edgeFrom)).toEqual(Array.from(wholeGraph.edgeFrom));
    // once in, the rest of the app reads it as any upload
    const summary = await client.call('model.open', { source });
    expect(summary.fileName).toBe('arriving.onnx');
    ws.close();
  });

  it('an upload the page names itself: its graph, asked before the request is sent, is read as the bytes arrive', async () => {
    const bytes = encodeModel(transformer(20));
    const uploadId = '5e'.repeat(16);
    const ws = await connect();
    const client = wsClient(ws);
    // asked first: the server waits for an upload of that id to be begun
    const graph = client.call('model.graph', { source: { kind: 'upload', uploadId } });
    await new Promise((r) => setTimeout(r, 50));
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port: server.port,
        path: '/upload',
        method: 'POST',
        headers: {
          'x-kiln-token': server.token,
          'x-kiln-filename': 'named.onnx',
          'x-kiln-upload-id': uploadId,
          'x-kiln-upload-bytes': String(bytes.length),
          'content-length': bytes.length,
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.end(bytes);
    });
    expect(status).toBe(200);
    expect((await graph).nodeName).toHaveLength(transformer(20).graph!.node.length);
    expect((await client.call('model.open', { source: { kind: 'upload', uploadId } })).fileName).toBe('named.onnx');
    // its bytes sent a second time are refused
    expect(await sendSlowly(uploadId, bytes, 1, 0)).toBe(400);
    ws.close();
  });

  it('an upload begun first and cut off midway: its graph says so, nothing is left, the server goes on', async () => {
    const bytes = encodeModel(transformer(20));
    const begun = await begin('cut.onnx', bytes.length);
    const uploadId = String(begun.body.uploadId);
    const ws = await connect();
    const client = wsClient(ws);
    const graph = client.call('model.graph', { source: { kind: 'upload', uploadId } }).catch((e: unknown) => e);
    expect(await sendSlowly(uploadId, bytes, 10, 10, 4)).toBe(0);
    const err = await graph;
    expect(err).toMatchObject({ code: 'FILE_UNREADABLE', file: 'cut.onnx' });
    expect((err as Error).message).toMatch(/upload of cut\.onnx was interrupted/);
    expect(fs.existsSync(path.join(server.uploads.dir, uploadId))).toBe(false);
    // a second send of the bytes, a bad id and a begin over the limit are refused
    expect(await sendSlowly(uploadId, bytes, 1, 0)).toBe(400);
    expect(await sendSlowly('not-an-id', bytes, 1, 0)).toBe(400);
    const tooBig = await begin('huge.onnx', 3 * 1024 * 1024);
    expect(tooBig).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE', file: 'huge.onnx' } } });
    expect((await begin('x.onnx', 10, 'wrong-token')).status).toBe(401);
    // and the server still opens models
    const up = await upload(fs.readFileSync(CLS), 'after.onnx');
    expect(
      (await client.call('model.open', { source: { kind: 'upload', uploadId: String(up.body.uploadId) } })).nodes,
    ).toBe(471);
    ws.close();
  });

  it('refuses uploads with no token, an empty or a wrong one, over the limit, or empty — and leaves no file behind', async () => {
    for (const token of [null, '', 'nope-nope', `${server.token}x`]) {
      const refused = await upload(Buffer.from('x'), 'a.onnx', token);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ message: 'missing or wrong token' });
    }
    const big = await upload(Buffer.alloc(3 * 1024 * 1024, 1), 'huge.onnx');
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'TOO_LARGE', file: 'huge.onnx' });
    const empty = await upload(Buffer.alloc(0), 'empty.onnx');
    expect(empty.body.error).toMatchObject({ code: 'EMPTY_FILE', file: 'empty.onnx' });
    const leftovers = fs.readdirSync(server.uploads.dir, { recursive: true }).map(String);
    expect(leftovers.filter((f) => f.includes('huge') || f.includes('empty') || f.endsWith('.part'))).toEqual([]);
  });

  it('a non-ONNX upload gets a clear error naming the file', async () => {
    const up = await upload(
      Buffer.from('this is plainly not a protobuf model, just some text\n'.repeat(20)),
      'notes.txt',
    );
    const ws = await connect();
    const err = await wsClient(ws)
      .call('model.open', { source: { kind: 'upload', uploadId: String(up.body.uploadId) } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_ONNX' });
    expect((err as Error).message).toContain('notes.txt');
    ws.close();
  });

  it('an unknown upload id is refused', async () => {
    const ws = await connect();
    const err = await wsClient(ws)
      .call('model.open', { source: { kind: 'upload', uploadId: '0'.repeat(32) } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FILE_NOT_FOUND' });
    ws.close();
  });
});
