/**
 * The comparison metrics on inputs small enough to work out by hand: every field of errorMetrics,
 * the edges (empty, all zero, NaN and Infinity, lengths that differ, the atol + rtol·|ref| boundary),
 * top-k agreement with ties and partial rows, the worst sample's cosine, and the pass/fail messages
 * at their thresholds. A wrong metric passes a broken variant, so each one is pinned down here
 * (npm run mutate -- metrics).
 */
import { describe, expect, it } from 'vitest';
import {
  cosineOf,
  errorMetrics,
  judgedCosine,
  passes,
  topKAgreement,
  worstSampleCosine,
  type ErrorMetrics,
} from '../../../electron/shared/compare/metrics';
import type { Thresholds } from '../../../electron/shared/compare/thresholds';

const loose: Thresholds = { atol: 0.1, rtol: 0.1, cosine: 0.99, psnr: 30, snr: 20, top1: null };

function bins(entries: Record<number, number>): number[] {
  const h = new Array<number>(32).fill(0);
  for (const [k, v] of Object.entries(entries)) h[Number(k)] = v;
  return h;
}

describe('errorMetrics', () => {
  it('every field on a four-element example worked by hand', () => {
    // |errors| 0.5, 0, 1, 0; relative 0.5, 0, 1/3, 0.
    const m = errorMetrics([1, 2, 3, 4], [1.5, 2, 2, 4], loose);
    expect(m.count).toBe(4);
    expect(m.maxAbs).toBe(1);
    expect(m.meanAbs).toBeCloseTo(0.375, 12);
    expect(m.medianAbs).toBe(0); // sorted [0, 0, 0.5, 1]: element ceil(0.5·4) - 1 = 1
    expect(m.p99Abs).toBe(1);
    expect(m.maxRel).toBe(0.5);
    expect(m.meanRel).toBeCloseTo((0.5 + 1 / 3) / 4, 12);
    expect(m.l2).toBeCloseTo(Math.sqrt(1.25), 12);
    // dot 27.5, |ref|² 30, |got|² 26.25
    expect(m.cosine).toBeCloseTo(27.5 / Math.sqrt(30 * 26.25), 12);
    // MSE 1.25/4, peak |ref| 4: 10·log10(16/0.3125); SNR 10·log10(30/1.25).
    expect(m.psnr).toBeCloseTo(10 * Math.log10(51.2), 10);
    expect(m.snr).toBeCloseTo(10 * Math.log10(24), 10);
    // Outside 0.1 + 0.1·|ref|: 0.5 > 0.2 and 1 > 0.4.
    expect(m.mismatched).toBe(2);
    // Over [0, 1] in 32 bins: two zeros, 0.5 in bin 16, the maximum in the last bin.
    expect(m.histogram).toEqual(bins({ 0: 2, 16: 1, 31: 1 }));
  });

  it('an error exactly at atol + rtol·|ref| is not a mismatch', () => {
    const t = { ...loose, atol: 0.5, rtol: 0.25 };
    expect(errorMetrics([2], [3], t).mismatched).toBe(0); // 1 = 0.5 + 0.25·2
    expect(errorMetrics([2], [3.001], t).mismatched).toBe(1);
    expect(errorMetrics([-2], [-3], t).mismatched).toBe(0); // |ref|, not ref
  });

  it('peak and SNR use the reference, whatever its sign', () => {
    const m = errorMetrics([-4, 1], [-4, 2], loose);
    // MSE 0.5, peak 4: 10·log10(16/0.5); |ref|² 17 over squared error 1.
    expect(m.psnr).toBeCloseTo(10 * Math.log10(32), 10);
    expect(m.snr).toBeCloseTo(10 * Math.log10(17), 10);
    expect(m.maxRel).toBe(1);
  });

  it('relative error divides by max(|ref|, 1e-12)', () => {
    const m = errorMetrics([0, -2], [1e-13, -1], loose);
    expect(m.maxRel).toBeCloseTo(0.5, 12);
    expect(m.meanRel).toBeCloseTo((0.1 + 0.5) / 2, 12);
  });

  it('identical outputs: zero error, infinite PSNR and SNR, cosine 1, every error in bin 0', () => {
    const m = errorMetrics([3, -1, 2], [3, -1, 2], loose);
    expect(m).toMatchObject({ maxAbs: 0, meanAbs: 0, l2: 0, mismatched: 0, psnr: Infinity, snr: Infinity });
    expect(m.cosine).toBeCloseTo(1, 12);
    expect(m.histogram).toEqual(bins({ 0: 3 }));
  });

  it('nothing to compare: zeros, not NaN', () => {
    const m = errorMetrics([], [], loose);
    expect(m).toEqual({
      count: 0,
      maxAbs: 0,
      meanAbs: 0,
      medianAbs: 0,
      p99Abs: 0,
      maxRel: 0,
      meanRel: 0,
      l2: 0,
      cosine: 1,
      psnr: Infinity,
      snr: Infinity,
      mismatched: 0,
      histogram: bins({}),
    });
  });

  it('compares the common prefix when lengths differ', () => {
    const m = errorMetrics([1, 2, 3, 100], [1, 2, 4], loose);
    expect(m.count).toBe(3);
    expect(m.maxAbs).toBe(1);
    expect(errorMetrics([1, 2], [1, 2, 50], loose).maxAbs).toBe(0);
  });

  it('NaN and Infinity count as infinite errors and mismatches; the histogram puts everything in bin 0', () => {
    const m = errorMetrics([1, 2, 3], [NaN, 2, Infinity], loose);
    expect(m.maxAbs).toBe(Infinity);
    expect(m.meanAbs).toBe(Infinity);
    expect(m.mismatched).toBe(2);
    expect(m.histogram).toEqual(bins({ 0: 3 }));
    expect(m.p99Abs).toBe(Infinity);
    expect(m.medianAbs).toBe(Infinity); // sorted [0, Inf, Inf]
    expect(Number.isNaN(m.cosine)).toBe(true);
  });

  it('the histogram spans [0, max |error|] whatever its size', () => {
    // Errors 0, 1, 2, 4 over bins of 4/32: bins 0, 8, 16 and the last.
    const m = errorMetrics([0, 0, 0, 0], [0, 1, -2, 4], loose);
    expect(m.maxAbs).toBe(4);
    expect(m.histogram).toEqual(bins({ 0: 1, 8: 1, 16: 1, 31: 1 }));
  });

  it('percentiles pick the element at ceil(p·n) - 1 of the sorted errors', () => {
    const ref = new Array<number>(100).fill(0);
    const got = Array.from({ length: 100 }, (_, i) => (100 - i) / 100); // errors 0.01 … 1, reversed
    const m = errorMetrics(ref, got, loose);
    expect(m.medianAbs).toBeCloseTo(0.5, 12);
    expect(m.p99Abs).toBeCloseTo(0.99, 12);
    expect(m.maxAbs).toBe(1);
    // Errors 0.01 … 1 over 32 bins of 1/32: bin b holds k/100 with floor(k·32/100) = b.
    expect(m.histogram[0]).toBe(3); // 0.01 … 0.03
    expect(m.histogram[1]).toBe(3); // 0.04 … 0.06
    expect(m.histogram[31]).toBe(4); // 0.97 … 1
    expect(m.histogram.reduce((a, b) => a + b, 0)).toBe(100);
  });
});

