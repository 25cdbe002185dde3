/**
 * External data that is not what it claims (issue 20, item 8): a FIFO, a folder, a link that loops,
 * a device, offsets and lengths no file has. Opening the model, and reading the tensor, must end at
 * once in a plain KilnError that names the tensor and the file — never hang on open(), never a raw
 * EISDIR or RangeError, never the folder's path. And dims that disagree with the data stored (2^40
 * elements over 16 bytes) are reported as a warning when the model opens (item 9).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { TensorData, TensorProto } from '../../../electron/core/onnx/model';
import { openModelBytes, openModelFile } from '../../../electron/core/onnx/open';
import { tensorRawBytes, tensorStats, tensorValues } from '../../../electron/core/onnx/values';
import { writeModelFile } from '../../../electron/core/onnx/write';
import { DT, GraphBuilder, model } from '../../builders/graph';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-ext-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const MODEL = path.join(dir, 'model.onnx');
fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(64, 1));
fs.mkdirSync(path.join(dir, 'folder.bin'));
fs.symlinkSync('loop.bin', path.join(dir, 'loop.bin'));
/** Special files need mkfifo / mknod (POSIX; mknod needs root): their cases are skipped where they cannot be made. */
const made = (cmd: string, args: string[]): boolean => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasFifo = process.platform !== 'win32' && made('mkfifo', [path.join(dir, 'pipe.bin')]);
const hasDevice = process.platform === 'linux' && made('mknod', [path.join(dir, 'zero.bin'), 'c', '1', '5']);

/** A Reshape whose target shape (int64 [2], read by shape inference) lives in external data. */
function externalModel(location: string, offset: string, length: string | null): Uint8Array {
  const b = new GraphBuilder('ext');
  const x = b.input('x', DT.float32, [2, 8]);
  const shape: TensorProto = {
    name: 'shape',
    dataType: DT.int64,
    dims: [2],
    data: { kind: 'external', location, path: '', offset: 0, length: null },
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: offset },
      ...(length === null ? [] : [{ key: 'length', value: length }]),
    ],
    docString: '',
  };
  b.initializers.push(shape);
  b.node('Reshape', [x, 'shape'], { name: 'reshape', outputs: ['y'] });
  b.output('y', DT.float32, [4, 4]);
  return encodeModel(model(b.graph(), { opset: 17 }));
}

/** Opens the model and returns the KilnError it must end in. */
function refusal(bytes: Uint8Array): KilnError {
  let e: unknown;
  try {
    analyzeModelBytes(bytes, MODEL, 'model.onnx');
  } catch (err) {
    e = err;
  }
  return plain(e, 'the model opened');
}

/** Checks `e` is a KilnError naming the tensor and the file, without the folder's path. */
function plain(e: unknown, none: string): KilnError {
  if (e === undefined) throw new Error(none);
  if (!(e instanceof KilnError)) throw new Error(`not a KilnError: ${(e as Error)?.stack ?? String(e)}`);
  expect(e.message).toContain('shape');
  expect(e.message).not.toContain(dir);
  expect(JSON.stringify(e.toJSON())).not.toContain(dir);
  return e;
}

/** The tensor as decoded, with its external data pointing at `file` of the test folder. */
function externalTensor(file: string, offset: number, length: number | null): TensorProto {
  const data: TensorData = { kind: 'external', location: file, path: path.join(dir, file), offset, length };
  return { name: 'shape', dataType: DT.int64, dims: [2], data, externalData: [], docString: '' };
}

/** Reads the tensor three ways (values, statistics, raw bytes); each must end in a plain KilnError. */
function readRefusals(t: TensorProto): KilnError[] {
  const src = { path: MODEL };
  return [() => tensorValues(t, src), () => tensorStats(t, src), () => tensorRawBytes(t, src)].map((read) => {
    let e: unknown;
    try {
      read();
    } catch (err) {
      e = err;
    }
    return plain(e, 'the tensor was read');
  });
}

