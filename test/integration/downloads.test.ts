// Browser mode hands over every file Kiln made (issue 21 item 4): a variant by its id, an export's
// file, an export folder (a Triton repository) as a .zip made on the fly. Never anything else: no
// token, a wrong token, a path outside the export folder (.., an absolute path elsewhere, a symbolic
// link out of it, the export folder itself), a made-up variant id — all refused.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../electron/serve/server';
import { startServer } from '../../electron/serve/server';

let server: RunningServer;
let root: string;
let exportsDir: string;
let variantsDir: string;
const VARIANT = '0123456789abcdef-fedcba9876543210';
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-downloads-'));
  exportsDir = path.join(root, 'exports');
  variantsDir = path.join(root, 'variants');
  for (const k of ['KILN_EXPORT_DIR', 'KILN_VARIANTS_DIR']) saved[k] = process.env[k];
  process.env.KILN_EXPORT_DIR = exportsDir;
  process.env.KILN_VARIANTS_DIR = variantsDir;
  // What model.export and variant.make leave behind.
  fs.mkdirSync(path.join(exportsDir, 'model_repository', 'cls', '1'), { recursive: true });
  fs.writeFileSync(path.join(exportsDir, 'model_repository', 'cls', 'config.pbtxt'), 'name: "cls"\n');
  fs.writeFileSync(path.join(exportsDir, 'model_repository', 'cls', '1', 'model.onnx'), Buffer.alloc(70_000, 7));
  fs.writeFileSync(path.join(exportsDir, 'cls.engine'), Buffer.from('engine bytes'));
  fs.writeFileSync(path.join(exportsDir, 'cls.engine.json'), '{"tensorrt":"10"}');
  fs.mkdirSync(path.join(variantsDir, '0123456789abcdef'), { recursive: true });
  fs.writeFileSync(path.join(variantsDir, '0123456789abcdef', 'fedcba9876543210.onnx'), Buffer.from('variant bytes'));
  // Things that must never come out.
  fs.writeFileSync(path.join(root, 'secret.txt'), 'not Kiln’s');
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(exportsDir, 'link-out.txt'));
  const rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Kiln</title>');
  server = await startServer({ port: 0, rendererDir, token: 'download-token-123' });
});
afterAll(async () => {
  await server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

function get(query: Record<string, string>) {
  const u = new URL('/download', server.origin);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return fetch(u);
}
const withToken = (q: Record<string, string>) => get({ token: server.token, ...q });

/** The entries of a stored .zip, read from its central directory, each checked against its CRC. */
function unzip(buf: Buffer): Record<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const crc = buf.readUInt32LE(at + 16);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataAt, dataAt + size);
    expect(crc32(data) >>> 0, name).toBe(crc);
    out[name] = data;
    at += 46 + nameLen + extraLen;
  }
  return out;
}

describe('downloads in browser mode', () => {
  it('a variant by its id, under the name the user knows it by', async () => {
    const res = await withToken({ variant: VARIANT, name: 'cls.fp16.onnx' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="cls.fp16.onnx"; filename*=UTF-8''cls.fp16.onnx`,
    );
    expect(res.headers.get('content-length')).toBe('13');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('variant bytes');
  });

  it('an engine and its sidecar, each as a file', async () => {
    const engine = await withToken({ export: path.join(exportsDir, 'cls.engine') });
    expect(engine.status).toBe(200);
    expect(engine.headers.get('content-disposition')).toContain('filename="cls.engine"');
    expect(Buffer.from(await engine.arrayBuffer()).toString()).toBe('engine bytes');
    const sidecar = await withToken({ export: path.join(exportsDir, 'cls.engine.json') });
    expect(await sidecar.text()).toBe('{"tensorrt":"10"}');
  });

  it('a Triton repository folder as a .zip made on the fly', async () => {
    const res = await withToken({ export: path.join(exportsDir, 'model_repository', 'cls') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain('filename="cls.zip"');
    const files = unzip(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(files)).toEqual(['cls/1/model.onnx', 'cls/config.pbtxt']);
    expect(files['cls/config.pbtxt']!.toString()).toBe('name: "cls"\n');
    expect(files['cls/1/model.onnx']!.equals(Buffer.alloc(70_000, 7))).toBe(true);
  });

  it('refuses a missing or wrong token', async () => {
    expect((await get({ variant: VARIANT })).status).toBe(401);
    expect((await get({ token: 'download-token-124', variant: VARIANT })).status).toBe(401);
    expect((await get({ token: '', export: path.join(exportsDir, 'cls.engine') })).status).toBe(401);
  });

  it('refuses every path that is not inside the export folder', async () => {
    for (const p of [
      path.join(exportsDir, '..', 'secret.txt'),
      `${exportsDir}/../secret.txt`,
      path.join(root, 'secret.txt'),
      '/etc/passwd',
      path.join(exportsDir, 'link-out.txt'), // a link out of the folder
      exportsDir, // the whole folder
      'model_repository/cls', // relative
      '',
    ]) {
      const res = await withToken({ export: p });
      expect([400, 403], p).toContain(res.status);
      const body = await res.text();
      expect(body, p).not.toContain('not Kiln’s');
      expect(body, p).not.toContain('root:');
    }
  });

  it('refuses what is not a variant id, and says when a made file is gone', async () => {
    for (const id of ['../../secret', '0123456789abcdef-fedcba987654321', `${VARIANT}/../x`])
      expect((await withToken({ variant: id })).status, id).toBe(400);
    expect((await withToken({ variant: '0123456789abcdef-0000000000000000' })).status).toBe(404);
    expect((await withToken({ export: path.join(exportsDir, 'gone.engine') })).status).toBe(404);
    expect((await withToken({})).status).toBe(400);
  });

  it('refuses other methods and other origins', async () => {
    const u = `${server.origin}/download?token=${server.token}&variant=${VARIANT}`;
    expect((await fetch(u, { method: 'POST' })).status).toBe(405);
    expect((await fetch(u, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
  });
});
