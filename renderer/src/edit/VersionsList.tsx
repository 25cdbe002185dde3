/**
 * The versions of the open model that edits made, in the left panel once there is more than one:
 * each with its parent, the edits applied (node counts before and after), how far its outputs moved
 * from its parent's (max abs, cosine per output), what the readiness check says after, and its way
 * out (Save as… or Download, as a variant's). Click one to open it; the open one can paint its
 * difference to its parent on the graph.
 */
import type { EditReport } from '../../../electron/shared/api/edits';
import { MadeFileLinks } from '../frame/MadeFileLinks';
import { useEdits } from './store';
import { depth, type ModelVersion } from './versions';
import './edit.css';

const num = (x: number) =>
  x === 0 ? '0' : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toPrecision(4);

function Exactness({ e }: { e: EditReport['exactness'] }) {
  if (e.skipped) return <p className="kg-muted">Outputs not compared: {e.skipped}</p>;
  return (
    <div data-testid="version-exactness">
      <span className={e.exact ? 'good' : 'warn'}>
        {e.exact ? 'Outputs unchanged' : 'Outputs moved'} ({e.samples} {e.inputs} sample{e.samples === 1 ? '' : 's'})
      </span>
      <ul className="edit-exact">
        {e.outputs.slice(0, 12).map((o) => (
          <li key={o.name}>
            <span className="kg-break">{o.name}</span>{' '}
            <span
              className="kg-muted"
              title="largest absolute difference, and cosine similarity, to the parent's output"
            >
              max abs {num(o.maxAbs)} · cos {o.cosine.toFixed(6)}
            </span>
          </li>
        ))}
      </ul>
      {e.outputs.length > 12 && <span className="kg-muted">+{e.outputs.length - 12} more outputs</span>}
    </div>
  );
}

function checkText(check: NonNullable<EditReport['check']>): string {
  return check.unsupported === 0
    ? `TensorRT ${check.trt}: all ${check.nodes} nodes supported`
    : `TensorRT ${check.trt}: ${check.unsupported} of ${check.nodes} nodes not supported`;
}

function VersionItem({ v, parent, level }: { v: ModelVersion; parent: string | null; level: number }) {
  const openId = useEdits((s) => s.openId);
  const switchTo = useEdits((s) => s.switchTo);
  const paint = useEdits((s) => s.paint);
  const busy = useEdits((s) => s.job !== null);
  const open = v.id === openId;
  const r = v.report;
  return (
    <li
      className={`edit-version${open ? ' open' : ''}`}
      style={{ marginLeft: `${Math.min(level, 6) * 10}px` }}
      data-testid="version"
      data-open={open}
    >
      <div className="edit-version-head">
        {open ? (
          <strong className="kg-break">{v.fileName}</strong>
        ) : (
          <button
            type="button"
            className="kg-link kg-break"
            disabled={busy}
            title="Open this version"
            onClick={() => switchTo(v.id)}
          >
            {v.fileName}
          </button>
        )}
        {open && <span className="kg-tag">open</span>}
      </div>
      {parent === null ? (
        <p className="kg-muted">the model as opened</p>
      ) : (
        <p className="kg-muted">
          from {parent}: {v.asked}
        </p>
      )}
      {r && (
        <>
          <ul className="edit-applied" data-testid="version-applied">
            {r.applied.map((a, i) => (
              <li key={i}>
                {a.summary}{' '}
                <span className="kg-muted">
                  ({a.nodesBefore} → {a.nodesAfter} nodes{a.exact ? ', exact' : ''})
                </span>
              </li>
            ))}
          </ul>
          <Exactness e={r.exactness} />
          {r.check && (
            <p className={r.check.unsupported === 0 ? 'good' : 'warn'} data-testid="version-check">
              {checkText(r.check)}
            </p>
          )}
          {r.notes.length > 0 && (
            <details>
              <summary className="kg-muted">{r.notes.length} note(s)</summary>
              <ul className="edit-notes">
                {r.notes.slice(0, 50).map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            </details>
          )}
          <div className="edit-row">
            {open && (
              <button
                type="button"
                className="ghost"
                title="Colour the nodes this version added or changed against its parent"
                onClick={paint}
              >
                Show difference
              </button>
            )}
            {r.source.kind === 'variant' && (
              <MadeFileLinks
                target={{ variant: r.source.variantId }}
                name={r.fileName}
                what="this version"
                testId="version-download"
              />
            )}
          </div>
        </>
      )}
    </li>
  );
}

export function VersionsList() {
  const versions = useEdits((s) => s.versions);
  if (versions.length < 2) return null;
  const name = (id: string | null) => (id === null ? null : (versions.find((v) => v.id === id)?.fileName ?? id));
  return (
    <section className="edit-versions" data-testid="versions" aria-label="Versions">
      <h3>Versions</h3>
      <ol>
        {versions.map((v) => (
          <VersionItem key={v.id} v={v} parent={name(v.parentId)} level={depth(versions, v.id)} />
        ))}
      </ol>
    </section>
  );
}
