/**
 * Two to four engines of the open model side by side (engine.diff): each import's totals and how
 * well its files match the model, where the time went (charts), the groups of ONNX nodes sorted by
 * what changed most with each engine's layers, precision and time, the time difference painted on
 * the graph, and each engine's precision audit.
 */
import { useState } from 'react';
import type { EngineDiff } from '../../../electron/shared/api/engine-diff';
import type { EngineView } from '../../../electron/shared/api/tensorrt';
import { useGraphStore } from '../graph/store';
import { EngineAuditList } from './EngineAuditList';
import { ENGINE_COLOURS, TimeByGroupChart, TimeByTypeChart } from './EngineCharts';
import { timeDiffOverlay } from './engine-overlays';

const ms = (v: number | null | undefined) => (v == null ? '–' : v.toFixed(4));
/** A time with its unit, or "–" where none was measured. */
const msText = (v: number | null | undefined) => (v == null ? '–' : `${ms(v)} ms`);
const signed = (v: number | null | undefined) => (v == null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(4)}`);
const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
const ROWS = 300;

export function EngineDiffView({ diff, views }: { diff: EngineDiff; views: EngineView[] }) {
  const graphModel = useGraphStore((s) => s.model);
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const setHulls = useGraphStore((s) => s.setHulls);
  const jumpTo = useGraphStore((s) => s.jumpTo);
  const [changedOnly, setChangedOnly] = useState(false);
  const names = graphModel?.payload.nodeName ?? [];
  const groups = changedOnly
    ? diff.groups.filter((g) => g.changeMs > 0 || g.fusionDiffers || g.precisionDiffers)
    : diff.groups;

  /** Whether import `e` and the first both have a profile: a time difference to paint. */
  const timedWithFirst = (e: number) => diff.imports[e]?.totalMs != null && diff.imports[0]?.totalMs != null;

  const paint = (engine: number) => {
    if (!graphModel) return;
    setOverlay(timeDiffOverlay(diff, engine, graphModel.N));
    setHulls(
      diff.groups
        .filter((g) => g.fusionDiffers && g.nodes.length > 1)
        .slice(0, 400)
        .map((g) => ({
          label: g.engines.map((e) => `${e.layers.length}`).join(' vs ') + ' layers',
          nodes: g.nodes,
          color: '#b07aa1',
        })),
    );
  };

  return (
    <section className="engine-diff" data-testid="engine-diff" aria-label="Engine diff">
      {diff.warnings.map((w, i) => (
        <p key={i} className="engine-mismatch" role="status" data-testid="engine-diff-warning">
          {w}
        </p>
      ))}
      <table className="compat-table engine-imports" data-testid="engine-diff-imports">
        <thead>
          <tr>
            <th>Engine</th>
            <th>Files</th>
            <th>GPU time</th>
            <th>Reformats</th>
            <th>Kernels</th>
            <th>Names in model</th>
            <th>Paired</th>
            <th>Unmapped</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {diff.imports.map((imp, e) => (
            <tr key={imp.label}>
              <td>
                <span className="engine-swatch" style={{ background: ENGINE_COLOURS[e] }} /> {imp.label}
                {imp.tensorrt && <span className="muted"> TensorRT {imp.tensorrt}</span>}
              </td>
              <td className="kg-break">{imp.files.join(', ')}</td>
              <td>{msText(imp.totalMs)}</td>
              <td>{msText(imp.reformatMs)}</td>
              <td>{imp.kernels}</td>
              <td className={imp.match.ok ? undefined : 'engine-bad'}>{pct(imp.match.share)}</td>
              <td>{pct(imp.paired)}</td>
              <td title={imp.unmapped.map((u) => u.layer).join('\n')}>{imp.unmapped.length}</td>
              <td>
                {e > 0 && (
                  <button
                    className="ghost"
                    onClick={() => paint(e)}
                    disabled={!timedWithFirst(e)}
                    title={
                      timedWithFirst(e)
                        ? undefined
                        : `Needs a profile of both ${diff.imports[0]!.label} and ${imp.label}`
                    }
                    data-testid={`engine-paint-${imp.label}`}
                  >
                    Paint {imp.label} − {diff.imports[0]!.label}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="engine-charts">
        <TimeByTypeChart diff={diff} />
        <TimeByGroupChart diff={diff} names={names} />
      </div>
      <h4>
        {diff.groups.length} groups of ONNX nodes, most changed first{' '}
        <label className="muted">
          <input type="checkbox" checked={changedOnly} onChange={(e) => setChangedOnly(e.target.checked)} /> changed
          only
        </label>
      </h4>
      <table className="compat-table" data-testid="engine-diff-groups">
        <thead>
          <tr>
            <th>ONNX nodes</th>
            {diff.imports.map((imp) => (
              <th key={imp.label}>{imp.label}</th>
            ))}
            {diff.imports.slice(1).map((imp) => (
              <th key={imp.label}>Δ{imp.label}</th>
            ))}
            <th>Fusion</th>
          </tr>
        </thead>
        <tbody>
          {groups.slice(0, ROWS).map((g) => (
            <tr key={g.nodes[0]}>
              <td>
                {g.nodes.slice(0, 3).map((n) => (
                  <button key={n} className="kg-link" onClick={() => jumpTo(n)}>
                    {names[n] ?? `#${n}`}
                  </button>
                ))}
                {g.nodes.length > 3 && <span className="muted"> +{g.nodes.length - 3}</span>}
              </td>
              {g.engines.map((x, e) => (
                <td key={e} title={[...x.layers, ...x.tactics].join('\n')}>
                  {msText(x.ms)}
                  <br />
                  <span className={g.precisionDiffers ? 'engine-changed' : 'muted'}>{x.precision ?? '–'}</span>
                  <span className="muted"> · {x.layers.length} layer(s)</span>
                  {x.reformatMs !== null && x.reformatMs > 0 && (
                    <span className="muted"> · reformat {ms(x.reformatMs)}</span>
                  )}
                </td>
              ))}
              {g.deltaMs.slice(1).map((d, e) => (
                <td key={e} className={d === null || d === 0 ? undefined : d < 0 ? 'engine-faster' : 'engine-slower'}>
                  {signed(d)}
                </td>
              ))}
              <td className={g.fusionDiffers ? 'engine-changed' : 'muted'}>{g.fusionDiffers ? 'differs' : 'same'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {groups.length > ROWS && (
        <p className="muted">{groups.length - ROWS} more groups: kiln engine --json lists them all.</p>
      )}
      {views.map((v, e) => (
        <EngineAuditList key={e} audit={v.audit} label={diff.imports[e]?.label ?? ''} />
      ))}
    </section>
  );
}
