/**
 * summarizeModel on the real models (checked against an independent decoder, onnx-proto, and the
 * facts the reference onnx package reports) and on every kind of bad input.
 */
import { mkdirSync, mkdtempSync, promises, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ModelSummarySchema } from '../../../electron/shared/api/model-summary';
import { KilnError } from '../../../electron/shared/api/errors';
import { summarizeModel } from '../../../electron/core/onnx/analyze';
import { REAL_MODELS } from './real-models';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { writeModelFile } from '../../../electron/core/onnx/write';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-summary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DTYPE: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 10: 'float16', 9: 'bool' };

/** What onnx-proto (protobufjs, a different decoder) says about a model, computed the same way. */
function reference(bytes: Uint8Array) {
  const m = onnx.ModelProto.decode(bytes);
  const histogram: Record<string, number> = {};
  let params = 0;
  const size = (dims: (number | Long)[] | null | undefined) => (dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
  const walk = (g: onnx.IGraphProto) => {
    for (const t of g.initializer ?? []) params += size(t.dims);
    for (const n of g.node ?? []) {
      const key = n.domain ? `${n.domain}:${n.opType}` : String(n.opType);
      histogram[key] = (histogram[key] ?? 0) + 1;
      for (const a of n.attribute ?? []) {
        if (a.t) params += size(a.t.dims);
        if (a.g) walk(a.g);
        for (const sg of a.graphs ?? []) walk(sg);
      }
    }
  };
  walk(m.graph as onnx.IGraphProto);
  const vi = (v: onnx.IValueInfoProto) => ({
    name: v.name,
    dtype: DTYPE[v.type?.tensorType?.elemType ?? 0] ?? '?',
    dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
      d.dimValue != null && 'value' in d && d.value === 'dimValue'
        ? Number(d.dimValue)
        : d.dimParam
          ? d.dimParam
          : null,
    ),
  });
  const inits = new Set((m.graph?.initializer ?? []).map((t) => t.name));
  return {
    irVersion: Number(m.irVersion),
    opsets: (m.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: Number(o.version) })),
    inputs: (m.graph?.input ?? []).filter((v) => !inits.has(v.name ?? '')).map(vi),
    outputs: (m.graph?.output ?? []).map(vi),
    histogram,
    params,
  };
}
type Long = { toNumber(): number };

describe('summarizeModel on the real models', () => {
  for (const model of REAL_MODELS) {
    it(model.file, async () => {
      const s = await summarizeModel(model.path, model.file);
      expect(ModelSummarySchema.parse(s)).toEqual(s);
      expect(s.fileName).toBe(model.file);
      expect(s.sha256.slice(0, 16)).toBe(model.sha256Prefix);
      expect(s.nodes).toBe(model.nodes);
      expect(s.subgraphs).toBe(model.subgraphs);
      const bytes = readFileSync(model.path);
      expect(s.fileBytes).toBe(bytes.length);
      const ref = reference(bytes);
      expect(s.irVersion).toBe(ref.irVersion);
      expect(s.opsets).toEqual(ref.opsets);
      expect(s.inputs).toEqual(ref.inputs);
      expect(s.outputs).toEqual(ref.outputs);
      expect(s.opHistogram).toEqual(ref.histogram);
      expect(s.parameterCount).toBe(ref.params);
      // Every model here is float32 weights plus small int64 shape constants.
      expect(s.parameterBytes).toBeGreaterThanOrEqual(s.parameterCount * 4 - 8 * 4096);
      expect(s.parameterBytes).toBeLessThan(s.fileBytes);
      expect(s.warnings).toEqual([]);
    });
  }

  it('keeps symbolic dims as strings and unknown dims as null', async () => {
    const det = await summarizeModel(REAL_MODELS[0]!.path, 'det.onnx');
    expect(det.inputs[0]?.dims).toEqual([
      'p2o.DynamicDimension.0',
      3,
      'p2o.DynamicDimension.1',
      'p2o.DynamicDimension.2',
    ]);
    const vad = REAL_MODELS.find((m) => m.file === 'silero_vad_v5.onnx')!;
    const v5 = await summarizeModel(vad.path, vad.file);
    expect(v5.inputs.map((i) => i.dims)).toEqual([[null, null], [2, null, 128], []]);
    expect(v5.inputs[2]?.dtype).toBe('int64');
  });
});

