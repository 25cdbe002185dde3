import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { ctx } from './ctx';

const dims = (r: ReturnType<typeof inferNode>, i = 0) => r.outputs[i]?.dims;

describe('MatMul and Gemm', () => {
  it('follows numpy matmul: batch broadcast, 1-D operands promoted then dropped', () => {
    expect(
      dims(
        inferNode(
          ctx({
            op: 'MatMul',
            inputs: [
              [2, 3, 4],
              [4, 5],
            ],
          }),
        ),
      ),
    ).toEqual([2, 3, 5]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'MatMul',
            inputs: [
              [2, 1, 3, 4],
              [5, 4, 6],
            ],
          }),
        ),
      ),
    ).toEqual([2, 5, 3, 6]);
    expect(dims(inferNode(ctx({ op: 'MatMul', inputs: [[4], [4, 5]] })))).toEqual([5]);
    expect(dims(inferNode(ctx({ op: 'MatMul', inputs: [[3, 4], [4]] })))).toEqual([3]);
    expect(dims(inferNode(ctx({ op: 'MatMul', inputs: [[4], [4]] })))).toEqual([]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'MatMul',
            inputs: [
              ['b', 's', 768],
              [768, 3072],
            ],
          }),
        ),
      ),
    ).toEqual(['b', 's', 3072]);
  });

  it('reports mismatched inner dims', () => {
    const r = inferNode(
      ctx({
        op: 'MatMul',
        inputs: [
          [2, 3],
          [4, 5],
        ],
      }),
    );
    expect(r.outputs[0]).toBeUndefined();
    expect(r.reason).toMatch(/inner dims differ/);
  });

  it('Gemm honours transA/transB', () => {
    expect(dims(inferNode(ctx({ op: 'Gemm', inputs: [[8, 16], [32, 16], [32]], attrs: { transB: 1 } })))).toEqual([
      8, 32,
    ]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Gemm',
            inputs: [
              [16, 8],
              [16, 32],
            ],
            attrs: { transA: 1 },
          }),
        ),
      ),
    ).toEqual([8, 32]);
    expect(
      inferNode(
        ctx({
          op: 'Gemm',
          inputs: [
            [8, 16],
            [32, 16],
          ],
        }),
      ).reason,
    ).toMatch(/inner dims/);
  });

  it('integer and quantized forms pick their output types', () => {
    const u8 = (d: number[]) => ({ dtype: 'uint8', dims: d });
    expect(inferNode(ctx({ op: 'MatMulInteger', inputs: [u8([2, 3]), u8([3, 4])] })).outputs[0]).toEqual({
      dtype: 'int32',
      dims: [2, 4],
    });
    const q = inferNode(
      ctx({
        op: 'QLinearMatMul',
        inputs: [u8([2, 3]), [], u8([]), { dtype: 'int8', dims: [3, 4] }, [], u8([]), [], { dtype: 'int8', dims: [] }],
      }),
    );
    expect(q.outputs[0]).toEqual({ dtype: 'int8', dims: [2, 4] });
  });

  it('Einsum: explicit, implicit (alphabetical) and ellipsis forms', () => {
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Einsum',
            inputs: [
              [2, 3, 4],
              [2, 4, 5],
            ],
            attrs: { equation: 'bij,bjk->bik' },
          }),
        ),
      ),
    ).toEqual([2, 3, 5]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Einsum',
            inputs: [
              [3, 4],
              [4, 5],
            ],
            attrs: { equation: 'ij,jk' },
          }),
        ),
      ),
    ).toEqual([3, 5]);
    expect(dims(inferNode(ctx({ op: 'Einsum', inputs: [[3, 4]], attrs: { equation: 'ij->ji' } })))).toEqual([4, 3]);
    expect(dims(inferNode(ctx({ op: 'Einsum', inputs: [[3, 3]], attrs: { equation: 'ii' } })))).toEqual([]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Einsum',
            inputs: [
              ['b', 8, 3, 4],
              [8, 4, 5],
            ],
            attrs: { equation: '...ij,...jk->...ik' },
          }),
        ),
      ),
    ).toEqual(['b', 8, 3, 5]);
    expect(
      dims(
        inferNode(
          ctx({
            op: 'Einsum',
            inputs: [
              ['b', 's', 12, 64],
              ['b', 't', 12, 64],
            ],
            attrs: { equation: 'bqhd,bkhd->bhqk' },
          }),
        ),
      ),
    ).toEqual(['b', 12, 's', 't']);
  });
});

describe('normalisations', () => {
  it('BatchNormalization keeps X; training outputs are [C]', () => {
    const r = inferNode(
      ctx({ op: 'BatchNormalization', inputs: [['N', 32, 7, 7], [32], [32], [32], [32]], outputCount: 3 }),
    );
    expect(r.outputs).toEqual([
      { dtype: 'float32', dims: ['N', 32, 7, 7] },
      { dtype: 'float32', dims: [32] },
      { dtype: 'float32', dims: [32] },
    ]);
  });

  it('LayerNormalization: Mean/InvStdDev keep dims before axis, 1 after, in stash_type', () => {
    const r = inferNode(
      ctx({ op: 'LayerNormalization', inputs: [{ dtype: 'float16', dims: ['b', 's', 768] }, [768]], outputCount: 3 }),
    );
    expect(r.outputs).toEqual([
      { dtype: 'float16', dims: ['b', 's', 768] },
      { dtype: 'float32', dims: ['b', 's', 1] },
      { dtype: 'float32', dims: ['b', 's', 1] },
    ]);
    const axis1 = inferNode(ctx({ op: 'LayerNormalization', inputs: [[2, 3, 4]], attrs: { axis: 1 }, outputCount: 2 }));
    expect(dims(axis1, 1)).toEqual([2, 1, 1]);
  });

  it('Instance/Group/LRN keep the input shape', () => {
    for (const op of ['InstanceNormalization', 'GroupNormalization', 'LRN']) {
      expect(dims(inferNode(ctx({ op, inputs: [['N', 64, 'H', 'W'], [64], [64]] })))).toEqual(['N', 64, 'H', 'W']);
    }
  });

  it('com.microsoft SkipLayerNormalization', () => {
    const r = inferNode(
      ctx({
        op: 'SkipLayerNormalization',
        domain: 'com.microsoft',
        opset: 1,
        inputs: [['b', 's', 768], ['b', 's', 768], [768]],
        outputCount: 4,
      }),
    );
    expect(dims(r, 0)).toEqual(['b', 's', 768]);
    expect(dims(r, 1)).toEqual(['b', 's', 1]);
    expect(dims(r, 3)).toEqual(['b', 's', 768]);
  });
});
