import { describe, expect, it } from 'vitest';
import { constFromNumbers, constFromRaw } from '../../../electron/core/shapes/consts';

function bytes(fill: (v: DataView) => void, length: number): Uint8Array {
  const b = new Uint8Array(length);
  fill(new DataView(b.buffer));
  return b;
}

describe('ConstValues from tensor data', () => {
  it('decodes little-endian raw_data for the numeric types (TensorProto.DataType numbers)', () => {
    const i64 = bytes((v) => {
      v.setBigInt64(0, -1n, true);
      v.setBigInt64(8, 768n, true);
    }, 16);
    expect(constFromRaw(7, [2], i64)).toEqual({ dtype: 'int64', dims: [2], values: [-1, 768] });
    const f32 = bytes((v) => v.setFloat32(0, 0.5, true), 4);
    expect(constFromRaw(1, [], f32)).toEqual({ dtype: 'float32', dims: [], values: [0.5] });
    // float16 0x3C00 = 1.0, 0xC000 = -2.0; bfloat16 0x3F80 = 1.0
    const f16 = bytes((v) => {
      v.setUint16(0, 0x3c00, true);
      v.setUint16(2, 0xc000, true);
    }, 4);
    expect(constFromRaw(10, [2], f16)?.values).toEqual([1, -2]);
    expect(
      constFromRaw(
        16,
        [1],
        bytes((v) => v.setUint16(0, 0x3f80, true), 2),
      )?.values,
    ).toEqual([1]);
    expect(
      constFromRaw(
        6,
        [1],
        bytes((v) => v.setInt32(0, -7, true), 4),
      )?.values,
    ).toEqual([-7]);
    expect(constFromRaw(9, [2], new Uint8Array([1, 0]))).toEqual({ dtype: 'bool', dims: [2], values: [1, 0] });
  });

  it('refuses mismatched lengths, big tensors, strings and bad dims', () => {
    expect(constFromRaw(7, [3], new Uint8Array(16))).toBeUndefined();
    expect(constFromRaw(1, [100_000], new Uint8Array(400_000))).toBeUndefined();
    expect(constFromRaw(8, [1], new Uint8Array(1))).toBeUndefined();
    expect(constFromRaw(7, [-1], new Uint8Array(0))).toBeUndefined();
  });

  it('takes already-decoded typed fields', () => {
    expect(constFromNumbers(7, [3], [1n, 2n, -1n])).toEqual({ dtype: 'int64', dims: [3], values: [1, 2, -1] });
    expect(constFromNumbers(1, [2, 1], [0.25, 4])?.dims).toEqual([2, 1]);
    expect(constFromNumbers(7, [2], [1])).toBeUndefined();
  });
});
