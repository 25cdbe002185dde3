/**
 * Convolution and pooling shapes, case by case where a plausible slip would still pass the
 * showcase tests (test/unit/shapes/conv.test.ts): asymmetric pads, VALID with pads given, ceil mode
 * at the exact boundary, kernels larger than the input, ranks known only from the weight or the
 * kernel, every malformed attribute's reason, and the raw rule outputs before inferNode cleans
 * them. Written against Stryker's surviving mutants (npm run mutate -- conv).
 */
import { describe, expect, it } from 'vitest';
import {
  conv,
  convTranspose,
  globalPool,
  maxUnpool,
  pool,
  qlinearConv,
  windowOut,
} from '../../../electron/core/shapes/rules/conv';
import type { InferResult } from '../../../electron/core/shapes/types';
import { ctx, i64, type CtxSpec } from '../shapes/ctx';

type Input = NonNullable<CtxSpec['inputs']>[number];
const dims = (r: InferResult, i = 0) => r.outputs[i]?.dims;
const convOf = (x: Input, w: Input, attrs: CtxSpec['attrs'] = {}) => conv(ctx({ op: 'Conv', inputs: [x, w], attrs }));
const poolOf = (x: Input, attrs: CtxSpec['attrs'] = {}, op = 'MaxPool') =>
  pool(ctx({ op, inputs: [x], attrs, outputCount: 2 }));
const transposeOf = (x: Input, w: Input, attrs: CtxSpec['attrs'] = {}) =>
  convTranspose(ctx({ op: 'ConvTranspose', inputs: [x, w], attrs }));

describe('Conv window arithmetic', () => {
  it('reads begin pads from the first half and end pads from the second (asymmetric pads)', () => {
    // pads [h_begin, w_begin, h_end, w_end] = [0, 1, 2, 3]: H 10+0+2-3+1 = 10, W 10+1+3-3+1 = 12.
    expect(dims(convOf([1, 1, 10, 10], [1, 1, 3, 3], { pads: [0, 1, 2, 3] }))).toEqual([1, 1, 10, 12]);
    // Begin only, end only.
    expect(dims(convOf([1, 1, 8], [1, 1, 3], { pads: [2, 0] }))).toEqual([1, 1, 8]);
    expect(dims(convOf([1, 1, 8], [1, 1, 3], { pads: [0, 4], strides: [2] }))).toEqual([1, 1, 5]);
  });

  it('VALID ignores the pads attribute; SAME ignores pads, kernel and dilation', () => {
    // VALID: ceil((in - dk + 1)/s) = ceil(5/2) = 3 and ceil(7/2) = 4 even with pads given.
    const valid = convOf([1, 1, 7, 9], [1, 1, 3, 3], { auto_pad: 'VALID', pads: [1, 1, 1, 1], strides: [2, 2] });
    expect(dims(valid)).toEqual([1, 1, 3, 4]);
    // VALID with dilation 2: dk = 5, ceil((9-5+1)/1) = 5.
    expect(dims(convOf([1, 1, 9], [1, 1, 3], { auto_pad: 'VALID', dilations: [2] }))).toEqual([1, 1, 5]);
    for (const autoPad of ['SAME_UPPER', 'SAME_LOWER']) {
      const same = convOf([1, 1, 7, 9], [1, 1, 5, 5], {
        auto_pad: autoPad,
        pads: [3, 3, 3, 3],
        dilations: [2, 2],
        strides: [3, 2],
      });
      expect(dims(same)).toEqual([1, 1, 3, 5]);
    }
  });

  it('a kernel that exactly fits gives 1; one that does not fit gives an unknown dim, not a negative one', () => {
    expect(dims(convOf([1, 1, 5, 6], [1, 1, 5, 5]))).toEqual([1, 1, 1, 2]);
    expect(dims(convOf([1, 1, 2, 9], [1, 1, 5, 5]))).toEqual([1, 1, null, 5]);
    // Padding can make it fit: 2 + 2 + 1 - 5 = 0 -> 1.
    expect(dims(convOf([1, 1, 2, 2], [1, 1, 5, 5], { pads: [2, 2, 1, 1] }))).toEqual([1, 1, 1, 1]);
  });

  it('windowOut of an unknown dim is unknown in every padding mode', () => {
    const w = { kernel: [3], strides: [2], dilations: [1], pads: [1, 1], autoPad: 'NOTSET', ceil: false };
    expect(windowOut(null, 0, w)).toBeNull();
    expect(windowOut(null, 0, { ...w, autoPad: 'VALID' })).toBeNull();
    expect(windowOut(null, 0, { ...w, autoPad: 'SAME_UPPER' })).toBeNull();
    expect(windowOut(null, 0, { ...w, ceil: true })).toBeNull();
    expect(windowOut(11, 0, w)).toBe(6);
  });
});

