import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { ctx, f32, i64, t64 } from './ctx';

const dims = (r: ReturnType<typeof inferNode>, i = 0) => r.outputs[i]?.dims;

describe('reductions', () => {
  it('axes attribute (ReduceMean opset 13) with keepdims 1 and 0', () => {
    expect(
      dims(inferNode(ctx({ op: 'ReduceMean', opset: 13, inputs: [['b', 's', 768]], attrs: { axes: [-1] } }))),
    ).toEqual(['b', 's', 1]);
    expect(
      dims(inferNode(ctx({ op: 'ReduceMax', opset: 13, inputs: [[2, 3, 4]], attrs: { axes: [0, 2], keepdims: 0 } }))),
    ).toEqual([3]);
  });

  it('axes input (ReduceSum from 13, the rest from 18), empty axes and noop_with_empty_axes', () => {
    const ax = i64([1]);
    expect(
      dims(inferNode(ctx({ op: 'ReduceSum', opset: 13, inputs: [[2, 3, 4], t64(ax)], consts: [undefined, ax] }))),
    ).toEqual([2, 1, 4]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'ReduceMean',
            opset: 18,
            inputs: [[2, 3, 4], t64(ax)],
            consts: [undefined, ax],
            attrs: { keepdims: 0 },
          }),
        ),
      ),
    ).toEqual([2, 4]);
    expect(dims(inferNode(ctx({ op: 'ReduceSum', opset: 13, inputs: [[2, 3]], attrs: { keepdims: 0 } })))).toEqual([]);
    expect(
      dims(inferNode(ctx({ op: 'ReduceSum', opset: 13, inputs: [[2, 3]], attrs: { noop_with_empty_axes: 1 } }))),
    ).toEqual([2, 3]);
    // Unknown axes with keepdims: rank kept, sizes unknown.
    expect(
      dims(inferNode(ctx({ op: 'ReduceL2', opset: 18, inputs: [[2, 3], { dtype: 'int64', dims: [1] }] }))),
    ).toEqual([null, null]);
  });
});

describe('constant folding sources', () => {
  it('Shape (with start/end) folds to symbolic values; Size to the element count', () => {
    const r = inferNode(ctx({ op: 'Shape', opset: 15, inputs: [['b', 3, 'h', 'w']], attrs: { start: -2 } }));
    expect(r.outputs[0]).toEqual({ dtype: 'int64', dims: [2] });
    expect(r.consts?.[0]?.values).toEqual(['h', 'w']);
    expect(inferNode(ctx({ op: 'Size', inputs: [['b', 3, 4]] })).consts?.[0]?.values).toEqual(['12*b']);
  });

  it('ConstantOfShape uses the value attribute type and folds small fills', () => {
    const s = i64([2, 3]);
    const r = inferNode(
      ctx({
        op: 'ConstantOfShape',
        inputs: [t64(s)],
        consts: [s],
        attrs: {
          value: {
            kind: 'tensor',
            value: { dtype: 'int64', dims: [1], value: { dtype: 'int64', dims: [1], values: [7] } },
          },
        },
      }),
    );
    expect(r.outputs[0]).toEqual({ dtype: 'int64', dims: [2, 3] });
    expect(r.consts?.[0]?.values).toEqual([7, 7, 7, 7, 7, 7]);
    // A giant shape is typed but never allocated.
    const big = i64([1e9, 1e9]);
    const g = inferNode(ctx({ op: 'ConstantOfShape', inputs: [t64(big)], consts: [big] }));
    expect(g.outputs[0]).toEqual({ dtype: 'float32', dims: [1e9, 1e9] });
    expect(g.consts?.[0]).toBeUndefined();
  });

  it('Constant reads every value_* form', () => {
    expect(inferNode(ctx({ op: 'Constant', attrs: { value_ints: [1, 2, 3] } })).consts?.[0]).toEqual(i64([1, 2, 3]));
    expect(inferNode(ctx({ op: 'Constant', attrs: { value_float: f32(0.5) } })).outputs[0]).toEqual({
      dtype: 'float32',
      dims: [],
    });
    const t = inferNode(
      ctx({ op: 'Constant', attrs: { value: { kind: 'tensor', value: { dtype: 'float16', dims: [4, 4] } } } }),
    );
    expect(t.outputs[0]).toEqual({ dtype: 'float16', dims: [4, 4] });
  });

  it('Range: ceil((limit - start) / delta), symbolic for Range(0, s, 1)', () => {
    const c = (v: number | string) => ({ dtype: 'int64', dims: [], values: [v] });
    const r = inferNode(ctx({ op: 'Range', inputs: [t64(c(0)), t64(c(10)), t64(c(3))], consts: [c(0), c(10), c(3)] }));
    expect(r.outputs[0]?.dims).toEqual([4]);
    expect(r.consts?.[0]?.values).toEqual([0, 3, 6, 9]);
    const s = inferNode(
      ctx({ op: 'Range', inputs: [t64(c(0)), t64(c('s')), t64(c(1))], consts: [c(0), c('s'), c(1)] }),
    );
    expect(s.outputs[0]?.dims).toEqual(['s']);
    const neg = inferNode(
      ctx({ op: 'Range', inputs: [t64(c(10)), t64(c(4)), t64(c(-3))], consts: [c(10), c(4), c(-3)] }),
    );
    expect(neg.consts?.[0]?.values).toEqual([10, 7]);
  });

  it('Shape -> Gather -> Unsqueeze -> Concat -> Reshape resolves the target through symbols', () => {
    const x = { dtype: 'float32', dims: ['b', 's', 768] };
    const shape = inferNode(ctx({ op: 'Shape', inputs: [x] }));
    const idx = { dtype: 'int64', dims: [], values: [0] };
    const g = inferNode(ctx({ op: 'Gather', inputs: [shape.outputs[0], t64(idx)], consts: [shape.consts?.[0], idx] }));
    const ax = i64([0]);
    const u = inferNode(
      ctx({ op: 'Unsqueeze', opset: 13, inputs: [g.outputs[0], t64(ax)], consts: [g.consts?.[0], ax] }),
    );
    const rest = i64([-1, 12, 64]);
    const cat = inferNode(
      ctx({ op: 'Concat', inputs: [u.outputs[0], t64(rest)], consts: [u.consts?.[0], rest], attrs: { axis: 0 } }),
    );
    expect(cat.consts?.[0]?.values).toEqual(['b', -1, 12, 64]);
    const r = inferNode(ctx({ op: 'Reshape', inputs: [x, cat.outputs[0]], consts: [undefined, cat.consts?.[0]] }));
    expect(r.outputs[0]?.dims).toEqual(['b', 's', 12, 64]);
  });
});
