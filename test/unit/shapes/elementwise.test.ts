import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { ctx, i64, t64 } from './ctx';

describe('elementwise and broadcasting', () => {
  it('broadcasts numpy-style (right-aligned, 1 stretches)', () => {
    // [2,3,4] + [4] -> [2,3,4]; [8,1,6,1] + [7,1,5] -> [8,7,6,5] (numpy broadcasting docs example)
    expect(inferNode(ctx({ op: 'Add', inputs: [[2, 3, 4], [4]] })).outputs[0]?.dims).toEqual([2, 3, 4]);
    expect(
      inferNode(
        ctx({
          op: 'Mul',
          inputs: [
            [8, 1, 6, 1],
            [7, 1, 5],
          ],
        }),
      ).outputs[0]?.dims,
    ).toEqual([8, 7, 6, 5]);
  });

  it('broadcasts symbolic dims: a symbol beats 1, a number beats a symbol, different symbols are unknown', () => {
    expect(
      inferNode(
        ctx({
          op: 'Add',
          inputs: [
            ['N', 3, 1],
            [1, 5],
          ],
        }),
      ).outputs[0]?.dims,
    ).toEqual(['N', 3, 5]);
    expect(
      inferNode(
        ctx({
          op: 'Add',
          inputs: [
            ['N', 1],
            [4, 'M'],
          ],
        }),
      ).outputs[0]?.dims,
    ).toEqual([4, 'M']);
    expect(inferNode(ctx({ op: 'Sub', inputs: [['a'], ['b']] })).outputs[0]?.dims).toEqual([null]);
    expect(inferNode(ctx({ op: 'Sub', inputs: [['a'], ['a']] })).outputs[0]?.dims).toEqual(['a']);
  });

  it('rejects shapes that cannot broadcast, with a reason', () => {
    const r = inferNode(ctx({ op: 'Add', inputs: [[3], [4]] }));
    expect(r.outputs[0]).toBeUndefined();
    expect(r.reason).toMatch(/do not broadcast/);
  });

  it('handles variadic ops and unknown ranks', () => {
    expect(inferNode(ctx({ op: 'Sum', inputs: [[3, 1], [1, 4], [4]] })).outputs[0]?.dims).toEqual([3, 4]);
    expect(inferNode(ctx({ op: 'Max', inputs: [[3], { dtype: 'float32', dims: null }] })).outputs[0]).toEqual({
      dtype: 'float32',
      dims: null,
    });
  });

  it('gives comparisons a bool output', () => {
    expect(inferNode(ctx({ op: 'Equal', inputs: [[2, 3], [3]] })).outputs[0]).toEqual({ dtype: 'bool', dims: [2, 3] });
    expect(inferNode(ctx({ op: 'IsNaN', inputs: [[5]] })).outputs[0]).toEqual({ dtype: 'bool', dims: [5] });
  });

  it('keeps shapes through activations, Clip, Softmax, Identity', () => {
    for (const op of [
      'Relu',
      'Sigmoid',
      'HardSwish',
      'HardSigmoid',
      'Tanh',
      'Erf',
      'Gelu',
      'Clip',
      'Softmax',
      'Identity',
    ]) {
      expect(inferNode(ctx({ op, inputs: [['N', 16, 'H', 'W']] })).outputs[0]?.dims).toEqual(['N', 16, 'H', 'W']);
    }
  });

  it('folds shape arithmetic, keeping symbols', () => {
    const shape = i64(['b', 's', 768]);
    const r = inferNode(ctx({ op: 'Mul', inputs: [t64(shape), t64(i64([1]))], consts: [shape, i64([2])] }));
    expect(r.consts?.[0]?.values).toEqual(['2*b', '2*s', 1536]);
    const div = inferNode(ctx({ op: 'Div', inputs: [t64(i64([7])), t64(i64([2]))], consts: [i64([7]), i64([2])] }));
    expect(div.consts?.[0]?.values).toEqual([3]); // integer Div truncates
    const l = i64(['a', -1]);
    const r2 = i64(['a', 3]);
    const eq = inferNode(ctx({ op: 'Equal', inputs: [t64(l), t64(r2)], consts: [l, r2] }));
    expect(eq.consts?.[0]?.values).toEqual([1, 0]);
    // PyTorch's Expand target: Where(Equal(shape, -1), 1, shape) with shape = [b, s-1, 4]
    const shp = i64(['b', 's-1', 4]);
    const neg = i64([-1]);
    const isNeg = inferNode(ctx({ op: 'Equal', inputs: [t64(shp), t64(neg)], consts: [shp, neg] }));
    expect(isNeg.consts?.[0]?.values).toEqual([0, null, 0]); // s-1 could be -1 only if s = 0: unknown
  });

  it('Where picks per element and broadcasts all three inputs', () => {
    const r = inferNode(
      ctx({
        op: 'Where',
        inputs: [{ dtype: 'bool', dims: [2] }, t64(i64([2])), t64(i64([1]))],
        consts: [{ dtype: 'bool', dims: [2], values: [1, 0] }, i64([5, 6]), i64([9])],
      }),
    );
    expect(r.outputs[0]).toEqual({ dtype: 'int64', dims: [2] });
    expect(r.consts?.[0]?.values).toEqual([5, 9]);
  });

  it("Cast takes the TensorProto type of `to`; CastLike takes input 1's type", () => {
    expect(inferNode(ctx({ op: 'Cast', inputs: [[2, 'n']], attrs: { to: 7 } })).outputs[0]).toEqual({
      dtype: 'int64',
      dims: [2, 'n'],
    });
    expect(inferNode(ctx({ op: 'Cast', inputs: [[2]], attrs: { to: 10 } })).outputs[0]?.dtype).toBe('float16');
    expect(inferNode(ctx({ op: 'CastLike', inputs: [[3], { dtype: 'float16', dims: [] }] })).outputs[0]).toEqual({
      dtype: 'float16',
      dims: [3],
    });
  });

  it('Dropout returns the data and a bool mask', () => {
    const r = inferNode(ctx({ op: 'Dropout', inputs: [[4, 5]], outputCount: 2 }));
    expect(r.outputs).toEqual([
      { dtype: 'float32', dims: [4, 5] },
      { dtype: 'bool', dims: [4, 5] },
    ]);
  });
});