describe('ceil_mode', () => {
  it('rounds up, and drops the last window exactly when it would start at or past input + begin padding', () => {
    // 4 with k2 s2 pads [0, 1]: ceil(3/2)+1 = 3, but window 2 starts at 4 = 4 + 0: dropped -> 2.
    expect(dims(poolOf([1, 1, 4], { kernel_shape: [2], strides: [2], pads: [0, 1], ceil_mode: 1 }))).toEqual([1, 1, 2]);
    // 5 with k2 s2 pads [1, 0]: ceil(4/2)+1 = 3; window 2 starts at 4 < 5 + 1: kept.
    expect(dims(poolOf([1, 1, 5], { kernel_shape: [2], strides: [2], pads: [1, 0], ceil_mode: 1 }))).toEqual([1, 1, 3]);
    // 5 with k2 s2, no pads: 3 (the last window holds element 4 only).
    expect(dims(poolOf([1, 1, 5], { kernel_shape: [2], strides: [2], ceil_mode: 1 }))).toEqual([1, 1, 3]);
    // The same without ceil_mode: 2.
    expect(dims(poolOf([1, 1, 5], { kernel_shape: [2], strides: [2], ceil_mode: 0 }))).toEqual([1, 1, 2]);
  });

  it('floor mode keeps windows that lie in the end padding (the spec formula drops nothing)', () => {
    // 3 with k1 s1 pads [0, 2]: floor(4/1)+1 = 5.
    expect(dims(poolOf([1, 1, 3], { kernel_shape: [1], pads: [0, 2] }))).toEqual([1, 1, 5]);
  });

  it('symbolic dims round up symbolically', () => {
    const r = poolOf(['N', 8, 'H'], { kernel_shape: [2], strides: [2], ceil_mode: 1 });
    expect(dims(r)).toEqual(['N', 8, 'ceil((H-2)/2)+1']);
  });
});

describe('Conv rank and kernel sources', () => {
  it('takes the rank from the weight when the input is unknown', () => {
    expect(dims(convOf(undefined, [4, 3, 3, 3]))).toEqual([null, 4, null, null]);
    expect(dims(convOf({ dtype: 'float32', dims: null }, [4, 3, 3]))).toEqual([null, 4, null]);
  });

  it('takes the rank from kernel_shape when neither input nor weight is known', () => {
    expect(dims(convOf(undefined, undefined, { kernel_shape: [3, 3] }))).toEqual([null, null, null, null]);
  });

  it('knows nothing when nothing says the rank', () => {
    expect(convOf(undefined, undefined)).toEqual({ outputs: [{ dtype: '', dims: null }] });
    expect(convOf(undefined, { dtype: 'float16', dims: null }).outputs).toEqual([{ dtype: '', dims: null }]);
  });

  it('keeps N and M when the window is unknown: no kernel_shape and a weight of another rank or symbolic size', () => {
    expect(dims(convOf([2, 3, 8, 8], [4, 3, 3]))).toEqual([2, 4, null, null]);
    expect(dims(convOf([2, 3, 8, 8], [4, 3, 'k', 3]))).toEqual([2, 4, null, null]);
    expect(dims(convOf([2, 3, 8, 8], undefined))).toEqual([2, null, null, null]);
    // With kernel_shape the weight's rank does not matter.
    expect(dims(convOf([2, 3, 8, 8], undefined, { kernel_shape: [3, 3] }))).toEqual([2, null, 6, 6]);
  });

  it('refuses an input of rank below 3', () => {
    expect(convOf([1, 3], [4, 3])).toEqual({ outputs: [], reason: 'Conv: input has rank 2, expected at least 3' });
  });

  it('1-D convolutions', () => {
    expect(dims(convOf([1, 4, 9], [2, 4, 3], { strides: [2] }))).toEqual([1, 2, 4]);
  });
});