describe('external data that is not a regular file (issue 20, item 8)', () => {
  it.skipIf(!hasFifo)('a FIFO is refused by name when the model opens, and when read, without hanging', () => {
    const e = refusal(externalModel('pipe.bin', '0', '16'));
    expect(e.code).toBe('NOT_A_FILE');
    expect(e.message).toContain('model.onnx');
    expect(e.message).toContain('pipe.bin');
    for (const r of readRefusals(externalTensor('pipe.bin', 0, 16))) expect(r.code).toBe('NOT_A_FILE');
  });

  it('a folder is refused by name, not a raw EISDIR', () => {
    const e = refusal(externalModel('folder.bin', '0', '16'));
    expect(e.code).toBe('NOT_A_FILE');
    expect(e.message).toContain('model.onnx');
    expect(e.message).toMatch(/folder/);
    for (const r of readRefusals(externalTensor('folder.bin', 0, 16))) expect(r.code).toBe('NOT_A_FILE');
  });

  it('a link that loops is refused by name', () => {
    const e = refusal(externalModel('loop.bin', '0', '16'));
    expect(e.code).toBe('NOT_A_FILE');
    expect(e.message).toContain('loop.bin');
    expect(e.message).toContain('model.onnx');
    for (const r of readRefusals(externalTensor('loop.bin', 0, 16))) expect(r.code).toBe('NOT_A_FILE');
  });

  it.skipIf(!hasDevice)('a device (like /dev/zero) is refused by name', () => {
    const e = refusal(externalModel('zero.bin', '0', '16'));
    expect(e.code).toBe('NOT_A_FILE');
    expect(e.message).toContain('zero.bin');
    for (const r of readRefusals(externalTensor('zero.bin', 0, 16))) expect(r.code).toBe('NOT_A_FILE');
  });
});

describe('the model file itself', () => {
  it('a model path that is a link loop, a FIFO or a folder fails by name, without the folder in the message', async () => {
    fs.symlinkSync('self.onnx', path.join(dir, 'self.onnx'));
    const cases = ['self.onnx', 'folder.bin', ...(hasFifo ? ['pipe.bin'] : [])];
    for (const name of cases) {
      const e = await openModelFile(path.join(dir, name)).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (!(e instanceof KilnError)) throw new Error(`${name}: not a KilnError: ${String(e)}`);
      expect(e.message).toContain(name);
      expect(JSON.stringify(e.toJSON())).not.toContain(dir);
    }
  });
});

describe('writing a model whose external data is not a regular file', () => {
  /** A model whose tensor `shape` points at `file` of the test folder, written with external data. */
  function write(file: string, length: number | null): void {
    const opened = openModelBytes(externalModel('weights.bin', '0', '16'), MODEL, 'model.onnx');
    const t = opened.model.graph!.initializer[0]!;
    t.data = { kind: 'external', location: file, path: path.join(dir, file), offset: 0, length };
    writeModelFile(opened.model, path.join(dir, 'out', 'copy.onnx'), { externalData: { location: 'copy.bin' } });
  }
  fs.mkdirSync(path.join(dir, 'out'));

  it.skipIf(!hasFifo)('a FIFO fails by name instead of blocking the copy', () => {
    for (const length of [16, null]) {
      let e: unknown;
      try {
        write('pipe.bin', length);
      } catch (err) {
        e = err;
      }
      expect(plain(e, 'the model was written').code).toBe('NOT_A_FILE');
    }
  });

  it('an output folder that does not exist fails by the file name and error code, without the folder', () => {
    const opened = openModelBytes(externalModel('weights.bin', '0', '16'), MODEL, 'model.onnx');
    const e = (() => {
      try {
        writeModelFile(opened.model, path.join(dir, 'no-such-folder', 'copy.onnx'));
      } catch (err) {
        return err;
      }
    })();
    if (!(e instanceof KilnError)) throw new Error(`not a KilnError: ${String(e)}`);
    expect(e.message).toContain('copy.onnx');
    expect(e.message).toContain('ENOENT');
    expect(JSON.stringify(e.toJSON())).not.toContain(dir);
  });

  it('a folder fails by name, not a raw EISDIR', () => {
    let e: unknown;
    try {
      write('folder.bin', 16);
    } catch (err) {
      e = err;
    }
    expect(plain(e, 'the model was written').code).toBe('NOT_A_FILE');
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual([]);
  });
});

