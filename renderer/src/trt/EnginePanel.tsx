/**
 * What an engine did: import trtexec's --exportLayerInfo, --exportProfile and --exportTimes files
 * (TensorRT 8.x to 11, from this machine or another), see every layer with type, compute precision,
 * tactic and time, linked both ways to the ONNX graph, and predicted against actual kernel counts;
 * files that do not look built from the open model are said to be so, and not compared. Up to three
 * more engines of the model can be added to diff against it (EngineDiffView), and each engine's
 * precision audit says which nodes were not built in the precision asked.
 */
import { useMemo, useRef, useState } from 'react';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { EngineDiff } from '../../../electron/shared/api/engine-diff';
import type { EngineView } from '../../../electron/shared/api/tensorrt';
import { fileSource } from '../frame/open';
import { useGraphStore } from '../graph/store';
import { errorShape } from '../api/error-shape';
import { useApp } from '../state/app';
import { useTrt } from './store';
import { EngineAuditList } from './EngineAuditList';
import { EngineDiffView } from './EngineDiffView';
import './trt.css';

/** Where a layer's compute precision was read, for its tooltip. */
const PRECISION_FROM: Record<NonNullable<EngineView['layers'][number]['precisionFrom']>, string> = {
  inputs: "read from its inputs' data type",
  weights: "read from its weights' type",
  tactic: "read from the kernel's tactic name",
  name: 'it fuses QuantizeLinear/DequantizeLinear',
  output: "only its output's type says (a reformat: what it converts to)",
};
const SCHEMA_NOTE: Record<string, string> = {
  '10': 'The "Bindings" schema, written by TensorRT 8.x to 10.x; the files do not say which',
  '11': 'The "I/O Tensors" schema of TensorRT 11',
};

/** One engine's files: their names (for the diff's labels) and where the API reads them. */
interface EngineImport {
  names: string[];
  sources: ModelSource[];
}

const ms = (v: number | null | undefined) => (v == null ? '–' : `${v < 10 ? v.toFixed(4) : v.toFixed(2)} ms`);