describe('malformed window attributes: the reason names the attribute', () => {
  const reason = (attrs: CtxSpec['attrs']) => convOf([1, 1, 8, 8], [1, 1, 3, 3], attrs).reason;
  it.each([
    [{ kernel_shape: [3] }, 'Conv: kernel_shape has 1 values for 2 spatial dims'],
    [{ strides: [1] }, 'Conv: strides has 1 values for 2 spatial dims'],
    [{ dilations: [1, 1, 1] }, 'Conv: dilations has 3 values for 2 spatial dims'],
    [{ pads: [1, 1, 1] }, 'Conv: pads has 3 values for 2 spatial dims'],
    [{ kernel_shape: [3, 0] }, 'Conv: kernel_shape[1] = 0 is not positive'],
    [{ strides: [1, 0] }, 'Conv: strides[1] = 0 is not positive'],
    [{ strides: [-2, 1] }, 'Conv: strides[0] = -2 is not positive'],
    [{ dilations: [0, 1] }, 'Conv: dilations[0] = 0 is not positive'],
    [{ dilations: [1, 0] }, 'Conv: dilations[1] = 0 is not positive'],
    [{ pads: [0, 0, 0, -1] }, 'Conv: pads has a negative value -1'],
  ])('%j', (attrs, want) => {
    expect(reason(attrs)).toBe(want);
  });

  it('defaults (no strides, dilations or pads) are one value per spatial dim', () => {
    expect(convOf([1, 1, 8, 8], [1, 1, 3, 3]).reason).toBeUndefined();
    expect(dims(convOf([1, 1, 8, 8], [1, 1, 3, 3]))).toEqual([1, 1, 6, 6]);
  });
});

describe('QLinearConv output type', () => {
  const q = (yZeroPoint: string | null) =>
    qlinearConv(
      ctx({
        op: 'QLinearConv',
        inputs: [
          { dtype: 'uint8', dims: [1, 2, 4, 4] },
          [],
          { dtype: 'uint8', dims: [] },
          { dtype: 'int8', dims: [3, 2, 3, 3] },
          [],
          { dtype: 'int8', dims: [] },
          [],
          yZeroPoint ? { dtype: yZeroPoint, dims: [] } : undefined,
        ],
      }),
    );
  it("is y_zero_point's element type, else the input's", () => {
    expect(q('int8').outputs[0]).toEqual({ dtype: 'int8', dims: [1, 3, 2, 2] });
    expect(q(null).outputs[0]).toEqual({ dtype: 'uint8', dims: [1, 3, 2, 2] });
  });
});

