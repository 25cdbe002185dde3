import { describe, expect, it } from 'vitest';
import { VariantSchema } from '../../../electron/shared/api/variants';
import { precisionOverlay } from '../../../renderer/src/precision/overlay';

const variant = (converted: Record<string, string[]>, kept: { node: string; precision: string }[]) =>
  VariantSchema.parse({
    id: 'x',
    name: 'm.int8-trt-mse-fp16.onnx',
    recipe: { precision: 'int8' },
    bytes: 1,
    ms: 1,
    nodesByPrecision: {},
    kept: kept.map((k) => ({ ...k, op: 'Conv', reason: 'excluded by the recipe' })),
    converted,
    castsInserted: 0,
    weightsConverted: 0,
    notes: [],
  });

describe('a variant painted on the graph', () => {
  it('codes each node of the source model by what the variant made of it', () => {
    const v = variant({ int8: ['a'], fp16: ['b', 'd'], rewritten: ['f'] }, [
      { node: 'c', precision: 'fp32' },
      { node: 'd', precision: 'fp16' },
    ]);
    const o = precisionOverlay(v, ['a', 'b', 'c', 'd', 'e', 'f']);
    expect(o.kind).toBe('category');
    expect(o.name).toBe('precision in m.int8-trt-mse-fp16.onnx');
    const label = (i: number) => o.labels![o.codes![i]!];
    expect([0, 1, 2, 3, 4, 5].map(label)).toEqual([
      'INT8 (Q/DQ on its inputs)',
      'FP16',
      'kept FP32',
      'kept out of INT8, FP16',
      'unchanged',
      'rewritten (folded or fused)',
    ]);
  });

  it('reads a variant saved before the diff was recorded as all unchanged but its kept nodes', () => {
    const { converted, ...old } = variant({}, [{ node: 'c', precision: 'fp32' }]);
    expect(converted).toEqual({});
    const o = precisionOverlay(VariantSchema.parse(old), ['a', 'c']);
    expect(Array.from(o.codes!)).toEqual([5, 2]);
  });
});
