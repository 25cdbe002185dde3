import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import type { ConstValue } from '../../../electron/core/shapes/types';
import { ctx, i64, t64 } from './ctx';

const dims = (r: ReturnType<typeof inferNode>, i = 0) => r.outputs[i]?.dims;
const withConsts = (cs: (ConstValue | undefined)[]) => cs.map((c) => (c ? t64(c) : undefined));

describe('Concat and Split', () => {
  it('Concat sums the axis (symbolically too) and fills dims from any input that knows them', () => {
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Concat',
            inputs: [
              ['b', 3, 4],
              ['b', 5, 4],
            ],
            attrs: { axis: 1 },
          }),
        ),
      ),
    ).toEqual(['b', 8, 4]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Concat',
            inputs: [
              ['s', 4],
              [1, 4],
            ],
            attrs: { axis: 0 },
          }),
        ),
      ),
    ).toEqual(['s+1', 4]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Concat',
            inputs: [
              [null, 4],
              [2, null],
            ],
            attrs: { axis: -1 },
          }),
        ),
      ),
    ).toEqual([2, null]);
    expect(
      inferNode(
        ctx({
          op: 'Concat',
          inputs: [
            [2, 4],
            [3, 4],
          ],
          attrs: { axis: 1 },
        }),
      ).reason,
    ).toMatch(/size 3 on axis 0/);
  });

  it('Concat folds shape vectors with symbols', () => {
    const a = i64(['b']);
    const b = i64([-1, 64]);
    const r = inferNode(ctx({ op: 'Concat', inputs: withConsts([a, b]), consts: [a, b], attrs: { axis: 0 } }));
    expect(r.consts?.[0]?.values).toEqual(['b', -1, 64]);
  });

  it('Split: attribute form before opset 13, input form after, equal parts, opset 18 num_outputs', () => {
    const a = inferNode(ctx({ op: 'Split', opset: 11, inputs: [[6, 'n']], attrs: { split: [2, 4] }, outputCount: 2 }));
    expect([dims(a, 0), dims(a, 1)]).toEqual([
      [2, 'n'],
      [4, 'n'],
    ]);
    const s = i64([1, 2]);
    const b = inferNode(
      ctx({
        op: 'Split',
        opset: 13,
        inputs: [[3, 8], t64(s)],
        consts: [undefined, s],
        attrs: { axis: 0 },
        outputCount: 2,
      }),
    );
    expect([dims(b, 0), dims(b, 1)]).toEqual([
      [1, 8],
      [2, 8],
    ]);
    const eq = inferNode(ctx({ op: 'Split', opset: 13, inputs: [['b', '3*h']], attrs: { axis: 1 }, outputCount: 3 }));
    expect(dims(eq, 2)).toEqual(['b', 'h']);
    const uneven = inferNode(ctx({ op: 'Split', opset: 18, inputs: [[7]], attrs: { num_outputs: 3 }, outputCount: 3 }));
    expect([dims(uneven, 0), dims(uneven, 2)]).toEqual([[3], [1]]);
    expect(inferNode(ctx({ op: 'Split', opset: 13, inputs: [[7]], outputCount: 3 })).reason).toMatch(/does not split/);
  });
});

describe('Slice', () => {
  const slice = (
    x: (number | string)[],
    starts: number[],
    ends: (number | string)[],
    axes?: number[],
    steps?: number[],
  ) => {
    const cs: (ConstValue | undefined)[] = [
      undefined,
      i64(starts),
      i64(ends),
      axes ? i64(axes) : undefined,
      steps ? i64(steps) : undefined,
    ];
    const inputs = [x, t64(cs[1]!), t64(cs[2]!), axes ? t64(cs[3]!) : null, steps ? t64(cs[4]!) : null];
    return inferNode(ctx({ op: 'Slice', opset: 13, inputs, consts: cs }));
  };

  it('clamps starts and ends like the spec', () => {
    expect(dims(slice([20, 10, 5], [0, 0], [3, 10]))).toEqual([3, 10, 5]);
    expect(dims(slice([20, 10], [1], [1000], [1]))).toEqual([20, 9]);
    expect(dims(slice([20, 10], [-3], [2 ** 62], [0]))).toEqual([3, 10]);
    expect(dims(slice([10], [5], [3]))).toEqual([0]);
  });

  it('negative steps walk backwards (x[::-1] and x[8:2:-2])', () => {
    expect(dims(slice([10], [-1], [-(2 ** 62)], [0], [-1]))).toEqual([10]);
    expect(dims(slice([10], [8], [2], [0], [-2]))).toEqual([3]);
  });

  it('keeps symbolic dims for x[s:] and ends taken from the shape itself', () => {
    expect(dims(slice(['b', 's', 64], [1], [2 ** 63 - 1], [1]))).toEqual(['b', 's-1', 64]);
    expect(dims(slice(['b', 's', 64], [0], ['s'], [1]))).toEqual(['b', 's', 64]);
    expect(dims(slice(['b', 's', 64], [0], [4], [1]))).toEqual(['b', null, 64]);
  });

  it('reads attributes before opset 10', () => {
    const r = inferNode(
      ctx({ op: 'Slice', opset: 9, inputs: [[5, 6]], attrs: { starts: [1], ends: [-1], axes: [1] } }),
    );
    expect(dims(r)).toEqual([5, 4]);
  });

  it('folds constant shape vectors (Shape -> Slice)', () => {
    const shape = i64(['b', 's', 12, 64]);
    const cs: (ConstValue | undefined)[] = [shape, i64([0]), i64([2])];
    const r = inferNode(ctx({ op: 'Slice', opset: 13, inputs: cs.map((c) => t64(c!)), consts: cs }));
    expect(r.consts?.[0]?.values).toEqual(['b', 's']);
  });
});