describe('pooling', () => {
  it('without kernel_shape: N and C kept, spatial dims unknown, and a reason', () => {
    expect(poolOf([1, 3, 8, 8])).toEqual({
      outputs: [
        { dtype: 'float32', dims: [1, 3, null, null] },
        { dtype: 'int64', dims: [1, 3, null, null] },
      ],
      reason: 'kernel_shape missing',
    });
  });

  it('an unknown input: element type and dims unknown, no reason', () => {
    expect(poolOf(undefined)).toEqual({
      outputs: [
        { dtype: '', dims: null },
        { dtype: 'int64', dims: null },
      ],
    });
    expect(poolOf(undefined, { kernel_shape: [2, 2] })).toEqual({
      outputs: [
        { dtype: '', dims: null },
        { dtype: 'int64', dims: null },
      ],
    });
    expect(poolOf({ dtype: 'float16', dims: null }, { kernel_shape: [2, 2] })).toEqual({
      outputs: [
        { dtype: 'float16', dims: null },
        { dtype: 'int64', dims: null },
      ],
    });
  });

  it('refuses rank below 3 and malformed attributes with the op in the reason', () => {
    expect(poolOf([4, 8], { kernel_shape: [2] })).toEqual({
      outputs: [],
      reason: 'MaxPool: input has rank 2, expected at least 3',
    });
    expect(poolOf([1, 1, 8, 8], { kernel_shape: [2, 2], strides: [2] }, 'AveragePool').reason).toBe(
      'AveragePool: strides has 1 values for 2 spatial dims',
    );
  });

  it('keeps N and C and the element type; indices are int64 of the same shape', () => {
    const r = poolOf({ dtype: 'float16', dims: ['N', 16, 9, 7] }, { kernel_shape: [3, 3], strides: [2, 2] });
    expect(r.outputs).toEqual([
      { dtype: 'float16', dims: ['N', 16, 4, 3] },
      { dtype: 'int64', dims: ['N', 16, 4, 3] },
    ]);
  });

  it('global pools: 1 per spatial dim; unknown input or dims stay unknown', () => {
    expect(globalPool(ctx({ op: 'GlobalMaxPool', inputs: [{ dtype: 'float16', dims: [2, 3, 5] }] }))).toEqual({
      outputs: [{ dtype: 'float16', dims: [2, 3, 1] }],
    });
    expect(globalPool(ctx({ op: 'GlobalMaxPool', inputs: [{ dtype: 'float32', dims: null }] }))).toEqual({
      outputs: [{ dtype: 'float32', dims: null }],
    });
    expect(globalPool(ctx({ op: 'GlobalAveragePool', inputs: [undefined] }))).toStrictEqual({ outputs: [undefined] });
  });
});

describe('ConvTranspose', () => {
  it('1-D, dilation, SAME_LOWER and VALID (which ignores pads)', () => {
    expect(dims(transposeOf([1, 4, 5], [4, 2, 3]))).toEqual([1, 2, 7]);
    // (5-1)*1 + (3-1)*2 + 1 = 9
    expect(dims(transposeOf([1, 1, 5, 5], [1, 1, 3, 3], { dilations: [2, 2] }))).toEqual([1, 1, 9, 9]);
    expect(dims(transposeOf([1, 1, 5, 6], [1, 1, 3, 3], { auto_pad: 'SAME_LOWER', strides: [2, 3] }))).toEqual([
      1, 1, 10, 18,
    ]);
    // (5-1)*2 + 3 = 11: the pads are not subtracted under VALID.
    expect(
      dims(transposeOf([1, 1, 5, 5], [1, 1, 3, 3], { auto_pad: 'VALID', pads: [1, 1, 1, 1], strides: [2, 2] })),
    ).toEqual([1, 1, 11, 11]);
    // Asymmetric pads: (5-1)*2 + 3 - (0+1) = 10 and - (2+3) = 6.
    expect(dims(transposeOf([1, 1, 5, 5], [1, 1, 3, 3], { pads: [0, 2, 1, 3], strides: [2, 2] }))).toEqual([
      1, 1, 10, 6,
    ]);
  });

  it('an output that would be negative is unknown; zero is zero', () => {
    // (1-1)*1 + 2 - (1+1) = 0; (1-1)*1 + 2 - (2+1) = -1.
    expect(dims(transposeOf([1, 1, 1, 1], [1, 1, 2, 2], { pads: [1, 2, 1, 1] }))).toEqual([1, 1, 0, null]);
  });

  it('output_shape wins: spatial only or with N and C in front; negative entries are unknown', () => {
    expect(dims(transposeOf([1, 4, 5, 5], [4, 2, 3, 3], { output_shape: [1, 2, 11, 0] }))).toEqual([1, 2, 11, 0]);
    expect(dims(transposeOf([1, 4, 5, 5], [4, 2, 3, 3], { output_shape: [-1, 10] }))).toEqual([1, 2, null, 10]);
    // Too short to hold every spatial dim: computed instead.
    expect(dims(transposeOf([1, 4, 5, 5], [4, 2, 3, 3], { output_shape: [9] }))).toEqual([1, 2, 7, 7]);
  });

  it('M is the weight dim 1 times group; unknown input or window keeps what is known', () => {
    expect(dims(transposeOf([1, 6, 4, 4], [6, 2, 1, 1], { group: 3 }))).toEqual([1, 6, 4, 4]);
    expect(dims(transposeOf(undefined, [4, 2, 3, 3]))).toEqual([null, 2, null, null]);
    expect(dims(transposeOf([1, 4, 5, 5], undefined))).toEqual([1, null, null, null]);
    expect(dims(transposeOf([1, 4, 5, 5], undefined, { kernel_shape: [3, 3] }))).toEqual([1, null, 7, 7]);
  });

  it('takes the element type from the weight when the input is unknown; knows nothing without a rank', () => {
    expect(transposeOf(undefined, { dtype: 'float16', dims: [4, 2, 3, 3] }).outputs[0]?.dtype).toBe('float16');
    expect(transposeOf(undefined, undefined)).toEqual({ outputs: [{ dtype: '', dims: null }] });
  });

  it('refuses rank below 3 and malformed attributes', () => {
    expect(transposeOf([1, 4], [4, 2])).toEqual({
      outputs: [],
      reason: 'ConvTranspose: input has rank 2, expected at least 3',
    });
    expect(transposeOf([1, 4, 5, 5], [4, 2, 3, 3], { strides: [2] }).reason).toBe(
      'ConvTranspose: strides has 1 values for 2 spatial dims',
    );
  });
});

