/**
 * The check per TensorRT release: the 10.15 table for 10.x, the 11.x one derived from release notes,
 * and minor releases (`--trt 10.3`, JetPack 6's) that flag the ops their parser does not know yet.
 * The opset-23 LLM block (RMSNormalization, RotaryEmbedding, Attention) is run by onnxruntime first,
 * so the model the check judges is a real one.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { checkModel, type CheckReport } from '../../../electron/core/trt/check';
import { supportTable } from '../../../electron/core/trt/support';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { llmBlock } from '../../builders/llm-block';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-releases-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function analyzed(name: string, m: ModelProto) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeModel(m));
  return analyzeModel(file);
}
/** Findings that block a build (not warnings or precision notes), as `op: status`. */
const blocking = (r: CheckReport) =>
  r.findings
    .filter((f) => f.status !== 'warning' && f.status !== 'precision')
    .map((f) => `${f.op || 'model'}: ${f.status}`);

/** One op on a float input, in a model of the given opset. */
function single(op: string, opset: number, build: (b: GraphBuilder, x: string) => string, dims = [1, 4, 8, 8]) {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, dims);
  b.node('Identity', [build(b, x)], { outputs: ['y'] });
  b.output('y', DT.float32, null);
  return model(b.graph(), { opset, irVersion: 10 });
}

describe('the opset-23 LLM block', () => {
  it('is a real model: onnxruntime runs it, and Kiln knows every output dim', async () => {
    const file = path.join(tmp, 'llm-run.onnx');
    fs.writeFileSync(file, encodeModel(llmBlock()));
    const s = await ort.InferenceSession.create(file);
    const [batch, seq, width] = [2, 5, 8];
    const out = await s.run({
      hidden_states: new ort.Tensor(
        'float32',
        Float32Array.from({ length: batch * seq * width }, (_, i) => Math.sin(i)),
        [batch, seq, width],
      ),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(i % seq)),
        [batch, seq],
      ),
    });
    await s.release();
    expect(out.output!.dims).toEqual([batch, seq, width]);
    const a = await analyzeModel(file);
    const y = a.ir.graphs[0]!.outputs[0]!;
    expect(a.shapes.types[y]?.dims).toEqual(['batch', 'seq', width]);
    expect(a.shapes.unknownOps.size).toBe(0);
  });

  it('TensorRT 10 (10.15) and 11 take every node', async () => {
    const a = await analyzed('llm.onnx', llmBlock({ mask: true }));
    for (const major of [10, 11] as const) {
      const r = checkModel(a, major);
      expect({ major, blocking: blocking(r) }).toEqual({ major, blocking: [] });
      expect(r.unsupported).toBe(0);
    }
  });

  it('TensorRT 10.3 (JetPack 6) flags Attention, RMSNormalization and RotaryEmbedding, and the opset', async () => {
    const a = await analyzed('llm-103.onnx', llmBlock());
    const r = checkModel(a, 10, 3);
    expect(r.tensorrt).toBe('10.3');
    const byOp = new Map(r.findings.map((f) => [f.op, f]));
    expect(byOp.get('Attention')).toMatchObject({ status: 'unsupported-op' });
    expect(byOp.get('Attention')!.reason).toMatch(/TensorRT 10\.3.*does not take Attention.*10\.14/);
    expect(byOp.get('Attention')!.suggestion).toMatch(/opset 22 or lower/);
    expect(byOp.get('RMSNormalization')!.reason).toMatch(/10\.15 is the first/);
    expect(r.findings.filter((f) => f.op === 'RotaryEmbedding' && f.status === 'unsupported-op')).toHaveLength(2);
    expect(r.unsupported).toBe(4);
    expect(byOp.get('')).toMatchObject({ status: 'restriction' });
    expect(byOp.get('')!.reason).toMatch(/opset 23; TensorRT 10\.3 reads up to opset 20/);
  });

  it('10.14 takes Attention but not yet RMSNormalization or RotaryEmbedding; 10.15 takes all', async () => {
    const a = await analyzed('llm-1014.onnx', llmBlock());
    expect(blocking(checkModel(a, 10, 14)).sort()).toEqual([
      'RMSNormalization: unsupported-op',
      'RotaryEmbedding: unsupported-op',
      'RotaryEmbedding: unsupported-op',
    ]);
    expect(blocking(checkModel(a, 10, 15))).toEqual([]);
    // A release newer than the table is checked with the table, and says so.
    const newer = checkModel(a, 10, 16);
    expect(blocking(newer)).toEqual([]);
    expect(newer.tableNote).toMatch(/newer than the table's 10\.15/);
  });

  it('11.0 already takes everything 10.15 did', async () => {
    const a = await analyzed('llm-110.onnx', llmBlock());
    expect(blocking(checkModel(a, 11, 0))).toEqual([]);
  });
});

