/**
 * Latency against accuracy: each compared variant's (and the FP32 reference's) median latency from
 * its latest profile run in the Build & profile tab, the points of the trade-off chart, and the
 * Pareto front among them. Points are keyed by variant id (the reference by 'reference'), never by
 * name: two variants may share one. Pure: the profile runs come in as an argument.
 */
import type { Comparison } from '../../../electron/shared/api/comparison';
import type { ProfileRun } from '../profile/store';

export interface TradeoffPoint {
  /** The variant's id, or 'reference'. */
  key: string;
  name: string;
  latency: number;
  accuracy: number;
}

/** Median latency of a variant (null: the reference) from its latest profile run, or null if never profiled. */
export function latencyOf(runs: readonly ProfileRun[], id: string | null): number | null {
  const mine = runs.filter((r) =>
    id === null
      ? r.request.source.kind !== 'variant'
      : r.request.source.kind === 'variant' && r.request.source.variantId === id,
  );
  return mine.length ? mine[mine.length - 1]!.report.latencyMs.median : null;
}

/** The profiled latencies of a comparison's variants, by variant id (for the HTML report). */
export function latencies(runs: readonly ProfileRun[], c: Comparison): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of c.variants) {
    const l = latencyOf(runs, v.id);
    if (l !== null) out[v.id] = l;
  }
  return out;
}

/** One point per profiled model: the reference at accuracy 1, each variant at its cosine on `output`. */
export function tradeoffPoints(runs: readonly ProfileRun[], result: Comparison, output: number): TradeoffPoint[] {
  return [
    { key: 'reference', name: 'FP32 reference', latency: latencyOf(runs, null), accuracy: 1 },
    ...result.variants.map((v) => ({
      key: v.id,
      name: v.name,
      latency: latencyOf(runs, v.id),
      accuracy: v.perOutput[output]?.metrics.cosine ?? 0,
    })),
  ].filter((p): p is TradeoffPoint => p.latency !== null);
}

/** Points no other point beats on both latency and accuracy, fastest first. */
export function paretoFront(points: readonly TradeoffPoint[]): TradeoffPoint[] {
  return points
    .filter(
      (p) =>
        !points.some(
          (q) =>
            q !== p &&
            q.latency <= p.latency &&
            q.accuracy >= p.accuracy &&
            (q.latency < p.latency || q.accuracy > p.accuracy),
        ),
    )
    .sort((a, b) => a.latency - b.latency);
}