describe('MaxUnpool', () => {
  const unpool = (x: Input, attrs: CtxSpec['attrs'], shape?: number[]) =>
    maxUnpool(
      ctx({
        op: 'MaxUnpool',
        // No third input at all without a shape (an absent output_shape, not one known only at run time).
        inputs: shape
          ? [x, { dtype: 'int64', dims: null }, { dtype: 'int64', dims: [shape.length] }]
          : [x, { dtype: 'int64', dims: null }],
        consts: shape ? [undefined, undefined, i64(shape)] : [],
        attrs,
      }),
    );

  it('(in-1)*s + k - pad_begin - pad_end per axis', () => {
    // H: 3*2 + 2 - (1+0) = 7; W: 3*2 + 2 - (0+2) = 6.
    expect(unpool([1, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 0, 0, 2] }).outputs).toEqual([
      { dtype: 'float32', dims: [1, 2, 7, 6] },
    ]);
    expect(dims(unpool([1, 2, 4], { kernel_shape: [3] }))).toEqual([1, 2, 6]);
  });

  it('an explicit output_shape input wins (copied: the folded constant is not shared with the output)', () => {
    const r = unpool([1, 2, 4, 4], { kernel_shape: [2, 2] }, [1, 2, 9, 8]);
    expect(r.outputs).toEqual([{ dtype: 'float32', dims: [1, 2, 9, 8] }]);
    const shape = i64([1, 2, 9, 8]);
    const out = maxUnpool(
      ctx({ op: 'MaxUnpool', inputs: [[1, 2, 4, 4], null, null], consts: [undefined, undefined, shape] }),
    );
    expect(out.outputs[0]?.dims).not.toBe(shape.values);
  });

  it('without a kernel or an input: what is known', () => {
    expect(unpool([1, 2, 4, 4], {}).outputs).toEqual([{ dtype: 'float32', dims: [1, 2, null, null] }]);
    expect(unpool(undefined, { kernel_shape: [2, 2] }).outputs).toEqual([{ dtype: '', dims: null }]);
  });

  it('refuses malformed attributes', () => {
    expect(unpool([1, 2, 4, 4], { kernel_shape: [2] })).toEqual({
      outputs: [],
      reason: 'MaxUnpool: kernel_shape has 1 values for 2 spatial dims',
    });
  });
});
