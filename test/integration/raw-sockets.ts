/**
 * Raw sockets for the hostile-client suites: requests and WebSocket frames that no well-behaved
 * client library would send (bodies past their Content-Length, unmasked or oversized frames), and
 * the counts that show what a server left open afterwards.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';

/** Sends `data` on a fresh connection and collects every byte the server sends until it closes (or `waitMs`). */
export function rawExchange(
  port: number,
  data: string | Buffer,
  opts: { end?: boolean; destroyAfterMs?: number; waitMs?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, opts.waitMs ?? 5_000);
    socket.on('connect', () => {
      socket.write(data);
      if (opts.end) socket.end();
      if (opts.destroyAfterMs !== undefined) setTimeout(done, opts.destroyAfterMs);
    });
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', done);
  });
}

/** The status code of the first response in raw HTTP text (0 when there was none). */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

/** The body of the first response in raw HTTP text (chunked encoding undone). */
export function bodyOf(response: string): string {
  const [head = '', ...rest] = response.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  if (!/transfer-encoding: chunked/i.test(head)) return body;
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

export interface RawWebSocket {
  socket: net.Socket;
  /** Resolves with the close code the server sent (0 when it hung up without a close frame). */
  closed: Promise<number>;
}

/** Opens a WebSocket by hand (the handshake only), so that any bytes at all can follow. */
export function openRawWebSocket(port: number, token: string): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let closeCode = 0;
    let onClosed: (code: number) => void = () => {};
    const closed = new Promise<number>((r) => (onClosed = r));
    socket.on('connect', () => {
      socket.write(
        [
          `GET /api?token=${encodeURIComponent(token)} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      );
    });
    socket.on('data', (d) => {
      buffered = Buffer.concat([buffered, d]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) {
          reject(new Error(head.split('\r\n')[0]));
          socket.destroy();
          return;
        }
        upgraded = true;
        buffered = buffered.subarray(end + 4);
        resolve({ socket, closed });
      }
      // A server's close frame: 0x88, a short length, then the two-byte code.
      const at = buffered.indexOf(0x88);
      if (at >= 0 && buffered.length >= at + 4 && closeCode === 0) closeCode = buffered.readUInt16BE(at + 2);
    });
    socket.on('error', () => {});
    socket.on('close', () => onClosed(closeCode));
  });
}

/** One client frame, masked unless told otherwise; `declaredLength` may lie about the payload. */
export function wsFrame(
  opcode: number,
  payload: Buffer,
  opts: { fin?: boolean; rsv1?: boolean; masked?: boolean; declaredLength?: number } = {},
): Buffer {
  const first = (opts.fin === false ? 0 : 0x80) | (opts.rsv1 ? 0x40 : 0) | opcode;
  const length = opts.declaredLength ?? payload.length;
  const mask = opts.masked === false ? 0 : 0x80;
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, mask | length]);
  else if (length < 65536) {
    header = Buffer.from([first, mask | 126, 0, 0]);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.from([first, mask | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([header, key, body]);
}

/** Open file descriptors of this process (Linux). */
export function openDescriptors(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Polls `read` until it returns `want` or `ms` pass; returns the last value (the test asserts it). */
export async function settle<T>(read: () => T, want: T, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let value = read();
  while (value !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = read();
  }
  return value;
}