describe('cosineOf', () => {
  it('two zero vectors agree, one zero vector does not, NaN stays NaN', () => {
    expect(cosineOf(0, 0, 0)).toBe(1);
    expect(cosineOf(0, 0, 4)).toBe(0);
    expect(cosineOf(0, 4, 0)).toBe(0);
    expect(cosineOf(6, 4, 9)).toBe(1);
    expect(cosineOf(-3, 4, 9)).toBe(-0.5);
    expect(cosineOf(NaN, 1, 1)).toBeNaN();
  });

  it('errorMetrics: an all-zero output against a non-zero reference has cosine 0', () => {
    expect(errorMetrics([1, 2], [0, 0], loose).cosine).toBe(0);
    expect(errorMetrics([0, 0], [1, 2], loose).cosine).toBe(0);
    expect(errorMetrics([0, 0], [0, 0], loose).cosine).toBe(1);
  });
});

describe('topKAgreement', () => {
  it('compares top-k as sets, breaks ties toward the lower class', () => {
    expect(topKAgreement([3, 2, 1], [2, 3, 1], 3, 2)).toBe(1); // {0, 1} both
    expect(topKAgreement([3, 2, 1], [2, 3, 1], 3, 1)).toBe(0);
    expect(topKAgreement([5, 5, 1], [5, 4, 1], 3, 1)).toBe(1); // the tie goes to class 0
    expect(topKAgreement([5, 5, 1], [4, 5, 1], 3, 1)).toBe(0);
    expect(topKAgreement([1, 5, 5, 5], [9, 5, 5, 0], 4, 2)).toBe(0); // {1, 2} vs {0, 1}
    expect(topKAgreement([1, 5, 5, 5], [0, 5, 5, 9], 4, 2)).toBe(0); // {1, 2} vs {1, 3}
    expect(topKAgreement([1, 5, 5, 5], [0, 7, 6, 5], 4, 2)).toBe(1);
  });

  it('the same top-k set reached in a different order agrees, ties kept to the lower class', () => {
    expect(topKAgreement([0, 0, 9, 1, 6], [0, 0, 6, 1, 9], 5, 2)).toBe(1); // {2, 4} both
    expect(topKAgreement([5, 1, 5, 9], [5, 1, 0, 9], 4, 2)).toBe(1); // {0, 3}: of the two 5s, class 0
  });

  it('a later, larger value displaces the smallest kept one', () => {
    expect(topKAgreement([1, 2, 3, 4, 5], [5, 4, 3, 2, 1], 5, 2)).toBe(0);
    expect(topKAgreement([1, 2, 3, 4, 5], [0, 0, 0, 7, 6], 5, 2)).toBe(1);
    expect(topKAgreement([1, 2, 3, 4, 5], [0, 0, 9, 1, 6], 5, 2)).toBe(0);
    expect(topKAgreement([2, 1, 3], [2, 3, 1], 3, 2)).toBe(0); // {0, 2} vs {0, 1}
  });

  it('the share of rows that agree; a partial last row is ignored', () => {
    const ref = [1, 0, 0, 1, 1, 0, 0, 1, 5];
    const got = [1, 0, 1, 0, 1, 0, 0, 1, -5];
    expect(topKAgreement(ref, got, 2, 1)).toBe(0.75);
  });

  it('rows are counted in the shorter output, each at its own offset', () => {
    expect(topKAgreement([1, 0, 0, 1], [1, 0], 2, 1)).toBe(1);
    expect(topKAgreement([1, 0], [1, 0, 0, 1], 2, 1)).toBe(1);
    expect(topKAgreement([0, 1, 0, 0, 0, 1], [0, 1, 0, 1, 0, 0], 3, 1)).toBe(0.5);
  });

  it('k above the class count compares all classes; no rows or one class agree trivially', () => {
    expect(topKAgreement([1, 2, 3], [3, 2, 1], 3, 10)).toBe(1);
    expect(topKAgreement([1, 2], [2, 1], 3, 1)).toBe(1);
    expect(topKAgreement([1, 2], [2, 1], 1, 1)).toBe(1);
    expect(topKAgreement([1, 2], [2, 1], 2, 1)).toBe(0);
  });
});