describe('offsets and lengths no file has (issue 20, item 8)', () => {
  it('offset 1e300 is refused by name when the model opens and when read, not a raw RangeError', () => {
    const e = refusal(externalModel('weights.bin', '1e300', '16'));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toContain('model.onnx');
    expect(e.message).toMatch(/offset/);
    for (const r of readRefusals(externalTensor('weights.bin', 1e300, 16))) expect(r.code).toBe('NOT_ONNX');
  });

  it('lengths and offsets that are not whole, safe, non-negative numbers are refused by name', () => {
    for (const [offset, length] of [
      ['0', '1e300'],
      ['1.5', '16'],
      ['0', '16.25'],
      ['9007199254740993', '16'],
      ['-0.5', '16'],
      ['0', '-1'],
      ['nonsense', '16'],
      ['0', 'Infinity'],
    ] as const) {
      const e = refusal(externalModel('weights.bin', offset, length));
      expect(e.code, `${offset} ${length}`).toBe('NOT_ONNX');
      expect(e.message).toContain('model.onnx');
    }
    for (const [offset, length] of [
      [1.5, 16],
      [-8, 16],
      [0, NaN],
      [2 ** 60, 16],
    ]) {
      for (const r of readRefusals(externalTensor('weights.bin', offset!, length!))) expect(r.code).toBe('NOT_ONNX');
    }
    // A length past the end of the file: the values cannot be read whole (their statistics need only 16 bytes).
    expect(() => tensorValues(externalTensor('weights.bin', 0, 2 ** 40), { path: MODEL })).toThrow(/ends early/);
  });

  it('data past the end of its file opens with a warning, and reading it fails by name (file name only)', () => {
    const opened = openModelBytes(externalModel('weights.bin', '60', '16'), MODEL, 'model.onnx');
    expect(opened.warnings.join('\n')).toMatch(/shape.*runs past the end of "weights.bin"/);
    const [values] = readRefusals(externalTensor('weights.bin', 60, 16));
    expect(values!.code).toBe('FILE_UNREADABLE');
    expect(values!.message).toContain('weights.bin');
    // Without a length, the dims say how much to read: 2 int64 = 16 bytes from offset 56 fits; from 60 it does not.
    expect(tensorValues(externalTensor('weights.bin', 48, null), { path: MODEL }).length).toBe(2);
    expect(readRefusals(externalTensor('weights.bin', 60, null))[0]!.code).toBe('FILE_UNREADABLE');
  });
});

describe('dims that disagree with the data stored (issue 20, item 9)', () => {
  /** Opens a model whose initializer `w` has these dims and data; returns its warnings. */
  function warningsFor(dataType: number, dims: number[], data: TensorData, extra: Partial<TensorProto> = {}): string {
    const b = new GraphBuilder('dims');
    const w: TensorProto = { name: 'w', dataType, dims, data, externalData: [], docString: '', ...extra };
    b.initializers.push(w);
    b.node('Identity', ['w'], { name: 'id', outputs: ['y'] });
    b.output('y', dataType, null);
    return openModelBytes(encodeModel(model(b.graph(), { opset: 17 })), MODEL, 'model.onnx').warnings.join('\n');
  }
  const bytes = (n: number): TensorData => ({ kind: 'bytes', bytes: new Uint8Array(n) });

  it('2^40 elements over 16 bytes of raw data are reported', () => {
    const w = warningsFor(DT.float32, [2 ** 20, 2 ** 20], bytes(16));
    expect(w).toMatch(/tensor w: its dims \[1048576, 1048576\] make 1099511627776 elements/);
    expect(w).toMatch(/16 bytes/);
  });

  it('too few and too many bytes are reported; matching data, scalars and empty tensors are not', () => {
    expect(warningsFor(DT.float32, [4], bytes(12))).toMatch(/tensor w: .*12 bytes/);
    expect(warningsFor(DT.float32, [4], bytes(20))).toMatch(/tensor w: .*20 bytes/);
    expect(warningsFor(DT.float32, [4], bytes(16))).not.toMatch(/tensor w/);
    expect(warningsFor(DT.int64, [], bytes(8))).not.toMatch(/tensor w/);
    expect(warningsFor(DT.float32, [0, 3], bytes(0))).not.toMatch(/tensor w/);
  });

  it('external data whose length disagrees with the dims is reported', () => {
    const ext = (length: number): TensorData => ({
      kind: 'external',
      location: 'weights.bin',
      path: '',
      offset: 0,
      length,
    });
    const extra = (length: number): Partial<TensorProto> => ({
      externalData: [
        { key: 'location', value: 'weights.bin' },
        { key: 'length', value: String(length) },
      ],
    });
    expect(warningsFor(DT.float32, [2 ** 20, 2 ** 20], ext(16), extra(16))).toMatch(/tensor w: .*16 bytes/);
    expect(warningsFor(DT.float32, [4], ext(16), extra(16))).not.toMatch(/tensor w/);
  });
});
