// Issue 20, item 10: `serve --host 0.0.0.0` answered every request from another machine with 421,
// because the Host check knew only the local names and the literal wildcard. With --allow-host the
// named hosts pass the Host and Origin checks; unlisted names still get 421; and the token is
// still required for every API call and upload, whatever the name.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../electron/serve/server';
import { startServer } from '../../electron/serve/server';

let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ host: '0.0.0.0', port: 0, rendererDir, allowHosts: ['gpu-box.lan'] });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

/** A request sent to this machine as if addressed to `host` (what a remote browser does). */
function request(
  host: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { host: `${host}:${server.port}`, ...opts.headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function connect(host: string, query: string, origin?: string): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, {
    headers: { host: `${host}:${server.port}` },
    ...(origin ? { origin } : {}),
  });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.once('error', (err) => resolve(err.message));
  });
}

describe('serve --host 0.0.0.0 --allow-host gpu-box.lan', () => {
  it('an allowed name passes the Host check; an unlisted one, or the wildcard, gets 421', async () => {
    expect(await request('gpu-box.lan')).toBe(200);
    expect(await request('GPU-BOX.LAN')).toBe(200); // host names are case-insensitive
    expect(await request('other.lan')).toBe(421);
    expect(await request('0.0.0.0')).toBe(421);
    expect(await request('localhost')).toBe(200);
  });

  it('the token is still required over an allowed name', async () => {
    const token = `?token=${encodeURIComponent(server.token)}`;
    expect(await connect('gpu-box.lan', '')).toBe('HTTP 403');
    expect(await connect('gpu-box.lan', '?token=wrong-token-here')).toBe('HTTP 403');
    expect(await connect('gpu-box.lan', token, `http://gpu-box.lan:${server.port}`)).toBe('open');
    expect(await connect('gpu-box.lan', token, 'http://evil.example')).toBe('HTTP 403');
    expect(await connect('other.lan', token)).toBe('HTTP 403');
    const upload = (headers: Record<string, string>) =>
      request('gpu-box.lan', { method: 'POST', path: '/upload', headers, body: 'bytes' });
    expect(await upload({})).toBe(401);
    expect(await upload({ 'x-kiln-token': server.token, origin: `http://gpu-box.lan:${server.port}` })).toBe(200);
  });

  it("the page's CSP lets it connect to the server it came from, and nowhere else (item 11)", async () => {
    const csp = await new Promise<string>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: server.port, path: '/', headers: { host: `gpu-box.lan:${server.port}` } },
          (res) => {
            res.resume();
            resolve(String(res.headers['content-security-policy']));
          },
        )
        .on('error', reject);
    });
    expect(csp).toContain(`connect-src 'self' ws://gpu-box.lan:${server.port};`);
    expect(csp).not.toMatch(/\bwss?:(\s|;)/);
  });

  it('prints a local URL that works, and one for each allowed name', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${encodeURIComponent(server.token)}`);
    expect(server.remoteUrls).toEqual([`http://gpu-box.lan:${server.port}/?token=${encodeURIComponent(server.token)}`]);
  });
});

describe('serve bound to one address', () => {
  it('accepts that address as a Host', async () => {
    const one = await startServer({ host: '127.0.0.2', port: 0, rendererDir });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.2', port: one.port, path: '/' }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      await one.close();
    }
  });
});

describe('the serve command', () => {
  const entry = path.resolve(__dirname, '../../dist/electron/serve/main.js');
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    return { child, output: () => ({ out, err }) };
  };

  it.runIf(fs.existsSync(entry))('--allow-host prints the remote URL and says what it exposes', async () => {
    const { child, output } = run(['--host', '0.0.0.0', '--port', '0', '--allow-host', 'gpu-box.lan']);
    const deadline = Date.now() + 60_000;
    while (!output().out.includes('gpu-box.lan') && child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const { out, err } = output();
    expect(out).toMatch(/Kiln is running at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(out).toMatch(/http:\/\/gpu-box\.lan:\d+\/\?token=/);
    expect(err).toContain('the token');
  });

  it.runIf(fs.existsSync(entry))('a bad --allow-host is a usage error (exit 2) naming the value', async () => {
    const { child, output } = run(['--allow-host', 'http://gpu-box:80']);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(output().err).toContain('"http://gpu-box:80" is not one');
  });
});
