/**
 * Calibration and comparison data (.npy, .npz) that is cut short or is something else says so in
 * plain words, like a model file does: what the file looks like, or that it ends too soon.
 */
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../../electron/core/inputs/npy';
import { readNpz } from '../../../electron/core/inputs/npz';

/** A valid .npy of float32 [2, 3] (format 1.0). */
function npy(): Uint8Array {
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + 24);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer), 10 + header.length);
  return out;
}

describe('array files in plain words', () => {
  it('a whole .npy reads', () => {
    expect(readNpy(npy(), 'x.npy').shape).toEqual([2, 3]);
  });

  it('a .npy cut short says so, and asks whether it was copied whole', () => {
    const whole = npy();
    expect(() => readNpy(whole.subarray(0, whole.length - 5), 'x.npy')).toThrow(
      /^x\.npy is cut short: its shape \(2×3\) needs 24 bytes of data but the file holds 19 — was it copied whole\?$/,
    );
  });

  it('text given as .npy says what it looks like', () => {
    expect(() => readNpy(new TextEncoder().encode('a,b,c\n1,2,3\n'), 'table.npy')).toThrow(
      /table\.npy is not a readable \.npy file \(it looks like text, starting "a,b,c"\)/,
    );
  });

  it('a zip cut before its directory is "cut short", not "no end of central directory record"', () => {
    const start = Uint8Array.from([
      0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    ]);
    expect(() => readNpz(start, 'calib.npz')).toThrow(/^calib\.npz is cut short: it starts as a zip archive/);
  });
});