describe('worstSampleCosine', () => {
  it('the lowest cosine and its sample; samples that are both zero agree', () => {
    const ref = [1, 0, 0, 0, 1, 2];
    const got = [1, 0, 0, 0, 2, 1];
    // Sample 0: [1] vs [1] = 1; sample 1: zeros = 1; sample 2: [1, 2]·[2, 1] = 4/5.
    expect(worstSampleCosine(ref, got, [0, 1, 4, 6])).toEqual({ index: 2, cosine: 0.8 });
    expect(worstSampleCosine(ref, got, [0, 4])).toEqual({ index: 0, cosine: 1 });
    expect(worstSampleCosine(ref, got, [])).toEqual({ index: 0, cosine: 1 });
    expect(worstSampleCosine(ref, got, [2])).toEqual({ index: 0, cosine: 1 });
  });

  it('keeps the first of equal worst samples', () => {
    expect(worstSampleCosine([1, 1, 1, 1], [-1, 1, -1, 1], [0, 2, 4])).toEqual({ index: 0, cosine: 0 });
    expect(worstSampleCosine([1, 1, 1, 1], [1, 1, -1, 1], [0, 2, 4])).toEqual({ index: 1, cosine: 0 });
  });
});

describe('passes', () => {
  const m = (over: Partial<ErrorMetrics>): ErrorMetrics => ({
    ...errorMetrics([1, 2], [1, 2], loose),
    ...over,
  });
  const t: Thresholds = { atol: 1e-3, rtol: 1e-3, cosine: 0.99, psnr: 30, snr: 20, top1: null };

  it('at every threshold exactly: passes', () => {
    expect(passes(m({ cosine: 0.99, psnr: 30, snr: 20 }), t, { index: 0, cosine: 0.99 })).toEqual({
      pass: true,
      failed: [],
    });
  });

  it('the worst sample is reported only when the pooled cosine passes; NaN fails', () => {
    expect(passes(m({ cosine: 0.995 }), t, { index: 4, cosine: 0.5 })).toEqual({
      pass: false,
      failed: ['cosine of sample 5 0.50000 < 0.99'],
    });
    expect(passes(m({ cosine: 0.5 }), t, { index: 4, cosine: 0.2 }).failed).toEqual(['cosine 0.50000 < 0.99']);
    expect(passes(m({}), t, { index: 0, cosine: NaN }).failed).toEqual(['cosine of sample 1 NaN < 0.99']);
  });
});

describe('judgedCosine', () => {
  it('the lowest pooled or worst-sample cosine over the judged outputs only', () => {
    const out = (judged: boolean, pooled: number, worst: number) => ({
      judged,
      metrics: { cosine: pooled },
      worstSample: { cosine: worst },
    });
    expect(judgedCosine({ perOutput: [out(true, 0.99, 0.95), out(false, 0.1, 0.1), out(true, 0.97, 0.98)] })).toBe(
      0.95,
    );
    expect(judgedCosine({ perOutput: [out(true, 0.9, 0.95)] })).toBe(0.9);
    expect(judgedCosine({ perOutput: [out(false, 0.9, 0.95)] })).toBe(Infinity);
  });
});
