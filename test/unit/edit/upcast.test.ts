/**
 * The upcast edit (electron/core/edit/upcast.ts): the zoo's FP16-stored MobileNetV3 (a half()
 * export with Casts at the edges) to FP32 with every weight exact and the edge Casts gone; a model
 * whose inputs and outputs are float16 keeps them (Casts inside); float models are left alone.
 * ONNX Runtime's view of the result (it loads, its outputs are the FP16 model's within FP16
 * rounding) and INT8 of the FP16-stored model are in test/integration/edit-surgery.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { upcast, storesFloat16 } from '../../../electron/core/edit/upcast';
import { toHalfBytes } from '../../../electron/core/onnx/half';
import type { ModelProto, TensorProto } from '../../../electron/core/onnx/model';
import { tensorValues } from '../../../electron/core/onnx/values';
import { DT, GraphBuilder, model, randomFloats, seeded, tensorType } from '../../builders/graph';
import { countOf, fingerprint, zoo } from './helpers';

const UP = { kind: 'upcast' } as const;

function halfTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return {
    name,
    dataType: DT.float16,
    dims,
    data: { kind: 'bytes', bytes: toHalfBytes(values) },
    externalData: [],
    docString: '',
  };
}

/** float16 in and out: x → Conv (float16 weights) → Add (a float16 Constant) → Relu → y. */
function halfModel(): ModelProto {
  const b = new GraphBuilder();
  b.input('x', DT.float16, [1, 2, 4, 4]);
  b.initializers.push(halfTensor('w', [3, 2, 1, 1], randomFloats(seeded(2), 6, 0.5)));
  b.node('Conv', ['x', 'w'], { name: 'conv', outputs: ['c'] });
  b.node('Constant', [], {
    name: 'k',
    outputs: ['k_out'],
    attrs: { value: halfTensor('', [1], Float32Array.of(0.1)) },
  });
  b.node('Add', ['c', 'k_out'], { name: 'add', outputs: ['s'] });
  b.node('Relu', ['s'], { name: 'relu', outputs: ['y'] });
  b.output('y', DT.float16, [1, 3, 4, 4]);
  const g = b.graph();
  g.valueInfo.push({ name: 'c', type: tensorType(DT.float16, [1, 3, 4, 4]), docString: '' });
  return model(g, { opset: 17 });
}

describe('upcast', () => {
  it('mobilenetv3-fp16: every weight to float32 exactly, the Casts at the edges removed', async () => {
    const z = await zoo('mobilenetv3-fp16.onnx');
    const before = fingerprint(z.model, z.src);
    expect(storesFloat16(z.model)).toBe(true);
    const r = upcast(z.model, UP, z.src);
    expect(fingerprint(z.model, z.src)).toBe(before);
    const g = r.model.graph!;
    expect(g.initializer.filter((t) => t.dataType === DT.float16)).toEqual([]);
    expect(storesFloat16(r.model)).toBe(false);
    // The half() export's two Casts (input to FP16, logits to FP32) go; every other node stays.
    expect(countOf(z.model, 'Cast')).toBe(2);
    expect(countOf(r.model, 'Cast')).toBe(0);
    expect(g.node).toHaveLength(z.model.graph!.node.length - 2);
    expect(g.input.map((v) => v.name)).toEqual(['input']);
    expect(g.output.map((v) => v.name)).toEqual(['logits']);
    expect(g.node.find((n) => n.opType === 'Conv')!.input[0]).toBe('input');
    expect(g.node.some((n) => n.output.includes('logits'))).toBe(true);
    // Exact: each float32 weight is the float16 value it was.
    for (const t of z.model.graph!.initializer.slice(0, 10)) {
      const after = g.initializer.find((x) => x.name === t.name)!;
      expect(after.dataType).toBe(DT.float32);
      expect(Array.from(tensorValues(after, { path: '' }))).toEqual(Array.from(tensorValues(t, z.src)));
    }
    expect(r.exact).toBe(true);
    expect(r.summary).toMatch(/67 weights.*1 Cast target.*2 Casts between float32 tensors removed/);
  });

  it('a model with float16 inputs and outputs keeps them, with a Cast inside at each edge', () => {
    const m = halfModel();
    const before = fingerprint(m);
    const r = upcast(m, UP);
    const g = r.model.graph!;
    const t = (v: { type?: unknown }) => (v.type as { elemType: number }).elemType;
    expect(t(g.input[0]!)).toBe(DT.float16);
    expect(t(g.output[0]!)).toBe(DT.float16);
    expect(g.node.map((n) => n.opType)).toEqual(['Cast', 'Conv', 'Constant', 'Add', 'Relu', 'Cast']);
    expect(g.node[0]!.attribute[0]!.i).toBe(DT.float32);
    expect(g.node.at(-1)!.attribute[0]!.i).toBe(DT.float16);
    expect(g.node.at(-1)!.output).toEqual(['y']);
    expect(g.node[2]!.attribute[0]!.t!.dataType).toBe(DT.float32);
    expect(t(g.valueInfo[0]!)).toBe(DT.float32);
    expect(r.notes[0]).toMatch(/x, y are float16 at the model's edge and stay so/);
    // The input model is as it was: its weights, Constant, Cast-free nodes and value_info types.
    expect(m.graph!.initializer[0]!.dataType).toBe(DT.float16);
    expect(fingerprint(m)).toBe(before);
  });

  it.each(['vit-tiny.onnx', 'unet-tiny.onnx'])('%s (float32) is left alone', async (file) => {
    const z = await zoo(file);
    const r = upcast(z.model, UP, z.src);
    expect(r.summary).toBe('nothing to upcast: the model stores no float16');
    expect(fingerprint(r.model, z.src)).toBe(fingerprint(z.model, z.src));
  });
});
