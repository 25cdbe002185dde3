/** Latency statistics as trtexec reports them. */
import type { LatencyStats } from './backend';

/** Nearest-rank percentile of sorted values (what trtexec prints). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function latencyStats(samples: readonly number[]): { stats: LatencyStats; cov: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const mid =
    n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  return {
    stats: {
      min: sorted[0] as number,
      max: sorted[n - 1] as number,
      mean,
      median: mid,
      p90: percentile(sorted, 90),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
    },
    cov: mean > 0 ? Math.sqrt(variance) / mean : 0,
  };
}

/** At most `max` samples, evenly spaced in run order (for charts: the percentiles use all of them). */
export function thinSamples(samples: readonly number[], max: number): number[] {
  if (samples.length <= max) return [...samples];
  const step = samples.length / max;
  return Array.from({ length: max }, (_, i) => samples[Math.floor(i * step)] as number);
}