export function EnginePanel() {
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const summary = useApp((s) => s.summary);
  const graphModel = useGraphStore((s) => s.model);
  const selected = useGraphStore((s) => s.selectedNode);
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const setHulls = useGraphStore((s) => s.setHulls);
  const jumpTo = useGraphStore((s) => s.jumpTo);
  const input = useRef<HTMLInputElement>(null);
  const more = useRef<HTMLInputElement>(null);
  const [view, setView] = useState<{ model: string; engine: EngineView; import: EngineImport } | null>(null);
  const [extra, setExtra] = useState<EngineImport[]>([]);
  const [diff, setDiff] = useState<{ model: string; diff: EngineDiff; views: EngineView[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const engine = view && summary && view.model === summary.sha256 ? view.engine : null;
  const checks = useTrt((s) => s.checks);
  const predicted = (checks[11] ?? checks[10])?.fusion ?? null;

  const load = async (files: FileList) => {
    if (!client || !source || !summary) return;
    setBusy(true);
    setError(null);
    try {
      const sources = await Promise.all(Array.from(files, (f) => fileSource(f)));
      const engine = await client.call('engine.import', { source, files: sources });
      setView({ model: summary.sha256, engine, import: { names: Array.from(files, (f) => f.name), sources } });
      setExtra([]);
      setDiff(null);
    } catch (err) {
      setError(errorShape(err).message);
    } finally {
      setBusy(false);
    }
  };

  /** Another engine of the model, diffed with the first and those added before it. */
  const addEngine = async (files: FileList) => {
    if (!client || !source || !summary || !view) return;
    setBusy(true);
    setError(null);
    try {
      const sources = await Promise.all(Array.from(files, (f) => fileSource(f)));
      const imports = [view.import, ...extra, { names: Array.from(files, (f) => f.name), sources }];
      const r = await client.call('engine.diff', { source, imports: imports.map((i) => i.sources) });
      setExtra(imports.slice(1));
      setDiff({ model: summary.sha256, diff: r.diff, views: r.views });
    } catch (err) {
      setError(errorShape(err).message);
    } finally {
      setBusy(false);
    }
  };
  const shownDiff = diff && summary && diff.model === summary.sha256 ? diff : null;

  const paintTime = (e: EngineView) => {
    if (!graphModel) return;
    const values = new Float64Array(graphModel.N).fill(NaN);
    for (const l of e.layers) {
      if (l.ms === null || l.nodes.length === 0) continue;
      for (const n of l.nodes) values[n] = (Number.isNaN(values[n]!) ? 0 : values[n]!) + l.ms / l.nodes.length;
    }
    setOverlay({ name: 'engine time per ONNX node, ms', kind: 'number', values });
    setHulls(
      e.layers
        .filter((l) => l.nodes.length > 1)
        .slice(0, 400)
        .map((l) => ({ label: l.name, nodes: l.nodes, color: l.isForeign ? '#b07aa1' : '#4e79a7' })),
    );
  };

  // Layers covering the node selected on the graph (linked the other way).
  const covering = useMemo(
    () => (engine && selected !== null ? engine.layers.filter((l) => l.nodes.includes(selected)) : []),
    [engine, selected],
  );

  return (
    <section className="engine" data-testid="engine-panel" aria-label="Engine layers">
      <header className="compat-head">
        <button className="primary" onClick={() => input.current?.click()} disabled={busy}>
          Import trtexec files…
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          multiple
          hidden
          data-testid="engine-files"
          onChange={(e) => {
            if (e.target.files?.length) void load(e.target.files);
            e.target.value = '';
          }}
        />
        <input
          ref={more}
          type="file"
          accept=".json,application/json"
          multiple
          hidden
          data-testid="engine-compare-files"
          onChange={(e) => {
            if (e.target.files?.length) void addEngine(e.target.files);
            e.target.value = '';
          }}
        />
        {busy && <span className="muted">Reading…</span>}
        {error && <span className="profile-error">{error}</span>}
        {engine && (
          <>
            <span data-testid="engine-counts">
              {engine.kernels} engine layers for {summary?.nodes ?? '?'} ONNX nodes
              {engine.tensorrt && (
                <span className="muted" title={SCHEMA_NOTE[engine.schema ?? ''] ?? undefined}>
                  {' '}
                  · TensorRT {engine.tensorrt} layer info
                </span>
              )}
            </span>
            {engine.match.share !== null && engine.match.ok && (
              <span className="muted" data-testid="engine-match-share">
                {Math.floor(engine.match.share * 100)}% of layer names found in the model
              </span>
            )}
            {predicted && engine.match.ok && (
              <span data-testid="engine-predicted">
                predicted {predicted.kernels} (TensorRT readiness) · actual {engine.kernels}
              </span>
            )}
            {engine.totalMs !== null && <span>GPU time {ms(engine.totalMs)} per inference</span>}
            {engine.times?.latency && (
              <span>
                latency median {ms(engine.times.latency.median)}, p99 {ms(engine.times.latency.p99)}
                {engine.times.throughputQps ? `, ${engine.times.throughputQps.toFixed(1)} qps` : ''}
              </span>
            )}
            <button className="ghost" onClick={() => paintTime(engine)}>
              Paint on graph
            </button>
            {extra.length < 3 && (
              <button className="ghost" onClick={() => more.current?.click()} disabled={busy}>
                {extra.length === 0 ? 'Compare with another engine…' : 'Add another engine…'}
              </button>
            )}
            {shownDiff && (
              <button
                className="ghost"
                onClick={() => {
                  setDiff(null);
                  setExtra([]);
                }}
              >
                Close comparison
              </button>
            )}
          </>
        )}
      </header>
      {!engine && !error && (
        <p className="muted">
          Run{' '}
          <code>
            trtexec --onnx=model.onnx --profilingVerbosity=detailed --exportLayerInfo=layers.json
            --exportProfile=profile.json --exportTimes=times.json
          </code>{' '}
          on a GPU machine, then import the files here.
        </p>
      )}
      {engine && (
        <>
          {engine.match.warning && (
            <p className="engine-mismatch" role="status" data-testid="engine-match">
              <strong>Not this model?</strong> {engine.match.warning}
            </p>
          )}
          {shownDiff ? (
            <EngineDiffView diff={shownDiff.diff} views={shownDiff.views} />
          ) : (
            <EngineAuditList audit={engine.audit} />
          )}
          {covering.length > 0 && (
            <p data-testid="engine-selected">
              Selected node is in:{' '}
              {covering.map((l) => (
                <strong key={l.index}>{l.name} </strong>
              ))}
            </p>
          )}
          {(engine.unmapped.length > 0 || engine.warnings.length > 0) && (
            <details className="profile-warnings" data-testid="engine-unmapped" open={engine.unmapped.length < 10}>
              <summary>
                {engine.unmapped.length} name(s) not mapped to ONNX nodes, {engine.warnings.length} warning(s)
              </summary>
              <ul>
                {engine.unmapped.slice(0, 200).map((u, i) => (
                  <li key={`u${i}`}>
                    {u.name}{' '}
                    <span className="muted">
                      in {u.layer} ({u.reason})
                    </span>
                  </li>
                ))}
                {engine.warnings.slice(0, 50).map((w, i) => (
                  <li key={`w${i}`}>{w}</li>
                ))}
              </ul>
            </details>
          )}
          <table className="compat-table" data-testid="engine-layers">
            <thead>
              <tr>
                <th>#</th>
                <th>Layer</th>
                <th>Type</th>
                <th>Precision</th>
                <th>Tactic</th>
                <th>Time</th>
                <th>Share</th>
                <th>ONNX nodes</th>
              </tr>
            </thead>
            <tbody>
              {engine.layers.slice(0, 2000).map((l) => (
                <tr key={l.index} className={covering.includes(l) ? 'on' : undefined}>
                  <td>{l.index}</td>
                  <td className="kg-break">{l.name}</td>
                  <td>{l.type}</td>
                  <td
                    className="engine-precision"
                    title={l.precisionFrom ? PRECISION_FROM[l.precisionFrom] : undefined}
                  >
                    {l.precision ?? '–'}
                  </td>
                  <td className="kg-break">{l.tactic ?? '–'}</td>
                  <td>{ms(l.ms)}</td>
                  <td>{l.share === null ? '–' : `${(l.share * 100).toFixed(1)}%`}</td>
                  <td>
                    {l.nodes.slice(0, 6).map((n) => (
                      <button key={n} className="kg-link" onClick={() => jumpTo(n)}>
                        {graphModel?.payload.nodeName[n] ?? `#${n}`}
                      </button>
                    ))}
                    {l.nodes.length > 6 && <span className="muted"> +{l.nodes.length - 6}</span>}
                    {l.nodes.length === 0 && (
                      <span className="muted">{l.isReformat ? 'format conversion' : 'unmapped'}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
