/**
 * The soak's hostile requests, sent over raw sockets because no well-behaved client would send
 * them: malformed WebSocket frames (each must close only its own connection, with a close code),
 * uploads whose body runs past its Content-Length or stops half-way, and request targets that
 * once answered 500 with a server path. Every outcome is returned as a kind for the summary.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';

const TEXT = 0x1;

/** One client frame, masked unless told otherwise; `declaredLength` may lie about the payload. */
function frame(opcode, payload, { rsv1 = false, masked = true, declaredLength } = {}) {
  const first = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  const length = declaredLength ?? payload.length;
  const mask = masked ? 0x80 : 0;
  let header;
  if (length < 126) header = Buffer.from([first, mask | length]);
  else if (length < 65536) {
    header = Buffer.from([first, mask | 126, 0, 0]);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.from([first, mask | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  return Buffer.concat([header, key, Buffer.from(payload.map((b, i) => b ^ key[i % 4]))]);
}

/** The malformed frames of issue 20, item 1, by name. */
export const MALFORMED_FRAMES = {
  oversized: () => frame(TEXT, Buffer.alloc(1024), { declaredLength: 2 * 1024 * 1024 }),
  'invalid-utf8': () => frame(TEXT, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
  rsv1: () => frame(TEXT, Buffer.from('{}'), { rsv1: true }),
  unmasked: () => frame(TEXT, Buffer.from('{}'), { masked: false }),
  'bad-opcode': () => frame(0x3, Buffer.from('{}')),
};

/**
 * Opens a WebSocket by hand and sends one malformed frame. Resolves with a kind: `closed-<code>`
 * when the server closed the connection (the code from its close frame, 0 for none),
 * `not-closed` when it kept it open past `waitMs`, `refused-<status>` when the handshake failed.
 */
export function malformedFrame(port, token, name, waitMs = 5_000) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let settled = false;
    const done = (kind) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(kind);
    };
    const timer = setTimeout(() => done(upgraded ? 'not-closed' : 'no-handshake'), waitMs);
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
        if (!head.startsWith('HTTP/1.1 101')) return done(`refused-${head.split(' ')[1]}`);
        upgraded = true;
        buffered = buffered.subarray(end + 4);
        socket.write(MALFORMED_FRAMES[name]());
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      // The server's close frame: 0x88, a short length, then the two-byte code.
      const at = buffered.indexOf(0x88);
      done(`closed-${at >= 0 && buffered.length >= at + 4 ? buffered.readUInt16BE(at + 2) : 0}`);
    });
  });
}

/** Sends raw bytes on a fresh connection; resolves with the reply's status (0: none) once the server closes or `waitMs` pass. */
function rawRequest(port, data, { end = false, destroyAfterMs, waitMs = 5_000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('connect', () => {
      socket.write(data);
      if (end) socket.end();
      if (destroyAfterMs !== undefined) setTimeout(done, destroyAfterMs);
    });
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', done);
  });
}

const uploadHead = (port, token, length) =>
  [
    'POST /upload HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `x-kiln-token: ${token}`,
    'x-kiln-filename: hostile.onnx',
    `Content-Length: ${length}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');

/** The bad uploads, by name: how to send each, and the status it must get (0: none, the client went away). */
export const BAD_UPLOADS = {
  /** A body that runs past its Content-Length (issue 20, item 3). */
  'past-length': {
    want: 400,
    send: (port, token) =>
      rawRequest(port, Buffer.concat([Buffer.from(uploadHead(port, token, 10)), randomBytes(4096)])),
  },
  /** A body cut short: the client stops sending and half-closes. */
  'cut-short': {
    want: 400,
    send: (port, token) =>
      rawRequest(port, Buffer.concat([Buffer.from(uploadHead(port, token, 1000)), randomBytes(100)]), { end: true }),
  },
  /** A body that stops half-way and a client that resets the connection. */
  aborted: {
    want: 0,
    send: (port, token) =>
      rawRequest(port, Buffer.concat([Buffer.from(uploadHead(port, token, 1_000_000)), randomBytes(2048)]), {
        destroyAfterMs: 100,
      }),
  },
  'wrong-token': {
    want: 401,
    send: (port) => rawRequest(port, Buffer.concat([Buffer.from(uploadHead(port, 'wrong-token', 4)), randomBytes(4)])),
  },
  'over-limit': { want: 413, send: (port, token) => rawRequest(port, uploadHead(port, token, 10 * 1024 ** 3)) },
  empty: { want: 400, send: (port, token) => rawRequest(port, uploadHead(port, token, 0)) },
};

/** The request targets that once answered 500 naming the server's dist path (issue 20, item 9), with what they must answer now. */
export const HOSTILE_TARGETS = [
  { path: '/assets/%00', want: 404 },
  { path: '/%E0%A4%A', want: 400 },
  { path: '/..%2f..%2fetc%2fpasswd', want: 404 },
];
