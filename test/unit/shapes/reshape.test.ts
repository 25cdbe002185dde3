import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { ctx, i64, t64 } from './ctx';

const dims = (r: ReturnType<typeof inferNode>, i = 0) => r.outputs[i]?.dims;

function reshape(x: (number | string | null)[], shape: (number | string | null)[], attrs: Record<string, number> = {}) {
  const s = i64(shape);
  return inferNode(ctx({ op: 'Reshape', inputs: [x, t64(s)], consts: [undefined, s], attrs }));
}

describe('Reshape', () => {
  it('0 copies, -1 is inferred', () => {
    expect(dims(reshape([2, 3, 4], [0, -1]))).toEqual([2, 12]);
    expect(dims(reshape([2, 3, 4], [-1]))).toEqual([24]);
    expect(dims(reshape([2, 3, 4], [4, 0, 2]))).toEqual([4, 3, 2]);
  });

  it('allowzero=1 makes 0 a literal size', () => {
    expect(dims(reshape([0, 3], [0, 3], { allowzero: 1 }))).toEqual([0, 3]);
  });

  it('resolves -1 symbolically (attention head split and merge)', () => {
    expect(dims(reshape(['b', 's', 768], [0, 0, 12, 64]))).toEqual(['b', 's', 12, 64]);
    expect(dims(reshape(['b', 's', 12, 64], [0, 0, -1]))).toEqual(['b', 's', 768]);
    expect(dims(reshape(['b', 's', 768], [-1, 768]))).toEqual(['b*s', 768]);
    expect(dims(reshape(['b', 's', 768], ['b', -1, 12, 64]))).toEqual(['b', 's', 12, 64]);
  });

  it('reports impossible targets', () => {
    expect(reshape([2, 3], [4, -1]).reason).toMatch(/cannot be reshaped/);
    expect(reshape([2, 3], [5]).reason).toMatch(/6 elements/);
    expect(reshape([2, 3], [-1, -1]).reason).toMatch(/more than one -1/);
    expect(reshape([2, 3], [-3, 2]).reason).toMatch(/invalid/);
  });

  it("keeps the rank when only the shape input's length is known", () => {
    expect(dims(inferNode(ctx({ op: 'Reshape', inputs: [[6], { dtype: 'int64', dims: [3] }] })))).toEqual([
      null,
      null,
      null,
    ]);
  });

  it('reads the shape attribute before opset 5', () => {
    expect(dims(inferNode(ctx({ op: 'Reshape', opset: 4, inputs: [[2, 3]], attrs: { shape: [3, -1] } })))).toEqual([
      3, 2,
    ]);
  });
});

describe('Transpose, Flatten, Squeeze, Unsqueeze, Expand, Tile', () => {
  it('Transpose permutes (default: reverse) and folds constants', () => {
    expect(
      dims(inferNode(ctx({ op: 'Transpose', inputs: [['b', 's', 12, 64]], attrs: { perm: [0, 2, 1, 3] } }))),
    ).toEqual(['b', 12, 's', 64]);
    expect(dims(inferNode(ctx({ op: 'Transpose', inputs: [[2, 3, 4]] })))).toEqual([4, 3, 2]);
    const c = { dtype: 'int64', dims: [2, 3], values: [1, 2, 3, 4, 5, 6] };
    const r = inferNode(ctx({ op: 'Transpose', inputs: [t64(c)], consts: [c] }));
    expect(r.consts?.[0]).toEqual({ dtype: 'int64', dims: [3, 2], values: [1, 4, 2, 5, 3, 6] });
    expect(inferNode(ctx({ op: 'Transpose', inputs: [[2, 3]], attrs: { perm: [0, 0] } })).reason).toMatch(
      /permutation/,
    );
  });

  it('Flatten splits at axis (negative from opset 11)', () => {
    expect(dims(inferNode(ctx({ op: 'Flatten', inputs: [['N', 3, 4, 5]] })))).toEqual(['N', 60]);
    expect(dims(inferNode(ctx({ op: 'Flatten', inputs: [[2, 3, 4]], attrs: { axis: -1 } })))).toEqual([6, 4]);
    expect(dims(inferNode(ctx({ op: 'Flatten', inputs: [[2, 3]], attrs: { axis: 0 } })))).toEqual([1, 6]);
  });

  it('Squeeze: attribute before opset 13, input after, all 1s without axes', () => {
    expect(
      dims(inferNode(ctx({ op: 'Squeeze', opset: 11, inputs: [[1, 3, 1, 5]], attrs: { axes: [0, -2] } }))),
    ).toEqual([3, 5]);
    const ax = i64([2]);
    expect(
      dims(inferNode(ctx({ op: 'Squeeze', opset: 13, inputs: [[1, 3, 1, 5], t64(ax)], consts: [undefined, ax] }))),
    ).toEqual([1, 3, 5]);
    expect(dims(inferNode(ctx({ op: 'Squeeze', opset: 13, inputs: [[1, 3, 1, 5]] })))).toEqual([3, 5]);
    // A symbolic dim might be 1 at run time: the rank is unknown.
    expect(dims(inferNode(ctx({ op: 'Squeeze', opset: 13, inputs: [[1, 'n']] })))).toBeNull();
    expect(inferNode(ctx({ op: 'Squeeze', opset: 11, inputs: [[2, 3]], attrs: { axes: [0] } })).reason).toMatch(
      /not 1/,
    );
  });

  it('Unsqueeze: axes index the output', () => {
    expect(dims(inferNode(ctx({ op: 'Unsqueeze', opset: 11, inputs: [[3, 4]], attrs: { axes: [0, 3] } })))).toEqual([
      1, 3, 4, 1,
    ]);
    const ax = i64([-1]);
    const c = i64(['b']);
    const r = inferNode(
      ctx({
        op: 'Unsqueeze',
        opset: 13,
        inputs: [{ dtype: 'int64', dims: [] }, t64(ax)],
        consts: [{ dtype: 'int64', dims: [], values: ['b'] }, ax],
      }),
    );
    expect(dims(r)).toEqual([1]);
    expect(r.consts?.[0]).toEqual(c);
  });

  it('Expand broadcasts both ways; Tile multiplies', () => {
    const s = i64([3, 1, 4]);
    expect(dims(inferNode(ctx({ op: 'Expand', inputs: [['n', 1], t64(s)], consts: [undefined, s] })))).toEqual([
      3,
      'n',
      4,
    ]);
    const reps = i64([2, 3]);
    expect(dims(inferNode(ctx({ op: 'Tile', inputs: [['n', 4], t64(reps)], consts: [undefined, reps] })))).toEqual([
      '2*n',
      12,
    ]);
    const c = i64([1, 2]);
    const r = inferNode(ctx({ op: 'Tile', inputs: [t64(c), t64(i64([2]))], consts: [c, i64([2])] }));
    expect(r.consts?.[0]?.values).toEqual([1, 2, 1, 2]);
  });

  it('DepthToSpace and SpaceToDepth', () => {
    expect(dims(inferNode(ctx({ op: 'DepthToSpace', inputs: [[1, 16, 4, 'w']], attrs: { blocksize: 2 } })))).toEqual([
      1,
      4,
      8,
      '2*w',
    ]);
    expect(dims(inferNode(ctx({ op: 'SpaceToDepth', inputs: [[1, 4, 8, 8]], attrs: { blocksize: 2 } })))).toEqual([
      1, 16, 4, 4,
    ]);
  });
});
