/** Profile charts (recharts): latency distribution of every run, top layers, time by op type. */
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ProfileRun } from './store';

export const RUN_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2'];
export const runColour = (i: number) => RUN_COLOURS[i % RUN_COLOURS.length]!;
const BINS = 40;
const ms = (v: number) => `${Number(v.toPrecision(3))} ms`;
const short = (s: string, n = 28) => (s.length > n ? `…${s.slice(-(n - 1))}` : s);

/** Latency histograms on shared bins, each run as a share of its own samples. */
export function LatencyChart({ runs }: { runs: ProfileRun[] }) {
  const all = runs.flatMap((r) => r.report.samplesMs);
  if (all.length === 0) return null;
  const lo = Math.min(...all);
  // Outliers (another process, a GC) would squash the distribution into one bar: the axis stops at
  // three times the slowest median and the last bar holds everything beyond (the table has max).
  const medians = runs.map((r) => r.report.latencyMs.median);
  const hi = Math.max(Math.min(Math.max(...all), 3 * Math.max(...medians)), lo + 1e-6);
  const width = (hi - lo) / BINS;
  const rows = Array.from({ length: BINS }, (_, i) => ({ ms: lo + (i + 0.5) * width }) as Record<string, number>);
  runs.forEach((r) => {
    const n = r.report.samplesMs.length;
    for (const v of r.report.samplesMs) {
      const bin = Math.min(BINS - 1, Math.max(0, Math.floor((v - lo) / width)));
      const row = rows[bin]!;
      row[r.label] = (row[r.label] ?? 0) + 100 / n;
    }
  });
  return (
    <figure className="chart" data-testid="latency-chart">
      <figcaption>Latency distribution (share of runs)</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <AreaChart data={rows} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="ms" type="number" domain={[lo, hi]} tickFormatter={ms} fontSize={11} />
          <YAxis unit="%" fontSize={11} width={40} />
          <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(v) => ms(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {runs.map((r, i) => (
            <Area
              key={r.id}
              dataKey={r.label}
              type="step"
              stroke={runColour(i)}
              fill={runColour(i)}
              fillOpacity={0.25}
              isAnimationActive={false}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** The slowest layers of one run, with the ONNX nodes each covers in the tooltip. */
export function LayerChart({ run, colour }: { run: ProfileRun; colour: string }) {
  const rows = run.report.layers.slice(0, 12).map((l) => ({
    name: short(l.node),
    full: `${l.op} ${l.node}${l.originals.length > 1 ? ` (covers ${l.originals.length} ONNX nodes)` : ''}`,
    ms: l.ms,
  }));
  return (
    <figure className="chart" data-testid="layer-chart">
      <figcaption>Slowest layers · {run.label}</figcaption>
      <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 20 + 30)}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
          <XAxis type="number" tickFormatter={ms} fontSize={11} />
          <YAxis type="category" dataKey="name" width={170} fontSize={10} interval={0} />
          <Tooltip
            formatter={(v) => ms(Number(v))}
            labelFormatter={(_, p) => (p[0]?.payload as { full?: string } | undefined)?.full ?? ''}
          />
          <Bar dataKey="ms" fill={colour} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/**
 * What the op-type and layer times are, next to them: kernel time per inference from the profiler
 * (each node's median over the profiled runs after the first), read against the profiled run's
 * length and the timed median latency. Kernels sum to less than a run (the runtime's own work
 * between them); when they sum to more than the median latency, the profiled runs ran slower than
 * the timed ones (the profiler's cost, other load), and the note says so: read shares, not times.
 */
function KernelNote({ runs }: { runs: ProfileRun[] }) {
  const lines = runs.map((r) => {
    const kernels = r.report.byOpType.reduce((s, o) => s + o.ms, 0);
    const median = r.report.latencyMs.median;
    const run = r.report.profiledRunMs;
    const over = kernels > median * 1.05;
    return {
      id: r.id,
      over,
      text:
        `${r.label}: ${ms(kernels)} in kernels` +
        (run !== null ? ` of a ${ms(run)} profiled run` : '') +
        `; median latency ${ms(median)}` +
        (over
          ? ' — more than the median latency: the profiled runs ran slower than the timed ones (the profiler’s own cost, or other load), so read the shares, not the times'
          : ''),
    };
  });
  const n = runs.find((r) => r.report.layerRuns > 0)?.report.layerRuns ?? 0;
  return (
    <div className="chart-note" data-testid="optype-note">
      <p>
        Kernel time per inference, from {n > 0 ? `${n} profiled runs` : 'the profiled runs'} (each node’s median; the
        first run, which allocates, left out). Time between kernels is the runtime’s own and is not in these bars.
      </p>
      <ul>
        {lines.map((l) => (
          <li key={l.id} className={l.over ? 'warn' : undefined}>
            {l.text}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Time per op type, every run side by side (the first run's top ten op types). */
export function OpTypeChart({ runs }: { runs: ProfileRun[] }) {
  const first = runs[0];
  if (!first) return null;
  const ops = first.report.byOpType.slice(0, 10).map((o) => o.op);
  const rows = ops.map((op) => {
    const row: Record<string, string | number> = { op };
    for (const r of runs) row[r.label] = r.report.byOpType.find((o) => o.op === op)?.ms ?? 0;
    return row;
  });
  return (
    <figure className="chart" data-testid="optype-chart">
      <figcaption>Time by op type (kernel time per inference)</figcaption>
      <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 22 + 50)}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
          <XAxis type="number" tickFormatter={ms} fontSize={11} />
          <YAxis type="category" dataKey="op" width={130} fontSize={10} interval={0} />
          <Tooltip formatter={(v) => ms(Number(v))} />
          {runs.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
          {runs.map((r, i) => (
            <Bar key={r.id} dataKey={r.label} fill={runColour(i)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <KernelNote runs={runs} />
    </figure>
  );
}
