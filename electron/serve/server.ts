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
import { pipeline } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { BROWSER_MODE } from '../shared/api/bridge';
import { browserModeCsp } from '../shared/api/csp';
import { toErrorShape } from '../shared/api/errors';
import { serverFrame } from '../shared/api/frames';
import { Router } from '../shared/api/router';
import { projectRoot, sampleModelPath } from '../platform/paths';
import { resolveRendererFile } from '../platform/renderer-files';
import { createCallHandler } from '../dispatch/dispatch';
import { forkSpawner } from '../dispatch/fork-spawner';
import { HostSupervisor } from '../dispatch/supervisor';
import { allowedHostSet, hostForUrl, isWildcard, parseAllowHosts } from './allowed-hosts';
import { serveDownload } from './downloads';
import { UploadStore } from './uploads';
import { UPLOAD_ID } from '../shared/api/sources';
import { KilnError } from '../shared/api/errors';
import { BYTE_REPLY_MIN_BYTES, ByteReplies } from './byte-replies';

export interface ServeOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Names besides the local ones (and the bound address, unless a wildcard) that requests may be
   * addressed to, in Host and Origin: how another machine opens Kiln. The token is still required.
   */
  allowHosts?: string[];
  port?: number;
  token?: string;
  maxUploadBytes?: number;
  /** Folder holding index.html of the built renderer. */
  rendererDir?: string;
  sampleModelPath?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The page's URL with its token, for this machine (127.0.0.1 when bound to a wildcard). */
  url: string;
  /** The same for each --allow-host name, for other machines. */
  remoteUrls: string[];
  origin: string;
  token: string;
  port: number;
  supervisor: HostSupervisor;
  uploads: UploadStore;
  byteReplies: ByteReplies;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const maxUploadBytes = options.maxUploadBytes ?? BROWSER_MODE.defaultMaxUploadBytes;
  const root = projectRoot();
  const rendererDir = options.rendererDir ?? path.join(root, 'dist', 'renderer');
  const samplePath = options.sampleModelPath ?? sampleModelPath();
  const log = options.log ?? (() => {});
  const allowHosts = parseAllowHosts(options.allowHosts ?? []);

  const supervisor = new HostSupervisor(forkSpawner(), { log });
  const uploads = new UploadStore(maxUploadBytes);
  const byteReplies = new ByteReplies();
  const handler = createCallHandler({
    supervisor,
    transport: 'websocket',
    maxUploadBytes,
    resolveUpload: (id) => uploads.get(id),
    // A page that names its upload may ask for the graph before the upload's request is heard.
    awaitUpload: (id, signal) => uploads.whenBegun(id, { timeoutMs: 10_000, signal }),
  });

  let allowedHosts = new Set<string>(); // filled in once the port is known
  const tokenOk = (given: string | null | undefined): boolean => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  // DNS rebinding defence: the Host header must name this server, and a browser Origin must too.
  const hostOk = (req: http.IncomingMessage) => allowedHosts.has((req.headers.host ?? '').toLowerCase());
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
    handleHttp(req, res).catch((err: unknown) => {
      // Unforeseen: the details (which may name server paths) go to the log, not to the client.
      log(`HTTP ${req.method} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error; the server log says more' } });
    });
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostOk(req))
      return sendJson(res, 421, { error: { code: 'INVALID_ARGUMENT', message: 'unknown Host header' } });
    const url = requestUrl(req);
    if (!url) return sendJson(res, 400, { error: { code: 'INVALID_ARGUMENT', message: 'malformed URL' } });
    if (await serveDownload(req, res, url, { tokenOk, originOk })) return;
    if (byteReplies.serve(req, res, url, { tokenOk, originOk })) return;
    if (url.pathname === BROWSER_MODE.uploadPath || url.pathname === BROWSER_MODE.uploadBeginPath) {
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
      const begun = header(req, BROWSER_MODE.uploadIdHeader);
      try {
        let record;
        if (url.pathname === BROWSER_MODE.uploadBeginPath) {
          req.resume(); // a begin has no body
          record = await uploads.begin(fileName, Number(header(req, BROWSER_MODE.uploadSizeHeader) ?? NaN));
        } else if (begun !== undefined) {
          if (!UPLOAD_ID.test(begun)) {
            req.resume();
            throw new KilnError('INVALID_ARGUMENT', 'the upload id header is not an upload id (32 hex digits)');
          }
          // With its size too, the page named the upload itself: begun and sent in one request.
          const size = header(req, BROWSER_MODE.uploadSizeHeader);
          if (size !== undefined)
            await uploads.begin(fileName, Number(size), begun).catch((err: unknown) => {
              req.resume();
              throw err;
            });
          record = await uploads.receive(begun, req, Number.isFinite(declared) ? declared : undefined);
        } else record = await uploads.save(req, fileName, Number.isFinite(declared) ? declared : undefined);
        const { uploadId } = record;
        // A client gone before its reply (it hung up, or its connection broke on bytes past the
        // body) never learns the upload's id: the file goes, rather than wait for the budget. The
        // bytes of a begun upload are the exception: its client has had the id since the begin
        // (and may be showing its graph); the budget takes it in time.
        const undelivered = () => {
          if (begun === undefined) uploads.discard(uploadId).catch(() => undefined);
        };
        if (req.socket.destroyed) return undelivered();
        res.once('close', () => {
          if (!res.writableFinished) undelivered();
        });
        return sendJson(res, 200, { uploadId, fileName: record.displayName, bytes: record.bytes });
      } catch (err) {
        const shape = toErrorShape(err);
        res.setHeader('connection', 'close');
        return sendJson(res, shape.code === 'TOO_LARGE' ? 413 : 400, { error: shape });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: { code: 'INVALID_ARGUMENT', message: 'method not allowed' } });
    // A page may connect to its own server only (its Host was matched against the allowed names).
    const csp = browserModeCsp(header(req, 'host') ?? '');
    if (url.pathname === '/sample.onnx') return sendFile(res, samplePath, 'application/octet-stream', csp);
    const found = resolveRendererFile(rendererDir, url.pathname);
    if (!found.ok) {
      const code = found.status === 400 ? 'INVALID_ARGUMENT' : 'FILE_NOT_FOUND';
      return sendJson(res, found.status, { error: { code, message: found.message } });
    }
    if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The renderer has not been built. Run `npm run build` and start serve again.\n');
      return;
    }
    return sendFile(res, found.file, found.type, csp);
  }

  // The socket takes what the client holds requests to (BROWSER_MODE.maxMessageBytes); a bigger
  // frame closes that one connection with 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: BROWSER_MODE.maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    // Until ws takes the socket over nothing else listens for its errors, and one unheard error
    // (a client resetting mid-handshake) would end the process.
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req);
    if (
      !url ||
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
      if (ws.readyState !== ws.OPEN) return;
      // A big byte result waits to be fetched over HTTP (./byte-replies.ts); the socket carries its name.
      if (
        message.type === 'result' &&
        message.ok &&
        message.value instanceof Uint8Array &&
        message.value.byteLength >= BYTE_REPLY_MIN_BYTES
      ) {
        const ref = { kilnByteReply: byteReplies.put(message.value, ws), bytes: message.value.byteLength };
        return ws.send(JSON.stringify({ ...message, value: ref }));
      }
      const frame = serverFrame(message);
      if (typeof frame === 'string') return ws.send(frame);
      // A binary frame's head and bytes go as two fragments of one message: the bytes are not copied.
      ws.send(frame[0], { binary: true, fin: false });
      ws.send(frame[1], { binary: true, fin: true });
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
    // A malformed frame (invalid UTF-8, a reserved bit or opcode, unmasked, over the size limit)
    // closes this connection with the code that names the fault; it must not reach the process.
    ws.on('error', (err) => log(`closed a WebSocket connection after a malformed frame: ${err.message}`));
    ws.on('close', () => {
      router.cancelAll();
      byteReplies.dropOwner(ws);
    });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing of a server that never started is left behind (its upload folder is already made).
    supervisor.dispose();
    uploads.dispose();
    throw err;
  }
  // From now on an error of the listening socket (say, no descriptor left to accept with) is logged;
  // unheard, it would end the process and every session with it.
  server.on('error', (err) => log(`server error: ${err.message}`));
  const port = (server.address() as AddressInfo).port;
  allowedHosts = allowedHostSet(host, port, allowHosts);
  // A wildcard names no host to open; on this machine, 127.0.0.1 reaches it.
  const origin = `http://${isWildcard(host) ? '127.0.0.1' : hostForUrl(host)}:${port}`;
  const withToken = (base: string) => `${base}/?token=${encodeURIComponent(token)}`;

  return {
    url: withToken(origin),
    remoteUrls: allowHosts.map((name) => withToken(`http://${name}:${port}`)),
    origin,
    token,
    port,
    supervisor,
    uploads,
    byteReplies,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Before waiting: a client mid-request (a stalled upload) would otherwise hold the stop forever.
      server.closeAllConnections();
      await closed;
      supervisor.dispose();
      uploads.dispose();
      byteReplies.clear();
    },
  };
}

/** The request's URL, or null when it cannot be parsed (a hostile client's request target). */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://local');
  } catch {
    return null;
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendFile(res: http.ServerResponse, file: string, type: string, csp: string): void {
  fs.stat(file, (err, stat) => {
    if (err || !stat.isFile()) return sendJson(res, 404, { error: { code: 'FILE_NOT_FOUND', message: 'not found' } });
    const headers: Record<string, string | number> = {
      'content-type': type,
      'content-length': stat.size,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    };
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = csp;
      headers['x-frame-options'] = 'DENY';
      headers['referrer-policy'] = 'no-referrer';
    }
    res.writeHead(200, headers);
    // pipeline, not pipe: a read error (the file went away, or cannot be read) ends this response
    // instead of reaching the process as an unheard 'error'.
    pipeline(fs.createReadStream(file), res, (error) => {
      if (error) res.destroy();
    });
  });
}
