import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { mergeTypes, refineType } from '../../../electron/core/shapes/merge';
import type { SubgraphInferer, TensorType } from '../../../electron/core/shapes/types';
import { ctx, i64, t64 } from './ctx';

const f = (dims: (number | string | null)[] | null): TensorType => ({ dtype: 'float32', dims });
const graph = (name: string) => ({ kind: 'graph' as const, value: name });

describe('control flow', () => {
  // A fake traverser: each named body returns fixed output types (and records what it was given).
  const bodies: Record<string, (TensorType | undefined)[]> = {
    then: [f(['n', 4]), f([2])],
    else: [f(['n', 4]), f([3])],
    body: [{ dtype: 'bool', dims: [] }, f([8]), f([5, 'k'])],
    scanBody: [f([4]), f([4, 2])],
  };
  const seen: (readonly (TensorType | undefined)[])[] = [];
  const infer: SubgraphInferer = (g, inputs) => {
    seen.push(inputs);
    const outs = bodies[g as string];
    return outs ? { outputs: outs.slice() } : undefined;
  };

  it('If merges branches: equal dims stay, different dims become unknown', () => {
    const r = inferNode(
      ctx({
        op: 'If',
        inputs: [{ dtype: 'bool', dims: [] }],
        attrs: { then_branch: graph('then'), else_branch: graph('else') },
        outputCount: 2,
        inferSubgraph: infer,
      }),
    );
    expect(r.outputs).toEqual([f(['n', 4]), f([null])]);
  });

  it('If with a constant condition takes that branch only', () => {
    const cond = { dtype: 'bool', dims: [], values: [0] };
    const r = inferNode(
      ctx({
        op: 'If',
        inputs: [{ dtype: 'bool', dims: [] }],
        consts: [cond],
        attrs: { then_branch: graph('then'), else_branch: graph('else') },
        outputCount: 2,
        inferSubgraph: infer,
      }),
    );
    expect(r.outputs).toEqual([f(['n', 4]), f([3])]);
  });

  it('If without a traverser callback says why', () => {
    const r = inferNode(
      ctx({ op: 'If', inputs: [{ dtype: 'bool', dims: [] }], attrs: { then_branch: graph('then') }, outputCount: 1 }),
    );
    expect(r.outputs).toEqual([undefined]);
    expect(r.reason).toMatch(/subgraph inference unavailable/);
  });

  it('Loop: body gets (iter, cond, carried...); scan outputs stack on a trip-count axis', () => {
    seen.length = 0;
    const m = i64([10], []);
    const r = inferNode(
      ctx({
        op: 'Loop',
        inputs: [t64(m), null, f([8])],
        consts: [m],
        attrs: { body: graph('body') },
        outputCount: 2,
        inferSubgraph: infer,
      }),
    );
    expect(seen[0]).toEqual([{ dtype: 'int64', dims: [] }, { dtype: 'bool', dims: [] }, f([8])]);
    expect(r.outputs).toEqual([f([8]), f([10, 5, 'k'])]);
    // With a condition input the trip count is unknown.
    const r2 = inferNode(
      ctx({
        op: 'Loop',
        inputs: [t64(m), { dtype: 'bool', dims: [] }, f([8])],
        consts: [m],
        attrs: { body: graph('body') },
        outputCount: 2,
        inferSubgraph: infer,
      }),
    );
    expect(r2.outputs[1]).toEqual(f([null, 5, 'k']));
  });

  it('Loop state that changes shape is inferred again with the merged type', () => {
    const calls: (readonly (TensorType | undefined)[])[] = [];
    const grow: SubgraphInferer = (_g, inputs) => {
      calls.push(inputs);
      const s = inputs[2];
      // Concatenates a row each iteration: [k, 4] -> [k+1, 4].
      const k = s?.dims?.[0];
      return { outputs: [{ dtype: 'bool', dims: [] }, f([typeof k === 'number' ? k + 1 : null, 4])] };
    };
    const r = inferNode(
      ctx({
        op: 'Loop',
        inputs: [null, { dtype: 'bool', dims: [] }, f([1, 4])],
        attrs: { body: graph('b') },
        inferSubgraph: grow,
      }),
    );
    expect(calls.map((c) => c[2]?.dims)).toEqual([
      [1, 4],
      [null, 4],
    ]);
    expect(r.outputs[0]).toEqual(f([null, 4]));
  });

  it('Scan: body sees slices without the scan axis; outputs gain the sequence axis', () => {
    seen.length = 0;
    const r = inferNode(
      ctx({
        op: 'Scan',
        opset: 11,
        inputs: [f([4]), f([4, 's', 2])],
        attrs: { body: graph('scanBody'), num_scan_inputs: 1, scan_input_axes: [1], scan_output_axes: [1] },
        outputCount: 2,
        inferSubgraph: infer,
      }),
    );
    expect(seen[0]).toEqual([f([4]), f([4, 2])]);
    expect(r.outputs).toEqual([f([4]), f([4, 's', 2])]);
  });
});

