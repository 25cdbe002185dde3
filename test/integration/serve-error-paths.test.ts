// Issue 20, item 9 (the server's part): errors showed where the server keeps its files. An emoji
// file name failed with the upload folder's path, `GET /assets/%00` answered 500 with the renderer
// folder's path and `GET /%E0%A4%A` (malformed percent-encoding) answered 500. Each must now be a
// 400 or 404 in plain words, and no answer may name a server path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../electron/serve/server';
import { startServer } from '../../electron/serve/server';
import { bodyOf, rawExchange, statusOf } from './raw-sockets';

let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-renderer-'));
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ port: 0, rendererDir });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

/** Asserts that an answer names none of the places this server keeps files. */
function namesNoServerPath(body: string): void {
  for (const place of [rendererDir, server.uploads.dir, os.tmpdir(), os.homedir(), process.cwd()])
    expect(body).not.toContain(place);
}

async function get(target: string) {
  const reply = await rawExchange(
    server.port,
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
  );
  return { status: statusOf(reply), body: bodyOf(reply) };
}

async function upload(name: string, body: Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${server.origin}/upload`, {
    method: 'POST',
    headers: { 'x-kiln-token': server.token, 'x-kiln-filename': encodeURIComponent(name) },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

describe('static files', () => {
  it.each([
    ['/assets/%00', 404],
    ['/%00', 404],
    ['/index.html%00.js', 404],
    ['/%E0%A4%A', 400],
    ['/assets/%E0%A4%A', 400],
    ['/%', 400],
    ['/..%2f..%2f..%2fetc%2fpasswd', 404],
    ['/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd', 404],
    ['/assets', 404], // a folder is not a file
  ])('GET %s answers %i in plain words', async (target, status) => {
    const reply = await get(target);
    expect(reply.status).toBe(status);
    const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(error.code).toBe(status === 400 ? 'INVALID_ARGUMENT' : 'FILE_NOT_FOUND');
    namesNoServerPath(reply.body);
  });

  it('a request target that is not a URL at all answers 400', async () => {
    const reply = await get('http://[');
    expect(reply.status).toBe(400);
    namesNoServerPath(reply.body);
  });
});

describe('uploads', () => {
  it('a long emoji name is stored (shortened on a character boundary), not refused with the folder path', async () => {
    const name = '😀'.repeat(150) + '.onnx';
    const up = await upload(name, Buffer.from('not really a model'));
    expect(up.status).toBe(200);
    const stored = String(up.json.fileName);
    expect(name.startsWith(stored)).toBe(true);
    expect(Buffer.from(stored).toString()).toBe(stored); // no half of a surrogate pair
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(200);
    namesNoServerPath(up.text);
  });

  it('an upload the server cannot store says so in plain words, naming the file and not the folder', async () => {
    fs.rmSync(server.uploads.dir, { recursive: true, force: true });
    try {
      const up = await upload('resnet.onnx', Buffer.from('bytes'));
      expect(up.status).toBe(400);
      expect(up.json.error).toMatchObject({ code: 'FILE_UNREADABLE', file: 'resnet.onnx' });
      expect(String((up.json.error as { message: string }).message)).toContain('resnet.onnx could not be stored');
      namesNoServerPath(up.text);
    } finally {
      fs.mkdirSync(server.uploads.dir, { recursive: true });
    }
  });
});
