/**
 * The levels the entropy calibrator quantizes to: 128 for a signed tensor (INT8's magnitudes),
 * 256 for an unsigned one (UINT8, ONNX Runtime's one-sided activations), as NVIDIA's
 * pytorch-quantization does (`nbins = 1 << (num_bits - 1 + unsigned)`). The thresholds are checked
 * against a plain port of that reference, on histograms where the two level counts disagree, so
 * swapping them cannot go unseen.
 */
import { describe, expect, it } from 'vitest';
import { calibratedThreshold, type ActivationStats } from '../../../electron/core/precision/calibrate';
import { seeded } from '../../builders/graph';

/** NVIDIA's _compute_amax_entropy, step by step (no prefix sums): the upper edge of the best bin count. */
function referenceEntropy(hist: readonly number[], absMax: number, unsigned: boolean, start = 128): number {
  const bins = hist.slice();
  bins[0] = bins[1]!;
  const levels = 1 << (7 + (unsigned ? 1 : 0));
  const kl = (p: number[], q: number[]) => {
    const ps = p.reduce((a, b) => a + b, 0);
    const qs = q.reduce((a, b) => a + b, 0);
    let d = 0;
    for (let j = 0; j < p.length; j++) {
      if (p[j]! === 0) continue;
      if (q[j]! === 0) return Infinity;
      d += (p[j]! / ps) * Math.log(p[j]! / ps / (q[j]! / qs));
    }
    return d;
  };
  let best = Infinity;
  let bestI = bins.length;
  for (let i = start; i <= bins.length; i++) {
    // Bin j goes to level digitize(j, linspace(0, i, levels + 1)) - 1; empty bins to none.
    const level = (j: number) => (bins[j]! === 0 ? -1 : Math.min(levels - 1, Math.floor((j * levels) / i)));
    const sum = new Array<number>(levels).fill(0);
    const count = new Array<number>(levels).fill(0);
    for (let j = 0; j < i; j++) {
      const l = level(j);
      if (l >= 0) {
        sum[l]! += bins[j]!;
        count[l]!++;
      }
    }
    const q = Array.from({ length: i }, (_, j) => (level(j) < 0 ? 0 : sum[level(j)]! / count[level(j)]!));
    const p = bins.slice(0, i);
    p[i - 1]! += bins.slice(i).reduce((a, b) => a + b, 0);
    const d = kl(p, q);
    if (d <= best) {
      best = d;
      bestI = i;
    }
  }
  return (bestI * absMax) / bins.length;
}

/** Statistics of seeded values `draw()` with a 512-bin histogram of |x|, as the calibrator collects them. */
function stats(draw: (next: () => number) => number, n = 20_000, nbins = 512): ActivationStats {
  const next = seeded(7);
  const values = Array.from({ length: n }, () => draw(next));
  const absMax = Math.max(...values.map(Math.abs));
  const bins = new Float64Array(nbins);
  for (const v of values) bins[Math.min(nbins - 1, Math.floor((Math.abs(v) / absMax) * nbins))]! += 1;
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    absMax,
    count: n,
    histogram: { bins, absMax },
  };
}

/** A standard normal draw (Box–Muller). */
const normal = (next: () => number) => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());

describe('entropy calibrator levels', () => {
  const cases: [string, ActivationStats][] = [
    ['a normal tensor', stats(normal)],
    ['a ReLU output (one-sided, as UINT8 gets it)', stats((next) => Math.max(0, normal(next)))],
    ['a heavy-tailed tensor (normal cubed)', stats((next) => normal(next) ** 3)],
  ];

  for (const [name, s] of cases)
    it(`${name}: INT8 (signed) searches 128 levels, UINT8 (unsigned) 256, as NVIDIA's reference does`, () => {
      const hist = Array.from(s.histogram!.bins);
      const signed = referenceEntropy(hist, s.absMax, false);
      const unsigned = referenceEntropy(hist, s.absMax, true);
      // The two level counts pick different thresholds here: a swap would show.
      expect(unsigned).not.toBeCloseTo(signed, 6);
      expect(calibratedThreshold(s, 'entropy', { unsigned: false })).toBeCloseTo(signed, 9);
      expect(calibratedThreshold(s, 'entropy', { unsigned: true })).toBeCloseTo(unsigned, 9);
      expect(calibratedThreshold(s, 'entropy')).toBeCloseTo(signed, 9); // signed unless said otherwise
    });
});
