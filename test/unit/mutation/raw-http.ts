/**
 * Raw requests to a browser-mode server for the access-check tests: node:http with `setHost`
 * off, so every header (Host included, or left out) is exactly what the test says; a WebSocket
 * handshake answers with its status (101 when accepted) and its socket is closed at once; and the
 * whole reply to bytes written straight to a socket, for request lines node:http will not send.
 */
import * as http from 'node:http';
import * as net from 'node:net';

export interface Reply {
  status: number;
  body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Address to connect to (default 127.0.0.1). */
  address?: string;
  /** Send no Host header (default: the address and port). */
  noHost?: boolean;
}

/** One request to `port` with exactly these headers; its status and body. */
export function request(port: number, opts: RawRequest = {}): Promise<Reply> {
  const address = opts.address ?? '127.0.0.1';
  const hostName = net.isIPv6(address) ? `[${address}]` : address;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: address,
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: opts.noHost ? { ...opts.headers } : { host: `${hostName}:${port}`, ...opts.headers },
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Headers of a WebSocket handshake (with any others given). */
export const upgradeHeaders = (headers: Record<string, string> = {}): Record<string, string> => ({
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  ...headers,
});

/** Writes `raw` to a socket on 127.0.0.1:`port` and returns all it answers until it closes. */
export function rawReply(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

/** The JSON body every refusal carries. */
export const errorBody = (code: string, message: string): string => JSON.stringify({ error: { code, message } });
