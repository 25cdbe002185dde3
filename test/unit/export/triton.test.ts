import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePbtxt, PbEnum, writePbtxt } from '../../../electron/core/export/pbtxt';
import { exportTriton, tritonConfig } from '../../../electron/core/export/triton';
import { trtexecCommand } from '../../../electron/core/trt/trtexec-command';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-triton-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const CLS = path.resolve(__dirname, '../../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const io = {
  inputs: [{ name: 'x', dtype: 'float32', dims: ['N', 3, 48, 'W'] }],
  outputs: [{ name: 'softmax_0.tmp_0', dtype: 'float32', dims: ['N', 2] }],
};

describe('pbtxt', () => {
  it('reads back what it writes, and reads a hand-written Triton config', () => {
    const text = writePbtxt({
      name: 'm',
      n: 3,
      on: true,
      kind: new PbEnum('KIND_GPU'),
      dims: [1, -1],
      sub: { a: 'b' },
    });
    expect(parsePbtxt(text)).toEqual({ name: 'm', n: 3, on: true, kind: 'KIND_GPU', dims: [1, -1], sub: { a: 'b' } });
    const hand = `# a comment
name: "resnet"
platform: "tensorrt_plan"
max_batch_size: 8
input [ { name: "in" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]
output { name: "out" data_type: TYPE_FP32 dims: [ 1000 ] }
output { name: "aux" data_type: TYPE_FP16 dims: [ 10 ] }
instance_group [ { count: 2 kind: KIND_GPU } ]`;
    const c = parsePbtxt(hand);
    expect(c.max_batch_size).toBe(8);
    expect((c.input as { dims: number[] }[])[0]!.dims).toEqual([3, 224, 224]);
    expect((c.output as unknown[]).length).toBe(2);
  });
});

describe('Triton export', () => {
  it('TensorRT plan with dynamic batching: config parses back with the batch dim dropped', () => {
    const engine = path.join(tmp, 'm.engine');
    fs.writeFileSync(engine, 'plan bytes');
    fs.writeFileSync(`${engine}.json`, '{"kiln":"x"}');
    const r = exportTriton({
      repository: path.join(tmp, 'repo'),
      name: 'cls_fp16',
      backend: 'tensorrt',
      artifact: engine,
      sidecar: `${engine}.json`,
      ...io,
      maxBatchSize: 16,
      dynamicBatching: true,
      instances: 2,
      kind: 'gpu',
      profiles: 2,
    });
    expect(fs.readFileSync(path.join(r.folder, '1', 'model.plan'), 'utf8')).toBe('plan bytes');
    expect(fs.existsSync(path.join(r.folder, '1', 'model.plan.json'))).toBe(true);
    const c = parsePbtxt(fs.readFileSync(path.join(r.folder, 'config.pbtxt'), 'utf8'));
    expect(c).toMatchObject({ name: 'cls_fp16', platform: 'tensorrt_plan', max_batch_size: 16, dynamic_batching: {} });
    const input = (c.input as Record<string, unknown>[])[0]!;
    expect(input).toEqual({ name: 'x', data_type: 'TYPE_FP32', dims: [3, 48, -1] });
    expect((c.instance_group as Record<string, unknown>[])[0]).toEqual({
      count: 2,
      kind: 'KIND_GPU',
      profile: ['0', '1'],
    });
    expect(fs.readdirSync(path.join(tmp, 'repo')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('ONNX Runtime model without batching; re-export replaces the folder whole', () => {
    const args = {
      repository: path.join(tmp, 'repo2'),
      name: 'cls',
      backend: 'onnxruntime' as const,
      artifact: CLS,
      ...io,
      maxBatchSize: 0,
      dynamicBatching: false,
      instances: 1,
      kind: 'cpu' as const,
    };
    exportTriton(args);
    const r = exportTriton({ ...args, instances: 3 });
    const c = parsePbtxt(fs.readFileSync(path.join(r.folder, 'config.pbtxt'), 'utf8'));
    expect(c.platform).toBe('onnxruntime_onnx');
    expect((c.input as Record<string, unknown>[])[0]!.dims).toEqual([-1, 3, 48, -1]);
    expect((c.instance_group as Record<string, unknown>[])[0]).toEqual({ count: 3, kind: 'KIND_CPU' });
    expect(fs.readdirSync(path.join(tmp, 'repo2'))).toEqual(['cls']);
  });

  it('refuses a bad name, a batch size without a batch dim, and an unknown dtype, writing nothing', () => {
    const base = {
      repository: path.join(tmp, 'repo3'),
      backend: 'onnxruntime' as const,
      artifact: CLS,
      ...io,
      dynamicBatching: false,
      instances: 1,
      kind: 'cpu' as const,
    };
    expect(() => exportTriton({ ...base, name: '../evil', maxBatchSize: 0 })).toThrow(/not a Triton model name/);
    expect(() =>
      exportTriton({
        ...base,
        name: 'fixed',
        maxBatchSize: 4,
        inputs: [{ name: 'x', dtype: 'float32', dims: [1, 3] }],
      }),
    ).toThrow(/dynamic first dim/);
    expect(() =>
      tritonConfig({
        ...base,
        name: 'c',
        maxBatchSize: 0,
        inputs: [{ name: 'm', dtype: 'map<int64,float32>', dims: null }],
      }),
    ).toThrow(/no data type/);
    expect(fs.existsSync(path.join(tmp, 'repo3', 'fixed'))).toBe(false);
  });
});

describe('trtexec command', () => {
  const trt = {
    builderOptimizationLevel: 4,
    hardwareCompatibility: 'none' as const,
    versionCompatible: false,
    stronglyTyped: false,
    tf32: true,
    profiles: { x: { min: [1, 3, 48, 96], opt: [4, 3, 48, 192], max: [8, 3, 48, 320] } },
    workspaceMiB: 2048,
  };
  it('10.x keeps the legacy precision flags; 11.x has none', () => {
    const t10 = trtexecCommand({
      major: 10,
      model: 'cls.onnx',
      engine: 'cls.engine',
      trt,
      legacyPrecision: 'int8',
      calibrationCache: 'calib.cache',
    });
    expect(t10).toContain('--int8 --calib=calib.cache');
    expect(t10).toContain('--minShapes=x:1x3x48x96 --optShapes=x:4x3x48x192 --maxShapes=x:8x3x48x320');
    expect(t10).toContain('--memPoolSize=workspace:2048M');
    expect(() => trtexecCommand({ major: 11, model: 'my model.onnx', trt, legacyPrecision: 'int8' })).toThrow(
      /TensorRT 11 has no --int8/,
    );
    const t11 = trtexecCommand({ major: 11, model: 'my model.onnx', trt });
    expect(t11).not.toMatch(/--int8|--fp16|--stronglyTyped/);
    expect(t11).toContain("'--onnx=my model.onnx'");
    expect(t11).toContain('--exportLayerInfo=layers.json');
  });
});
