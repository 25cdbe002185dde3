// Uploaded file names become one safe path component, whatever a browser sends; uploads are kept
// within a byte budget, so a burst of calibration images evicts nothing still needed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_MODEL_FILE_BYTES } from '../../../electron/shared/api/sources';
import { sanitizeName, UploadStore } from '../../../electron/serve/uploads';

describe('sanitizeName', () => {
  it('keeps ordinary names', () => {
    expect(sanitizeName('resnet50 (fp16).onnx')).toBe('resnet50 (fp16).onnx');
  });
  it('cannot climb out of the upload folder', () => {
    expect(sanitizeName('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(sanitizeName('..')).toBe('model.onnx');
    expect(sanitizeName('C:\\Windows\\x.onnx')).toBe('C:_Windows_x.onnx');
  });
  it('drops control characters and bounds the length', () => {
    expect(sanitizeName('a\u0000b\nc.onnx')).toBe('abc.onnx');
    expect(sanitizeName('x'.repeat(1000))).toHaveLength(200);
    expect(sanitizeName('   ')).toBe('model.onnx');
  });
  it('bounds the name in UTF-8 bytes, cutting between characters (issue 20: emoji names hit NAME_MAX)', () => {
    const name = sanitizeName('😀'.repeat(150) + '.onnx');
    expect(name).toBe('😀'.repeat(50)); // 4 bytes each: 200 bytes, and `.part` still fits in 255
    expect(sanitizeName('é'.repeat(150))).toBe('é'.repeat(100));
  });
});

describe('UploadStore eviction', () => {
  it('a few hundred calibration images uploaded at once keep the model and one another', async () => {
    const store = new UploadStore(1 << 20);
    try {
      const model = await store.save(Readable.from([Buffer.alloc(4096, 1)]), 'model.onnx', undefined);
      const images = [];
      for (let i = 0; i < 300; i++)
        images.push(await store.save(Readable.from([Buffer.alloc(512, i)]), `page-${i}.png`, undefined));
      // No call touched the model in between: it and every image are still there for variant.make.
      expect(store.get(model.uploadId)?.displayName).toBe('model.onnx');
      for (const im of images) expect(store.get(im.uploadId)).toBeDefined();
    } finally {
      store.dispose();
    }
  });

  it('past the byte budget (twice the upload limit) the least recently used go, never the newest', async () => {
    const store = new UploadStore(100);
    try {
      expect(store.budgetBytes).toBe(200);
      const a = await store.save(Readable.from([Buffer.alloc(90)]), 'a.onnx', undefined);
      const b = await store.save(Readable.from([Buffer.alloc(90)]), 'b.onnx', undefined);
      expect(store.get(a.uploadId)).toBeDefined(); // a is now the most recently used
      const c = await store.save(Readable.from([Buffer.alloc(90)]), 'c.onnx', undefined);
      expect(store.get(b.uploadId)).toBeUndefined();
      expect(store.get(a.uploadId)).toBeDefined();
      expect(store.get(c.uploadId)).toBeDefined();
      expect(fs.existsSync(b.path)).toBe(false);
    } finally {
      store.dispose();
    }
  });
});

describe('UploadStore: an upload begun before its bytes (read while it arrives)', () => {
  const folderOf = (file: string) => path.dirname(file);

  it('is named at once with its part file made; its bytes complete it under its name', async () => {
    const store = new UploadStore(1 << 20);
    try {
      const begun = await store.begin('m.onnx', 6);
      expect(begun.arriving).toEqual({ partPath: `${begun.path}.part`, bytes: 6 });
      expect(fs.statSync(`${begun.path}.part`).size).toBe(0);
      expect(store.get(begun.uploadId)?.arriving).toBeDefined();
      const done = await store.receive(begun.uploadId, Readable.from([Buffer.from('abc'), Buffer.from('def')]), 6);
      expect(done.arriving).toBeUndefined();
      expect(fs.readFileSync(begun.path, 'utf8')).toBe('abcdef');
      expect(fs.existsSync(`${begun.path}.part`)).toBe(false);
      // its bytes come once
      await expect(store.receive(begun.uploadId, Readable.from([Buffer.from('x')]), 1)).rejects.toThrow(
        /no upload with id .* is waiting for its bytes/,
      );
    } finally {
      store.dispose();
    }
  });

  it('refuses a size it cannot take before making anything: none, empty, over the limit', async () => {
    const store = new UploadStore(100);
    try {
      await expect(store.begin('a.onnx', Number.NaN)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(store.begin('a.onnx', 0)).rejects.toMatchObject({ code: 'EMPTY_FILE' });
      await expect(store.begin('a.onnx', 101)).rejects.toMatchObject({ code: 'TOO_LARGE' });
      expect(fs.readdirSync(store.dir)).toEqual([]);
    } finally {
      store.dispose();
    }
  });

  it('bytes short of, past or other than the size it said: refused, and its folder goes', async () => {
    const store = new UploadStore(1 << 20);
    try {
      for (const [body, declared, why] of [
        [[Buffer.from('abc')], undefined, /interrupted/],
        [[Buffer.from('abcdefgh')], undefined, /more bytes than it said/],
        [[Buffer.from('abcdef')], 7, /said it had 6 bytes but sent 7/],
      ] as const) {
        const begun = await store.begin('m.onnx', 6);
        await expect(store.receive(begun.uploadId, Readable.from([...body]), declared)).rejects.toThrow(why);
        expect(fs.existsSync(folderOf(begun.path))).toBe(false);
        expect(store.get(begun.uploadId)).toBeUndefined();
      }
    } finally {
      store.dispose();
    }
  });

  it('an id the page chose: taken as it is, once; one that is no upload id is refused', async () => {
    const store = new UploadStore(1 << 20);
    try {
      const id = 'ab'.repeat(16);
      const named = await store.begin('m.onnx', 3, id);
      expect(named.uploadId).toBe(id);
      expect(named.path).toBe(path.join(store.dir, id, 'm.onnx'));
      await expect(store.begin('m.onnx', 3, id)).rejects.toThrow(/an upload with id a+b.* exists already/);
      // two begins of one new id at once: one wins
      const twice = await Promise.allSettled([
        store.begin('x.onnx', 3, 'cd'.repeat(16)),
        store.begin('y.onnx', 3, 'cd'.repeat(16)),
      ]);
      expect(twice.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      for (const bad of ['../../etc', 'AB'.repeat(16), 'ab'.repeat(15), ''])
        await expect(store.begin('m.onnx', 3, bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      store.dispose();
    }
  });

  it('whenBegun: at once for a known id; when it is begun; after the wait; on cancel; on dispose', async () => {
    const store = new UploadStore(1 << 20);
    const known = await store.begin('k.onnx', 3);
    await store.whenBegun(known.uploadId, { timeoutMs: 60_000 }); // does not wait
    const id = 'ef'.repeat(16);
    let woke = false;
    const waiting = store.whenBegun(id, { timeoutMs: 60_000 }).then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(woke).toBe(false);
    await store.begin('late.onnx', 3, id);
    await waiting;
    const t = Date.now();
    await store.whenBegun('01'.repeat(16), { timeoutMs: 30 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(25);
    const stop = new AbortController();
    const cancelled = store.whenBegun('02'.repeat(16), { timeoutMs: 60_000, signal: stop.signal });
    stop.abort();
    await cancelled;
    const disposed = store.whenBegun('03'.repeat(16), { timeoutMs: 60_000 });
    store.dispose();
    await disposed;
  });

  it('refuses a model past what an ONNX file can be (2 GiB) before a byte is sent, in plain words', async () => {
    const store = new UploadStore(4 * 1024 ** 3);
    try {
      const err = await store.begin('huge.onnx', 3 * 1024 ** 3).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNSUPPORTED', file: 'huge.onnx' });
      expect((err as Error).message).toMatch(
        /huge\.onnx is 3\.0 GiB; ONNX files are protobuf messages, limited to 2 GiB/,
      );
      expect(fs.readdirSync(store.dir)).toEqual([]);
      expect((await store.begin('limit.onnx', MAX_MODEL_FILE_BYTES)).arriving?.bytes).toBe(MAX_MODEL_FILE_BYTES);
    } finally {
      store.dispose();
    }
  });

  it('one whose bytes never come goes after a while, folder and all', async () => {
    const store = new UploadStore(1 << 20, 30);
    try {
      const begun = await store.begin('never.onnx', 10);
      await expect.poll(() => store.get(begun.uploadId), { timeout: 2_000 }).toBeUndefined();
      await expect.poll(() => fs.existsSync(folderOf(begun.path)), { timeout: 2_000 }).toBe(false);
      // one whose bytes are coming stays
      const coming = await store.begin('coming.onnx', 6);
      const body = new PassThrough();
      const received = store.receive(coming.uploadId, body, 6);
      body.write('abc');
      await new Promise((r) => setTimeout(r, 100));
      body.end('def');
      expect((await received).arriving).toBeUndefined();
      expect(fs.readFileSync(coming.path, 'utf8')).toBe('abcdef');
    } finally {
      store.dispose();
    }
  });

  it('a just completed upload is the most recently used: the budget takes others first', async () => {
    const store = new UploadStore(100);
    try {
      const a = await store.begin('a.onnx', 90);
      const d = await store.begin('d.onnx', 90); // still arriving: never evicted
      const b = await store.save(Readable.from([Buffer.alloc(90)]), 'b.onnx', undefined);
      await store.receive(a.uploadId, Readable.from([Buffer.alloc(90)]), 90);
      expect(store.get(a.uploadId)).toBeDefined();
      expect(fs.existsSync(a.path)).toBe(true);
      expect(store.get(b.uploadId)).toBeUndefined();
      expect(store.get(d.uploadId)?.arriving).toBeDefined();
    } finally {
      store.dispose();
    }
  });

  it('an upload still arriving is never evicted for the budget', async () => {
    const store = new UploadStore(100);
    try {
      const begun = await store.begin('arriving.onnx', 90);
      await store.save(Readable.from([Buffer.alloc(90)]), 'b.onnx', undefined);
      await store.save(Readable.from([Buffer.alloc(90)]), 'c.onnx', undefined);
      expect(store.get(begun.uploadId)?.arriving).toBeDefined();
      expect(fs.existsSync(`${begun.path}.part`)).toBe(true);
    } finally {
      store.dispose();
    }
  });
});
