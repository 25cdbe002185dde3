/**
 * The wire reader's limits, byte by byte: which varints fit a 32-bit field (zero-padded ones and
 * negative int32 enums sign-extended to ten bytes do; anything with a stray bit past 32 does not),
 * where a 64-bit varint overflows or runs past ten bytes, where a truncated one ends, and a negative
 * length. Each refusal names its byte and reason: a reader that truncates instead reads a different
 * model out of a corrupted file without a word (npm run mutate -- wire).
 */
import { describe, expect, it } from 'vitest';
import { WireError, WireReader } from '../../../electron/core/onnx/wire';

const reader = (bytes: number[], end = bytes.length) => new WireReader(Uint8Array.from(bytes), 0, end);
const ff = (n: number) => new Array<number>(n).fill(0xff);
const x80 = (n: number) => new Array<number>(n).fill(0x80);

/** What `read` throws on `bytes`: the offset and reason. */
function failure(bytes: number[], read: (r: WireReader) => unknown, end = bytes.length) {
  try {
    read(reader(bytes, end));
  } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    const w = e as WireError;
    return { offset: w.offset, reason: w.reason };
  }
  throw new Error('did not throw');
}

const TOO_LARGE = 'varint too large for a 32-bit field';
const TRUNCATED = 'unexpected end of message (truncated file?)';

describe('uint32 past four bytes', () => {
  it('reads zero-padded varints to ten bytes, and stops after the byte that ends them', () => {
    const padded = reader([...ff(4), 0x8f, 0x80, 0x00, 0x2a]);
    expect([padded.uint32(), padded.pos, padded.uint32()]).toEqual([2 ** 32 - 1, 7, 42]);
    const ten = reader([...x80(9), 0x00, 0x05]);
    expect([ten.uint32(), ten.pos, ten.uint32()]).toEqual([0, 10, 5]);
    expect(reader([0x81, 0x80, 0x80, 0x80, 0x80, 0x00]).uint32()).toBe(1);
  });

  it('reads every negative int32 down to -2^31, each ten bytes long', () => {
    const neg = (low: number[], fifth: number) => [...low, fifth, ...ff(4), 0x01];
    expect(reader(neg(x80(4), 0xf8)).uint32()).toBe(-(2 ** 31));
    expect(reader(neg([0xff, 0x80, 0x80, 0x80], 0xf8)).uint32()).toBe(-(2 ** 31) + 127);
    expect(reader(neg(ff(4), 0xff)).uint32()).toBe(-1);
    const r = reader([...neg([0xfd, 0xff, 0xff, 0xff], 0xff), 0x09]);
    expect([r.uint32(), r.pos, r.uint32()]).toEqual([-3, 10, 9]);
  });

  it('refuses a fifth byte with bits past 32, at that byte', () => {
    for (const fifth of [0x10, 0x20, 0x40, 0x7f]) {
      expect(failure([...ff(4), fifth, 0x33], (r) => r.uint32())).toEqual({ offset: 4, reason: TOO_LARGE });
    }
    expect(failure([0x01, 0x80, 0x80, 0x80, 0x80, 0x40], (r) => (r.uint32(), r.uint32()))).toEqual({
      offset: 5,
      reason: TOO_LARGE,
    });
  });

  it('refuses bits past 32 in any later byte, naming the fifth', () => {
    for (let at = 5; at < 10; at++) {
      const bytes = [...ff(4), 0x8f, ...x80(5)];
      bytes[at] = at === 9 ? 0x01 : 0x81;
      if (at < 9) bytes.splice(at + 1, 9 - at, 0x00); // the varint ends after the stray bit
      expect({ at, ...failure(bytes, (r) => r.uint32()) }).toEqual({ at, offset: 4, reason: TOO_LARGE });
    }
  });

  it('refuses a sign extension that is cut short, broken, or lacks bit 31', () => {
    // Ends after six bytes, or after the fifth: a 64-bit negative needs all ten (what follows is
    // the next field).
    expect(failure([...ff(5), 0x7f, 0x00], (r) => r.uint32())).toEqual({ offset: 4, reason: TOO_LARGE });
    expect(failure([...ff(4), 0x7f, ...ff(4), 0x01], (r) => r.uint32())).toEqual({ offset: 4, reason: TOO_LARGE });
    // A clear bit among the ones.
    expect(failure([...ff(5), 0xfe, ...ff(3), 0x01], (r) => r.uint32())).toEqual({ offset: 4, reason: TOO_LARGE });
    // Bit 63 clear in the tenth byte.
    expect(failure([...ff(9), 0x00], (r) => r.uint32())).toEqual({ offset: 4, reason: TOO_LARGE });
    // Bits 32–63 set but bit 31 clear: -2^31 - 1, not an int32.
    expect(failure([...ff(4), 0xf7, ...ff(4), 0x01], (r) => r.uint32())).toEqual({ offset: 4, reason: TOO_LARGE });
  });

  it('refuses a tenth byte past bit 63 or one that goes on, at the tenth byte', () => {
    expect(failure([...ff(9), 0x02], (r) => r.uint32())).toEqual({ offset: 9, reason: 'varint overflows 64 bits' });
    expect(failure([...ff(9), 0x7f], (r) => r.uint32())).toEqual({ offset: 9, reason: 'varint overflows 64 bits' });
    expect(failure([...ff(9), 0x81, 0x00], (r) => r.uint32())).toEqual({
      offset: 9,
      reason: 'varint longer than 10 bytes',
    });
    expect(failure([...x80(9), 0x80, 0x00], (r) => r.uint32())).toEqual({
      offset: 9,
      reason: 'varint longer than 10 bytes',
    });
  });

  it('refuses a varint cut short by the buffer or by the message end, where it ends', () => {
    expect(failure([0x80], (r) => r.uint32())).toEqual({ offset: 1, reason: TRUNCATED });
    expect(failure(ff(4), (r) => r.uint32())).toEqual({ offset: 4, reason: TRUNCATED });
    expect(failure(ff(5), (r) => r.uint32())).toEqual({ offset: 5, reason: TRUNCATED });
    expect(failure(ff(9), (r) => r.uint32())).toEqual({ offset: 9, reason: TRUNCATED });
    expect(failure([0x80, 0x01], (r) => r.uint32(), 1)).toEqual({ offset: 1, reason: TRUNCATED });
    expect(failure([...ff(4), 0x8f, 0x00], (r) => r.uint32(), 5)).toEqual({ offset: 5, reason: TRUNCATED });
  });
});

