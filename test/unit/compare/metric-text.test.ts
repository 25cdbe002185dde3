/**
 * A comparison's numbers as text where a metric has no finite value: JSON carries Infinity and NaN
 * as null across a process, and the CLI ended in "Cannot read properties of null (reading
 * 'toFixed')" on a ViT whose outputs were identical (PSNR infinite).
 */
import { describe, expect, it } from 'vitest';
import { errorMetrics } from '../../../electron/shared/compare/metrics';
import { fmt, metricText } from '../../../electron/shared/compare/report';

const fixed = (v: number | null | undefined) => metricText(v, (x) => x.toFixed(1));

describe('metric text', () => {
  it('null, undefined and NaN read –; ±Infinity ∞ and −∞; numbers as formatted', () => {
    expect([null, undefined, NaN].map(fixed)).toEqual(['–', '–', '–']);
    expect([Infinity, -Infinity, 72.81].map(fixed)).toEqual(['∞', '−∞', '72.8']);
    expect([fmt(null), fmt(NaN), fmt(Infinity), fmt(0.5), fmt(2e-5)]).toEqual(['–', '–', '∞', '0.5000', '2.00e-5']);
  });

  it('the metrics of identical all-zero outputs, as a result crosses a process, all print', () => {
    const m = JSON.parse(JSON.stringify(errorMetrics([0, 0, 0], [0, 0, 0]))) as Record<string, number | null>;
    expect([m.psnr, m.snr]).toEqual([null, null]);
    expect([m.cosine, m.psnr, m.snr, m.maxAbs].map(fixed)).toEqual(['1.0', '–', '–', '0.0']);
  });
});
