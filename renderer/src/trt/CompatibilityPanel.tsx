/**
 * TensorRT readiness before any build: which nodes the ONNX parser of TensorRT 10 or 11 cannot
 * take, why, and a way forward, one row per op and message with its nodes collapsed; filters by
 * status; click a node to jump to it; paint the statuses on the graph; apply the edit a finding's
 * way forward calls for, or fix all for TensorRT (edit/FixControls.tsx).
 */
import { useEffect, useMemo, useState } from 'react';
import type { TrtCheck } from '../../../electron/shared/api/tensorrt';
import type { NodeOverlay } from '../graph/overlay';
import { useGraphStore } from '../graph/store';
import { useApp } from '../state/app';
import { ApplyFix, FixStrip } from '../edit/FixControls';
import { dynamicBatchFix, groupFixes, hasDynamicInputs, modelFixes, opsetTargets } from '../edit/fixes';
import { useShapeFields } from '../profile/ShapeFields';
import { useTrt, type TrtMajor } from './store';
import './trt.css';

type Status = TrtCheck['findings'][number]['status'];
const STATUS_LABEL: Record<Status, string> = {
  'unsupported-op': 'Unsupported op',
  'unsupported-type': 'Unsupported type',
  restriction: 'Restriction',
  warning: 'Warning',
  precision: 'Precision',
};
const STATUSES = Object.keys(STATUS_LABEL) as Status[];

/** Node status as a category overlay: supported, warning, unsupported. */
export function statusOverlay(check: TrtCheck): NodeOverlay {
  return {
    name: `TensorRT ${check.tensorrt} parser`,
    kind: 'category',
    codes: Int32Array.from(check.nodeStatus),
    labels: ['supported', 'warning', 'unsupported'],
  };
}

const HULL_COLOURS: Record<string, string> = {
  conv: '#4e79a7',
  matmul: '#b07aa1',
  pointwise: '#59a14f',
  shuffle: '#9c755f',
  norm: '#edc948',
  attention: '#e15759',
};

/** Predicted fusion groups of more than one node, as hulls on the graph. */
export function fusionHulls(check: TrtCheck) {
  return check.fusion.groups
    .filter((g) => g.kind !== 'folded' && g.nodes.length > 1)
    .slice(0, 2000)
    .map((g) => ({ label: g.label, nodes: g.nodes, color: HULL_COLOURS[g.kind] ?? '#76b7b2' }));
}

const NO_INPUTS: [] = [];

type GroupNode = TrtCheck['groups'][number]['nodes'][number];
const SHOWN = 3;

/** A finding's nodes: the first few as links to the graph, the rest behind "N more". */
function GroupNodes({ nodes, jumpTo }: { nodes: GroupNode[]; jumpTo: (index: number) => void }) {
  const link = (n: GroupNode, i: number) => (
    <span key={i} className="compat-node">
      {n.index >= 0 ? (
        <button className="kg-link" onClick={() => jumpTo(n.index)}>
          {n.node}
        </button>
      ) : (
        n.node
      )}
      {n.graph !== 'main' && <span className="muted"> in {n.graph}</span>}
      {n.detail && <span className="muted"> ({n.detail})</span>}
    </span>
  );
  if (nodes.length <= SHOWN + 1) return <div className="compat-nodes">{nodes.map(link)}</div>;
  return (
    <div className="compat-nodes">
      {nodes.slice(0, SHOWN).map(link)}
      <details>
        <summary className="muted">{nodes.length - SHOWN} more</summary>
        <div className="compat-nodes">
          {nodes.slice(SHOWN, 2000).map((n, i) => link(n, i + SHOWN))}
          {nodes.length > 2000 + SHOWN && <span className="muted">… and {nodes.length - 2000 - SHOWN} more</span>}
        </div>
      </details>
    </div>
  );
}

