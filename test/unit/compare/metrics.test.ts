/**
 * Cosine similarity where one side is all zeros: a variant whose output collapsed to zeros (a
 * broken layer, a saturated INT8 scale) must score 0, not the 1 of two identical vectors. Every
 * cosine Kiln reports — pooled, per sample, layerwise, the accuracy check's — goes through these.
 */
import { describe, expect, it } from 'vitest';
import {
  cosineOf,
  errorMetrics,
  judgedCosine,
  passes,
  worstSampleCosine,
} from '../../../electron/shared/compare/metrics';
import { DEFAULT_THRESHOLDS } from '../../../electron/shared/compare/thresholds';

describe('cosine with an all-zero side', () => {
  it('cosineOf: two zero vectors agree (1); one zero vector against a non-zero one does not (0)', () => {
    expect(cosineOf(0, 0, 0)).toBe(1);
    expect(cosineOf(0, 14, 0)).toBe(0);
    expect(cosineOf(0, 0, 14)).toBe(0);
    expect(cosineOf(14, 14, 14)).toBe(1);
    expect(cosineOf(-14, 14, 14)).toBe(-1);
  });

  it('errorMetrics: a variant that outputs zeros scores cosine 0 and fails, whichever side is zero', () => {
    const ref = [1, -2, 3, 0.5];
    const zeros = [0, 0, 0, 0];
    const collapsed = errorMetrics(ref, zeros);
    expect(collapsed.cosine).toBe(0);
    expect(passes(collapsed, DEFAULT_THRESHOLDS).failed).toContain(`cosine 0.00000 < ${DEFAULT_THRESHOLDS.cosine}`);
    expect(errorMetrics(zeros, ref).cosine).toBe(0);
    // Both zero: identical outputs, which pass.
    const same = errorMetrics(zeros, zeros);
    expect(same.cosine).toBe(1);
    expect(passes(same, DEFAULT_THRESHOLDS).pass).toBe(true);
  });

  it('per sample: a sample whose output collapsed to zeros is the worst, and the variant fails on it', () => {
    // Three samples of 4 values; the variant's second sample is all zeros, the others exact.
    const ref = [1, 2, 3, 4, 0.5, -0.5, 0.25, 1, 2, 2, 2, 2];
    const got = [1, 2, 3, 4, 0, 0, 0, 0, 2, 2, 2, 2];
    const bounds = [0, 4, 8, 12];
    const worst = worstSampleCosine(ref, got, bounds);
    expect(worst).toEqual({ index: 1, cosine: 0 });
    const loose = { ...DEFAULT_THRESHOLDS, atol: 10, rtol: 10, psnr: 0, snr: 0, cosine: 0.5 };
    const pooled = errorMetrics(ref, got, loose);
    expect(pooled.cosine).toBeGreaterThan(0.9); // pooled over all samples the collapse hides…
    const verdict = passes(pooled, loose, worst);
    expect(verdict.pass).toBe(false); // …but the sample's own cosine does not
    expect(verdict.failed[0]).toMatch(/^cosine of sample 2 /);
    expect(judgedCosine({ perOutput: [{ judged: true, metrics: pooled, worstSample: worst }] })).toBe(0);
  });
});
