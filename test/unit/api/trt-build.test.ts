/**
 * The build request's per-input profile: min/opt/max dims (all three or none) and a shape tensor's
 * min/opt/max values (one length, min ≤ opt ≤ max, negatives allowed as TensorRT allows them for
 * Slice strides); what it refuses is said in words.
 */
import { describe, expect, it } from 'vitest';
import { TrtBuildOptionsSchema } from '../../../electron/shared/api/backends';
import { TrtInputProfileSchema } from '../../../electron/shared/api/trt-build';

const issues = (v: unknown) => {
  const r = TrtInputProfileSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('a TensorRT input profile', () => {
  it('takes dims, values, or both', () => {
    expect(issues({ min: [1, 3], opt: [2, 3], max: [4, 3] })).toEqual([]);
    expect(issues({ values: { min: [1, -1], opt: [2, -1], max: [4, -1] } })).toEqual([]);
    expect(issues({ min: [2], opt: [2], max: [2], values: { min: [1, 1], opt: [1, 1], max: [1, 1] } })).toEqual([]);
    const parsed = TrtBuildOptionsSchema.parse({ profiles: { s: { values: { min: [1], opt: [2], max: [3] } } } });
    expect(parsed.profiles.s!.values).toEqual({ min: [1], opt: [2], max: [3] });
  });

  it('refuses half-given dims, nothing at all, values of two lengths and values out of order', () => {
    expect(issues({ min: [1], opt: [1] })).toEqual(['a profile gives all of min, opt and max dims, or none of them']);
    expect(issues({})).toEqual(['a profile gives min/opt/max dims, shape-tensor values, or both']);
    expect(issues({ values: { min: [1], opt: [1, 2], max: [1, 2] } })).toEqual([
      'shape-tensor values min/opt/max must have one length, not 1/2/2',
    ]);
    expect(issues({ values: { min: [1, 5], opt: [2, 3], max: [4, 6] } })).toEqual([
      'shape-tensor values must hold min ≤ opt ≤ max at every position',
    ]);
    expect(issues({ values: { min: [], opt: [], max: [] } }).length).toBeGreaterThan(0);
  });
});
