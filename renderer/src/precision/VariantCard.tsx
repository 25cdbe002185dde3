/**
 * One variant in the Precision tab: its name — which its user can change (display metadata: the
 * file and its id stay) —, its size, what it made of the model's nodes and why some were kept out of
 * the target precision, its notes, and "Show on graph".
 */
import { useState } from 'react';
import type { Variant } from '../../../electron/shared/api/variants';
import { useGraphStore } from '../graph/store';
import { useApp } from '../state/app';
import { precisionOverlay } from './overlay';
import { useVariants } from './store';
import './precision.css';
import { MadeFileLinks } from '../frame/MadeFileLinks';

/** The prefix of one try of ONNX Runtime's speed check in a variant's notes. */
const SPEED_STEP = 'speed check: ';

export function VariantCard({ v }: { v: Variant }) {
  const client = useApp((s) => s.client);
  const rename = useVariants((s) => s.rename);
  const graphModel = useGraphStore((s) => s.model);
  const jumpTo = useGraphStore((s) => s.jumpTo);
  const setOverlay = useGraphStore((s) => s.setOverlay);
  /** The name being typed, or null while the card shows the name. */
  const [editing, setEditing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const nodeIndex = (name: string) => graphModel?.payload.nodeName.indexOf(name) ?? -1;
  const cancel = () => {
    setEditing(null);
    setProblem(null);
  };
  const save = async (name: string) => {
    if (!client) return;
    const p = await rename(client, v.id, name);
    if (p) setProblem(p);
    else cancel();
  };

  return (
    <article className="variant" data-testid="variant">
      {editing === null ? (
        <h4>
          {v.name} <span className="muted">· {(v.bytes / 2 ** 20).toFixed(2)} MiB</span>{' '}
          <button
            className="ghost"
            title="Give this variant a name of your own (its file and id stay as they are)"
            onClick={() => setEditing(v.name)}
          >
            Rename
          </button>{' '}
          {graphModel && (
            <button
              className="ghost"
              title="Colour each node of the model by what this variant made of it"
              onClick={() => setOverlay(precisionOverlay(v, graphModel.payload.nodeName))}
            >
              Show on graph
            </button>
          )}
          <MadeFileLinks target={{ variant: v.id }} name={v.name} what="this variant" testId="variant-download" />
        </h4>
      ) : (
        <form
          className="variant-rename"
          onSubmit={(e) => {
            e.preventDefault();
            void save(editing);
          }}
        >
          <input
            value={editing}
            onChange={(e) => {
              setEditing(e.target.value);
              setProblem(null);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') cancel();
            }}
            aria-label="Variant name"
            autoFocus
          />
          <button type="submit" className="primary">
            Save name
          </button>
          <button type="button" className="ghost" onClick={cancel}>
            Cancel
          </button>
        </form>
      )}
      {problem && (
        <p className="profile-error" role="alert">
          {problem}
        </p>
      )}
      <p>
        {Object.entries(v.nodesByPrecision)
          .filter(([, n]) => n > 0)
          .map(
            ([p, n]) =>
              `${n} ${p === 'other' ? (v.recipe.precision === 'int8' ? 'left as they were (float)' : 'untouched (no float math)') : p.toUpperCase()}`,
          )
          .join(' · ')}{' '}
        · {v.recipe.precision === 'int8' ? `${v.qdqPairs} Q/DQ pairs` : `${v.castsInserted} casts inserted`} ·{' '}
        {v.weightsConverted} weights converted
      </p>
      {v.notes
        .filter((n) => !n.startsWith(SPEED_STEP))
        .map((n) => (
          <p key={n} className="profile-warnings">
            {n}
          </p>
        ))}
      {v.notes.some((n) => n.startsWith(SPEED_STEP)) && (
        // Each try of the speed check is one line: kept out of the way, there for who asks why.
        <details className="variant-steps">
          <summary>Speed check: {v.notes.filter((n) => n.startsWith(SPEED_STEP)).length} tries</summary>
          <ul>
            {v.notes
              .filter((n) => n.startsWith(SPEED_STEP))
              .map((n) => (
                <li key={n}>{n.slice(SPEED_STEP.length)}</li>
              ))}
          </ul>
        </details>
      )}
      {v.kept.length > 0 && (
        <details open={v.kept.length <= 12}>
          <summary>{keptSummary(v.kept, v.recipe.precision)}</summary>
          <table className="compat-table">
            <tbody>
              {v.kept.slice(0, 300).map((k) => (
                <tr key={k.node}>
                  <td>{k.op}</td>
                  {v.kept.some((x) => x.precision !== 'fp32') && <td>{k.precision.toUpperCase()}</td>}
                  <td>
                    {nodeIndex(k.node) >= 0 ? (
                      <button className="kg-link" onClick={() => jumpTo(nodeIndex(k.node))}>
                        {k.node}
                      </button>
                    ) : (
                      k.node
                    )}
                  </td>
                  <td>{k.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </article>
  );
}

/** "N node(s) kept in FP32", or, when they went to several precisions, how many went to each. */
function keptSummary(kept: { precision: string }[], target: string): string {
  const by = new Map<string, number>();
  for (const k of kept) by.set(k.precision, (by.get(k.precision) ?? 0) + 1);
  if (by.size === 1) return `${kept.length} node(s) kept in ${[...by.keys()][0]!.toUpperCase()}`;
  const parts = [...by].map(([p, n]) => `${n} ${p.toUpperCase()}`).join(', ');
  return `${kept.length} node(s) kept out of ${target.toUpperCase()}: ${parts}`;
}
