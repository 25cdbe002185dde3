/**
 * The calibrators' threshold math against brute-force oracles written the slow, obvious way: the
 * entropy search builds P and Q bin by bin as NVIDIA's reference does, the MSE search quantizes
 * every bin centre at every candidate threshold; on seeded histograms of several shapes and sizes,
 * with the options (levels, start bin, stride) varied. Plus the edges: empty and all-zero
 * histograms, percentile bounds and the exact-share boundary, and which levels and fallbacks
 * calibratedThreshold picks (npm run mutate -- calibrators).
 */
import { describe, expect, it } from 'vitest';
import {
  calibratedThreshold,
  entropyThreshold,
  mseThreshold,
  percentileThreshold,
  type ActivationStats,
} from '../../../electron/core/precision/calibrate';

/** Mulberry32: a small seeded generator, so every histogram here is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A histogram of |x| for `count` draws of `draw`, over [0, max |x|] in `n` bins. */
function histogramOf(n: number, count: number, draw: () => number): { bins: Float64Array; absMax: number } {
  const xs = Array.from({ length: count }, () => Math.abs(draw()));
  const absMax = Math.max(...xs);
  const bins = new Float64Array(n);
  for (const x of xs) bins[Math.min(n - 1, Math.floor((x / absMax) * n))]! += 1;
  return { bins, absMax };
}

const normal = (r: () => number) => () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const heavy = (r: () => number) => () => normal(r)() / Math.max(0.05, Math.abs(normal(r)()));
const relu = (r: () => number) => () => Math.max(0, normal(r)());
/** Mostly empty bins with a few spikes (a sparse activation). */
const spikes = (r: () => number) => () => (r() < 0.9 ? 0.1 * r() : r() < 0.5 ? 3 : 7 + r());

/** NVIDIA's entropy calibration written out: P and Q materialised for every candidate. */
function entropyOracle(hist: ArrayLike<number>, absMax: number, levels = 128, startBin = 128, stride = 1): number {
  const n = hist.length;
  if (absMax === 0 || n === 0) return absMax;
  const bins = Array.from(hist);
  if (n > 1) bins[0] = bins[1]!;
  const total = bins.reduce((a, b) => a + b, 0);
  if (total === 0) return absMax;
  let best = Infinity;
  let bestI = n;
  for (let i = Math.max(1, Math.min(startBin, n)); i <= n; i += stride) {
    const p = bins.slice(0, i);
    p[i - 1]! += bins.slice(i).reduce((a, b) => a + b, 0);
    const level = (j: number) => Math.floor((j * levels) / i);
    const sums = new Map<number, { sum: number; count: number }>();
    for (let j = 0; j < i; j++) {
      if (bins[j] === 0) continue;
      const s = sums.get(level(j)) ?? { sum: 0, count: 0 };
      s.sum += bins[j]!;
      s.count++;
      sums.set(level(j), s);
    }
    const q = Array.from({ length: i }, (_, j) => {
      const s = sums.get(level(j));
      return bins[j] === 0 || !s ? 0 : s.sum / s.count;
    });
    const pSum = p.reduce((a, b) => a + b, 0);
    const qSum = q.reduce((a, b) => a + b, 0);
    let kl = 0;
    for (let j = 0; j < i; j++) {
      if (p[j]! === 0) continue;
      if (q[j]! === 0) {
        kl = Infinity;
        break;
      }
      kl += (p[j]! / pSum) * Math.log(p[j]! / pSum / (q[j]! / qSum));
    }
    if (kl <= best + 1e-12 * Math.abs(best)) {
      best = Math.min(best, kl);
      bestI = i;
    }
  }
  return (bestI * absMax) / n;
}

/** Squared error of quantizing every bin centre to `levels` steps of t/levels, clipping at t. */
function quantError(hist: ArrayLike<number>, absMax: number, t: number, levels: number): number {
  const width = absMax / hist.length;
  const step = t / levels;
  let err = 0;
  for (let j = 0; j < hist.length; j++) {
    const x = (j + 0.5) * width;
    const q = x >= t ? t : Math.round(x / step) * step;
    err += (hist[j] as number) * (x - q) ** 2;
  }
  return err;
}

