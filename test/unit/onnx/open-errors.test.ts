/**
 * A file that is not a model, or not all of one, is said plainly first ("cut short", "not an ONNX
 * model (it looks like text)"), with the decoder's technical detail kept underneath in the error's
 * details: what a user reads is about their file, not about protobuf wire types.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { openModelFile } from '../../../electron/core/onnx/open';
import { REAL_MODELS } from './real-models';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-open-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function failure(name: string, data: Uint8Array | string): Promise<KilnError> {
  const file = join(tmp, name);
  writeFileSync(file, data);
  try {
    await openModelFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(KilnError);
    return err as KilnError;
  }
  throw new Error(`${name} was accepted`);
}

const det = readFileSync(REAL_MODELS.find((m) => m.file === 'ch_PP-OCRv4_det_infer.onnx')!.path);
const detail = (e: KilnError) => String(e.details?.detail ?? '');

describe('a model that is cut short', () => {
  it('says where the file ends and how much the model needs, and asks about the download', async () => {
    const cut = 300_001;
    const e = await failure('cut.onnx', det.subarray(0, cut));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(
      /^cut\.onnx is cut short: it ends at byte 300,001 of a model that needs at least [\d,]+ bytes .*— was the download or copy interrupted\?$/,
    );
    const needs = Number(/needs at least ([\d,]+)/.exec(e.message)![1]!.replace(/,/g, ''));
    expect(needs).toBeGreaterThan(cut);
    expect(needs).toBeLessThanOrEqual(det.length);
    expect(e.message).not.toMatch(/protobuf|wire type/);
    expect(detail(e)).toMatch(/protobuf decode failed at byte \d+/);
    expect(e.details?.reason).toBe('truncated');
  });

  it('a file cut in its first bytes is still "cut short", not protobuf talk', async () => {
    const e = await failure('head.onnx', det.subarray(0, 19));
    expect(e.message).toMatch(/^head\.onnx is cut short: it ends at byte 19 of a model that needs at least/);
    expect(detail(e)).toMatch(/protobuf/);
  });

  it('a file cut between its fields, before the graph, says so too', async () => {
    // ir_version, producer name: a clean field boundary with nothing after it.
    const e = await failure('nograph.onnx', det.subarray(0, 2));
    expect(e.message).toMatch(/^nograph\.onnx is cut short/);
  });
});

describe('a file that is not an ONNX model says what it looks like', () => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    [
      'notes.onnx',
      'these are my notes, not a model\n'.repeat(40),
      /\(it looks like text, starting "these are my notes/,
    ],
    ['keys.onnx', readFileSync(join(__dirname, 'real-models.ts')), /\(it looks like text/],
    ['layers.onnx', JSON.stringify({ Layers: [{ Name: 'conv' }], Bindings: [] }), /\(it looks like JSON/],
    ['page.onnx', '<!DOCTYPE html>\n<html><head><title>Download</title></head></html>', /\(it looks like an HTML page/],
    [
      'lfs.onnx',
      'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 88188452\n',
      /\(it is a Git LFS pointer/,
    ],
    [
      'model.onnx.zip',
      Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 1, 2, 3, 4, 5, 6]),
      /\(it looks like a zip archive/,
    ],
    [
      'weights.onnx',
      Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0]),
      /\(it looks like a NumPy array/,
    ],
    [
      'photo.onnx',
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      /\(it looks like a PNG image/,
    ],
  ];
  it.each(cases)('%s', async (name, data, says) => {
    const e = await failure(name, data);
    expect(e.code).toBe('NOT_ONNX');
    expect(e.file).toBe(name);
    expect(e.message.startsWith(`${name} is not an ONNX model`)).toBe(true);
    expect(e.message).toMatch(says);
    expect(e.message).not.toMatch(/protobuf|wire type|metadata_props/);
    expect(e.details?.reason).toBe('not-onnx');
  });

  it('binary that is no format Kiln knows says so, with the decoder detail underneath', async () => {
    const noise = Uint8Array.from({ length: 256 }, (_, i) => (i * 73 + 41) % 256);
    const e = await failure('noise.onnx', noise);
    expect(e.message).toMatch(/^noise\.onnx is not an ONNX model/);
    expect(e.message).not.toMatch(/protobuf|wire type/);
    expect(detail(e).length).toBeGreaterThan(0);
  });
});
