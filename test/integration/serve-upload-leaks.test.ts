// Issue 20, item 3: an upload whose body ran past its Content-Length, was cut short or was aborted
// got its 400 but left its file descriptor and its upload folder open (200 requests: 190
// descriptors, 195 folders). After any number of such uploads the server must hold what it held
// before, and still take a good upload.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../electron/serve/server';
import { startServer } from '../../electron/serve/server';
import { openDescriptors, rawExchange, settle, statusOf } from './raw-sockets';

const N = 30;
let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ port: 0, rendererDir, maxUploadBytes: 1024 * 1024 });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

const head = (contentLength: number) =>
  [
    'POST /upload HTTP/1.1',
    `Host: 127.0.0.1:${server.port}`,
    `x-kiln-token: ${server.token}`,
    'x-kiln-filename: model.onnx',
    `content-length: ${contentLength}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
const uploadFolders = () => fs.readdirSync(server.uploads.dir).length;
/** Empties the upload folder, so that the next case counts from nothing. */
async function removeUploadsKept() {
  for (const name of fs.readdirSync(server.uploads.dir)) await server.uploads.discard(name);
}

/** Runs `n` bad uploads and returns what they left behind once the server has had time to clean up. */
async function leftBehind(send: () => Promise<string>, expectStatus: number | null) {
  const descriptors = openDescriptors();
  const folders = uploadFolders();
  for (let i = 0; i < N; i++) {
    const reply = await send();
    if (expectStatus !== null) expect(statusOf(reply)).toBe(expectStatus);
  }
  // Cleanup is asynchronous (a descriptor closes after its stream is destroyed): wait, don't guess.
  const foldersAfter = await settle(uploadFolders, folders);
  const descriptorsAfter = await settle(openDescriptors, descriptors);
  return { folders: foldersAfter - folders, descriptors: Math.max(0, descriptorsAfter - descriptors) };
}

describe('bad uploads leave nothing open', () => {
  it('a body that runs past its Content-Length', async () => {
    const left = await leftBehind(() => rawExchange(server.port, head(10) + 'x'.repeat(200)), 400);
    expect(left.folders).toBe(0);
    expect(left.descriptors).toBeLessThanOrEqual(2); // the test runner's own, not one per upload
  });

  it('a body cut short (the client stops sending and half-closes)', async () => {
    const left = await leftBehind(() => rawExchange(server.port, head(1000) + 'x'.repeat(100), { end: true }), 400);
    expect(left.folders).toBe(0);
    expect(left.descriptors).toBeLessThanOrEqual(2);
  });

  it('an upload aborted mid-body (the client resets the connection)', async () => {
    const left = await leftBehind(
      () => rawExchange(server.port, head(100_000) + 'x'.repeat(1000), { destroyAfterMs: 100 }),
      null,
    );
    expect(left.folders).toBe(0);
    expect(left.descriptors).toBeLessThanOrEqual(2);
  });

  it('a whole upload whose client hangs up before the reply: nobody can name it, so it goes', async () => {
    // The body is complete, so the file is saved; the reply with its id has no one to reach. Were
    // it kept, it would sit there until the byte budget pushed it out (25 of 30 stayed before).
    // A reply the kernel took just before the reset cannot be told from one delivered, so whether
    // the hang-up or the reply comes first was left to the machine's load (8 of 30 stayed in one CI
    // run, 16 in another). Here the save takes a moment longer, as a big file's does, so the
    // hang-up is there before the reply in every upload: none may stay (without the discard, 25-30 do).
    const store = server.uploads;
    const save = store.save.bind(store);
    store.save = async (...args: Parameters<typeof save>) => {
      const saved = await save(...args);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return saved;
    };
    try {
      const left = await leftBehind(() => rawExchange(server.port, head(5) + 'hello', { destroyAfterMs: 0 }), null);
      expect(left.folders).toBe(0);
      expect(left.descriptors).toBeLessThanOrEqual(2);
    } finally {
      store.save = save;
      await removeUploadsKept();
    }
  });

  it('the bytes of a begun upload whose client hangs up before the reply: kept, for it has had the id since the begin', async () => {
    // Its page may be showing the graph the host read while the bytes came: it stays, and the
    // byte budget takes it in time like any other.
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const begun = await fetch(`${server.origin}/upload/begin`, {
        method: 'POST',
        headers: { 'x-kiln-token': server.token, 'x-kiln-filename': 'model.onnx', 'x-kiln-upload-bytes': '5' },
      });
      const { uploadId } = (await begun.json()) as { uploadId: string };
      ids.push(uploadId);
      await rawExchange(
        server.port,
        head(5).replace('\r\n\r\n', `\r\nx-kiln-upload-id: ${uploadId}\r\n\r\n`) + 'hello',
        {
          destroyAfterMs: 0,
        },
      );
    }
    // every one complete (the bytes all came) and none discarded
    for (const id of ids) {
      await settle(() => (server.uploads.get(id)?.arriving === undefined ? 1 : 0), 1);
      const record = server.uploads.get(id);
      expect(record).toBeDefined();
      expect(fs.readFileSync(record!.path, 'utf8')).toBe('hello');
    }
    await removeUploadsKept();
  });

  it('a good upload still works afterwards and is kept', async () => {
    const before = uploadFolders();
    const reply = await rawExchange(server.port, head(5) + 'hello');
    expect(statusOf(reply)).toBe(200);
    expect(uploadFolders()).toBe(before + 1);
  });

  it('stopping the server mid-upload does not wait for the client, and removes the upload folder', async () => {
    const other = await startServer({ port: 0, rendererDir });
    const stalled = net.connect(other.port, '127.0.0.1');
    stalled.on('error', () => {});
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write(
      `POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${other.port}\r\nx-kiln-token: ${other.token}\r\n` +
        'content-length: 100000\r\n\r\n' +
        'x'.repeat(1000),
    );
    await settle(() => fs.readdirSync(other.uploads.dir).length, 1);
    const closed = await Promise.race([
      other.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still waiting'), 10_000)),
    ]);
    stalled.destroy();
    expect(closed).toBe('closed');
    expect(fs.existsSync(other.uploads.dir)).toBe(false);
  });

  it('a server that cannot start (its port is taken) leaves no upload folder behind', async () => {
    // A private temp folder, so that nothing else running on this machine can add to the count.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await expect(startServer({ port: server.port, rendererDir })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