describe('Gather family', () => {
  it('Gather: data[:axis] + indices + data[axis+1:], folding Shape[i]', () => {
    expect(
      dims(inferNode(ctx({ op: 'Gather', inputs: [[5, 4, 3], { dtype: 'int64', dims: [2, 7] }], attrs: { axis: 1 } }))),
    ).toEqual([5, 2, 7, 3]);
    const shape = i64(['b', 's', 768]);
    const idx = { dtype: 'int64', dims: [], values: [-2] };
    const r = inferNode(ctx({ op: 'Gather', inputs: [t64(shape), t64(idx)], consts: [shape, idx] }));
    expect(r.outputs[0]).toEqual({ dtype: 'int64', dims: [] });
    expect(r.consts?.[0]?.values).toEqual(['s']);
  });

  it('GatherElements follows indices; GatherND uses batch_dims', () => {
    expect(dims(inferNode(ctx({ op: 'GatherElements', inputs: [[3, 3], { dtype: 'int64', dims: [2, 3] }] })))).toEqual([
      2, 3,
    ]);
    // data [2,3,4], indices [2,1] with batch_dims 1 -> [2] + data[2:] = [2, 4]
    expect(
      dims(
        inferNode(
          ctx({ op: 'GatherND', inputs: [[2, 3, 4], { dtype: 'int64', dims: [2, 1] }], attrs: { batch_dims: 1 } }),
        ),
      ),
    ).toEqual([2, 4]);
    expect(dims(inferNode(ctx({ op: 'GatherND', inputs: [[2, 3, 4], { dtype: 'int64', dims: [5, 2] }] })))).toEqual([
      5, 4,
    ]);
  });
});

describe('Pad, Resize, TopK, ArgMax, OneHot, NonZero', () => {
  it('Pad: attribute (opset < 11) and input forms, opset 18 axes', () => {
    expect(
      dims(inferNode(ctx({ op: 'Pad', opset: 2, inputs: [[1, 3, 4, 4]], attrs: { pads: [0, 0, 1, 2, 0, 0, 1, 2] } }))),
    ).toEqual([1, 3, 6, 8]);
    const p = i64([1, 1, 2, 2]);
    expect(dims(inferNode(ctx({ op: 'Pad', opset: 13, inputs: [['n', 5], t64(p)], consts: [undefined, p] })))).toEqual([
      'n+3',
      8,
    ]);
    const p2 = i64([1, 1]);
    const ax = i64([-1]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Pad',
            opset: 18,
            inputs: [[2, 5], t64(p2), null, t64(ax)],
            consts: [undefined, p2, undefined, ax],
          }),
        ),
      ),
    ).toEqual([2, 7]);
  });

  it('Resize: floor(in * scale) or sizes; Upsample attribute scales before opset 9', () => {
    const scales = { dtype: 'float32', dims: [4], values: [1, 1, 2, 2] };
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Resize',
            opset: 13,
            inputs: [['N', 3, 'H', 5], null, t64(scales)],
            consts: [undefined, undefined, scales],
          }),
        ),
      ),
    ).toEqual(['N', 3, '2*H', 10]);
    const down = { dtype: 'float32', dims: [4], values: [1, 1, 0.6, 0.6] };
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Resize',
            opset: 11,
            inputs: [[1, 1, 4, 5], [0], t64(down)],
            consts: [undefined, undefined, down],
          }),
        ),
      ),
    ).toEqual([1, 1, 2, 3]);
    const sizes = i64([1, 1, 7, 9]);
    const emptyScales = { dtype: 'float32', dims: [0], values: [] };
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Resize',
            opset: 11,
            inputs: [[1, 1, 4, 5], [0], t64(emptyScales), t64(sizes)],
            consts: [undefined, undefined, emptyScales, sizes],
          }),
        ),
      ),
    ).toEqual([1, 1, 7, 9]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Upsample',
            opset: 7,
            inputs: [[1, 2, 3, 3]],
            attrs: { scales: { kind: 'floats', value: [1, 1, 2, 2] } },
          }),
        ),
      ),
    ).toEqual([1, 2, 6, 6]);
  });

  it('TopK (k attribute before opset 10, input after) gives values and int64 indices', () => {
    const k = i64([5]);
    const r = inferNode(
      ctx({ op: 'TopK', opset: 11, inputs: [['b', 100], t64(k)], consts: [undefined, k], outputCount: 2 }),
    );
    expect(r.outputs).toEqual([
      { dtype: 'float32', dims: ['b', 5] },
      { dtype: 'int64', dims: ['b', 5] },
    ]);
    expect(
      dims(inferNode(ctx({ op: 'TopK', opset: 1, inputs: [[3, 9]], attrs: { k: 2, axis: 1 }, outputCount: 2 }))),
    ).toEqual([3, 2]);
  });

  it('ArgMax keepdims; OneHot inserts depth; NonZero has an unknown count', () => {
    expect(inferNode(ctx({ op: 'ArgMax', inputs: [[2, 3, 4]], attrs: { axis: 1 } })).outputs[0]).toEqual({
      dtype: 'int64',
      dims: [2, 1, 4],
    });
    expect(dims(inferNode(ctx({ op: 'ArgMin', inputs: [[2, 3, 4]], attrs: { axis: -1, keepdims: 0 } })))).toEqual([
      2, 3,
    ]);
    const depth = i64([10]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'OneHot',
            inputs: [{ dtype: 'int64', dims: [2, 3] }, t64(depth), [2]],
            consts: [undefined, depth],
            attrs: { axis: 1 },
          }),
        ),
      ),
    ).toEqual([2, 10, 3]);
    expect(dims(inferNode(ctx({ op: 'NonZero', inputs: [[3, 4]] })))).toEqual([2, null]);
  });
});
