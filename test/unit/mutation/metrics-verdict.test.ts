/**
 * The verdict on one output threshold by threshold, as the thresholds now are (issue 21): SNR,
 * PSNR and top-1 agreement each judged only when set (null, or left out of a partial object, is
 * off), each failing below its threshold and on NaN with its own reason; the elementwise atol/rtol
 * check only when asked for; every miss listed, in order. And the two corners of the measures the
 * verdict reads: a sample whose cosine is NaN is the worst one (the first such), and top-k classes
 * compared as the sets they end as, not as every class that passed through the list
 * (npm run mutate -- metrics).
 */
import { describe, expect, it } from 'vitest';
import {
  errorMetrics,
  passes,
  topKAgreement,
  worstSampleCosine,
  type ErrorMetrics,
} from '../../../electron/shared/compare/metrics';
import type { Thresholds } from '../../../electron/shared/compare/thresholds';

/** Metrics of two equal outputs (everything passes), with some fields changed. */
const metrics = (over: Partial<ErrorMetrics>): ErrorMetrics => ({ ...errorMetrics([1, 2], [1, 2]), ...over });
const off: Thresholds = { cosine: 0.99, snr: null, psnr: null, top1: null, atol: null, rtol: null };

describe('passes, threshold by threshold', () => {
  it('SNR: judged when set, failing below it or on NaN; off when null or left out', () => {
    const t = { ...off, snr: 20 };
    expect(passes(metrics({ snr: 20 }), t)).toEqual({ pass: true, failed: [] });
    expect(passes(metrics({ snr: 12.345 }), t)).toEqual({ pass: false, failed: ['SNR 12.3 dB < 20 dB'] });
    expect(passes(metrics({ snr: NaN }), t).failed).toEqual(['SNR NaN dB < 20 dB']);
    expect(passes(metrics({ snr: -Infinity }), off).pass).toBe(true);
    const { snr: _snr, ...partial } = t;
    expect(passes(metrics({ snr: -Infinity }), partial as Thresholds).pass).toBe(true);
  });

  it('PSNR: judged when set, failing below it or on NaN; off when null or left out', () => {
    const t = { ...off, psnr: 30 };
    expect(passes(metrics({ psnr: 30 }), t)).toEqual({ pass: true, failed: [] });
    expect(passes(metrics({ psnr: 29.96 }), t)).toEqual({ pass: false, failed: ['PSNR 30.0 dB < 30 dB'] });
    expect(passes(metrics({ psnr: NaN }), t).failed).toEqual(['PSNR NaN dB < 30 dB']);
    expect(passes(metrics({ psnr: -Infinity }), off).pass).toBe(true);
    const { psnr: _psnr, ...partial } = t;
    expect(passes(metrics({ psnr: -Infinity }), partial as Thresholds).pass).toBe(true);
  });

  it('top-1 agreement: judged when set and measured, in percent; off otherwise', () => {
    const t = { ...off, top1: 0.99 };
    const m = metrics({});
    expect(passes(m, t, undefined, 0.99)).toEqual({ pass: true, failed: [] });
    expect(passes(m, t, undefined, 0.98765)).toEqual({
      pass: false,
      failed: ['top-1 agreement 98.77 % < 99 %'],
    });
    expect(passes(m, { ...off, top1: 0.5 }, undefined, 0).failed).toEqual(['top-1 agreement 0 % < 50 %']);
    expect(passes(m, t, undefined, NaN).failed).toEqual(['top-1 agreement NaN % < 99 %']);
    // Not an output of class scores: not judged.
    expect(passes(m, t, undefined, null).pass).toBe(true);
    expect(passes(m, t).pass).toBe(true);
    // The threshold off: not judged, whatever the agreement.
    expect(passes(m, off, undefined, 0).pass).toBe(true);
    const { top1: _top1, ...partial } = t;
    expect(passes(m, partial as Thresholds, undefined, 0).pass).toBe(true);
  });

  it('elementwise: judged when atol or rtol is set and the count was taken', () => {
    const m = metrics({ mismatched: 3, count: 10 });
    expect(passes(m, { ...off, atol: 1e-3 }).failed).toEqual(['3 of 10 elements outside atol 0.001 + rtol 0·|ref|']);
    expect(passes(m, { ...off, rtol: 1e-5 }).failed).toEqual(['3 of 10 elements outside atol 0 + rtol 1e-5·|ref|']);
    expect(passes(metrics({ mismatched: 0, count: 10 }), { ...off, atol: 0 }).pass).toBe(true);
    expect(passes(m, off).pass).toBe(true);
    expect(passes(metrics({ mismatched: null, count: 10 }), { ...off, atol: 1e-3 }).pass).toBe(true);
  });

  it('lists every threshold missed, in order', () => {
    const t: Thresholds = { cosine: 0.99, snr: 20, psnr: 30, top1: 0.9, atol: 0.1, rtol: null };
    const m = metrics({ cosine: 0.5, snr: 1, psnr: 2, mismatched: 2, count: 2 });
    expect(passes(m, t, { index: 0, cosine: 0.1 }, 0.5).failed).toEqual([
      'cosine 0.50000 < 0.99',
      'SNR 1.0 dB < 20 dB',
      'PSNR 2.0 dB < 30 dB',
      'top-1 agreement 50 % < 90 %',
      '2 of 2 elements outside atol 0.1 + rtol 0·|ref|',
    ]);
  });
});

describe('what the verdict reads', () => {
  it('a sample with a NaN cosine is the worst; of two, the first', () => {
    const worst = worstSampleCosine([1, 1, 1, 1, 1, 1], [1, 1, NaN, 1, NaN, 1], [0, 2, 4, 6]);
    expect(worst.index).toBe(1);
    expect(worst.cosine).toBeNaN();
    const first = worstSampleCosine([1, 1, 1, 1], [NaN, 1, 0.5, 1], [0, 2, 4]);
    expect(first.index).toBe(0);
    expect(first.cosine).toBeNaN();
  });

  it('top-k classes are the set they end as, whatever passed through on the way', () => {
    // Reference: classes 0 and 1 lead in turn before 2 wins; the variant: only 2 ever leads.
    expect(topKAgreement([1, 2, 3], [0, 0, 3], 3, 1)).toBe(1);
    expect(topKAgreement([1, 2, 3, 4], [0, 0, 3, 4], 4, 2)).toBe(1);
  });
});
