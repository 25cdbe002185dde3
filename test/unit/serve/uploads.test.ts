// Uploaded file names become one safe path component, whatever a browser sends.
import { describe, expect, it } from 'vitest';
import { sanitizeName } from '../../../electron/serve/uploads';

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
