// The readiness panel's "Apply": which edit each finding calls for, read off the real check of real
// models (built ones with the flaws, and the zoo's exports), and the findings and models it must
// leave alone (a plugin op, a float CNN with static shapes, the zoo's float models for upcast).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contribMatMulQuantized } from '../../builders/quantized';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { checkModel } from '../../../electron/core/trt/check';
import { checkPayload } from '../../../electron/core/trt/check-payload';
import { predictFusions } from '../../../electron/core/trt/fusion';
import type { TrtCheck } from '../../../electron/shared/api/tensorrt';
import {
  dynamicBatchFix,
  editsWithShapes,
  groupFixes,
  hasDynamicInputs,
  KILN_OPSET_MAX,
  KILN_OPSET_TARGET,
  modelFixes,
  opsetTargets,
} from '../../../renderer/src/edit/fixes';
import { MAX_TARGET_OPSET } from '../../../electron/core/onnx/opset';
import { cnn } from '../../builders/cnn';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fixes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, b: GraphBuilder, opset = 13): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset })));
  return file;
}

async function check(file: string, trt: 10 | 11 = 10) {
  const a = await analyzeModel(file);
  return { check: checkPayload(checkModel(a, trt), a.ir, predictFusions(a.ir, a.shapes)), summary: a.summary };
}

/** op → the kinds of edits its group's Apply sends (absent: no Apply). */
function applyByOp(c: TrtCheck, dynamic: boolean): Record<string, string[]> {
  const fixes = groupFixes(c, dynamic);
  const out: Record<string, string[]> = {};
  c.groups.forEach((g, i) => {
    const f = fixes[i];
    if (f) out[`${g.status} ${g.op || '(model)'}`] = f.edits.map((e) => e.kind);
  });
  return out;
}

/** What onnxruntime's quantize_dynamic makes of a Conv, and a MatMul of its QOperator form. */
function quantized(): string {
  const rand = seeded(5);
  const b = new GraphBuilder('dyn');
  const x = b.input('x', DT.float32, [1, 3, 8, 8]);
  b.node('DynamicQuantizeLinear', [x], { name: 'x_QuantizeLinear', outputs: ['x_q', 'x_scale', 'x_zp'] });
  const w = b.init(
    'w_q',
    DT.int8,
    [4, 3, 3, 3],
    Array.from(randomFloats(rand, 108), (v) => Math.round(v * 100)),
  );
  const wzp = b.init('w_zp', DT.int8, [], [0]);
  const c = b.node('ConvInteger', ['x_q', w, 'x_zp', wzp], { name: 'conv_quant', attrs: { kernel_shape: [3, 3] } });
  const f = b.node('Cast', [c], { name: 'cast', attrs: { to: 1 } });
  b.node('Mul', [f, 'x_scale'], { name: 'rescale', outputs: ['y'] });
  b.output('y', DT.float32, [1, 4, 6, 6]);
  return write('quantized.onnx', b);
}