describe('percentileThreshold', () => {
  it('the upper edge of the first bin where the cumulative count reaches the share', () => {
    const bins = [4, 3, 2, 1]; // 40 %, 70 %, 90 %, 100 %
    expect(percentileThreshold(bins, 10, 40)).toBe(2.5);
    expect(percentileThreshold(bins, 10, 40.1)).toBe(5);
    expect(percentileThreshold(bins, 10, 70)).toBe(5); // exactly reached: this bin, not the next
    expect(percentileThreshold(bins, 10, 90)).toBe(7.5);
    expect(percentileThreshold(bins, 10, 100)).toBe(10);
    expect(percentileThreshold(bins, 10, 1e-9)).toBe(2.5);
  });

  it('stops at the last non-empty bin even at 100 %', () => {
    expect(percentileThreshold([5, 5, 0, 0], 8, 100)).toBe(4);
    expect(percentileThreshold([0, 5, 0, 0], 8, 50)).toBe(4);
  });

  it('keeps |x| max when there is nothing to count', () => {
    expect(percentileThreshold([0, 0, 0], 6, 99)).toBe(6);
    expect(percentileThreshold([1, 2, 3], 0, 99)).toBe(0);
    expect(percentileThreshold([], 6, 99)).toBe(6);
    expect(percentileThreshold([NaN, 1], 6, 99)).toBe(6);
  });

  it('refuses a share outside (0, 100] as an invalid argument', () => {
    for (const p of [0, -1, 100.0001, NaN]) {
      expect(() => percentileThreshold([1], 1, p)).toThrow(`percentile must be in (0, 100], not ${p}`);
      expect(() => percentileThreshold([1], 1, p)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('entropyThreshold', () => {
  const cases = [
    { name: '|normal|', n: 512, draw: normal, clips: false },
    { name: '|heavy-tailed|', n: 512, draw: heavy, clips: true },
    { name: "ReLU'd normal", n: 300, draw: relu, clips: true },
    { name: 'sparse spikes', n: 400, draw: spikes, clips: false },
  ];
  it.each(cases)('matches the brute-force search on $name', ({ n, draw, clips }) => {
    const { bins, absMax } = histogramOf(n, 20_000, draw(rng(n)));
    const t = entropyThreshold(bins, absMax);
    expect(t).toBe(entropyOracle(bins, absMax));
    expect(t < absMax).toBe(clips);
    expect(entropyThreshold(bins, absMax, { levels: 256 })).toBe(entropyOracle(bins, absMax, 256));
  });

  it('with small level counts, other start bins and strides', () => {
    const { bins, absMax } = histogramOf(64, 5000, heavy(rng(3)));
    for (const [levels, startBin, stride] of [
      [4, 8, 1],
      [8, 1, 3],
      [5, 17, 2],
      [16, 0, 1],
      [3, 63, 1],
    ] as const) {
      expect(entropyThreshold(bins, absMax, { levels, startBin, stride })).toBe(
        entropyOracle(bins, absMax, levels, startBin, stride),
      );
    }
  });

  it('a start bin past the end searches only the full range', () => {
    const { bins, absMax } = histogramOf(64, 5000, heavy(rng(4)));
    expect(entropyThreshold(bins, absMax, { startBin: 1000 })).toBe(absMax);
  });

  it("the zero bin takes bin 1's count: a huge spike of exact zeros does not move the threshold", () => {
    const { bins, absMax } = histogramOf(256, 20_000, relu(rng(9)));
    const zeros = Float64Array.from(bins);
    zeros[0] = 1e9;
    expect(entropyThreshold(zeros, absMax, { levels: 16, startBin: 16 })).toBe(
      entropyThreshold(bins, absMax, { levels: 16, startBin: 16 }),
    );
  });

  it('a candidate whose last kept bin is empty while outliers lie beyond is never chosen', () => {
    // Mass in bins 0-3 and bin 9; bins 4-8 empty: cutting after 5 … 9 bins would leave P mass
    // (the outlier) in a bin Q has empty. With 2 levels, cutting after 8 bins puts bins 4-7 in a
    // level of their own with nothing in it.
    const bins = [10, 12, 9, 11, 0, 0, 0, 0, 0, 1];
    const t = entropyThreshold(bins, 10, { levels: 2, startBin: 2 });
    expect(t).toBe(entropyOracle(bins, 10, 2, 2));
    expect([5, 6, 7, 8, 9]).not.toContain(t);
  });

  it('uniform histograms are kept whole; ties go to the last candidate', () => {
    expect(entropyThreshold(new Float64Array(256).fill(3), 2, { startBin: 16 })).toBe(2);
    expect(entropyThreshold([7, 7, 7, 7], 4, { levels: 1, startBin: 1 })).toBe(4);
  });

  it('empty bins at the top: candidates that drop only empty bins tie, and the widest wins', () => {
    for (const [bins, levels] of [
      [[5, 3, 2, 1, 0, 0, 0, 0], 128],
      [[5, 3, 2, 1, 1, 0, 0, 0], 2],
      [[9, 4, 0, 2, 1, 0, 0], 3],
      [[6, 6, 5, 0, 3, 0, 0, 0, 0], 2],
    ] as const) {
      const want = entropyOracle(bins, 10, levels, 2);
      expect(entropyThreshold(bins, 10, { levels, startBin: 2 })).toBe(want);
    }
    expect(entropyThreshold([5, 3, 2, 1, 0, 0, 0, 0], 8, { startBin: 2 })).toBe(8);
  });

  it('an all-zero histogram keeps |x| max whatever the stride', () => {
    expect(entropyThreshold(new Float64Array(10), 5, { startBin: 1, stride: 4 })).toBe(5);
  });

  it('edges: no bins, all zero, |x| max 0, one bin', () => {
    expect(entropyThreshold([], 5)).toBe(5);
    expect(entropyThreshold([0, 0, 0], 5)).toBe(5);
    expect(entropyThreshold([1, 2, 3], 0)).toBe(0);
    expect(entropyThreshold([5], 3)).toBe(3);
    expect(entropyThreshold([0, 4], 6, { startBin: 1 })).toBe(entropyOracle([0, 4], 6, 128, 1));
  });
});

describe('mseThreshold', () => {
  const shapes = [
    { name: '|normal|', draw: normal },
    { name: '|heavy-tailed|', draw: heavy },
    { name: 'sparse spikes', draw: spikes },
  ];
  it.each(shapes)(
    'no bin edge quantizes $name with less error, and it is the first such edge from the top',
    ({ draw }) => {
      for (const levels of [127, 255, 7]) {
        const { bins, absMax } = histogramOf(128, 10_000, draw(rng(levels)));
        const width = absMax / 128;
        const t = mseThreshold(bins, absMax, { levels });
        const errors = Array.from({ length: 128 }, (_, k) => quantError(bins, absMax, (k + 1) * width, levels));
        const best = Math.min(...errors);
        const chosen = Math.round(t / width);
        expect(t).toBeCloseTo(chosen * width, 12);
        expect(errors[chosen - 1]).toBeLessThanOrEqual(best * (1 + 1e-9));
        // Every higher edge is clearly worse (the search runs from the top and keeps the first best).
        for (let k = chosen; k < 128; k++) expect(errors[k]).toBeGreaterThan(best * (1 - 1e-9));
      }
    },
  );

  it('with a stride only every stride-th edge from the top is tried', () => {
    const { bins, absMax } = histogramOf(60, 5000, heavy(rng(11)));
    const width = absMax / 60;
    const t = mseThreshold(bins, absMax, { levels: 15, stride: 7 });
    const k = Math.round(t / width);
    expect((60 - k) % 7).toBe(0);
    const tried = Array.from({ length: 9 }, (_, m) => 60 - 7 * m).filter((i) => i >= 1);
    const best = Math.min(...tried.map((i) => quantError(bins, absMax, i * width, 15)));
    expect(quantError(bins, absMax, t, 15)).toBeLessThanOrEqual(best * (1 + 1e-9));
  });

  it('the lowest edge when it alone quantizes exactly', () => {
    // One value at the centre of bin 0 (0.5): with 2 levels and t = 1 it lands on a step.
    expect(mseThreshold([10, 0, 0, 0], 4, { levels: 2 })).toBe(1);
  });

  it('clips an outlier when that costs less than coarse steps', () => {
    const bins = new Float64Array(100);
    bins.fill(50, 0, 10);
    bins[99] = 1;
    const t = mseThreshold(bins, 100, { levels: 3 });
    expect(t).toBeLessThan(50);
    expect(quantError(bins, 100, t, 3)).toBeLessThan(quantError(bins, 100, 100, 3));
  });

  it('edges: no bins, |x| max 0', () => {
    expect(mseThreshold([], 5)).toBe(5);
    expect(mseThreshold([1, 2], 0)).toBe(0);
    expect(mseThreshold([0, 0, 0, 0], 8)).toBe(8); // nothing to lose: the full range
  });
});

describe('calibratedThreshold', () => {
  const { bins, absMax } = histogramOf(512, 20_000, heavy(rng(21)));
  const stats = (over: Partial<ActivationStats> = {}): ActivationStats => ({
    min: -absMax,
    max: absMax,
    absMax,
    count: 20_000,
    histogram: { bins, absMax },
    ...over,
  });

  it('max, or no histogram, or |x| max 0: |x| max', () => {
    expect(calibratedThreshold(stats(), 'max')).toBe(absMax);
    const { histogram: _h, ...noHistogram } = stats();
    for (const c of ['percentile', 'entropy', 'mse'] as const) {
      expect(calibratedThreshold(noHistogram, c)).toBe(absMax);
      expect(calibratedThreshold(stats({ absMax: 0 }), c)).toBe(0);
    }
  });

  it("percentile defaults to 99.99 % and scales by the histogram's own |x| max", () => {
    expect(calibratedThreshold(stats(), 'percentile')).toBe(percentileThreshold(bins, absMax, 99.99));
    expect(calibratedThreshold(stats(), 'percentile')).not.toBe(percentileThreshold(bins, absMax, 99));
    expect(calibratedThreshold(stats(), 'percentile', { percentile: 99 })).toBe(percentileThreshold(bins, absMax, 99));
    const half = stats({ histogram: { bins, absMax: absMax / 2 } });
    expect(calibratedThreshold(half, 'percentile', { percentile: 99 })).toBe(percentileThreshold(bins, absMax / 2, 99));
  });

  it('entropy quantizes to 128 levels, 256 for unsigned tensors', () => {
    const signed = entropyThreshold(bins, absMax, { levels: 128 });
    const unsigned = entropyThreshold(bins, absMax, { levels: 256 });
    expect(signed).not.toBe(unsigned); // this histogram tells them apart
    expect(calibratedThreshold(stats(), 'entropy')).toBe(signed);
    expect(calibratedThreshold(stats(), 'entropy', { unsigned: false })).toBe(signed);
    expect(calibratedThreshold(stats(), 'entropy', { unsigned: true })).toBe(unsigned);
  });

  it('mse quantizes to 127 levels, 255 for unsigned tensors', () => {
    const small = histogramOf(256, 20_000, heavy(rng(5)));
    const s = stats({ histogram: small, absMax: small.absMax, count: 20_000 });
    const signed = mseThreshold(small.bins, small.absMax, { levels: 127 });
    const unsigned = mseThreshold(small.bins, small.absMax, { levels: 255 });
    expect(signed).not.toBe(unsigned);
    expect(calibratedThreshold(s, 'mse')).toBe(signed);
    expect(calibratedThreshold(s, 'mse', { unsigned: true })).toBe(unsigned);
  });

  it('entropy on fewer values than bins falls back to |x| max and says why; as many values as bins is enough', () => {
    const reasons: string[] = [];
    const few = stats({ count: 511 });
    expect(calibratedThreshold(few, 'entropy', { onFallback: (r) => reasons.push(r) })).toBe(absMax);
    expect(reasons).toEqual(['511 values are too few for a 512-bin entropy search: |x| max used']);
    expect(calibratedThreshold(few, 'entropy')).toBe(absMax); // no listener: no throw
    const enough = stats({ count: 512 });
    expect(calibratedThreshold(enough, 'entropy', { onFallback: (r) => reasons.push(r) })).toBe(
      entropyThreshold(bins, absMax),
    );
    expect(reasons).toHaveLength(1);
    // Other calibrators do not need as many values.
    expect(calibratedThreshold(few, 'mse', { onFallback: (r) => reasons.push(r) })).toBe(mseThreshold(bins, absMax));
    expect(reasons).toHaveLength(1);
  });
});
