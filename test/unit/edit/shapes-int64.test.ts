import { describe, expect, it } from 'vitest';
import { fold } from '../../../electron/core/edit/fold';
import { int64ToInt32 } from '../../../electron/core/edit/int64';
import { dynamicBatch, setShapes } from '../../../electron/core/edit/shapes';
import { DataType } from '../../../electron/core/onnx/dtypes';
import { attrOf } from '../../../electron/core/onnx/graph-edit';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { built, inputDims, zoo } from './load';

describe('shapes', () => {
  it('fixes one input and every input sharing its symbolic dims, leaving the parent alone', () => {
    const parent = zoo('bert-tiny');
    const step = setShapes(parent, { kind: 'shapes', shapes: { input_ids: [2, 16] } });
    expect(inputDims(parent).input_ids).toEqual(['batch', 'sequence']);
    expect(inputDims(step.model)).toEqual({ input_ids: [2, 16], attention_mask: [2, 16], token_type_ids: [2, 16] });
    expect(step.notes.join(' ')).toMatch(/attention_mask, token_type_ids share/);
    const out = step.model.graph!.output[0]!.type;
    expect(out?.kind === 'tensor' && out.shape?.slice(0, 2)).toEqual([{ value: 2 }, { value: 16 }]);
  });

  it('renames a symbolic dim', () => {
    const step = setShapes(zoo('vit-tiny'), { kind: 'shapes', shapes: { images: ['N', 3, 64, 64] } });
    expect(inputDims(step.model).images).toEqual(['N', 3, 64, 64]);
  });

  it('refuses an unknown input, naming the real ones', () => {
    expect(() => setShapes(zoo('vit-tiny'), { kind: 'shapes', shapes: { image: [1, 3, 64, 64] } })).toThrow(
      /no input named "image": the model's inputs are images/,
    );
  });

  it('refuses a dim count that does not match, and a dim the model fixes', () => {
    expect(() => setShapes(zoo('vit-tiny'), { kind: 'shapes', shapes: { images: [1, 3, 64] } })).toThrow(
      /images has 4 dims \(batch×3×64×64\); 3 given/,
    );
    expect(() => setShapes(zoo('vit-tiny'), { kind: 'shapes', shapes: { images: [1, 4, 64, 64] } })).toThrow(
      /dim 1 is 3 in the model and cannot be set to 4/,
    );
  });

  it('makes the batch dynamic again', () => {
    const fixed = setShapes(zoo('vit-tiny'), { kind: 'shapes', shapes: { images: [1, 3, 64, 64] } }).model;
    const step = dynamicBatch(fixed, { kind: 'dynamicBatch', name: 'n' });
    expect(inputDims(step.model).images).toEqual(['n', 3, 64, 64]);
    expect(inputDims(fixed).images).toEqual([1, 3, 64, 64]);
  });
});

describe('int64ToInt32', () => {
  const castAdd = (value: number) => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [2]);
    const i = b.node('Cast', [x], { name: 'to_int', attrs: { to: DT.int64 } });
    const c = b.init('c', DT.int64, [1], [BigInt(value)]);
    const s = b.node('Add', [i, c], { name: 'add' });
    b.node('Cast', [s], { name: 'to_float', outputs: ['y'], attrs: { to: DT.float32 } });
    b.output('y', DT.float32, [2]);
    return built(model(b.graph()));
  };

  it('turns a region of INT64 values that fit into INT32: initializer and Cast target', () => {
    const parent = castAdd(3);
    const step = int64ToInt32(parent, { kind: 'int64ToInt32' });
    expect(step.model.graph!.initializer[0]!.dataType).toBe(DataType.INT32);
    expect(attrOf(step.model.graph!.node[0]!, 'to')?.i).toBe(DataType.INT32);
    expect(parent.graph!.initializer[0]!.dataType).toBe(DataType.INT64);
    expect(step.summary).toMatch(/1 initializer, 1 Cast target/);
  });

  it('leaves a region INT64 when a value does not fit, and says so', () => {
    const step = int64ToInt32(castAdd(3_000_000_000), { kind: 'int64ToInt32' });
    expect(step.model.graph!.initializer[0]!.dataType).toBe(DataType.INT64);
    expect(attrOf(step.model.graph!.node[0]!, 'to')?.i).toBe(DataType.INT64);
    expect(step.notes.join(' ')).toMatch(/left INT64: c \(3000000000\)/);
  });

  it('keeps the INT64 inputs an op requires (Reshape shape) and the model interface, converting Gather indices', () => {
    const shapes = { input_ids: [1, 8], attention_mask: [1, 8], token_type_ids: [1, 8] };
    const folded = fold(setShapes(zoo('bert-tiny'), { kind: 'shapes', shapes }).model, { kind: 'fold' }).model;
    const step = int64ToInt32(folded, { kind: 'int64ToInt32' });
    const g = step.model.graph!;
    const init = new Map(g.initializer.map((t) => [t.name, t]));
    for (const n of g.node) {
      if (n.opType === 'Reshape')
        expect(init.get(n.input[1]!)?.dataType ?? DataType.INT64, n.name).toBe(DataType.INT64);
      if (n.opType === 'Unsqueeze' && n.input[1]) expect(init.get(n.input[1])?.dataType ?? 7).toBe(DataType.INT64);
    }
    expect(g.input.every((v) => v.type?.kind === 'tensor' && v.type.elemType === DataType.INT64)).toBe(true);
    expect(step.summary).toMatch(/INT64 → INT32: [1-9]/);
  });
});
