/**
 * Browser mode's access checks, one condition at a time over a real socket (no engine host is
 * started: every request here is decided before one is needed): the Host header against each name
 * of this server, the Origin a browser sends, the token — missing, empty, one character short, the
 * right length but wrong, right — on uploads and on the WebSocket, and the order the checks run in.
 * Raw node:http requests, so every header is exactly what the test says (npm run mutate -- serve-access).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../electron/serve/server';
import { errorBody, rawReply, request as rawRequest, upgradeHeaders, type RawRequest } from './raw-http';

let server: RunningServer;
let rendererDir: string;

// A server per test (it starts in milliseconds): what startServer sets up then belongs to each test,
// so mutation testing runs every test that depends on it.
beforeEach(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-access-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ port: 0, rendererDir, token: 'the-right-token-0123456789' });
});
afterEach(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

/** One request with exactly these headers (Host included, unless `noHost`), to `port` on 127.0.0.1. */
const request = (opts: RawRequest & { port?: number } = {}) => rawRequest(opts.port ?? server.port, opts);

/** A raw request over a socket (HTTP/1.0, which may leave out Host); the whole reply. */
const http10 = (raw: string) => rawReply(server.port, raw);

const upload = (headers: Record<string, string>, method = 'POST') =>
  request({ method, path: '/upload', headers: { 'x-kiln-filename': 'm.onnx', ...headers }, body: Buffer.from('onnx') });

/** A WebSocket handshake; 101 when it is accepted. */
const upgrade = (query: string, headers: Record<string, string> = {}, pathname = '/api') =>
  request({
    path: `${pathname}${query}`,
    headers: upgradeHeaders(headers),
  });

const token = () => server.token;
const error = errorBody;

describe('Host header (DNS rebinding)', () => {
  it("accepts each of this server's names, with its port", async () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const r = await request({ headers: { host: `${host}:${server.port}` } });
      expect(r.status).toBe(200);
      expect(r.body).toContain('<title>Kiln</title>');
    }
  });

  it('refuses another name, another port, no port or no Host at all, before anything else', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '127.0.0.1',
      `localhost:${server.port + 1}`,
      '',
    ]) {
      const r = await request({ headers: { host } });
      expect(r).toEqual({ status: 421, body: error('INVALID_ARGUMENT', 'unknown Host header') });
    }
    // HTTP/1.1 without a Host header is refused by Node itself (400); HTTP/1.0 may omit it.
    expect(await request({ noHost: true })).toMatchObject({ status: 400 });
    expect(await http10('GET / HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 421 /);
    // Even with the right token and Origin, and on the upload path.
    const r = await upload({ host: 'evil.example', 'x-kiln-token': token(), origin: server.origin });
    expect(r.status).toBe(421);
  });

  it('names a server bound to another address by that address', async () => {
    const other = await startServer({ host: '127.0.0.2', port: 0, rendererDir, token: 'x'.repeat(26) });
    try {
      expect(other.origin).toBe(`http://127.0.0.2:${other.port}`);
      const ok = await new Promise<number>((resolve, reject) => {
        http
          .get(
            { host: '127.0.0.2', port: other.port, path: '/', headers: { host: `127.0.0.2:${other.port}` } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          )
          .on('error', reject);
      });
      expect(ok).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('uploads', () => {
  it('need POST, then an allowed Origin, then the token', async () => {
    expect(await upload({ 'x-kiln-token': token() }, 'PUT')).toEqual({
      status: 405,
      body: error('INVALID_ARGUMENT', 'upload needs POST'),
    });
    expect(await upload({ origin: 'http://evil.example', 'x-kiln-token': token() })).toEqual({
      status: 403,
      body: error('INVALID_ARGUMENT', 'origin not allowed'),
    });
    // The Origin is checked before the token: a foreign page learns nothing about the token.
    expect((await upload({ origin: 'http://evil.example' })).status).toBe(403);
  });

  it('refuse a missing, empty, short, or wrong token', async () => {
    const right = token();
    const wrong = right.slice(0, -1) + (right.endsWith('x') ? 'y' : 'x');
    const tokens: Record<string, string>[] = [
      {},
      { 'x-kiln-token': '' },
      { 'x-kiln-token': right.slice(0, -1) },
      { 'x-kiln-token': wrong },
    ];
    for (const headers of tokens) {
      expect(await upload(headers)).toEqual({ status: 401, body: error('INVALID_ARGUMENT', 'missing or wrong token') });
    }
    expect(await upload({ 'x-kiln-token': `${right}x` })).toMatchObject({ status: 401 });
  });

  it('accept the right token, with no Origin (the CLI) or an Origin naming this server', async () => {
    for (const origin of [undefined, server.origin, `http://localhost:${server.port}`, `http://[::1]:${server.port}`]) {
      const r = await upload({ 'x-kiln-token': token(), ...(origin ? { origin } : {}) });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ fileName: 'm.onnx', bytes: 4 });
    }
  });

  it('refuse Origins that only look like this server', async () => {
    for (const origin of [
      `https://127.0.0.1:${server.port}`, // another scheme
      `http://127.0.0.1:${server.port + 1}`,
      `http://127.0.0.1`,
      'null', // sandboxed frames and file:// pages
      'not a url',
      `ws://127.0.0.1:${server.port}`,
    ]) {
      expect((await upload({ origin, 'x-kiln-token': token() })).status).toBe(403);
    }
  });
});

describe('the WebSocket', () => {
  it('opens with the token on /api, with or without an allowed Origin', async () => {
    expect((await upgrade(`?token=${token()}`)).status).toBe(101);
    expect((await upgrade(`?token=${token()}`, { origin: server.origin })).status).toBe(101);
  });

  it('refuses a missing, empty or wrong token', async () => {
    for (const q of ['', '?token=', `?token=${token().slice(1)}`, `?token=${token().toUpperCase()}`, '?other=1']) {
      expect((await upgrade(q)).status).toBe(403);
    }
  });

  it('refuses another path, a foreign Origin or a foreign Host even with the token', async () => {
    expect((await upgrade(`?token=${token()}`, {}, '/socket')).status).toBe(403);
    expect((await upgrade(`?token=${token()}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await upgrade(`?token=${token()}`, { origin: 'null' })).status).toBe(403);
    expect((await upgrade(`?token=${token()}`, { host: 'evil.example' })).status).toBe(403);
    expect((await upgrade(`?token=${token()}`, { host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
  });
});
