/**
 * Browser mode: serves the renderer bundle and carries the API over a WebSocket, for GPU servers
 * without a display and for UI tests in Chromium. Binds 127.0.0.1 unless told otherwise; every API
 * request needs the token printed at start; requests from other origins or hosts are refused.
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { BROWSER_MODE } from '../shared/api/bridge';
import { CSP } from '../shared/api/csp';
import { toErrorShape } from '../shared/api/errors';
import { Router } from '../shared/api/router';
import { projectRoot, sampleModelPath } from '../platform/paths';
import { createCallHandler } from '../dispatch/dispatch';
import { forkSpawner } from '../dispatch/fork-spawner';
import { HostSupervisor } from '../dispatch/supervisor';
import { serveDownload } from './downloads';
import { UploadStore } from './uploads';

export interface ServeOptions {
  host?: string;
  port?: number;
  token?: string;
  maxUploadBytes?: number;
  /** Folder holding index.html of the built renderer. */
  rendererDir?: string;
  sampleModelPath?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  origin: string;
  token: string;
  port: number;
  supervisor: HostSupervisor;
  uploads: UploadStore;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const maxUploadBytes = options.maxUploadBytes ?? BROWSER_MODE.defaultMaxUploadBytes;
  const root = projectRoot();
  const rendererDir = options.rendererDir ?? path.join(root, 'dist', 'renderer');
  const samplePath = options.sampleModelPath ?? sampleModelPath();
  const log = options.log ?? (() => {});

  const supervisor = new HostSupervisor(forkSpawner(), { log });
  const uploads = new UploadStore(maxUploadBytes);
  const handler = createCallHandler({
    supervisor,
    transport: 'websocket',
    maxUploadBytes,
    resolveUpload: (id) => uploads.get(id),
  });

  let allowedHosts = new Set<string>();
  const tokenOk = (given: string | null | undefined): boolean => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  // DNS rebinding defence: the Host header must name this server, and a browser Origin must too.
  const hostOk = (req: http.IncomingMessage) => allowedHosts.has(req.headers.host ?? '');
  const originOk = (req: http.IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // non-browser clients (the CLI, tests) send none
    try {
      const u = new URL(origin);
      return u.protocol === 'http:' && allowedHosts.has(u.host);
    } catch {
      return false;
    }
  };

  const server = http.createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => sendJson(res, 500, { error: toErrorShape(err) }));
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostOk(req))
      return sendJson(res, 421, { error: { code: 'INVALID_ARGUMENT', message: 'unknown Host header' } });
    const url = new URL(req.url ?? '/', 'http://local');
    if (await serveDownload(req, res, url, { tokenOk, originOk })) return;
    if (url.pathname === BROWSER_MODE.uploadPath) {
      if (req.method !== 'POST')
        return sendJson(res, 405, { error: { code: 'INVALID_ARGUMENT', message: 'upload needs POST' } });
      if (!originOk(req))
        return sendJson(res, 403, { error: { code: 'INVALID_ARGUMENT', message: 'origin not allowed' } });
      if (!tokenOk(header(req, BROWSER_MODE.tokenHeader))) {
        return sendJson(res, 401, { error: { code: 'INVALID_ARGUMENT', message: 'missing or wrong token' } });
      }
      let fileName = 'model.onnx';
      try {
        fileName = decodeURIComponent(header(req, BROWSER_MODE.fileNameHeader) ?? 'model.onnx');
      } catch {
        // keep the default name
      }
      const declared = req.headers['content-length'] ? Number(req.headers['content-length']) : undefined;
      try {
        const record = await uploads.save(req, fileName, Number.isFinite(declared) ? declared : undefined);
        return sendJson(res, 200, { uploadId: record.uploadId, fileName: record.displayName, bytes: record.bytes });
      } catch (err) {
        const shape = toErrorShape(err);
        res.setHeader('connection', 'close');
        return sendJson(res, shape.code === 'TOO_LARGE' ? 413 : 400, { error: shape });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: { code: 'INVALID_ARGUMENT', message: 'method not allowed' } });
    if (url.pathname === '/sample.onnx') return sendFile(res, samplePath, 'application/octet-stream');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + path.sep))
      return sendJson(res, 404, { error: { code: 'FILE_NOT_FOUND', message: 'not found' } });
    if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The renderer has not been built. Run `npm run build` and start serve again.\n');
      return;
    }
    return sendFile(res, file, MIME[path.extname(file)] ?? 'application/octet-stream');
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (
      url.pathname !== BROWSER_MODE.wsPath ||
      !hostOk(req) ||
      !originOk(req) ||
      !tokenOk(url.searchParams.get('token'))
    ) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const router = new Router(handler, (message) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        parsed = null;
      }
      router.receive(parsed);
    });
    ws.on('close', () => router.cancelAll());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${hostForUrl}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  const origin = `http://${hostForUrl}:${port}`;

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    token,
    port,
    supervisor,
    uploads,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      supervisor.dispose();
      uploads.dispose();
    },
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendFile(res: http.ServerResponse, file: string, type: string): void {
  fs.stat(file, (err, stat) => {
    if (err || !stat.isFile()) return sendJson(res, 404, { error: { code: 'FILE_NOT_FOUND', message: 'not found' } });
    const headers: Record<string, string | number> = {
      'content-type': type,
      'content-length': stat.size,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = CSP;
      headers['x-frame-options'] = 'DENY';
      headers['referrer-policy'] = 'no-referrer';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
}
