/**
 * Latency against accuracy: one point per model profiled in the Build & profile tab (the FP32
 * reference and each compared variant), with the Pareto front drawn through the ones worth shipping.
 */
import {
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type { Comparison } from '../../../electron/shared/api/comparison';
import { runColour } from '../profile/charts';
import { useProfiles } from '../profile/store';
import { paretoFront, tradeoffPoints } from './latency';

export function TradeoffChart({ result, output }: { result: Comparison; output: number }) {
  const runs = useProfiles((s) => s.runs);
  const points = tradeoffPoints(runs, result, output);
  const pareto = paretoFront(points);
  return (
    <figure className="chart" data-testid="tradeoff-chart">
      <figcaption>Latency (median, from profiles) against accuracy (cosine to FP32)</figcaption>
      {points.length === 0 ? (
        <p className="muted">Profile the reference and the variants in Build &amp; profile to place them here.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis dataKey="latency" name="latency" unit=" ms" type="number" fontSize={11} />
            <YAxis dataKey="accuracy" name="cosine" type="number" domain={['auto', 1]} fontSize={11} width={60} />
            <ZAxis range={[80, 80]} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {points.map((p, i) => (
              <Scatter key={p.key} name={p.name} data={[p]} fill={runColour(i)} isAnimationActive={false} />
            ))}
            {pareto.length > 1 && (
              <Scatter
                name="Pareto front"
                data={pareto}
                line={{ stroke: 'var(--muted)', strokeDasharray: '4 3' }}
                shape={() => <g />}
                legendType="line"
                isAnimationActive={false}
              />
            )}
          </ScatterChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
