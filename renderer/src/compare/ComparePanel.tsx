/**
 * Which variant to ship: every variant against the FP32 reference on the same inputs — a
 * variant × metric table with pass/fail, latency against accuracy (latency from the profiles run in
 * the Build & profile tab), and the layerwise error curve, with the first layer that loses accuracy
 * one click away on the graph.
 */
import { useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type { Comparison } from '../../../electron/shared/api/contract';
import { judgedCosine } from '../../../electron/shared/compare/metrics';
import { comparisonHtml, fmt } from '../../../electron/shared/compare/report';
import { statePairs } from '../../../electron/shared/compare/state-pairs';
import { fileSource } from '../frame/open';
import { Toggle } from '../frame/Toggle';
import { download } from '../graph/export';
import { useGraphStore } from '../graph/store';
import { useVariants } from '../precision/store';
import { runColour } from '../profile/charts';
import { ShapeFields, useShapeFields } from '../profile/ShapeFields';
import { useProfiles } from '../profile/store';
import { errorShape } from '../api/error-shape';
import { useApp } from '../state/app';

type Metrics = Comparison['variants'][number]['perOutput'][number];
const ROWS: [string, (m: Metrics) => string][] = [
  ['Verdict (this output)', (m) => `${m.pass ? 'pass' : 'fail'}${m.judged ? '' : ', not judged'}`],
  ['Cosine', (m) => m.metrics.cosine.toFixed(6)],
  ['Worst sample cosine', (m) => `${m.worstSample.cosine.toFixed(6)} (#${m.worstSample.index + 1})`],
  ['PSNR (dB)', (m) => fmt(m.metrics.psnr)],
  ['SNR (dB)', (m) => fmt(m.metrics.snr)],
  ['Max |err|', (m) => fmt(m.metrics.maxAbs)],
  ['Mean |err|', (m) => fmt(m.metrics.meanAbs)],
  ['Median |err|', (m) => fmt(m.metrics.medianAbs)],
  ['p99 |err|', (m) => fmt(m.metrics.p99Abs)],
  ['Max rel err', (m) => fmt(m.metrics.maxRel)],
  ['L2', (m) => fmt(m.metrics.l2)],
  ['Outside atol/rtol', (m) => `${m.metrics.mismatched} / ${m.metrics.count}`],
  ['Top-1 agreement', (m) => (m.top1 === null ? '–' : `${(m.top1 * 100).toFixed(1)}%`)],
  ['Top-5 agreement', (m) => (m.top5 === null ? '–' : `${(m.top5 * 100).toFixed(1)}%`)],
];

const NO_INPUTS: never[] = [];

export function ComparePanel() {
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const summary = useApp((s) => s.summary);
  const variants = useVariants((s) => s.variants);
  const runs = useProfiles((s) => s.runs);
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const jumpTo = useGraphStore((s) => s.jumpTo);
  const shapeState = useShapeFields(summary?.inputs ?? NO_INPUTS);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [samples, setSamples] = useState('8');
  const [cosine, setCosine] = useState('0.997');
  const [result, setResult] = useState<Comparison | null>(null);
  const [running, setRunning] = useState<AbortController | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [output, setOutput] = useState(0);
  const [target, setTarget] = useState('0.99999');
  // Outputs the verdict is judged on; empty = all (a recurrent state can be left out).
  const [judge, setJudge] = useState<Set<string>>(new Set());
  // A recurrent model (state → stateN) can be compared as a stream: each model feeds back its own state.
  const [streamed, setStreamed] = useState(false);
  // Real inputs (images or .npy/.npz) instead of seeded random samples.
  const [inputFiles, setInputFiles] = useState<File[]>([]);
  const [search, setSearch] = useState<{ running: AbortController | null; text: string | null }>({
    running: null,
    text: null,
  });
  const addVariant = useVariants((s) => s.add);

  if (!client || !source || !summary) return null;
  const chosen = variants.filter((v) => picked.has(v.id) || picked.size === 0);
  const pairs = statePairs(summary.inputs, summary.outputs);
  const stream = streamed ? pairs : [];
  // Images are preprocessed as the chosen INT8 variant's calibration images were (else Kiln's default).
  const calibrated = chosen.find((v) => v.recipe.precision === 'int8' && v.recipe.calibrationFiles.length > 0);
  const preprocess = calibrated?.recipe.precision === 'int8' ? calibrated.recipe.preprocess : undefined;
  const hasImages = inputFiles.some((f) => !/\.(npy|npz)$/i.test(f.name));
  /** The picked files as sources the engine host can read (paths in Electron, uploads in browser mode). */
  const realInputs = async () => ({
    inputs: await Promise.all(inputFiles.map((f) => fileSource(f))),
    ...(preprocess ? { preprocess } : {}),
  });

  const start = async () => {
    const dims = shapeState.parse();
    if (typeof dims === 'string') return setError(dims);
    const n = Number(samples);
    const c = Number(cosine);
    if (!Number.isInteger(n) || n < 1) return setError('samples must be a whole number ≥ 1');
    if (!(c > 0 && c <= 1)) return setError('the cosine threshold must be in (0, 1]');
    if (chosen.length === 0) return setError('make a variant in the Precision tab first');
    const controller = new AbortController();
    setRunning(controller);
    setError(null);
    try {
      const real = await realInputs();
      const r = await client.call(
        'model.compare',
        {
          source,
          variants: chosen.map((v) => v.id),
          samples: n,
          shapes: dims,
          thresholds: { atol: 1e-5, rtol: 1e-5, cosine: c, psnr: 30, snr: 20 },
          layerwise: true,
          judge: [...judge],
          stream,
          ...real,
        },
        { signal: controller.signal },
      );
      // The engine host knows variants by id; show the names the Precision tab gave them.
      const names = new Map(variants.map((v) => [v.id, v.name]));
      setResult({ ...r, variants: r.variants.map((v) => ({ ...v, name: names.get(v.id) ?? v.name })) });
    } catch (err) {
      const e = errorShape(err);
      if (e.code !== 'CANCELLED') setError(e.message);
    } finally {
      setRunning(null);
    }
  };

  const findMixed = async () => {
    const dims = shapeState.parse();
    if (typeof dims === 'string') return setError(dims);
    const c = Number(target);
    if (!(c > 0 && c <= 1)) return setError('the target cosine must be in (0, 1]');
    // Search from the variant that misses most in the last comparison (INT8 or FP16), else the first
    // chosen FP16/INT8 variant, else a plain FP16 recipe. Its own pins stay; the search adds to them.
    const worstFirst = [...(result?.variants ?? [])]
      .filter((r) => !r.pass)
      .sort((a, b) => judgedCosine(a) - judgedCosine(b))
      .map((r) => variants.find((v) => v.id === r.id));
    const from = [...worstFirst, ...chosen].find(
      (v) => v && (v.recipe.precision === 'fp16' || v.recipe.precision === 'int8'),
    );
    const controller = new AbortController();
    setSearch({ running: controller, text: null });
    setError(null);
    try {
      const real = await realInputs();
      const r = await client.call(
        'variant.search',
        {
          source,
          base: from?.recipe ?? { precision: 'fp16' },
          thresholds: { atol: 1, rtol: 1, cosine: c, psnr: 0, snr: 0 },
          samples: Math.max(1, Math.min(16, Number(samples) || 4)),
          shapes: dims,
          judge: [...judge],
          stream,
          ...real,
        },
        { signal: controller.signal },
      );
      addVariant(r.variant);
      setPicked(new Set());
      const origin = from?.name ?? 'FP16';
      const tried = `${r.steps.length} variant(s) tried`;
      setSearch({
        running: null,
        text: r.cancelled
          ? `Cancelled after ${tried}; kept the best so far, ${r.variant.name}: ${r.pinnedNodes.length} more layer(s) in FP32, ${r.met ? `meets cosine ≥ ${c}` : `short of cosine ≥ ${c}`}.`
          : r.met
            ? `${r.variant.name} (from ${origin}): ${r.pinnedNodes.length} more layer(s) kept in FP32 meet cosine ≥ ${c} (${tried}). Compare again to see it side by side.`
            : `No mix from ${origin} met cosine ≥ ${c}; the closest kept ${r.pinnedNodes.length} more layer(s) in FP32.`,
      });
    } catch (err) {
      setSearch({ running: null, text: null });
      const e = errorShape(err);
      if (e.code !== 'CANCELLED') setError(e.message);
    }
  };

  // Latency of each variant (and the reference) from its latest profile run, for the scatter.
  const latencyOf = (id: string | null) => {
    const mine = runs.filter((r) =>
      id === null
        ? r.request.source.kind !== 'variant'
        : r.request.source.kind === 'variant' && r.request.source.variantId === id,
    );
    return mine.length ? mine[mine.length - 1]!.report.latencyMs.median : null;
  };
  const latencies = (c: Comparison) => {
    const out: Record<string, number> = {};
    for (const v of c.variants) {
      const l = latencyOf(v.id);
      if (l !== null) out[v.id] = l;
    }
    return out;
  };
  const points = result
    ? [
        { name: 'FP32 reference', latency: latencyOf(null), accuracy: 1 },
        ...result.variants.map((v) => ({
          name: v.name,
          latency: latencyOf(v.id),
          accuracy: v.perOutput[output]?.metrics.cosine ?? 0,
        })),
      ].filter((p): p is { name: string; latency: number; accuracy: number } => p.latency !== null)
    : [];
  // Points no other point beats on both latency and accuracy, fastest first.
  const pareto = points
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
  const curve = result
    ? (result.variants[0]?.layers?.tensors ?? []).map((_, i) => {
        const row: Record<string, number> = { i };
        for (const v of result.variants) {
          const t = v.layers?.tensors[i];
          if (t) row[v.name] = Math.max(1e-9, 1 - t.cosine);
        }
        return row;
      })
    : [];

  const paint = (v: Comparison['variants'][number]) => {
    const model = useGraphStore.getState().model;
    if (!model || !v.layers) return;
    const values = new Float64Array(model.N).fill(NaN);
    for (const t of v.layers.tensors)
      values[t.node] = Math.max(Number.isNaN(values[t.node]!) ? 0 : values[t.node]!, 1 - t.cosine);
    setOverlay({ name: `1 − cosine vs FP32 (${v.name})`, kind: 'number', values });
  };

  return (
    <section className="profile" data-testid="compare-panel" aria-label="Compare precisions">
      <form
        className="profile-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <h3>Against FP32 on ONNX Runtime</h3>
        {variants.length === 0 && <p className="muted">Make variants in the Precision tab first.</p>}
        {variants.map((v) => (
          <label key={v.id} className="inline">
            <input
              type="checkbox"
              checked={picked.size === 0 || picked.has(v.id)}
              onChange={(e) => {
                const next = new Set(picked.size === 0 ? variants.map((x) => x.id) : picked);
                if (e.target.checked) next.add(v.id);
                else next.delete(v.id);
                setPicked(next);
              }}
            />
            {v.name}
          </label>
        ))}
        <label>
          Inputs: images or .npy/.npz (optional; seeded random without)
          <input
            type="file"
            multiple
            accept="image/png,image/jpeg,image/webp,image/tiff,.npy,.npz"
            aria-label="Comparison inputs"
            onChange={(e) => setInputFiles([...(e.target.files ?? [])])}
          />
        </label>
        {hasImages && (
          <p className="muted" data-testid="compare-preprocess">
            Images preprocessed as{' '}
            {preprocess && calibrated
              ? `${calibrated.name}'s calibration (${preprocess.resize}, mean ${preprocess.mean.join(', ')}, std ${preprocess.std.join(', ')})`
              : "Kiln's default (stretch, pixel/255)"}
          </p>
        )}
        <label>
          {inputFiles.length > 0 ? 'Samples (at most)' : 'Samples (seeded random)'}
          <input value={samples} onChange={(e) => setSamples(e.target.value)} aria-label="Samples" />
        </label>
        <label>
          Cosine threshold
          <input value={cosine} onChange={(e) => setCosine(e.target.value)} aria-label="Cosine threshold" />
        </label>
        {summary.outputs.length > 1 && (
          <fieldset className="judge" data-testid="judge-outputs">
            <legend>Judge outputs</legend>
            {summary.outputs.map((o) => (
              <label key={o.name} className="inline">
                <input
                  type="checkbox"
                  checked={judge.size === 0 || judge.has(o.name)}
                  onChange={(e) => {
                    const next = new Set(judge.size === 0 ? summary.outputs.map((x) => x.name) : judge);
                    if (e.target.checked) next.add(o.name);
                    else next.delete(o.name);
                    // None ticked means nothing to judge: back to all.
                    setJudge(next.size === summary.outputs.length ? new Set() : next);
                  }}
                />
                {o.name}
              </label>
            ))}
          </fieldset>
        )}
        {pairs.length > 0 && (
          <Toggle
            checked={streamed}
            onChange={setStreamed}
            label="Run as a stream"
            title="Samples run in order; each model feeds its own outputs back as its next inputs"
          >
            Run as a stream ({pairs.map((p) => `${p.output} → ${p.input}`).join(', ')})
          </Toggle>
        )}
        <ShapeFields state={shapeState} labelPrefix="Compare " />
        {running ? (
          <button type="button" className="ghost" onClick={() => running.abort()}>
            Cancel comparison
          </button>
        ) : (
          <button type="submit" className="primary" disabled={variants.length === 0}>
            Compare
          </button>
        )}
        <h3>Meet a target</h3>
        <label>
          Target cosine
          <input value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Target cosine" />
        </label>
        {search.running ? (
          <button type="button" className="ghost" onClick={() => search.running?.abort()}>
            Cancel search (keep the best so far)
          </button>
        ) : (
          <button type="button" className="ghost" onClick={() => void findMixed()}>
            Find mixed precision
          </button>
        )}
        {search.text && <p data-testid="search-result">{search.text}</p>}
        {error && (
          <p className="profile-error" role="alert">
            {error}
          </p>
        )}
      </form>
      <div className="profile-results">
        {running && <p className="muted">Running the reference and the variants…</p>}
        {result && (
          <>
            <div className="compat-head">
              {result.outputs.length > 1 && (
                <select value={output} onChange={(e) => setOutput(Number(e.target.value))} aria-label="Output">
                  {result.outputs.map((o, i) => (
                    <option key={o} value={i}>
                      {o}
                    </option>
                  ))}
                </select>
              )}
              <span className="muted">
                {result.samples} samples · thresholds cosine ≥ {result.thresholds.cosine}, PSNR ≥{' '}
                {result.thresholds.psnr} dB, SNR ≥ {result.thresholds.snr} dB, atol = rtol = {result.thresholds.atol}
              </span>
              <button
                className="ghost"
                onClick={() =>
                  download(
                    new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }),
                    `${summary.fileName}.comparison.json`,
                  )
                }
              >
                Export JSON
              </button>
              <button
                className="ghost"
                onClick={() =>
                  download(
                    new Blob([comparisonHtml(result, { latencyMs: latencies(result) })], { type: 'text/html' }),
                    `${summary.fileName}.comparison.html`,
                  )
                }
              >
                Export HTML report
              </button>
            </div>
            <table className="profile-table" data-testid="compare-table">
              <thead>
                <tr>
                  <th />
                  {result.variants.map((v, i) => (
                    <th key={v.id} style={{ borderTopColor: runColour(i) }}>
                      {v.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Variant verdict</th>
                  {result.variants.map((v) => (
                    <td key={v.id} className={v.pass ? 'best' : 'bad'}>
                      {v.pass ? 'pass' : 'fail'}
                      {result.judged.length < result.outputs.length && ` (on ${result.judged.join(', ')})`}
                    </td>
                  ))}
                </tr>
                {ROWS.map(([label, value]) => (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    {result.variants.map((v) => {
                      const m = v.perOutput[output];
                      return (
                        <td
                          key={v.id}
                          className={label.startsWith('Verdict') && m?.judged ? (m.pass ? 'best' : 'bad') : undefined}
                        >
                          {m ? value(m) : '–'}
                        </td>
                      );
                    })}
                  </tr>
                ))}
                <tr>
                  <th scope="row">First layer past threshold</th>
                  {result.variants.map((v) => (
                    <td key={v.id}>
                      {v.layers?.firstBad ? (
                        <button className="kg-link" onClick={() => jumpTo(v.layers!.firstBad!.node)}>
                          {v.layers.firstBad.name}
                        </button>
                      ) : (
                        'none'
                      )}{' '}
                      {v.layers && (
                        <button className="ghost" onClick={() => paint(v)}>
                          Paint
                        </button>
                      )}
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
            <div className="profile-charts">
              <figure className="chart" data-testid="tradeoff-chart">
                <figcaption>Latency (median, from profiles) against accuracy (cosine to FP32)</figcaption>
                {points.length === 0 ? (
                  <p className="muted">
                    Profile the reference and the variants in Build &amp; profile to place them here.
                  </p>
                ) : (
                  <ResponsiveContainer width="100%" height={220}>
                    <ScatterChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                      <XAxis dataKey="latency" name="latency" unit=" ms" type="number" fontSize={11} />
                      <YAxis
                        dataKey="accuracy"
                        name="cosine"
                        type="number"
                        domain={['auto', 1]}
                        fontSize={11}
                        width={60}
                      />
                      <ZAxis range={[80, 80]} />
                      <Tooltip />
                      <Legend wrapperStyle={{ fontSize: 11 }} />
                      {points.map((p, i) => (
                        <Scatter key={p.name} name={p.name} data={[p]} fill={runColour(i)} isAnimationActive={false} />
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
              <figure className="chart" data-testid="error-histograms">
                <figcaption>|error| distribution of {result.outputs[output]} (share of elements, 0 … max)</figcaption>
                <ResponsiveContainer width="100%" height={180}>
                  <BarChart
                    data={Array.from({ length: 32 }, (_, b) => {
                      const row: Record<string, number> = { b };
                      for (const v of result.variants) {
                        const m = v.perOutput[output]?.metrics;
                        if (m) row[v.name] = (100 * (m.histogram[b] ?? 0)) / Math.max(1, m.count);
                      }
                      return row;
                    })}
                    margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
                  >
                    <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                    <XAxis dataKey="b" tick={false} />
                    <YAxis unit="%" fontSize={11} width={44} />
                    <Tooltip
                      formatter={(v) => `${Number(v).toFixed(1)}%`}
                      labelFormatter={(b) => `bin ${Number(b) + 1} of 32`}
                    />
                    <Legend wrapperStyle={{ fontSize: 11 }} />
                    {result.variants.map((v, i) => (
                      <Bar key={v.id} dataKey={v.name} fill={runColour(i)} isAnimationActive={false} />
                    ))}
                  </BarChart>
                </ResponsiveContainer>
              </figure>
              {curve.length > 0 && (
                <figure className="chart" data-testid="layerwise-chart">
                  <figcaption>
                    Layerwise error (1 − cosine, log) in topological order, over{' '}
                    {result.variants[0]?.layers?.samples ?? 0} sample(s)
                  </figcaption>
                  <ResponsiveContainer width="100%" height={220}>
                    <LineChart data={curve} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                      <XAxis dataKey="i" fontSize={11} />
                      <YAxis
                        scale="log"
                        domain={[1e-9, 1]}
                        allowDataOverflow
                        fontSize={11}
                        width={60}
                        tickFormatter={fmt}
                      />
                      <Tooltip formatter={(v) => fmt(Number(v))} />
                      <Legend wrapperStyle={{ fontSize: 11 }} />
                      {result.variants.map((v, i) => (
                        <Line key={v.id} dataKey={v.name} stroke={runColour(i)} dot={false} isAnimationActive={false} />
                      ))}
                    </LineChart>
                  </ResponsiveContainer>
                </figure>
              )}
            </div>
          </>
        )}
      </div>
    </section>
  );
}
