/**
 * The precision audit of one engine: every node whose engine precision is not what was asked (from
 * Kiln's recipe in the model, or, without one, FP32 layers in a lower-precision engine), each a link
 * to the node on the graph, and the reformats at precision boundaries with what they cost.
 */
import type { EngineAudit } from '../../../electron/shared/api/engine-diff';
import { auditSummary } from '../../../electron/shared/compare/engine-report';
import { useGraphStore } from '../graph/store';
import { AUDIT_LABELS, auditOverlay } from './engine-overlays';

const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(4)} ms`);

export function EngineAuditList({ audit, label }: { audit: EngineAudit; label?: string }) {
  const graphModel = useGraphStore((s) => s.model);
  const jumpTo = useGraphStore((s) => s.jumpTo);
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const names = graphModel?.payload.nodeName ?? [];
  return (
    <section className="engine-audit" data-testid="engine-audit" aria-label={`Precision audit ${label ?? ''}`}>
      <h4>
        Precision audit{label ? ` · ${label}` : ''} <span className="muted">{auditSummary(audit)}</span>
        {audit.items.length > 0 && graphModel && (
          <button className="ghost" onClick={() => setOverlay(auditOverlay(audit, graphModel.N))}>
            Paint on graph
          </button>
        )}
      </h4>
      {audit.items.length > 0 && (
        <table className="compat-table" data-testid="engine-audit-items">
          <thead>
            <tr>
              <th>Node</th>
              <th>What happened</th>
              <th>Asked</th>
              <th>Built</th>
              <th>Time</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {audit.items.slice(0, 500).map((i) => (
              <tr key={i.node} data-kind={i.kind}>
                <td>
                  <button className="kg-link" onClick={() => jumpTo(i.node)}>
                    {i.name || `#${i.node}`}
                  </button>{' '}
                  <span className="muted">{i.op}</span>
                </td>
                <td className="engine-precision">{AUDIT_LABELS[i.kind]}</td>
                <td>{i.asked ?? '–'}</td>
                <td className="engine-audit-built">{i.built}</td>
                <td>{ms(i.ms)}</td>
                <td className="compat-text">{i.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {audit.reformats.length > 0 && (
        <details data-testid="engine-audit-reformats">
          <summary>
            {audit.reformats.length} reformat(s) at precision boundaries, {ms(audit.reformatMs)}
          </summary>
          <ul>
            {audit.reformats.slice(0, 200).map((r, k) => (
              <li key={k}>
                {r.from} → {r.to} <span className="muted">{ms(r.ms)}</span> for{' '}
                {r.nodes.length === 0
                  ? r.layer
                  : r.nodes.slice(0, 4).map((n) => (
                      <button key={n} className="kg-link" onClick={() => jumpTo(n)}>
                        {names[n] ?? `#${n}`}
                      </button>
                    ))}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
