/**
 * The layerwise view: each variant's error against FP32 (1 − cosine, log scale) tensor by tensor in
 * topological order, so where accuracy starts to go is visible at a glance. Nothing when the
 * comparison measured no layers.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../electron/shared/api/comparison';
import { fmt } from '../../../electron/shared/compare/report';
import { runColour } from '../profile/charts';
import { layerwiseCurve } from './overlay';

export function LayerwiseChart({ result }: { result: Comparison }) {
  const curve = layerwiseCurve(result);
  if (curve.length === 0) return null;
  return (
    <figure className="chart" data-testid="layerwise-chart">
      <figcaption>
        Layerwise error (1 − cosine, log) in topological order, over {result.variants[0]?.layers?.samples ?? 0}{' '}
        sample(s)
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={curve} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="i" fontSize={11} />
          <YAxis scale="log" domain={[1e-9, 1]} allowDataOverflow fontSize={11} width={60} tickFormatter={fmt} />
          <Tooltip formatter={(v) => fmt(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {result.variants.map((v, i) => (
            <Line key={v.id} dataKey={v.id} name={v.name} stroke={runColour(i)} dot={false} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
