/**
 * What the graph knows about the selection: op, name, name scope, inputs and outputs with dtype
 * and shape, and the nodes that produce and consume them (click to jump). Reads the selection from
 * the graph store, so the app can also mount it in its own inspector panel.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { NodeDetails } from '../../../electron/shared/api/graph-payload';
import type { GraphController } from './controller';
import { describeNode, formatDims, type TensorInfo } from './inspect';
import { overlayValueText } from './overlay';
import { useGraphStore } from './store';

export interface GraphInspectorProps {
  onJump?: (node: number) => void;
  controller?: GraphController | null;
  loadDetails?: (node: number) => Promise<NodeDetails>;
  /** Follow an If/Loop/Scan body (graph id from the payload's subgraphs). */
  onOpenSubgraph?: (graph: number, label: string) => void;
  /** What can be done to the selected node (rendered under its name and figures). */
  nodeActions?: (node: number) => ReactNode;
}

type DetailsState = { node: number; details?: NodeDetails; error?: string } | null;

/** Attributes and weight statistics of the selected node, fetched when it is selected. */
function useNodeDetails(node: number | null, load?: (node: number) => Promise<NodeDetails>): DetailsState {
  const [state, setState] = useState<DetailsState>(null);
  useEffect(() => {
    if (node === null || !load) return;
    let live = true;
    load(node).then(
      (details) => live && setState({ node, details }),
      (e: unknown) => live && setState({ node, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [node, load]);
  return state && state.node === node ? state : null;
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const fmt = (x: number) => (Math.abs(x) >= 1e4 ? compact.format(x) : Number(x.toPrecision(4)).toString());

export function GraphInspector({ onJump, controller, loadDetails, onOpenSubgraph, nodeActions }: GraphInspectorProps) {
  const model = useGraphStore((s) => s.model);
  const node = useGraphStore((s) => s.selectedNode);
  const group = useGraphStore((s) => s.selectedGroup);
  const overlay = useGraphStore((s) => s.overlay);
  const info = useMemo(
    () => (model && node !== null && node < model.N ? describeNode(model, node) : null),
    [model, node],
  );
  const details = useNodeDetails(group === null ? node : null, loadDetails);

  if (!model) return null;
  if (group !== null && group < model.G) {
    return (
      <aside className="kg-inspector" data-testid="graph-inspector" aria-label="Selection">
        <h3>Group</h3>
        <dl>
          <dt>Name scope</dt>
          <dd className="kg-break">{model.groupPath[group]}</dd>
          <dt>Nodes</dt>
          <dd>{controller ? controller.nodeCountIn(group).toLocaleString('en-US') : '–'}</dd>
        </dl>
        {controller && (
          <button type="button" onClick={() => void controller.toggleGroup(group)}>
            {controller.scene?.frame.expanded[group] ? 'Collapse' : 'Expand'}
          </button>
        )}
      </aside>
    );
  }
  if (!info) {
    return (
      <aside className="kg-inspector kg-muted" data-testid="graph-inspector" aria-label="Selection">
        Click a node to inspect it. Double-click a group to expand or collapse it.
      </aside>
    );
  }
  const name = (n: number) => model.payload.nodeName[n] || `#${n}`;
  const flops = model.payload.nodeFlops?.[info.id] ?? details?.details?.flops;
  const params = model.payload.nodeParams?.[info.id] ?? details?.details?.params;
  // Inferred types come with the node's details (the payload carries the declared ones).
  const inferred = details?.details ? { in: details.details.inputTypes, out: details.details.outputTypes } : null;
  const tensorRow = (t: TensorInfo | null, i: number, side: 'in' | 'out') => {
    if (!t) {
      return (
        <li key={`${side}-${i}`} className="kg-muted">
          (omitted optional input)
        </li>
      );
    }
    const others = side === 'in' ? t.producers : t.consumers.filter((c) => c !== info.id);
    const type = inferred?.[side][i] ?? (t.dtype ? { dtype: t.dtype, dims: t.dims } : null);
    return (
      <li key={`${side}-${i}`}>
        <div className="kg-break kg-tensor">{t.name || '(unnamed)'}</div>
        <div className="kg-muted">
          {type?.dtype ?? '?'} {formatDims(type?.dims ?? null)}
          {t.kind !== 'value' && <span className="kg-tag">{t.kind}</span>}
        </div>
        {others.length > 0 && (
          <div className="kg-links">
            {side === 'in' ? 'from ' : 'to '}
            {others.slice(0, 8).map((n) => (
              <button key={n} type="button" className="kg-link" onClick={() => onJump?.(n)} title={name(n)}>
                {model.payload.ops[model.nodeOp[n]!] ?? '?'} {truncate(name(n), 32)}
              </button>
            ))}
            {others.length > 8 && <span className="kg-muted"> +{others.length - 8}</span>}
          </div>
        )}
      </li>
    );
  };
  return (
    <aside className="kg-inspector" data-testid="graph-inspector" aria-label="Selection">
      <h3 data-testid="inspector-op">{info.op}</h3>
      <dl>
        <dt>Name</dt>
        <dd className="kg-break" data-testid="inspector-name">
          {truncate(info.name || `#${info.id}`, 400)}
        </dd>
        <dt>Category</dt>
        <dd>{info.category}</dd>
        {info.groupPath && (
          <>
            <dt>Scope</dt>
            <dd className="kg-break">{truncate(info.groupPath, 400)}</dd>
          </>
        )}
        {flops !== undefined && (
          <>
            <dt>FLOPs</dt>
            <dd data-testid="inspector-flops">{fmt(flops)}</dd>
          </>
        )}
        {overlay && (
          // What the graph is painted with (a profile's time, a variant's precision, ...), for this node.
          <>
            <dt className="kg-break">{overlay.name}</dt>
            <dd data-testid="inspector-overlay">{overlayValueText(overlay, info.id) ?? 'no data'}</dd>
          </>
        )}
        {params !== undefined && params > 0 && (
          <>
            <dt>Parameters</dt>
            <dd>{fmt(params)}</dd>
          </>
        )}
      </dl>
      {nodeActions?.(info.id)}
      {details?.error && <p className="kg-muted">Details unavailable: {details.error}</p>}
      {details?.details && details.details.attributes.length > 0 && (
        <>
          <h4>Attributes</h4>
          <dl className="kg-attrs" data-testid="inspector-attributes">
            {details.details.attributes.map((a) => (
              <div key={a.name}>
                <dt>{a.name}</dt>
                <dd className="kg-break">{a.value}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      {details?.details && details.details.weights.length > 0 && (
        <>
          <h4>Weights</h4>
          <ul className="kg-tensors" data-testid="inspector-weights">
            {details.details.weights.map((w) => (
              <li key={w.name}>
                <div className="kg-break kg-tensor">{w.name}</div>
                <div className="kg-muted">
                  {w.dtype} [{w.dims.join('×')}]
                </div>
                {w.stats ? <WeightStats stats={w.stats} /> : <div className="kg-muted">{w.error}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Inputs ({info.inputs.length})</h4>
      <ul className="kg-tensors" data-testid="inspector-inputs">
        {info.inputs.slice(0, 64).map((t, i) => tensorRow(t, i, 'in'))}
        {info.inputs.length > 64 && <li className="kg-muted">+{info.inputs.length - 64} more</li>}
      </ul>
      <h4>Outputs ({info.outputs.length})</h4>
      <ul className="kg-tensors" data-testid="inspector-outputs">
        {info.outputs.slice(0, 64).map((t, i) => tensorRow(t, i, 'out'))}
      </ul>
      {info.subgraphs.length > 0 && (
        <>
          <h4>Subgraphs</h4>
          <ul>
            {info.subgraphs.map((s) => (
              <li key={s.attribute}>
                {onOpenSubgraph && s.graph >= 0 ? (
                  <button
                    type="button"
                    className="kg-link"
                    onClick={() => onOpenSubgraph(s.graph, `${info.name || info.op}/${s.attribute}`)}
                  >
                    Open {s.attribute}
                  </button>
                ) : (
                  s.attribute
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

type Stats = NonNullable<NodeDetails['weights'][number]['stats']>;

/** min / max / mean / std and a small histogram, drawn as bars. */
function WeightStats({ stats }: { stats: Stats }) {
  const peak = Math.max(1, ...stats.histogram);
  return (
    <div className="kg-wstats">
      <div className="kg-muted">
        min {fmt(stats.min)} · max {fmt(stats.max)} · mean {fmt(stats.mean)} · std {fmt(stats.std)}
        {stats.zeros > 0 && ` · ${fmt(stats.zeros)} zeros`}
        {stats.nans + stats.infs > 0 && ` · ${stats.nans} NaN, ${stats.infs} Inf`}
      </div>
      <svg
        className="kg-hist"
        viewBox={`0 0 ${stats.histogram.length} 20`}
        preserveAspectRatio="none"
        aria-label="value histogram"
      >
        {stats.histogram.map((c, i) => (
          <rect key={i} x={i + 0.1} width={0.8} y={20 - (20 * c) / peak} height={(20 * c) / peak} />
        ))}
      </svg>
    </div>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
