// Uploaded file names become one safe path component, whatever a browser sends; uploads are kept
// within a byte budget, so a burst of calibration images evicts nothing still needed.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
