/**
 * A compared variant's layerwise error as a graph overlay (1 − cosine to FP32 per node, the worst of
 * a node's tensors; NaN where nothing was measured), and its curve in topological order for the chart.
 */
import type { Comparison } from '../../../electron/shared/api/comparison';
import type { NodeOverlay } from '../graph/overlay';

type Compared = Comparison['variants'][number];

/** Null when the comparison measured no layers for this variant. */
export function layerwiseOverlay(v: Compared, nodeCount: number): NodeOverlay | null {
  if (!v.layers) return null;
  const values = new Float64Array(nodeCount).fill(NaN);
  for (const t of v.layers.tensors)
    values[t.node] = Math.max(Number.isNaN(values[t.node]!) ? 0 : values[t.node]!, 1 - t.cosine);
  return { name: `1 − cosine vs FP32 (${v.name})`, kind: 'number', values };
}

/** One row per measured tensor: its index and each variant's 1 − cosine by variant id (floored at 1e-9 for the log axis). */
export function layerwiseCurve(result: Comparison): Record<string, number>[] {
  return (result.variants[0]?.layers?.tensors ?? []).map((_, i) => {
    const row: Record<string, number> = { i };
    for (const v of result.variants) {
      const t = v.layers?.tensors[i];
      if (t) row[v.id] = Math.max(1e-9, 1 - t.cosine);
    }
    return row;
  });
}