describe('summarizeModel on bad input', () => {
  async function failure(path: string, name = 'm.onnx'): Promise<KilnError> {
    try {
      await summarizeModel(path, name);
    } catch (err) {
      expect(err).toBeInstanceOf(KilnError);
      const k = err as KilnError;
      expect(k.file).toBe(name);
      expect(k.message).toContain(name);
      return k;
    }
    throw new Error(`${path} was accepted`);
  }
  const write = (name: string, data: Uint8Array | string) => {
    const p = join(tmp, name);
    writeFileSync(p, data);
    return p;
  };

  it('a missing file', async () => {
    expect((await failure(join(tmp, 'nope.onnx'))).code).toBe('FILE_NOT_FOUND');
  });
  it('a folder', async () => {
    mkdirSync(join(tmp, 'dir.onnx'));
    expect((await failure(join(tmp, 'dir.onnx'))).code).toBe('NOT_A_FILE');
  });
  it('an empty file', async () => {
    expect((await failure(write('empty.onnx', ''))).code).toBe('EMPTY_FILE');
  });
  it('an unreadable file: the read refused with EACCES or EPERM', async () => {
    // The OS's refusal is made by hand: a file's mode does not stop root (CI's containers run as root).
    const p = write('secret.onnx', 'x');
    for (const code of ['EACCES', 'EPERM']) {
      const refused = Object.assign(new Error(`${code}: operation not permitted, open '${p}'`), { code });
      const read = vi.spyOn(promises, 'readFile').mockRejectedValueOnce(refused);
      try {
        const e = await failure(p);
        expect(e.code).toBe('FILE_UNREADABLE');
        expect(e.message).toBe('m.onnx cannot be read: permission denied');
        expect(read).toHaveBeenCalledTimes(1);
      } finally {
        read.mockRestore();
      }
    }
  });
  it('a text file', async () => {
    const e = await failure(write('keys.onnx', readFileSync(join(__dirname, 'real-models.ts'))));
    expect(e.code).toBe('NOT_ONNX');
    // Plain words first (issue 21); the decoder's message is kept underneath, in the details.
    expect(e.message).toMatch(/not an ONNX model \(it looks like text/);
    expect(e.details?.detail).toMatch(/protobuf decode failed at byte \d+/);
  });
  it('a truncated model names the byte where decoding stopped', async () => {
    const whole = readFileSync(REAL_MODELS[2]!.path);
    const cut = 300_001;
    const e = await failure(write('cut.onnx', whole.subarray(0, cut)));
    expect(e.code).toBe('NOT_ONNX');
    expect(e.message).toMatch(/is cut short: it ends at byte 300,001 of a model that needs at least/);
    const at = Number(/failed at byte (\d+)/.exec(String(e.details?.detail))?.[1]);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(cut);
  });
  it('valid protobuf that is not a model', async () => {
    // A lone TensorProto (as ONNX test data files hold): field 1 varint... decodes without a graph.
    const tensor = onnx.TensorProto.encode({ dims: [2], dataType: 1, floatData: [1, 2] }).finish();
    const e = await failure(write('tensor.onnx', tensor));
    expect(e.code).toBe('NOT_ONNX');
  });
  it('external data that leaves the folder', async () => {
    const dir = join(tmp, 'ext');
    mkdirSync(dir);
    writeFileSync(join(tmp, 'outside.bin'), new Uint8Array(64));
    symlinkSync(join(tmp, 'outside.bin'), join(dir, 'link.bin'));
    for (const location of ['../outside.bin', '/etc/passwd', 'link.bin', 'C:\\Windows\\x.bin']) {
      const m = onnx.ModelProto.encode({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          name: 'g',
          initializer: [
            {
              name: 'w',
              dims: [4],
              dataType: 1,
              dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
              externalData: [
                { key: 'location', value: location },
                { key: 'length', value: '16' },
              ],
            },
          ],
          node: [{ opType: 'Identity', input: ['w'], output: ['y'] }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
        },
      }).finish();
      writeFileSync(join(dir, 'm.onnx'), m);
      const e = await failure(join(dir, 'm.onnx'));
      expect(e.code, location).toBe('UNSAFE_PATH');
      expect(e.message).toContain(location);
    }
  });
});

// Issue 21 item 10: the summary never said a model's weights were FP16. It now counts them by type.
describe('summarizeModel counts the weights by data type', () => {
  it('FP16 and FP32 weights, each with its tensors, elements and bytes, the most elements first', async () => {
    const b = new GraphBuilder();
    let x = b.input('x', DT.float16, [1, 8]);
    for (let i = 0; i < 3; i++) {
      const w = b.init(`w${i}`, DT.float32, [8, 8], new Float32Array(64));
      if (i < 2) {
        const t = b.initializers[i]!;
        b.initializers[i] = { ...t, dataType: DT.float16, data: { kind: 'bytes', bytes: new Uint8Array(128) } };
      }
      x = b.node('MatMul', [x, w]);
    }
    b.init('shape', DT.int64, [2], [1, 8]);
    b.output(x, DT.float16, [1, 8]);
    const p = join(tmp, 'mixed-weights.onnx');
    writeModelFile(model(b.graph()), p);
    const s = await summarizeModel(p, 'mixed-weights.onnx');
    expect(s.weights).toEqual([
      { dtype: 'float16', tensors: 2, elements: 128, bytes: 256 },
      { dtype: 'float32', tensors: 1, elements: 64, bytes: 256 },
      { dtype: 'int64', tensors: 1, elements: 2, bytes: 16 },
    ]);
  });

  it('the real models: every weight float32, shape constants int64', async () => {
    const s = await summarizeModel(REAL_MODELS[0]!.path, 'det.onnx');
    expect(s.weights[0]).toMatchObject({ dtype: 'float32' });
    expect(s.weights.reduce((n, w) => n + w.elements, 0)).toBe(s.parameterCount);
  });
});
