/**
 * The dequantize edit (electron/core/edit/dequantize.ts) on what onnxruntime's quantizer writes —
 * quantize_dynamic's ConvInteger / MatMulInteger and quantize_static's QOperator format — and on
 * float models it must leave alone: the quantized ops go, the weights come back to the floats they
 * were quantized from (within half a step), and TensorRT 10's check then passes the model. Whether
 * the outputs stay close to the quantized original is measured with ONNX Runtime in
 * test/integration/edit-surgery.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../../electron/core/edit/dequantize';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { tensorValues } from '../../../electron/core/onnx/values';
import { checkModel } from '../../../electron/core/trt/check';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { dynamicQuantized, qoperatorQuantized } from '../../builders/quantized';
import { analyzed, fingerprint, ops, tempDir, zoo } from './helpers';

const tmp = tempDir('kiln-dequantize-');
const DEQ = { kind: 'dequantize' } as const;

function weightOf(m: ModelProto, op: string): Float64Array {
  const g = m.graph!;
  const n = g.node.find((x) => x.opType === op)!;
  const t = g.initializer.find((x) => x.name === n.input[1])!;
  expect(t.dataType).toBe(DT.float32);
  return tensorValues(t, { path: '' });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('quantize_dynamic (ConvInteger, MatMulInteger, DynamicQuantizeLinear)', () => {
  it('becomes float Conv and MatMul on the unquantized inputs, weights dequantized', async () => {
    const { model: m, convWeights, matmulWeights } = dynamicQuantized();
    const before = fingerprint(m);
    const r = dequantize(m, DEQ);
    expect(fingerprint(m)).toBe(before);
    expect(ops(r.model)).toEqual(['Conv', 'Add', 'Relu', 'Flatten', 'MatMul', 'Add']);
    const g = r.model.graph!;
    const conv = g.node[0]!;
    expect(conv.input[0]).toBe('x');
    expect(conv.output).toEqual(['conv_out']);
    expect(conv.attribute.map((a) => a.name)).toEqual(['kernel_shape', 'pads', 'strides']);
    expect(g.node[4]!.input[0]).toBe('flat');
    // Within half a quantization step of the floats they were quantized from.
    const convStep = (Math.max(...convWeights) - Math.min(0, ...convWeights)) / 255;
    expect(maxDiff(weightOf(r.model, 'Conv'), convWeights)).toBeLessThanOrEqual(convStep / 2 + 1e-7);
    expect(maxDiff(weightOf(r.model, 'MatMul'), matmulWeights)).toBeLessThan(0.05 / 127);
    // Nothing integer left behind: no int8/uint8 weights, no dangling scales.
    expect(g.initializer.every((t) => t.dataType === DT.float32)).toBe(true);
    expect(g.initializer.map((t) => t.name).sort()).toEqual(
      ['conv.bias_reshaped', 'conv.weight_quantized_dequantized', 'fc.bias', 'fc.weight_quantized_dequantized'].sort(),
    );
    expect(r.exact).toBe(false);
    expect(r.summary).toMatch(/ConvInteger 1, MatMulInteger 1; quantized nodes 4 → 0/);
  });

  it('TensorRT 10 flags the quantized model and passes the dequantized one', async () => {
    const { model: m } = dynamicQuantized();
    expect(checkModel(await analyzed(tmp, 'dyn.onnx', m), 10).unsupported).toBe(4);
    const r = checkModel(await analyzed(tmp, 'dyn-float.onnx', dequantize(m, DEQ).model), 10);
    expect(r.findings.filter((f) => f.status !== 'warning')).toEqual([]);
  });

  it('refuses an integer op whose result is not rescaled the way quantize_dynamic writes it, by name', () => {
    const b = new GraphBuilder();
    b.input('x', DT.float32, [1, 4]);
    b.init('w', DT.int8, [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    b.node('DynamicQuantizeLinear', ['x'], { name: 'dq', outputs: ['xq', 'xs', 'xz'] });
    b.node('MatMulInteger', ['xq', 'w', 'xz'], { name: 'mm', outputs: ['i'] });
    b.node('Cast', ['i'], { name: 'cast', outputs: ['y'], attrs: { to: 1 } });
    b.output('y', DT.float32, [1, 2]);
    expect(() => dequantize(model(b.graph(), { opset: 13 }), DEQ)).toThrow(
      /MatMulInteger "mm" cannot be dequantized: its result is not multiplied by the input scale × weight scale/,
    );
  });
});

describe('quantize_static QOperator (QLinearConv, QLinearMatMul, com.microsoft QLinear ops)', () => {
  it('becomes the float ops with the Q/DQ at the edges removed', async () => {
    const { model: m, biases } = qoperatorQuantized();
    const r = dequantize(m, DEQ);
    expect(ops(r.model)).toEqual(['Conv', 'Conv', 'Add', 'GlobalAveragePool', 'Flatten', 'MatMul']);
    const g = r.model.graph!;
    expect(g.node[0]!.input[0]).toBe('x');
    // The biases come back from INT32 with input scale × weight scale (within half a step).
    for (const [i, conv] of ['conv1', 'conv2'].entries()) {
      const b = g.initializer.find((t) => t.name === g.node[i]!.input[2])!;
      expect(maxDiff(tensorValues(b, { path: '' }), biases[conv]!)).toBeLessThan(1e-4);
    }
    expect(g.node.at(-1)!.output).toEqual(['logits']);
    expect(g.initializer.every((t) => t.dataType === DT.float32)).toBe(true);
    const check = checkModel(await analyzed(tmp, 'qop-float.onnx', r.model), 10);
    expect(check.findings.filter((f) => f.status !== 'warning')).toEqual([]);
    expect(checkModel(await analyzed(tmp, 'qop.onnx', m), 10).unsupported).toBeGreaterThan(0);
  });

  it('a quantized tensor still read by an op it does not rewrite is made again by a QuantizeLinear', () => {
    const m = qoperatorQuantized().model;
    const g = m.graph!;
    // An op Kiln does not rewrite reads conv1's quantized output.
    g.node.push({
      input: ['conv1_quantized'],
      output: ['raw'],
      name: 'keep_me',
      opType: 'Identity',
      domain: '',
      overload: '',
      attribute: [],
      docString: '',
    });
    g.output.push({
      name: 'raw',
      type: { kind: 'tensor', elemType: DT.uint8, shape: null, denotation: '' },
      docString: '',
    });
    const r = dequantize(m, DEQ);
    const q = r.model.graph!.node.find((n) => n.output[0] === 'conv1_quantized')!;
    expect(q.opType).toBe('QuantizeLinear');
    expect(q.input).toEqual(['conv1_quantized_float', 'conv1_scale', 'conv1_zero_point']);
    expect(r.notes.join(' ')).toMatch(/1 quantized node stay/);
  });
});

describe('Q/DQ format (QuantizeLinear → DequantizeLinear pairs)', () => {
  /** x → Conv → Q (zero point `zp` of `type`) → DQ → Conv → y, weights as DQ of INT8 constants. */
  function qdq(type: number, zp: number): ModelProto {
    const b = new GraphBuilder();
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.init('w_q', DT.int8, [2, 2, 1, 1], [10, -20, 30, 127]);
    b.init('w_s', DT.float32, [2], [0.01, 0.02]);
    b.init('w_zp', DT.int8, [2], [0, 0]);
    b.node('DequantizeLinear', ['w_q', 'w_s', 'w_zp'], { name: 'w_dq', outputs: ['w'], attrs: { axis: 0 } });
    b.node('Conv', ['x', 'w'], { name: 'conv1', outputs: ['c1'] });
    b.init('a_s', DT.float32, [], [6 / 255]);
    b.init('a_zp', type, [], [zp]);
    b.node('QuantizeLinear', ['c1', 'a_s', 'a_zp'], { name: 'q', outputs: ['c1_q'] });
    b.node('DequantizeLinear', ['c1_q', 'a_s', 'a_zp'], { name: 'dq', outputs: ['c1_dq'] });
    b.node('Conv', ['c1_dq', 'w'], { name: 'conv2', outputs: ['y'] });
    b.output('y', DT.float32, [1, 2, 4, 4]);
    return model(b.graph(), { opset: 13 });
  }

  it('weights fold to float per channel; an activation pair goes', () => {
    const r = dequantize(qdq(DT.uint8, 128), DEQ);
    expect(ops(r.model)).toEqual(['Conv', 'Conv']);
    expect(r.model.graph!.node[1]!.input[0]).toBe('c1');
    expect(Array.from(weightOf(r.model, 'Conv'), (v) => +v.toFixed(6))).toEqual([0.1, -0.2, 0.6, 2.54]);
  });

  it.each([
    ['uint8, zero point 0', DT.uint8, 0, 6],
    ['int8, zero point -128', DT.int8, -128, 6],
  ])(
    'a range that starts at 0 (%s) is the Relu or Clip the quantizer folded away: it comes back as a Clip',
    (_, type, zp, hi) => {
      const r = dequantize(qdq(type, zp), DEQ);
      expect(ops(r.model)).toEqual(['Conv', 'Clip', 'Conv']);
      const clip = r.model.graph!.node[1]!;
      const bound = (i: number) =>
        tensorValues(
          r.model.graph!.initializer.find((t) => t.name === clip.input[i])!,
          { path: '' },
        )[0];
      expect(bound(1)).toBe(0);
      expect(bound(2)).toBeCloseTo(hi, 5);
    },
  );

  it('a symmetric INT8 range (zero point 0) gets no Clip', () => {
    expect(ops(dequantize(qdq(DT.int8, 0), DEQ).model)).toEqual(['Conv', 'Conv']);
  });
});

describe('models it must leave alone', () => {
  it.each(['vit-tiny.onnx', 'kws-lstm-gru.onnx', 'mobilenetv3-fp16.onnx'])('%s (float) is unchanged', async (file) => {
    const z = await zoo(file);
    const r = dequantize(z.model, DEQ, z.src);
    expect(r.summary).toMatch(/nothing to dequantize/);
    expect(fingerprint(r.model, z.src)).toBe(fingerprint(z.model, z.src));
  });
});
