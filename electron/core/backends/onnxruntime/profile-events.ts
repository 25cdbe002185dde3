/**
 * ONNX Runtime's profiler trace (Chrome trace JSON) read as per-node kernel time per inference.
 * Each `model_run` Session event bounds one run; a node's `<name>_kernel_time` events are summed
 * within each run (a Loop body's node runs many times) and the median over the runs is its time.
 * The first run, which allocates, is left out when there are others. Kernel times are wall time
 * on the thread that ran the node (one per node, never summed over the intra-op pool's threads).
 */

export interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string };
}

export interface KernelTimes {
  /** Per node of the profiled model: its median time per run (ms) and its op type. */
  nodes: Map<string, { ms: number; op: string }>;
  /** Median length of a run (ms), or null when the trace marks no runs. */
  runMs: number | null;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const KERNEL = '_kernel_time';

/** `calls`: how many runs the trace holds (the allocating one included), for traces without run markers. */
export function kernelTimes(events: readonly TraceEvent[], calls: number): KernelTimes {
  const kernels = events.filter(
    (e) => e.cat === 'Node' && e.name?.endsWith(KERNEL) && typeof e.dur === 'number' && typeof e.ts === 'number',
  );
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number')
    .sort((a, b) => a.ts! - b.ts!);
  const nodes = new Map<string, { ms: number; op: string }>();
  if (runs.length === 0) {
    // No run markers: the mean per execution, scaled to executions per run (the old reading).
    const byNode = new Map<string, { us: number; count: number; op: string }>();
    for (const e of kernels) {
      const name = e.name!.slice(0, -KERNEL.length);
      const entry = byNode.get(name) ?? { us: 0, count: 0, op: e.args?.op_name ?? '?' };
      entry.us += e.dur!;
      entry.count += 1;
      byNode.set(name, entry);
    }
    for (const [name, e] of byNode)
      nodes.set(name, { ms: (e.us / 1000 / e.count) * Math.max(1, Math.round(e.count / (calls + 1))), op: e.op });
    return { nodes, runMs: null };
  }
  const first = runs.length > 1 ? 1 : 0;
  const counted = runs.length - first;
  const starts = runs.map((r) => r.ts!);
  const perRun = new Map<string, { us: Float64Array; op: string }>();
  for (const e of kernels) {
    const i = lastAtOrBefore(starts, e.ts!);
    if (i < first || e.ts! > starts[i]! + (runs[i]!.dur ?? Infinity)) continue;
    const name = e.name!.slice(0, -KERNEL.length);
    let entry = perRun.get(name);
    if (!entry) perRun.set(name, (entry = { us: new Float64Array(counted), op: e.args?.op_name ?? '?' }));
    entry.us[i - first]! += e.dur!;
  }
  for (const [name, e] of perRun) nodes.set(name, { ms: median([...e.us]) / 1000, op: e.op });
  const runMs = median(runs.slice(first).map((r) => (r.dur ?? 0) / 1000));
  return { nodes, runMs };
}

/** Index of the last value ≤ t in ascending `values` (-1 when none). */
function lastAtOrBefore(values: readonly number[], t: number): number {
  let lo = 0;
  let hi = values.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
