/** FP16 decoding: the table the comparison and calibration use gives what the bit-level decoder gives, for every pattern. */
import { describe, expect, it } from 'vitest';
import { halfArrayToFloat32, halfBitsToNumber, toHalfBits } from '../../../electron/core/onnx/half';

describe('half', () => {
  it('decodes all 65,536 FP16 patterns as the bit-level decoder does (NaN stays NaN, ±0 and ±Inf kept)', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const fast = halfArrayToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      const slow = halfBitsToNumber(h);
      if (Number.isNaN(slow)) expect(Number.isNaN(fast[h])).toBe(true);
      else expect(Object.is(fast[h], Math.fround(slow))).toBe(true);
    }
    expect([fast[0x3c00], fast[0xc000], fast[0x7c00], fast[0x0001]]).toEqual([1, -2, Infinity, 2 ** -24]);
  });

  it('round-trips values FP16 can hold exactly', () => {
    const xs = [0, 1, -1, 0.5, 65504, -65504, 2 ** -14, 1025, 0.333251953125];
    expect(Array.from(halfArrayToFloat32(Uint16Array.from(xs, toHalfBits)))).toEqual(xs);
  });
});