describe.each([10, 11] as const)('TensorRT %i', (trt) => {
  it('a dynamically quantized model: its integer ops get Dequantize, the float ops nothing', async () => {
    const { check: c } = await check(quantized(), trt);
    expect(applyByOp(c, false)).toEqual({
      'unsupported-op ConvInteger': ['dequantize'],
      'unsupported-op DynamicQuantizeLinear': ['dequantize'],
    });
  });

  it('onnxruntime-optimized quantize_dynamic (com.microsoft MatMul ops): Dequantize too', async () => {
    const file = path.join(tmp, 'contrib-matmul.onnx');
    fs.writeFileSync(file, encodeModel(contribMatMulQuantized()));
    const { check: c } = await check(file, trt);
    expect(applyByOp(c, false)).toEqual({
      'unsupported-op com.microsoft:DynamicQuantizeMatMul': ['dequantize'],
      'unsupported-op com.microsoft:MatMulIntegerToFloat': ['dequantize'],
      'unsupported-op DynamicQuantizeLinear': ['dequantize'],
    });
  });

  it('weights and axes computed at run time get a fold (with shapes when the inputs are dynamic)', async () => {
    const b = new GraphBuilder('restricted');
    const x = b.input('x', DT.float32, ['batch', 2, 4, 4]);
    const w = b.input('w', DT.float32, [2, 2, 1, 1]);
    const conv = b.node('Conv', [x, w], { name: 'conv_dynamic_w', attrs: { kernel_shape: [1, 1] } });
    const axes = b.input('axes', DT.int64, [1]);
    const s = b.node('ReduceSum', [conv, axes], { name: 'sum_dynamic_axes' });
    b.node('Relu', [s], { name: 'relu', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const { check: c, summary } = await check(write('restricted.onnx', b), trt);
    const dynamic = hasDynamicInputs(summary);
    expect(dynamic).toBe(true);
    expect(applyByOp(c, dynamic)).toEqual({ 'restriction Conv': ['fold'], 'restriction ReduceSum': ['fold'] });
    const fix = groupFixes(c, dynamic).find((f) => f !== null)!;
    expect(fix.askShapes).toBe(true);
    expect(fix.label).toBe('Fix shapes and fold');
    // The shapes typed go first, so the fold sees them fixed.
    expect(editsWithShapes(fix, { x: [1, 2, 4, 4] })).toEqual([
      { kind: 'shapes', shapes: { x: [1, 2, 4, 4] } },
      { kind: 'fold' },
    ]);
    expect(groupFixes(c, false).find((f) => f !== null)?.askShapes).toBe(false);
  });

  it('an opset below the parser’s gets a conversion to one it reads', async () => {
    const b = new GraphBuilder('old');
    const x = b.input('x', DT.float32, [1, 4]);
    b.node('Relu', [x], { name: 'relu', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4]);
    const { check: c } = await check(write('old.onnx', b, 7), trt);
    expect(applyByOp(c, false)).toEqual({ 'restriction (model)': ['opset'] });
    const fix = groupFixes(c, false).find((f) => f !== null)!;
    expect(fix.edits).toEqual([{ kind: 'opset', version: KILN_OPSET_TARGET }]);
    expect(fix.label).toBe(`Convert to opset ${KILN_OPSET_TARGET}`);
  });

  it('a plugin op and a float CNN with static shapes get no Apply', async () => {
    const b = new GraphBuilder('custom');
    const x = b.input('x', DT.float32, [1, 3, 8, 8]);
    const w = b.init('w', DT.float32, [4, 3, 3, 3], randomFloats(seeded(1), 108));
    const conv = b.node('Conv', [x, w], { name: 'conv', attrs: { kernel_shape: [3, 3] } });
    b.node('MyOp', [conv], { name: 'mine', domain: 'com.example', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const { check: c, summary } = await check(write('custom.onnx', b), trt);
    expect(c.groups.length).toBeGreaterThan(0);
    expect(applyByOp(c, false)).toEqual({});
    expect(modelFixes(summary)).toEqual([]);
  });
});

describe('the zoo', () => {
  it('bert-tiny (dynamic axes, shape arithmetic): Fix shapes and fold, asking for every input', async () => {
    const { check: c, summary } = await check(path.join(ZOO, 'bert-tiny.onnx'));
    const fixes = modelFixes(summary);
    expect(fixes.map((f) => [f.key, f.edits.map((e) => e.kind), f.askShapes])).toEqual([
      ['model:fold', ['fold'], true],
    ]);
    expect(groupFixes(c, true).filter((f) => f !== null)).toEqual([]);
  });

  it('mobilenetv3-fp16 (FP16-stored): Upcast to FP32, first', async () => {
    const { summary } = await check(path.join(ZOO, 'mobilenetv3-fp16.onnx'));
    expect(modelFixes(summary).map((f) => f.edits.map((e) => e.kind))).toEqual([['upcast'], ['fold']]);
  });

  it('the float exports are never offered an upcast; static-shaped ones are never asked for shapes', async () => {
    for (const file of ['vit-tiny', 'ssdlite-tiny', 'unet-tiny', 'kws-lstm-gru']) {
      const { summary } = await check(path.join(ZOO, `${file}.onnx`));
      const fixes = modelFixes(summary);
      expect({ file, upcast: fixes.some((f) => f.edits.some((e) => e.kind === 'upcast')) }).toEqual({
        file,
        upcast: false,
      });
      if (!hasDynamicInputs(summary)) expect(fixes.every((f) => !f.askShapes)).toBe(true);
    }
  });
});

describe('the opset control and Make batch dynamic', () => {
  it('offers the opsets above the model’s that the checked TensorRT parses, newest first, and none past them', async () => {
    expect(KILN_OPSET_MAX).toBe(MAX_TARGET_OPSET);
    const { check: c10, summary } = await check(path.join(ZOO, 'unet-tiny.onnx'), 10);
    const { check: c11 } = await check(path.join(ZOO, 'unet-tiny.onnx'), 11);
    expect(c10.opsets).toEqual({ min: 9, max: 24 });
    expect(opsetTargets(summary, c10.opsets)).toEqual([24, 23, 22, 21, 20, 19, 18]);
    expect(opsetTargets(summary, c11.opsets)).toEqual([25, 24, 23, 22, 21, 20, 19, 18]);
    expect(opsetTargets(summary, { min: 9, max: 17 })).toEqual([]);
    expect(opsetTargets({ opsets: [{ domain: '', version: 25 }] }, c11.opsets)).toEqual([]);
    expect(opsetTargets({ opsets: [{ domain: 'ai.onnx', version: 13 }] }, undefined)[0]).toBe(25);
  });

  it('offers Make batch dynamic on a fixed-batch CNN and not on exports whose batch is already symbolic', async () => {
    const file = path.join(tmp, 'cnn.onnx');
    fs.writeFileSync(file, encodeModel(cnn([8], 4, 16, 1)));
    const { summary } = await check(file);
    const fix = dynamicBatchFix(summary);
    expect(fix?.label).toBe('Make batch dynamic');
    expect(fix?.edits).toEqual([{ kind: 'dynamicBatch', name: 'batch' }]);
    const symbolic = path.join(tmp, 'cnn-n.onnx');
    fs.writeFileSync(symbolic, encodeModel(cnn([8], 4, 16)));
    expect(dynamicBatchFix((await check(symbolic)).summary)).toBeNull();
    for (const zoo of ['bert-tiny', 'vit-tiny', 'unet-tiny']) {
      const { summary: s } = await check(path.join(ZOO, `${zoo}.onnx`));
      expect({ zoo, fix: dynamicBatchFix(s) }).toEqual({ zoo, fix: null });
    }
  });
});
