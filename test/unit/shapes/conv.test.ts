import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { ctx } from './ctx';

const dims = (r: ReturnType<typeof inferNode>, i = 0) => r.outputs[i]?.dims;

describe('convolution', () => {
  it('ResNet-50 stem: 7x7/2 pad 3 on 224 gives 112 (floor((224+6-7)/2)+1)', () => {
    const r = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 3, 224, 224],
          [64, 3, 7, 7],
        ],
        attrs: { strides: [2, 2], pads: [3, 3, 3, 3] },
      }),
    );
    expect(dims(r)).toEqual([1, 64, 112, 112]);
  });

  it('asymmetric pads: each axis adds its own begin and end (pads = [x1_begin, x2_begin, x1_end, x2_end])', () => {
    // H: 10 + 0 + 2 - 3 + 1 = 10; W: 10 + 1 + 4 - 3 + 1 = 13 (end read as begin would give 8 and 10).
    const r = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 2, 10, 10],
          [4, 2, 3, 3],
        ],
        attrs: { pads: [0, 1, 2, 4] },
      }),
    );
    expect(dims(r)).toEqual([1, 4, 10, 13]);
    // Strided: floor((9 + 0 + 1 - 3) / 2) + 1 = 4 (TensorFlow's SAME exported as explicit end padding).
    const strided = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 2, 9],
          [4, 2, 3],
        ],
        attrs: { strides: [2], pads: [0, 1] },
      }),
    );
    expect(dims(strided)).toEqual([1, 4, 4]);
    // Symbolic: H + 0 + 2 - 3 + 1 = H.
    const sym = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          ['N', 2, 'H'],
          [4, 2, 3],
        ],
        attrs: { pads: [0, 2] },
      }),
    );
    expect(dims(sym)).toEqual(['N', 4, 'H']);
  });

  it('reads the kernel from the weight when kernel_shape is absent, and honours dilations', () => {
    // 3x3 dilation 2: effective 5, so 10 - 5 + 1 = 6.
    const r = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [2, 8, 10, 10],
          [4, 8, 3, 3],
        ],
        attrs: { dilations: [2, 2] },
      }),
    );
    expect(dims(r)).toEqual([2, 4, 6, 6]);
  });

  it('auto_pad SAME gives ceil(in/stride); VALID gives ceil((in-k+1)/stride)', () => {
    const same = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 1, 7, 9],
          [1, 1, 3, 3],
        ],
        attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] },
      }),
    );
    expect(dims(same)).toEqual([1, 1, 4, 5]);
    const lower = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 1, 7, 9],
          [1, 1, 3, 3],
        ],
        attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] },
      }),
    );
    expect(dims(lower)).toEqual([1, 1, 4, 5]);
    const valid = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 1, 7, 9],
          [1, 1, 3, 3],
        ],
        attrs: { auto_pad: 'VALID', strides: [2, 2] },
      }),
    );
    expect(dims(valid)).toEqual([1, 1, 3, 4]);
  });

  it('keeps symbolic spatial dims: stride 1 same-padding is the identity, stride 2 a floor expression', () => {
    const s1 = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          ['N', 3, 'H', 'W'],
          [16, 3, 3, 3],
        ],
        attrs: { pads: [1, 1, 1, 1] },
      }),
    );
    expect(dims(s1)).toEqual(['N', 16, 'H', 'W']);
    const s2 = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          ['N', 3, 'H', 'W'],
          [16, 3, 3, 3],
        ],
        attrs: { pads: [1, 1, 1, 1], strides: [2, 2] },
      }),
    );
    expect(dims(s2)).toEqual(['N', 16, 'floor((H-1)/2)+1', 'floor((W-1)/2)+1']);
  });

  it('grouped and 1-D convs', () => {
    // depthwise: W [32, 1, 3, 3], group 32
    const dw = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 32, 56, 56],
          [32, 1, 3, 3],
        ],
        attrs: { group: 32, pads: [1, 1, 1, 1] },
      }),
    );
    expect(dims(dw)).toEqual([1, 32, 56, 56]);
    const c1 = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 4, 100],
          [8, 4, 5],
        ],
        attrs: { strides: [5] },
      }),
    );
    expect(dims(c1)).toEqual([1, 8, 20]);
  });

  it('rejects malformed attributes with a reason instead of throwing', () => {
    const bad = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 3, 8, 8],
          [4, 3, 3, 3],
        ],
        attrs: { strides: [0, 1] },
      }),
    );
    expect(bad.outputs[0]).toBeUndefined();
    expect(bad.reason).toMatch(/strides/);
    const pads = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 3, 8, 8],
          [4, 3, 3, 3],
        ],
        attrs: { pads: [1, 1] },
      }),
    );
    expect(pads.reason).toMatch(/pads has 2 values/);
    const tooBig = inferNode(
      ctx({
        op: 'Conv',
        inputs: [
          [1, 3, 4, 4],
          [4, 3, 7, 7],
        ],
      }),
    );
    expect(dims(tooBig)).toEqual([1, 4, null, null]); // kernel larger than the input
  });

  it('ConvTranspose with asymmetric pads takes begin and end of each axis off its own size', () => {
    // H: 2*(4-1) + 3 - (0 + 2) = 7; W: 2*(4-1) + 3 - (1 + 0) = 8.
    const r = inferNode(
      ctx({
        op: 'ConvTranspose',
        inputs: [
          [1, 4, 4, 4],
          [4, 2, 3, 3],
        ],
        attrs: { strides: [2, 2], pads: [0, 1, 2, 0] },
      }),
    );
    expect(dims(r)).toEqual([1, 2, 7, 8]);
  });

  it('ConvTranspose: s*(in-1) + k - pads, output_padding, group, SAME and output_shape', () => {
    // (8-1)*2 + 4 - 2 = 16; W [Cin=16, Cout/group=8, 4, 4], group 2 -> 16 channels
    const r = inferNode(
      ctx({
        op: 'ConvTranspose',
        inputs: [
          [1, 16, 8, 8],
          [16, 8, 4, 4],
        ],
        attrs: { strides: [2, 2], pads: [1, 1, 1, 1], group: 2 },
      }),
    );
    expect(dims(r)).toEqual([1, 16, 16, 16]);
    const op = inferNode(
      ctx({
        op: 'ConvTranspose',
        inputs: [
          [1, 4, 5, 5],
          [4, 2, 3, 3],
        ],
        attrs: { strides: [2, 2], output_padding: [1, 1] },
      }),
    );
    expect(dims(op)).toEqual([1, 2, 12, 12]); // (5-1)*2 + 3 + 1
    const same = inferNode(
      ctx({
        op: 'ConvTranspose',
        inputs: [
          ['N', 4, 'H', 5],
          [4, 2, 3, 3],
        ],
        attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' },
      }),
    );
    expect(dims(same)).toEqual(['N', 2, '2*H', 10]);
    const os = inferNode(
      ctx({
        op: 'ConvTranspose',
        inputs: [
          [1, 4, 5, 5],
          [4, 2, 3, 3],
        ],
        attrs: { strides: [2, 2], output_shape: [11, 10] },
      }),
    );
    expect(dims(os)).toEqual([1, 2, 11, 10]);
  });

  it("ConvInteger outputs int32; QLinearConv takes y_zero_point's type", () => {
    const ci = inferNode(
      ctx({
        op: 'ConvInteger',
        inputs: [
          { dtype: 'uint8', dims: [1, 2, 4, 4] },
          { dtype: 'uint8', dims: [3, 2, 3, 3] },
        ],
      }),
    );
    expect(ci.outputs[0]).toEqual({ dtype: 'int32', dims: [1, 3, 2, 2] });
    const u8 = (d: number[]) => ({ dtype: 'uint8', dims: d });
    const q = inferNode(
      ctx({
        op: 'QLinearConv',
        inputs: [
          u8([1, 2, 4, 4]),
          [],
          u8([]),
          { dtype: 'int8', dims: [3, 2, 3, 3] },
          [],
          { dtype: 'int8', dims: [] },
          [],
          u8([]),
        ],
      }),
    );
    expect(q.outputs[0]).toEqual({ dtype: 'uint8', dims: [1, 3, 2, 2] });
  });
});

