// Uploaded file names become one safe path component, whatever a browser sends.
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
});

describe('UploadStore eviction', () => {
  it('the model in use survives many later side-file uploads; the least recently used goes', async () => {
    const store = new UploadStore(1 << 20);
    try {
      const model = await store.save(Readable.from([Buffer.from('model bytes')]), 'model.onnx', undefined);
      const first = await store.save(Readable.from([Buffer.from('{}')]), 'a.json', undefined);
      for (let i = 0; i < 30; i++) {
        expect(store.get(model.uploadId)?.displayName).toBe('model.onnx'); // every call touches the open model
        await store.save(Readable.from([Buffer.from(`{"i":${i}}`)]), `f${i}.json`, undefined);
      }
      expect(store.get(model.uploadId)).toBeDefined();
      expect(store.get(first.uploadId)).toBeUndefined();
    } finally {
      store.dispose();
    }
  });
});
