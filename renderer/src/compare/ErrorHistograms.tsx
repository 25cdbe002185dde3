/**
 * How the |error| of the output shown is spread, per variant: the share of elements in each of 32
 * bins from 0 to the variant's max |error|.
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Comparison } from '../../../electron/shared/api/comparison';
import { runColour } from '../profile/charts';

export function ErrorHistograms({ result, output }: { result: Comparison; output: number }) {
  return (
    <figure className="chart" data-testid="error-histograms">
      <figcaption>|error| distribution of {result.outputs[output]} (share of elements, 0 … max)</figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <BarChart
          data={Array.from({ length: 32 }, (_, b) => {
            const row: Record<string, number> = { b };
            for (const v of result.variants) {
              const m = v.perOutput[output]?.metrics;
              if (m) row[v.id] = (100 * (m.histogram[b] ?? 0)) / Math.max(1, m.count);
            }
            return row;
          })}
          margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="b" tick={false} />
          <YAxis unit="%" fontSize={11} width={44} />
          <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(b) => `bin ${Number(b) + 1} of 32`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {result.variants.map((v, i) => (
            <Bar key={v.id} dataKey={v.id} name={v.name} fill={runColour(i)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