describe('pooling', () => {
  it('MaxPool 3x3/2 pad 1 on 112 gives 56, with int64 indices', () => {
    const r = inferNode(
      ctx({
        op: 'MaxPool',
        inputs: [[1, 64, 112, 112]],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
        outputCount: 2,
      }),
    );
    expect(dims(r)).toEqual([1, 64, 56, 56]);
    expect(r.outputs[1]).toEqual({ dtype: 'int64', dims: [1, 64, 56, 56] });
  });

  it('asymmetric pads: padding only at the end of each axis (TensorFlow SAME exported as explicit pads)', () => {
    // floor((5 + 0 + 1 - 2) / 2) + 1 = 3 on both axes; end read as begin would give 2.
    const r = inferNode(
      ctx({
        op: 'MaxPool',
        inputs: [[1, 8, 5, 5]],
        attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] },
      }),
    );
    expect(dims(r)).toEqual([1, 8, 3, 3]);
    const avg = inferNode(
      ctx({
        op: 'AveragePool',
        inputs: [[1, 8, 6, 6]],
        attrs: { kernel_shape: [3, 3], pads: [2, 0, 0, 1] },
      }),
    );
    // H: 6 + 2 + 0 - 3 + 1 = 6; W: 6 + 0 + 1 - 3 + 1 = 5.
    expect(dims(avg)).toEqual([1, 8, 6, 5]);
  });

  it('ceil_mode rounds up, but drops a window that would start in the padding', () => {
    // 5 with k2 s2: floor -> 2, ceil -> 3 (the last window covers element 4 only)
    const floor = inferNode(
      ctx({ op: 'MaxPool', inputs: [[1, 1, 5, 5]], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }),
    );
    expect(dims(floor)).toEqual([1, 1, 2, 2]);
    const ceil = inferNode(
      ctx({
        op: 'AveragePool',
        inputs: [[1, 1, 5, 5]],
        attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 },
      }),
    );
    expect(dims(ceil)).toEqual([1, 1, 3, 3]);
    // 6 with k1 s2 pad 1: ceil((6+2-1)/2)+1 = 5, but window 4 starts at 8 >= 6+1 (end padding) -> 4
    const drop = inferNode(
      ctx({
        op: 'MaxPool',
        inputs: [[1, 1, 6]],
        attrs: { kernel_shape: [1], strides: [2], pads: [1, 1], ceil_mode: 1 },
      }),
    );
    expect(dims(drop)).toEqual([1, 1, 4]);
  });

  it('LpPool and global pools', () => {
    expect(
      dims(inferNode(ctx({ op: 'LpPool', inputs: [[1, 2, 8]], attrs: { kernel_shape: [2], strides: [2] } }))),
    ).toEqual([1, 2, 4]);
    expect(dims(inferNode(ctx({ op: 'GlobalAveragePool', inputs: [['N', 960, 'h', 'w']] })))).toEqual(['N', 960, 1, 1]);
    expect(dims(inferNode(ctx({ op: 'GlobalMaxPool', inputs: [[2, 3, 4, 5, 6]] })))).toEqual([2, 3, 1, 1, 1]);
  });
});