describe('merging and refining types', () => {
  it('refineType keeps what either side knows; declared numbers fill symbols, as onnx does', () => {
    expect(refineType(f(['n', null, 3]), f([null, 7, 3]))).toEqual({ type: f(['n', 7, 3]) });
    expect(refineType(f(['floor((h)/2)', 4]), f([112, 'x']))).toEqual({ type: f([112, 4]) });
    expect(refineType(undefined, f([1]))).toEqual({ type: f([1]) });
    expect(refineType(f([2, 3]), f([2, 4])).conflict).toBe('dim 1 is 3 inferred, 4 declared');
    expect(refineType(f([2]), f([2, 4])).conflict).toMatch(/rank/);
  });

  it('mergeTypes keeps only what both agree on', () => {
    expect(mergeTypes(f(['n', 3]), f(['n', 4]))).toEqual(f(['n', null]));
    expect(mergeTypes(f([3]), f([3, 1]))).toEqual(f(null));
    expect(mergeTypes(f([3]), undefined)).toEqual(f(null));
  });
});

describe('recurrent layers', () => {
  it('LSTM bidirectional: Y [seq, 2, batch, H], Y_h and Y_c [2, batch, H]', () => {
    const r = inferNode(
      ctx({
        op: 'LSTM',
        inputs: [
          ['T', 'b', 64],
          [2, 512, 64],
          [2, 512, 128],
        ],
        attrs: { hidden_size: 128, direction: 'bidirectional' },
        outputCount: 3,
      }),
    );
    expect(r.outputs.map((o) => o?.dims)).toEqual([
      ['T', 2, 'b', 128],
      [2, 'b', 128],
      [2, 'b', 128],
    ]);
  });

  it('GRU layout=1 and hidden size read from W when the attribute is absent', () => {
    const r = inferNode(
      ctx({
        op: 'GRU',
        inputs: [
          [4, 10, 16],
          [1, 96, 16],
        ],
        attrs: { layout: 1 },
        outputCount: 2,
      }),
    );
    expect(r.outputs.map((o) => o?.dims)).toEqual([
      [4, 10, 1, 32],
      [4, 1, 32],
    ]);
  });
});

describe('quantization', () => {
  it('QuantizeLinear takes the zero point type (uint8 by default); DequantizeLinear the scale type', () => {
    expect(inferNode(ctx({ op: 'QuantizeLinear', inputs: [[2, 3], []] })).outputs[0]).toEqual({
      dtype: 'uint8',
      dims: [2, 3],
    });
    expect(
      inferNode(ctx({ op: 'QuantizeLinear', inputs: [[2, 3], [], { dtype: 'int8', dims: [] }] })).outputs[0],
    ).toEqual({ dtype: 'int8', dims: [2, 3] });
    expect(
      inferNode(
        ctx({
          op: 'DequantizeLinear',
          opset: 19,
          inputs: [
            { dtype: 'int8', dims: [4] },
            { dtype: 'float16', dims: [] },
          ],
        }),
      ).outputs[0],
    ).toEqual({ dtype: 'float16', dims: [4] });
  });

  it('DynamicQuantizeLinear: y, scalar scale and zero point', () => {
    expect(inferNode(ctx({ op: 'DynamicQuantizeLinear', inputs: [['n', 8]], outputCount: 3 })).outputs).toEqual([
      { dtype: 'uint8', dims: ['n', 8] },
      { dtype: 'float32', dims: [] },
      { dtype: 'uint8', dims: [] },
    ]);
  });
});

