/** The layerwise curve keys each variant by id: two variants of one name are two lines, not one. */
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../../electron/shared/api/comparison';
import { layerwiseCurve } from '../../../renderer/src/compare/overlay';

const tensor = (name: string, cosine: number) => ({
  name,
  node: 0,
  cosine,
  meanSampleCosine: cosine,
  maxAbs: 0,
  meanAbs: 0,
  snr: 0,
});

describe('layerwiseCurve', () => {
  it('has one value per variant id in each row', () => {
    const variant = (id: string, cosine: number) => ({
      id,
      name: 'model.int8-trt-mse.onnx',
      pass: false,
      perOutput: [],
      layers: { tensors: [tensor('a', cosine), tensor('b', cosine)], firstBad: null, samples: 1 },
    });
    const result = { variants: [variant('v1', 0.9), variant('v2', 0.99)] } as unknown as Comparison;
    const rows = layerwiseCurve(result);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.v1).toBeCloseTo(0.1, 12);
    expect(rows[0]!.v2).toBeCloseTo(0.01, 12);
  });
});
