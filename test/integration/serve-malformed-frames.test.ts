// Issue 20, item 1: one malformed WebSocket frame used to end the whole serve process ("Unhandled
// 'error' event"), losing every session. Each frame here must close only its own connection, with
// the close code that names the fault, while another session keeps getting answers; and the socket's
// payload limit must be the one the API client holds requests to.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BROWSER_MODE } from '../../electron/shared/api/bridge';
import type { RunningServer } from '../../electron/serve/server';
import { startServer } from '../../electron/serve/server';
import { openRawWebSocket, rawExchange, statusOf, wsFrame } from './raw-sockets';

const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;

let server: RunningServer;
let rendererDir: string;
const logged: string[] = [];
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ port: 0, rendererDir, log: (line) => logged.push(line) });
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

function connect(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${encodeURIComponent(server.token)}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends one raw message text and resolves with the reply to it. */
function ask(ws: WebSocket, text: string, id: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (m.id !== id) return;
      ws.off('message', onMessage);
      resolve(m);
    };
    ws.on('message', onMessage);
    ws.send(text);
  });
}
const appInfo = (ws: WebSocket, id: string) =>
  ask(ws, JSON.stringify({ type: 'call', id, method: 'app.info', params: {} }), id);

const closeCode = (code: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return b;
};

const MALFORMED: Array<[string, Buffer, number]> = [
  ['a frame over the payload limit', wsFrame(TEXT, Buffer.alloc(0), { declaredLength: 2 * 1024 * 1024 }), 1009],
  ['text that is not UTF-8', wsFrame(TEXT, Buffer.from([0xff, 0xfe, 0xfd])), 1007],
  ['RSV1 set without compression', wsFrame(TEXT, Buffer.from('{}'), { rsv1: true }), 1002],
  ['an unmasked frame', wsFrame(TEXT, Buffer.from('{}'), { masked: false }), 1002],
  ['a reserved opcode', wsFrame(0x3, Buffer.from('{}')), 1002],
  ['a control frame over 125 bytes', wsFrame(PING, Buffer.alloc(126)), 1002],
  ['a fragmented control frame', wsFrame(PING, Buffer.from('x'), { fin: false }), 1002],
  ['a continuation with nothing to continue', wsFrame(0x0, Buffer.from('{}')), 1002],
  ['a close frame with an invalid code', wsFrame(CLOSE, closeCode(999)), 1002],
];

describe('malformed WebSocket frames', () => {
  it('each closes only its own connection; other sessions keep working', async () => {
    const other = await connect();
    expect(await appInfo(other, 'before')).toMatchObject({ ok: true });
    for (const [what, bytes, code] of MALFORMED) {
      const raw = await openRawWebSocket(server.port, server.token);
      raw.socket.write(bytes);
      expect({ what, code: await raw.closed }).toEqual({ what, code });
      expect({ what, reply: await appInfo(other, `after ${what}`) }).toMatchObject({ what, reply: { ok: true } });
    }
    const fresh = await connect();
    expect(await appInfo(fresh, 'fresh')).toMatchObject({ ok: true });
    fresh.close();
    other.close();
    expect(uncaught).toEqual([]);
    expect(fs.existsSync(server.uploads.dir)).toBe(true);
    expect(logged.filter((l) => l.includes('malformed')).length).toBeGreaterThanOrEqual(MALFORMED.length);
  });

  it('takes a request of exactly the limit the client holds requests to, and refuses one byte more', async () => {
    const limit = BROWSER_MODE.maxMessageBytes;
    const ws = await connect();
    const envelope = (pad: number) =>
      JSON.stringify({ type: 'call', id: 'big', method: 'app.info', params: { pad: 'x'.repeat(pad) } });
    const fits = envelope(limit - envelope(0).length);
    expect(Buffer.byteLength(fits)).toBe(limit);
    // Read in full and answered (app.info takes no arguments, so it is refused by name, not dropped).
    expect(await ask(ws, fits, 'big')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {}); // the client library reports the server's close as an error too
    ws.send(envelope(limit - envelope(0).length + 1));
    expect(await closed).toBe(1009);
    const after = await connect();
    expect(await appInfo(after, 'after-big')).toMatchObject({ ok: true });
    after.close();
    expect(uncaught).toEqual([]);
  });

  it('a handshake whose URL cannot be parsed is refused, not thrown', async () => {
    const head = (target: string) =>
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    for (const target of ['http://[', 'http://%zz/api']) {
      const status = statusOf(await rawExchange(server.port, head(target)));
      expect({ target, status }).toEqual({ target, status: 403 });
    }
    const after = await connect();
    expect(await appInfo(after, 'after-bad-url')).toMatchObject({ ok: true });
    after.close();
    expect(uncaught).toEqual([]);
  });
});