describe('int64 at its limits', () => {
  it('reads INT64_MAX as 2^63 and INT64_MIN exactly', () => {
    expect(reader([...ff(8), 0x7f]).int64()).toBe(2 ** 63);
    expect(reader([...x80(9), 0x01]).int64()).toBe(-(2 ** 63));
    expect(reader([...ff(9), 0x01]).int64()).toBe(-1);
    const r = reader([...x80(9), 0x01, 0x07]);
    r.int64();
    expect([r.pos, r.int64()]).toEqual([10, 7]);
  });

  it('refuses a tenth byte past bit 63 or one that goes on, at the tenth byte', () => {
    expect(failure([...ff(9), 0x02], (r) => r.int64())).toEqual({ offset: 9, reason: 'varint overflows 64 bits' });
    expect(failure([...x80(9), 0x81, 0x00], (r) => r.int64())).toEqual({
      offset: 9,
      reason: 'varint longer than 10 bytes',
    });
    expect(failure([...x80(9), 0x80, 0x00], (r) => r.int64())).toEqual({
      offset: 9,
      reason: 'varint longer than 10 bytes',
    });
  });

  it('refuses a varint cut short, where it ends', () => {
    expect(failure(ff(3), (r) => r.int64())).toEqual({ offset: 3, reason: TRUNCATED });
    expect(failure(ff(4), (r) => r.int64())).toEqual({ offset: 4, reason: TRUNCATED });
    expect(failure(ff(6), (r) => r.int64())).toEqual({ offset: 6, reason: TRUNCATED });
    expect(failure(ff(9), (r) => r.int64())).toEqual({ offset: 9, reason: TRUNCATED });
  });
});

describe('a negative length', () => {
  it('is refused at its prefix, before the reader moves', () => {
    expect(failure([0x00, ...ff(9), 0x01, 0x61], (r) => (r.uint32(), r.span()))).toEqual({
      offset: 1,
      reason: 'length -1 is negative',
    });
    expect(failure([...x80(4), 0xf8, ...ff(4), 0x01], (r) => r.bytes())).toEqual({
      offset: 0,
      reason: `length ${-(2 ** 31)} is negative`,
    });
  });
});
