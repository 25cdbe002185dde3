/**
 * The input-shapes edit sets only the inputs fed at run time: a graph input that is also an
 * initializer (IR 3 files list every weight as an input) is a weight, and setting its shape is
 * refused with the reason; the real inputs beside it are still set.
 */
import { describe, expect, it } from 'vitest';
import { setShapes } from '../../../electron/core/edit/shapes';
import type { ModelProto, ValueInfoProto } from '../../../electron/core/onnx/model';
import { transformer } from '../../builders/transformer';
import { built, inputDims } from './load';

/** The generated transformer with its first weight also listed as a graph input, as IR 3 files do. */
function weightAsInput(): { model: ModelProto; weight: string } {
  const m = built(transformer(1));
  const g = m.graph!;
  const w = g.initializer[0]!;
  const input: ValueInfoProto = {
    ...g.input[0]!,
    name: w.name,
    type: { kind: 'tensor', elemType: w.dataType, shape: w.dims.map((d) => ({ value: d })), denotation: '' },
  };
  return { model: { ...m, graph: { ...g, input: [...g.input, input] } }, weight: w.name };
}

describe('input shapes on a model listing weights as inputs', () => {
  it('refuses to set a weight listed as an input, naming it', () => {
    const { model, weight } = weightAsInput();
    expect(() => setShapes(model, { kind: 'shapes', shapes: { [weight]: [1] } })).toThrow(
      `${weight} is an initializer (a weight), not an input`,
    );
  });

  it('sets the real input beside it and leaves the weight alone', () => {
    const { model, weight } = weightAsInput();
    const step = setShapes(model, { kind: 'shapes', shapes: { input: [1, 8, 16] } });
    const dims = inputDims(step.model);
    expect(dims.input).toEqual([1, 8, 16]);
    expect(dims[weight]).toEqual(inputDims(model)[weight]);
  });
});
