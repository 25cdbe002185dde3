/**
 * The rest of browser mode's access checks, over real sockets: the names a server answers to when
 * it is bound to a wildcard, to an IPv6 address, or given --allow-host names (Host compared without
 * case, the wildcard itself never a name), a request target that cannot be parsed (refused after the
 * Host check), and the download route's own checks (GET or HEAD, then Origin, then the token, before
 * any file is looked up). And the name rules under them: every wildcard and loopback spelling,
 * --allow-host values that are empty, bracketed or as long as DNS allows (npm run mutate --
 * serve-access).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHostSet, isLoopback, isWildcard, parseAllowHosts } from '../../../electron/serve/allowed-hosts';
import { startServer, type RunningServer } from '../../../electron/serve/server';
import { errorBody, rawReply, request, upgradeHeaders } from './raw-http';

const TOKEN = 'names-token-0123456789abcdef';
let rendererDir: string;

beforeAll(() => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-access-names-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
});
afterAll(() => fs.rmSync(rendererDir, { recursive: true, force: true }));

/** Runs `body` against a server started with these options, and stops it. */
async function withServer(
  options: { host?: string; allowHosts?: string[]; log?: (line: string) => void },
  body: (s: RunningServer) => Promise<void>,
): Promise<void> {
  const s = await startServer({ port: 0, rendererDir, token: TOKEN, ...options });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

const upload = (s: RunningServer, headers: Record<string, string>) =>
  request(s.port, {
    method: 'POST',
    path: '/upload',
    headers: { 'x-kiln-filename': 'm.onnx', ...headers },
    body: Buffer.from('onnx'),
  });

describe('the names a server answers to', () => {
  it('compares the Host header without case', async () => {
    await withServer({}, async (s) => {
      for (const host of [`LOCALHOST:${s.port}`, `LocalHost:${s.port}`]) {
        expect((await request(s.port, { headers: { host } })).status).toBe(200);
      }
    });
  });

  it('bound to a wildcard: the local names, not the wildcard; its URL names 127.0.0.1', async () => {
    await withServer({ host: '0.0.0.0' }, async (s) => {
      expect(s.origin).toBe(`http://127.0.0.1:${s.port}`);
      expect(s.url).toBe(`http://127.0.0.1:${s.port}/?token=${TOKEN}`);
      expect(s.remoteUrls).toEqual([]);
      expect((await request(s.port, { headers: { host: `localhost:${s.port}` } })).status).toBe(200);
      expect(await request(s.port, { headers: { host: `0.0.0.0:${s.port}` } })).toEqual({
        status: 421,
        body: errorBody('INVALID_ARGUMENT', 'unknown Host header'),
      });
      const ws = await request(s.port, {
        path: `/api?token=${TOKEN}`,
        headers: upgradeHeaders({ host: `0.0.0.0:${s.port}` }),
      });
      expect(ws.status).toBe(403);
    });
  });

  it('bound to an IPv6 address: that address in brackets', async () => {
    await withServer({ host: '::1' }, async (s) => {
      expect(s.origin).toBe(`http://[::1]:${s.port}`);
      expect((await request(s.port, { address: '::1' })).status).toBe(200);
      expect((await request(s.port, { address: '::1', headers: { host: `::1:${s.port}` } })).status).toBe(421);
    });
  });

  it('given --allow-host: that name in Host and Origin, a URL for it, the token still needed', async () => {
    await withServer({ allowHosts: ['GPU-Box.lan'] }, async (s) => {
      const named = `gpu-box.lan:${s.port}`;
      expect(s.remoteUrls).toEqual([`http://${named}/?token=${TOKEN}`]);
      expect((await request(s.port, { headers: { host: named } })).status).toBe(200);
      expect((await request(s.port, { headers: { host: `GPU-BOX.LAN:${s.port}` } })).status).toBe(200);
      expect((await request(s.port, { headers: { host: `other.lan:${s.port}` } })).status).toBe(421);
      const origin = `http://${named}`;
      expect((await upload(s, { host: named, origin, 'x-kiln-token': TOKEN })).status).toBe(200);
      expect((await upload(s, { host: named, origin })).status).toBe(401);
      expect(
        (await upload(s, { host: named, origin: `http://other.lan:${s.port}`, 'x-kiln-token': TOKEN })).status,
      ).toBe(403);
      const ws = await request(s.port, {
        path: `/api?token=${TOKEN}`,
        headers: upgradeHeaders({ host: named, origin }),
      });
      expect(ws.status).toBe(101);
    });
  });
});

describe('a request target that cannot be parsed', () => {
  const raw = (port: number, host: string, extra = '') =>
    rawReply(port, `GET http://[ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`);

  it('is refused in plain words once the Host passes, and as an unknown Host before', async () => {
    await withServer({}, async (s) => {
      const reply = await raw(s.port, `127.0.0.1:${s.port}`);
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      expect(reply).toContain(errorBody('INVALID_ARGUMENT', 'malformed URL'));
      expect(await raw(s.port, 'evil.example')).toMatch(/^HTTP\/1\.1 421 /);
    });
  });
});

describe('downloads', () => {
  const download = (s: RunningServer, query: string, headers: Record<string, string> = {}, method = 'GET') =>
    request(s.port, { method, path: `/download${query}`, headers });

  it('need GET or HEAD, then an allowed Origin, then the token, before any file is looked up', async () => {
    const logged: string[] = [];
    await withServer({ log: (line) => logged.push(line) }, async (s) => {
      const which = errorBody('INVALID_ARGUMENT', 'say which file: variant=<id> or export=<path>');
      expect(await download(s, `?token=${TOKEN}`)).toEqual({ status: 400, body: which });
      expect(await download(s, `?token=${TOKEN}`, { origin: s.origin })).toEqual({ status: 400, body: which });
      expect((await download(s, `?token=${TOKEN}`, {}, 'HEAD')).status).toBe(400);
      for (const method of ['POST', 'PUT', 'DELETE']) {
        expect(await download(s, `?token=${TOKEN}`, {}, method)).toEqual({
          status: 405,
          body: errorBody('INVALID_ARGUMENT', 'a download needs GET'),
        });
      }
      // The Origin before the token: a foreign page learns nothing about the token.
      for (const query of [`?token=${TOKEN}`, '']) {
        expect(await download(s, query, { origin: 'http://evil.example' })).toEqual({
          status: 403,
          body: errorBody('INVALID_ARGUMENT', 'origin not allowed'),
        });
      }
      for (const query of ['', '?token=', `?token=${TOKEN.slice(1)}`, `?token=${TOKEN}x`, `?variant=v&tok=${TOKEN}`]) {
        expect(await download(s, query)).toEqual({
          status: 401,
          body: errorBody('INVALID_ARGUMENT', 'missing or wrong token'),
        });
      }
      // Not the download path: the page.
      expect((await request(s.port, { path: `/downloads?token=${TOKEN}` })).status).toBe(404);
    });
    // Each refusal is the whole answer: nothing went on to answer twice and fail.
    expect(logged.filter((line) => line.includes('failed'))).toEqual([]);
  });
});

describe('name rules', () => {
  it('every spelling of a wildcard, and of loopback', () => {
    expect(['', '0.0.0.0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0'].filter(isWildcard)).toHaveLength(6);
    expect(['::1', '127.0.0.1', '0.0.0.1', 'localhost', '[::1]'].some(isWildcard)).toBe(false);
    expect(['127.0.0.1', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['127.0.0.2', '::', '', 'gpu-box.lan'].some(isLoopback)).toBe(false);
  });

  it('--allow-host: empty entries skipped, brackets taken off IPv4 and names, the value quoted as given', () => {
    expect(parseAllowHosts([' , gpu ,,', ''])).toEqual(['gpu']);
    expect(parseAllowHosts(['[10.0.0.5]', '[gpu-box]', '[::]'])).toEqual(['10.0.0.5', 'gpu-box', '[::]']);
    expect(() => parseAllowHosts(['ok.lan, GPU Box '])).toThrow(/"GPU Box" is not one$/);
    expect(() => parseAllowHosts(['[gpu'])).toThrow(/"\[gpu" is not one/);
    expect(() => parseAllowHosts(['gpu]'])).toThrow(/"gpu\]" is not one/);
  });

  it('--allow-host: labels of 1 to 63 letters, digits and inner hyphens; names to 253 characters', () => {
    const label = (n: number) => 'a'.repeat(n);
    expect(parseAllowHosts(['a', '0gpu', 'g-0', label(63), `${label(63)}.b`])).toHaveLength(5);
    for (const bad of ['gpu-', 'gpu.', '.gpu', label(64), `x.${label(64)}`, 'é.lan', 'gpu!']) {
      expect(() => parseAllowHosts([bad]), bad).toThrow(/host names or IP addresses/);
    }
    const long = (n: number) => [label(63), label(63), label(63), label(n - 3 * 64)].join('.');
    expect(parseAllowHosts([long(253)])).toEqual([long(253)]);
    expect(() => parseAllowHosts([long(254)])).toThrow(/host names or IP addresses/);
  });

  it('the bound address is lower-cased; on port 80 every name is also accepted bare', () => {
    expect([...allowedHostSet('GPU.lan', 4317, [])].sort()).toEqual(
      ['127.0.0.1:4317', '[::1]:4317', 'gpu.lan:4317', 'localhost:4317'].sort(),
    );
    expect([...allowedHostSet('127.0.0.1', 80, [])].sort()).toEqual(
      ['127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:80', 'localhost', 'localhost:80'].sort(),
    );
  });
});
