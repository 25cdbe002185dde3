import { describe, expect, it } from 'vitest';
import { nodeCost } from '../../../electron/core/shapes/cost';
import { inferNode } from '../../../electron/core/shapes/infer';
import { StatsAccumulator } from '../../../electron/core/shapes/stats';
import { ctx, type CtxSpec } from './ctx';

function cost(spec: CtxSpec) {
  const c = ctx(spec);
  return nodeCost(c, inferNode(c).outputs);
}

describe('nodeCost', () => {
  it('Conv: out elements x Cin/group x kernel (ResNet-50 stem = 118,013,952 MACs)', () => {
    const r = cost({
      op: 'Conv',
      inputs: [
        [1, 3, 224, 224],
        [64, 3, 7, 7],
      ],
      attrs: { strides: [2, 2], pads: [3, 3, 3, 3] },
    });
    expect(r.macs).toBe(112 * 112 * 64 * 3 * 7 * 7);
    expect(r.macs).toBe(118_013_952);
    expect(r.flops).toBe(2 * r.macs);
    expect(r.exact).toBe(true);
    // Bias adds one FLOP per output element; depthwise uses Cin/group = 1.
    const b = cost({
      op: 'Conv',
      inputs: [[1, 32, 8, 8], [32, 1, 3, 3], [32]],
      attrs: { group: 32, pads: [1, 1, 1, 1] },
    });
    expect(b.macs).toBe(32 * 8 * 8 * 9);
    expect(b.flops).toBe(2 * b.macs + 32 * 8 * 8);
  });

  it('ConvTranspose: in elements x Cout/group x kernel', () => {
    const r = cost({
      op: 'ConvTranspose',
      inputs: [
        [1, 16, 8, 8],
        [16, 8, 4, 4],
      ],
      attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    });
    expect(r.macs).toBe(16 * 8 * 8 * 8 * 16);
  });

  it('MatMul and Gemm: 2*M*N*K FLOPs', () => {
    const m = cost({
      op: 'MatMul',
      inputs: [
        [4, 128, 768],
        [768, 3072],
      ],
    });
    expect(m.macs).toBe(4 * 128 * 3072 * 768);
    expect(m.flops).toBe(2 * 4 * 128 * 3072 * 768);
    const g = cost({ op: 'Gemm', inputs: [[8, 16], [32, 16], [32]], attrs: { transB: 1 } });
    expect(g.macs).toBe(8 * 32 * 16);
    expect(g.flops).toBe(2 * 8 * 32 * 16 + 8 * 32);
  });

  it('elementwise: one FLOP per output element; variadic: inputs - 1 per element', () => {
    expect(cost({ op: 'Add', inputs: [[2, 3, 4], [4]] })).toEqual({ macs: 0, flops: 24, exact: true });
    expect(cost({ op: 'Relu', inputs: [[10, 10]] }).flops).toBe(100);
    expect(cost({ op: 'Sum', inputs: [[5], [5], [5]] }).flops).toBe(10);
    expect(cost({ op: 'Softmax', inputs: [[2, 10]] }).flops).toBe(80);
  });

  it('pooling, reductions, data movement', () => {
    expect(
      cost({ op: 'MaxPool', inputs: [[1, 1, 4, 4]], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }).flops,
    ).toBe(4 * 4);
    expect(cost({ op: 'GlobalAveragePool', inputs: [[1, 8, 7, 7]] }).flops).toBe(8 * 49);
    expect(cost({ op: 'ReduceMean', opset: 13, inputs: [[2, 3, 4]], attrs: { axes: [-1] } }).flops).toBe(24);
    expect(cost({ op: 'Transpose', inputs: [[2, 3, 4]] })).toEqual({ macs: 0, flops: 0, exact: true });
  });

  it('LSTM: seq x batch x dirs x 4 x H x (I + H) MACs', () => {
    const r = cost({
      op: 'LSTM',
      inputs: [
        [10, 2, 16],
        [1, 128, 16],
        [1, 128, 32],
      ],
      attrs: { hidden_size: 32 },
      outputCount: 3,
    });
    expect(r.macs).toBe(10 * 2 * 1 * 4 * 32 * (16 + 32));
  });

  it('Einsum: product of every label size', () => {
    const r = cost({
      op: 'Einsum',
      inputs: [
        [2, 3, 4],
        [2, 4, 5],
      ],
      attrs: { equation: 'bij,bjk->bik' },
    });
    expect(r.macs).toBe(2 * 3 * 4 * 5);
  });

  it('symbolic dims count as 1 and mark the result inexact', () => {
    const r = cost({
      op: 'MatMul',
      inputs: [
        ['b', 's', 768],
        [768, 3072],
      ],
    });
    expect(r.macs).toBe(768 * 3072);
    expect(r.exact).toBe(false);
  });
});

describe('StatsAccumulator', () => {
  it('totals, per-op-type rows sorted by FLOPs, activation bytes', () => {
    const acc = new StatsAccumulator();
    const nodes: CtxSpec[] = [
      {
        op: 'Conv',
        inputs: [
          [1, 3, 8, 8],
          [4, 3, 3, 3],
        ],
        attrs: { pads: [1, 1, 1, 1] },
      },
      { op: 'Relu', inputs: [[1, 4, 8, 8]] },
      { op: 'Relu', inputs: [[1, 4, 8, 8]] },
      { op: 'FastGelu', domain: 'com.microsoft', inputs: [{ dtype: 'float16', dims: [2, 'n'] }] },
    ];
    for (const spec of nodes) {
      const c = ctx(spec);
      const r = inferNode(c);
      acc.addNode(c.op, c.domain, nodeCost(c, r.outputs), spec.op === 'Conv' ? 4 * 3 * 3 * 3 : 0, r.outputs);
    }
    const s = acc.result();
    expect(s.nodes).toBe(4);
    expect(s.params).toBe(108);
    expect(s.macs).toBe(4 * 8 * 8 * 27);
    expect(s.flops).toBe(2 * 4 * 8 * 8 * 27 + 2 * 256 + 2);
    expect(s.perOpType.map((r) => [r.op, r.count])).toEqual([
      ['Conv', 1],
      ['Relu', 2],
      ['com.microsoft::FastGelu', 1],
    ]);
    // three float32 [1,4,8,8] outputs + one float16 [2, n] counted with n = 1
    expect(s.activationBytes).toBe(3 * 256 * 4 + 2 * 2);
    expect(s.largestActivationBytes).toBe(1024);
    expect(s.exact).toBe(false);
  });
});
