/**
 * What the graph knows about the selection: op, name, name scope, inputs and outputs with dtype
 * and shape, and the nodes that produce and consume them (click to jump). Reads the selection from
 * the graph store, so the app can also mount it in its own inspector panel.
 */
import { useMemo } from 'react';
import type { GraphController } from './controller';
import { describeNode, formatDims, type TensorInfo } from './inspect';
import { useGraphStore } from './store';

export interface GraphInspectorProps {
  onJump?: (node: number) => void;
  controller?: GraphController | null;
}

export function GraphInspector({ onJump, controller }: GraphInspectorProps) {
  const model = useGraphStore((s) => s.model);
  const node = useGraphStore((s) => s.selectedNode);
  const group = useGraphStore((s) => s.selectedGroup);
  const info = useMemo(
    () => (model && node !== null && node < model.N ? describeNode(model, node) : null),
    [model, node],
  );

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
  const tensorRow = (t: TensorInfo | null, i: number, side: 'in' | 'out') => {
    if (!t) {
      return (
        <li key={`${side}-${i}`} className="kg-muted">
          (omitted optional input)
        </li>
      );
    }
    const others = side === 'in' ? t.producers : t.consumers.filter((c) => c !== info.id);
    return (
      <li key={`${side}-${i}`}>
        <div className="kg-break kg-tensor">{t.name || '(unnamed)'}</div>
        <div className="kg-muted">
          {t.dtype ?? '?'} {formatDims(t.dims)}
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
      </dl>
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
                {s.attribute} (graph {s.graph})
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
