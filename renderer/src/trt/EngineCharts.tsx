/**
 * Where each engine's time went (recharts): one stacked bar per engine by layer type, and the groups
 * of ONNX nodes that changed most, each engine's time side by side.
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EngineDiff } from '../../../electron/shared/api/engine-diff';

export const ENGINE_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];
const TYPE_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f'];
const ms = (v: number) => `${Number(v.toPrecision(3))} ms`;
const short = (s: string, n = 26) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const profiled = (diff: EngineDiff) => diff.imports.some((imp) => imp.totalMs !== null);

/**
 * One bar per engine, stacked by layer type (the 7 costliest types, the rest as "other"). Without a
 * profile of any engine the bars count layers instead: how fusion differs still shows (an FP16
 * build that folds each activation into its convolution has far fewer PointWise layers).
 */
export function TimeByTypeChart({ diff }: { diff: EngineDiff }) {
  const timed = profiled(diff);
  const top = diff.byType.slice(0, 7);
  const rest = diff.byType.slice(7);
  // An import without a profile has no times: no bar (null), never a 0 ms one.
  const value = (t: EngineDiff['byType'][number], e: number) => (timed ? (t.ms[e] ?? null) : (t.layers[e] ?? 0));
  const rows = diff.imports.map((imp, e) => {
    const untimed = timed && imp.totalMs === null ? ' (no profile)' : '';
    const row: Record<string, number | string | null> = {
      engine: `${imp.label} ${short(imp.files[0] ?? '', 18)}${untimed}`,
    };
    for (const t of top) row[t.type] = value(t, e);
    if (rest.length) row.other = untimed ? null : rest.reduce((s, t) => s + (value(t, e) ?? 0), 0);
    return row;
  });
  const unit = timed ? ms : (v: number) => `${v} layers`;
  const keys = [...top.map((t) => t.type), ...(rest.length ? ['other'] : [])];
  return (
    <figure className="chart" data-testid="engine-type-chart">
      <figcaption>
        {timed ? 'Where the time went, by layer type' : 'Layers by type (no profile imported, so no times)'}
      </figcaption>
      <ResponsiveContainer width="100%" height={60 + rows.length * 34}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
          <XAxis type="number" tickFormatter={unit} fontSize={11} />
          <YAxis type="category" dataKey="engine" width={150} fontSize={11} interval={0} />
          <Tooltip formatter={(v) => unit(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {keys.map((k, i) => (
            <Bar
              key={k}
              dataKey={k}
              stackId="t"
              fill={TYPE_COLOURS[i % TYPE_COLOURS.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** The groups that changed most: each engine's time side by side; nothing to draw without a profile. */
export function TimeByGroupChart({ diff, names }: { diff: EngineDiff; names: readonly string[] }) {
  if (!profiled(diff))
    return (
      <p className="muted" data-testid="engine-group-chart-empty">
        No times to chart: import a profile (trtexec --exportProfile) with each engine's layer file to see where the
        time went by group.
      </p>
    );
  const rows = diff.groups.slice(0, 12).map((g) => {
    const first = names[g.nodes[0]!] || `#${g.nodes[0]}`;
    const row: Record<string, number | string | null> = {
      group: short(first, 28) + (g.nodes.length > 1 ? ` +${g.nodes.length - 1}` : ''),
    };
    diff.imports.forEach((imp, e) => (row[imp.label] = g.engines[e]?.ms ?? null));
    return row;
  });
  return (
    <figure className="chart" data-testid="engine-group-chart">
      <figcaption>The groups that changed most</figcaption>
      <ResponsiveContainer width="100%" height={40 + rows.length * (10 + 8 * diff.imports.length)}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
          <XAxis type="number" tickFormatter={ms} fontSize={11} />
          <YAxis type="category" dataKey="group" width={190} fontSize={10} interval={0} />
          <Tooltip formatter={(v) => ms(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {diff.imports.map((imp, e) => (
            <Bar
              key={imp.label}
              dataKey={imp.label}
              name={imp.totalMs === null ? `${imp.label} (no profile)` : imp.label}
              fill={ENGINE_COLOURS[e]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