export function CompatibilityPanel() {
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const summary = useApp((s) => s.summary);
  const { trt, checks, running, error, setTrt, check, forModel } = useTrt();
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const setHulls = useGraphStore((s) => s.setHulls);
  const jumpTo = useGraphStore((s) => s.jumpTo);
  const [hidden, setHidden] = useState<Set<Status>>(new Set());
  const result = checks[trt];
  const fixShapes = useShapeFields(summary?.inputs ?? NO_INPUTS);
  const fixes = useMemo(
    () => (result && summary ? groupFixes(result, hasDynamicInputs(summary)) : []),
    [result, summary],
  );

  useEffect(() => {
    if (summary) forModel(summary.sha256);
  }, [summary, forModel]);
  useEffect(() => {
    if (client && source && !checks[trt] && !running) void check(client, source);
  }, [client, source, trt, checks, running, check]);

  const counts = useMemo(() => {
    const c = new Map<Status, number>();
    for (const f of result?.findings ?? []) c.set(f.status, (c.get(f.status) ?? 0) + 1);
    return c;
  }, [result]);

  return (
    <section className="compat" data-testid="compat-panel" aria-label="TensorRT compatibility">
      <header className="compat-head">
        <div className="segmented" role="radiogroup" aria-label="TensorRT version">
          {([10, 11] as TrtMajor[]).map((v) => (
            <button
              key={v}
              role="radio"
              aria-checked={trt === v}
              className={trt === v ? 'on' : ''}
              onClick={() => setTrt(v)}
            >
              TensorRT {v}
            </button>
          ))}
        </div>
        {running && <span className="muted">Checking…</span>}
        {error && <span className="profile-error">{error}</span>}
        {result && (
          <>
            <strong data-testid="compat-verdict" className={result.unsupported ? 'bad' : 'good'}>
              {result.unsupported === 0
                ? `All ${result.nodes} nodes supported`
                : `${result.unsupported} of ${result.nodes} nodes not supported`}
            </strong>
            {result.unsupported > 0 && result.partitions.length > 1 && (
              <span
                className="muted"
                title="Connected runs of supported nodes, as Polygraphy's inspect capability reports"
              >
                {result.partitions.length} supported partitions, largest {result.partitions[0]!.size} nodes
              </span>
            )}
            <button className="ghost" onClick={() => setOverlay(statusOverlay(result))}>
              Paint on graph
            </button>
            <span data-testid="fusion-summary" title="Predicted from TensorRT's documented fusion types">
              {result.fusion.nodes} nodes → {result.fusion.kernels} predicted kernels
              <span className="muted"> ({result.fusion.folded} folded at build time)</span>
            </span>
            <button className="ghost" onClick={() => setHulls(fusionHulls(result))}>
              Show fusion groups
            </button>
            {result.computes && Object.keys(result.computes).length > 0 && (
              <span
                data-testid="compat-computes"
                title="The type each Conv, MatMul, Gemm and Attention computes in when built strongly typed: TensorRT 11 always is, and builds a layer in its ONNX inputs' type"
              >
                Layers compute in{' '}
                {Object.entries(result.computes)
                  .map(([t, n]) => `${t} ${n}`)
                  .join(', ')}
              </span>
            )}
          </>
        )}
      </header>
      {result &&
        summary &&
        (result.findings.length > 0 ||
          modelFixes(summary).length > 0 ||
          dynamicBatchFix(summary) !== null ||
          opsetTargets(summary, result.opsets).length > 0) && (
          <FixStrip summary={summary} trt={trt} shapes={fixShapes} parserOpsets={result.opsets} />
        )}
      {result && (
        <>
          <div className="compat-filters">
            {STATUSES.filter((s) => counts.get(s)).map((s) => (
              <label key={s} className={`chip ${s}`}>
                <input
                  type="checkbox"
                  checked={!hidden.has(s)}
                  onChange={() => {
                    const next = new Set(hidden);
                    if (next.has(s)) next.delete(s);
                    else next.add(s);
                    setHidden(next);
                  }}
                />
                {STATUS_LABEL[s]} {counts.get(s)}
              </label>
            ))}
          </div>
          {result.findings.length === 0 && (
            <p className="muted">No findings: every node, data type and restriction checked passes this table.</p>
          )}
          <table className="compat-table" data-testid="compat-findings" hidden={result.findings.length === 0}>
            <thead>
              <tr>
                <th>Status</th>
                <th>Op</th>
                <th>Nodes</th>
                <th>Why</th>
                <th>Way forward</th>
                <th>Fix</th>
              </tr>
            </thead>
            <tbody>
              {result.groups
                .map((g, i) => ({ g, fix: fixes[i] ?? null }))
                .filter(({ g }) => !hidden.has(g.status))
                .slice(0, 500)
                .map(({ g, fix }, i) => (
                  <tr key={`${g.op}-${i}`} className={g.status} data-testid="compat-group">
                    <td>
                      <span className={`badge ${g.status}`}>{STATUS_LABEL[g.status]}</span>
                    </td>
                    <td className="compat-op">
                      {g.op || 'model'}
                      {g.count > 1 && <span className="compat-count"> × {g.count}</span>}
                    </td>
                    <td className="compat-nodes-cell">
                      <GroupNodes nodes={g.nodes} jumpTo={jumpTo} />
                    </td>
                    <td className="compat-text">{g.reason}</td>
                    <td className="compat-text">{g.suggestion}</td>
                    <td className="compat-fix">{fix && <ApplyFix fix={fix} shapes={fixShapes} label="Apply" />}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <p className="muted compat-source" data-testid="compat-source">
            Checked for TensorRT {result.tensorrt} against the TensorRT {result.table} ONNX operator table:{' '}
            {result.source.repo} {result.source.branch} {result.source.path}
            {result.source.commit ? ` at ${result.source.commit.slice(0, 10)}` : ''}.
            {result.tableNote && <> Note: {result.tableNote}.</>}
          </p>
        </>
      )}
    </section>
  );
}
