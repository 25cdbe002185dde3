/**
 * Malformed models must not crash or allocate without bound: a seeded fuzz over every rule with
 * random (often nonsensical) inputs, constants and attributes.
 */
import { rng } from '../../../electron/core/inputs/generate';
import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { nodeCost } from '../../../electron/core/shapes/cost';
import type { AttrValue, ConstValue, NodeContext, SymDim, TensorType } from '../../../electron/core/shapes/types';

const OPS =
  'Add Mul Where Cast Conv ConvTranspose MaxPool AveragePool GlobalAveragePool BatchNormalization LayerNormalization ' +
  'MatMul Gemm Einsum Reshape Transpose Flatten Squeeze Unsqueeze Expand Tile DepthToSpace Concat Split Slice Gather ' +
  'GatherND Pad TopK ArgMax OneHot NonZero Resize Upsample ReduceSum ReduceMean Shape Size ConstantOfShape Constant ' +
  'Range QuantizeLinear DequantizeLinear LSTM GRU If Loop Scan Attention Softmax Clip Compress Unique GridSample RoiAlign';

describe('robustness', () => {
  it('never throws, never returns invalid dims, on 20,000 random contexts', () => {
    const rand = rng(1234);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const nasty = [0, 1, 2, 3, -1, -2, 7, 1e9, 2 ** 40, 2 ** 62, -(2 ** 62), 0.5, NaN, Infinity];
    const dim = (): SymDim =>
      rand() < 0.15 ? pick(['n', 'b*s', 'floor((h)/2)', '(x']) : rand() < 0.1 ? null : pick(nasty);
    const dims = (): SymDim[] | null => (rand() < 0.1 ? null : Array.from({ length: Math.floor(rand() * 6) }, dim));
    const type = (): TensorType | null | undefined =>
      rand() < 0.1 ? null : rand() < 0.1 ? undefined : { dtype: pick(['float32', 'int64', 'bool', '']), dims: dims() };
    const constv = (): ConstValue | undefined => {
      if (rand() < 0.5) return undefined;
      const n = Math.floor(rand() * 5);
      return { dtype: 'int64', dims: [n], values: Array.from({ length: n }, dim) };
    };
    const ints = () => Array.from({ length: Math.floor(rand() * 6) }, () => pick(nasty));
    const attr = (): AttrValue =>
      pick<() => AttrValue>([
        () => ({ kind: 'int', value: pick(nasty) }),
        () => ({ kind: 'ints', value: ints() }),
        () => ({ kind: 'float', value: pick(nasty) }),
        () => ({ kind: 'floats', value: ints() }),
        () => ({ kind: 'string', value: pick(['SAME_UPPER', 'VALID', 'bidirectional', 'ij,jk->ik', '...a,b', 'x']) }),
        () => ({ kind: 'graph', value: 'g' }),
        () => ({ kind: 'tensor', value: { dtype: 'int64', dims: [1e12], value: constv() } }),
      ])();
    const names = [
      'axis',
      'axes',
      'perm',
      'kernel_shape',
      'strides',
      'pads',
      'dilations',
      'group',
      'auto_pad',
      'keepdims',
      'split',
      'to',
      'equation',
      'hidden_size',
      'direction',
      'starts',
      'ends',
      'shape',
      'value',
      'then_branch',
      'body',
      'num_scan_inputs',
      'blocksize',
      'scales',
      'num_outputs',
      'transA',
      'k',
      'allowzero',
      'output_shape',
      'ceil_mode',
      'value_ints',
      'batch_dims',
    ];
    const ops = OPS.split(' ');
    for (let i = 0; i < 20_000; i++) {
      const nIn = Math.floor(rand() * 6);
      const attrs: Record<string, AttrValue> = {};
      for (let k = Math.floor(rand() * 4); k > 0; k--) attrs[pick(names)] = attr();
      const c: NodeContext = {
        op: pick(ops),
        domain: rand() < 0.1 ? 'com.microsoft' : '',
        opset: pick([1, 7, 9, 11, 13, 18, 23]),
        attrs,
        inputs: Array.from({ length: nIn }, type),
        consts: Array.from({ length: nIn }, constv),
        outputCount: Math.floor(rand() * 4),
        inferSubgraph: (_g, ins) => (rand() < 0.5 ? { outputs: ins.slice(0, 3) } : undefined),
      };
      const r = inferNode(c);
      expect(r.outputs.length).toBe(c.outputCount);
      for (const o of r.outputs) {
        if (!o || !o.dims) continue;
        expect(o.dims.length).toBeLessThan(64);
        for (const d of o.dims) if (typeof d === 'number') expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
      }
      for (const cv of r.consts ?? []) if (cv) expect(cv.values.length).toBeLessThanOrEqual(4096);
      const k = nodeCost(c, r.outputs);
      expect(k.flops >= 0 && k.flops < Infinity && k.macs >= 0 && k.macs <= k.flops).toBe(true);
    }
  });

  it('giant dims stay arithmetic: no allocation proportional to a dim', () => {
    const big = { dtype: 'int64', dims: [3], values: [2 ** 40, 2 ** 40, 2 ** 40] };
    const before = process.memoryUsage().heapUsed;
    const r = inferNode({
      op: 'Expand',
      domain: '',
      opset: 13,
      attrs: {},
      inputs: [
        { dtype: 'float32', dims: [1] },
        { dtype: 'int64', dims: [3] },
      ],
      consts: [{ dtype: 'float32', dims: [1], values: [0] }, big],
      outputCount: 1,
    });
    expect(r.outputs[0]?.dims).toEqual([2 ** 40, 2 ** 40, 2 ** 40]);
    expect(r.consts?.[0]).toBeUndefined();
    const range = inferNode({
      op: 'Range',
      domain: '',
      opset: 13,
      attrs: {},
      inputs: [
        { dtype: 'int64', dims: [] },
        { dtype: 'int64', dims: [] },
        { dtype: 'int64', dims: [] },
      ],
      consts: [0, 2 ** 50, 1].map((v) => ({ dtype: 'int64', dims: [], values: [v] })),
      outputCount: 1,
    });
    expect(range.outputs[0]?.dims).toEqual([2 ** 50]);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});