describe('ops and behaviour by release', () => {
  const stft = () => {
    const b = new GraphBuilder();
    const x = b.input('signal', DT.float32, [1, 1000, 1]);
    const step = b.init('step', DT.int64, [], [160]);
    const win = b.node('HannWindow', [b.init('n', DT.int64, [], [400])], { name: 'window' });
    b.node('STFT', [x, step, win], { name: 'stft', outputs: ['y'] });
    b.output('y', DT.float32, null);
    return model(b.graph(), { opset: 17 });
  };

  it('STFT is parsed from 10.5 and HannWindow from 10.4; the window must be constant', async () => {
    const a = await analyzed('stft.onnx', stft());
    expect(blocking(checkModel(a, 10))).toEqual([]);
    expect(blocking(checkModel(a, 10, 5))).toEqual([]);
    expect(blocking(checkModel(a, 10, 4))).toEqual(['STFT: unsupported-op']);
    expect(blocking(checkModel(a, 10, 3)).sort()).toEqual(['HannWindow: unsupported-op', 'STFT: unsupported-op']);
    const y = a.ir.graphs[0]!.outputs[0]!;
    expect(a.shapes.types[y]?.dims).toEqual([1, 4, 201, 2]);
  });

  it('DFT: not on 10, from 11.2 on 11', async () => {
    const a = await analyzed(
      'dft.onnx',
      single('DFT', 20, (b, x) => b.node('DFT', [x], { attrs: { onesided: 0 } }), [1, 16, 1]),
    );
    expect(blocking(checkModel(a, 10))).toEqual(['DFT: unsupported-op']);
    expect(blocking(checkModel(a, 11, 1))).toEqual(['DFT: unsupported-op']);
    expect(blocking(checkModel(a, 11, 2))).toEqual([]);
    expect(blocking(checkModel(a, 11))).toEqual([]);
  });

  it('Swish: not on 10, on every 11', async () => {
    const a = await analyzed(
      'swish.onnx',
      single('Swish', 24, (b, x) => b.node('Swish', [x])),
    );
    expect(blocking(checkModel(a, 10))).toEqual(['Swish: unsupported-op']);
    expect(blocking(checkModel(a, 11, 0))).toEqual([]);
  });

  it('Squeeze without axes: a restriction before 11.5', async () => {
    const a = await analyzed(
      'squeeze.onnx',
      single('Squeeze', 13, (b, x) => b.node('Squeeze', [x]), [1, 4, 1, 8]),
    );
    expect(blocking(checkModel(a, 10))).toEqual(['Squeeze: restriction']);
    expect(blocking(checkModel(a, 11, 4))).toEqual(['Squeeze: restriction']);
    expect(blocking(checkModel(a, 11, 5))).toEqual([]);
    expect(blocking(checkModel(a, 11))).toEqual([]);
  });

  it('GridSample on a 5-D input: from 11.2', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 2, 4, 4, 4]);
    const g = b.input('grid', DT.float32, [1, 4, 4, 4, 3]);
    b.node('GridSample', [x, g], { outputs: ['y'] });
    b.output('y', DT.float32, null);
    const a = await analyzed('grid5d.onnx', model(b.graph(), { opset: 20 }));
    expect(blocking(checkModel(a, 10))).toEqual(['GridSample: restriction']);
    expect(blocking(checkModel(a, 11, 1))).toEqual(['GridSample: restriction']);
    expect(blocking(checkModel(a, 11, 2))).toEqual([]);
  });

  it('opset 25 is read from 11.5 only', async () => {
    const a = await analyzed(
      'opset25.onnx',
      single('Relu', 25, (b, x) => b.node('Relu', [x])),
    );
    expect(blocking(checkModel(a, 11))).toEqual([]);
    expect(blocking(checkModel(a, 11, 4))).toEqual(['model: restriction']);
    expect(blocking(checkModel(a, 10))).toEqual(['model: restriction']);
  });
});

describe('the tables', () => {
  it('are what test/tools/trt-tables/generate.mjs makes from their sources', () => {
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../tools/trt-tables/generate.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('10.x is the 10.15 table (opset 9 to 24); 11.x is derived and adds Swish and DFT', () => {
    const ten = supportTable(10);
    expect([ten.table, ten.opsets.min, ten.opsets.max, ten.derived]).toEqual(['10.15', 9, 24, false]);
    const since = Object.entries(ten.ops)
      .filter(([, r]) => r.since)
      .map(([op, r]) => `${op} ${r.since}`)
      .sort();
    expect(since).toEqual([
      'Attention 10.14',
      'BlackmanWindow 10.4',
      'HammingWindow 10.4',
      'HannWindow 10.4',
      'RMSNormalization 10.15',
      'RotaryEmbedding 10.15',
      'STFT 10.5',
      'TensorScatter 10.15',
    ]);
    const eleven = supportTable(11);
    expect(eleven.derived).toBe(true);
    expect(eleven.note).toMatch(/[Dd]erived from release notes/);
    expect(eleven.ops.Swish).toMatchObject({ supported: true, since: '11.0' });
    expect(eleven.ops.DFT).toMatchObject({ supported: true, since: '11.2' });
    expect(ten.ops.DFT!.supported).toBe(false);
    expect(eleven.opsets.max).toBe(25);
  });
});