describe('attention', () => {
  it('ONNX Attention (opset 23), 4-D and 3-D forms with past', () => {
    const r = inferNode(
      ctx({
        op: 'Attention',
        opset: 23,
        inputs: [
          ['b', 8, 's', 64],
          ['b', 2, 't', 64],
          ['b', 2, 't', 32],
        ],
        outputCount: 1,
      }),
    );
    expect(r.outputs[0]?.dims).toEqual(['b', 8, 's', 32]);
    const r3 = inferNode(
      ctx({
        op: 'Attention',
        opset: 23,
        inputs: [['b', 's', 512], ['b', 't', 128], ['b', 't', 128], null, ['b', 2, 'p', 64], ['b', 2, 'p', 64]],
        attrs: { q_num_heads: 8, kv_num_heads: 2 },
        outputCount: 3,
      }),
    );
    expect(r3.outputs.map((o) => o?.dims)).toEqual([
      ['b', 's', 512],
      ['b', 2, 'p+t', 64],
      ['b', 2, 'p+t', 64],
    ]);
  });

  it('com.microsoft Attention, MultiHeadAttention, GroupQueryAttention, EmbedLayerNormalization', () => {
    const ms = { domain: 'com.microsoft', opset: 1 };
    const a = inferNode(
      ctx({
        ...ms,
        op: 'Attention',
        inputs: [['b', 's', 768], [768, 2304], [2304], { dtype: 'int32', dims: ['b'] }],
        attrs: { num_heads: 12 },
        outputCount: 2,
      }),
    );
    expect(a.outputs.map((o) => o?.dims)).toEqual([
      ['b', 's', 768],
      [2, 'b', 12, 's', 64],
    ]);
    expect(
      inferNode(
        ctx({
          ...ms,
          op: 'MultiHeadAttention',
          inputs: [
            ['b', 's', 512],
            ['b', 't', 512],
            ['b', 't', 256],
          ],
        }),
      ).outputs[0]?.dims,
    ).toEqual(['b', 's', 256]);
    expect(
      inferNode(
        ctx({
          ...ms,
          op: 'GroupQueryAttention',
          inputs: [['b', 's', 1536]],
          attrs: { num_heads: 16, kv_num_heads: 4 },
        }),
      ).outputs[0]?.dims,
    ).toEqual(['b', 's', 1024]); // head = 1536 / (16 + 8) = 64
    const e = inferNode(
      ctx({
        ...ms,
        op: 'EmbedLayerNormalization',
        inputs: [{ dtype: 'int32', dims: ['b', 's'] }, null, [30522, 768]],
        outputCount: 2,
      }),
    );
    expect(e.outputs).toEqual([
      { dtype: 'float32', dims: ['b', 's', 768] },
      { dtype: 'int32', dims: ['b'] },
    ]);
  });

  it('unfused attention (MatMul, Softmax) chains symbolically', () => {
    const q = f(['b', 12, 's', 64]);
    const kT = inferNode(ctx({ op: 'Transpose', inputs: [f(['b', 12, 't', 64])], attrs: { perm: [0, 1, 3, 2] } }))
      .outputs[0];
    const scores = inferNode(ctx({ op: 'MatMul', inputs: [q, kT] })).outputs[0];
    expect(scores?.dims).toEqual(['b', 12, 's', 't']);
    const p = inferNode(ctx({ op: 'Softmax', inputs: [scores], attrs: { axis: -1 } })).outputs[0];
    expect(inferNode(ctx({ op: 'MatMul', inputs: [p, f(['b', 12, 't', 64])] })).outputs[0]?.dims).toEqual([
      'b',
      12,
      's',
      64,
    ]);
  });
});

describe('unknown ops', () => {
  it('return undefined outputs with a reason naming the op and domain', () => {
    const r = inferNode(ctx({ op: 'MyCustomOp', domain: 'org.example', inputs: [[1]], outputCount: 2 }));
    expect(r.outputs).toEqual([undefined, undefined]);
    expect(r.reason).toBe('no shape rule for org.example::MyCustomOp');
  });
});
