import { describe, expect, it } from 'vitest';
import { parseDims, shapeFields } from '../../../renderer/src/profile/shapes';
import { timeOverlay } from '../../../renderer/src/profile/overlay';
import type { ProfileReport } from '../../../electron/shared/api/backends';

describe('profile form: input shapes', () => {
  it('asks only for inputs with symbolic or unknown dims, batch 1 first', () => {
    const fields = shapeFields([
      { name: 'x', dtype: 'float32', dims: ['N', 3, 'H', 'W'] },
      { name: 'fixed', dtype: 'float32', dims: [1, 16] },
      { name: 'y', dtype: 'int64', dims: null },
    ]);
    expect(fields.map((f) => [f.name, f.initial])).toEqual([
      ['x', '1x3x?x?'],
      ['y', ''],
    ]);
    expect(fields[0]!.hint).toBe('N × 3 × H × W');
  });

  it('parses trtexec-style dims and names what is wrong', () => {
    expect(parseDims('1x3x48x192', 'x')).toEqual([1, 3, 48, 192]);
    expect(parseDims(' 2 × 7 ', 'x')).toEqual([2, 7]);
    expect(parseDims('1,3', 'x')).toEqual([1, 3]);
    expect(parseDims('1x3x?x?', 'x')).toBe('x: "?" is not a whole number of elements');
    expect(parseDims('1x-3', 'x')).toMatch(/"-3"/);
    expect(parseDims('', 'images')).toMatch(/images/);
  });
});

describe('time overlay', () => {
  it('maps per-node ms by name; nodes without time have no data', () => {
    const report = { perNodeMs: { conv: 1.5, relu: 0.25 } } as unknown as ProfileReport;
    const o = timeOverlay(report, ['conv', 'const', 'relu'], '#1');
    expect(o.kind).toBe('number');
    expect(Array.from(o.values!)).toEqual([1.5, NaN, 0.25]);
    expect(o.name).toContain('#1');
  });
});
