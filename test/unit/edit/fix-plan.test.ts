import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFix } from '../../../electron/core/edit/fix';
import { analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { checkModel } from '../../../electron/core/trt/check';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { ZOO } from './load';

const analysed = (name: string) => {
  const file = path.join(ZOO, `${name}.onnx`);
  return analyzeModelBytes(fs.readFileSync(file), file, `${name}.onnx`);
};
const plan = (a: ReturnType<typeof analysed>, shapes: Record<string, number[]> = {}) =>
  planFix(a, checkModel(a, 10), 10, shapes);

describe('kiln fix plan', () => {
  it('fixes the given shapes, folds and narrows INT64 on a dynamic-axes transformer', () => {
    const p = plan(analysed('bert-tiny'), { input_ids: [1, 8] });
    expect(p.edits.map((e) => e.kind)).toEqual(['shapes', 'fold', 'int64ToInt32']);
  });

  it('calls for upcast on an FP16-stored CNN, and says when this build cannot apply it', () => {
    const p = plan(analysed('mobilenetv3-fp16'));
    expect(p.notes.join('\n')).toMatch(/upcast.*weights are stored in FP16/);
    expect(p.edits.map((e) => e.kind)).not.toContain('shapes');
    expect(plan(analysed('vit-tiny')).notes.join('\n')).not.toMatch(/upcast/);
  });

  it('calls for dequantize on integer-quantized ops, and the opset the parser needs', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4]);
    const [q, s, z] = [`${x}_q`, `${x}_s`, `${x}_z`];
    b.node('DynamicQuantizeLinear', [x], { name: 'dql', outputs: [q, s, z] });
    const w = b.init('w', DT.uint8, [4, 4], new Uint8Array(16).fill(1));
    b.node('MatMulInteger', [q, w, z], { name: 'mmi', outputs: ['y'] });
    b.output('y', DT.int32, [1, 4]);
    const bytes = encodeModel(model(b.graph(), { opset: 8 }));
    const a = analyzeModelBytes(bytes, '/nonexistent/q.onnx', 'q.onnx');
    const p = plan(a);
    expect(p.notes.join('\n')).toMatch(/opset: opset 8 is below the 9 TensorRT 10 reads/);
    expect(p.notes.join('\n')).toMatch(/dequantize.*DynamicQuantizeLinear, MatMulInteger/);
    expect(p.edits[0]).toEqual({ kind: 'opset', version: 9 });
  });
});
