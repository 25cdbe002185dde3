/**
 * What became of the selected node: added or removed, renamed, or changed — each attribute and
 * input with its value before and after — and the weights it reads that moved (largest absolute
 * difference and cosine).
 */
import type { ModelDiff } from '../../../electron/shared/api/diff';
import { CLASS_LABEL, NODE_CLASS, type DiffPairs } from './pairs';

export interface DiffSelection {
  a: number;
  b: number;
}

const num = (x: number) =>
  x === 0 ? '0' : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toPrecision(4);
const type = (t: { dtype: string; dims: number[] } | null) => (t ? `${t.dtype}[${t.dims.join(', ')}]` : '—');

export function DiffDetails({
  diff,
  pairs,
  sel,
  names,
}: {
  diff: ModelDiff;
  pairs: DiffPairs;
  sel: DiffSelection;
  names: { a: string[]; b: string[] };
}) {
  const cls = sel.a >= 0 ? pairs.classA[sel.a]! : pairs.classB[sel.b]!;
  const name = sel.a >= 0 ? names.a[sel.a] : names.b[sel.b];
  const changed =
    cls === NODE_CLASS.changed ? diff.nodes.changed.find((c) => c.a.node === sel.a && c.b.node === sel.b) : undefined;
  // Weights read by the node that moved: the reply names their readers on B's side (A's when removed).
  const weights = diff.initializers.filter((i) =>
    i.change === 'removed' ? sel.a >= 0 && i.readers.includes(sel.a) : sel.b >= 0 && i.readers.includes(sel.b),
  );
  return (
    <div className="diff-details" data-testid="diff-details">
      <div>
        <strong>{name || '(unnamed node)'}</strong>{' '}
        <span className={`diff-chip diff-${CLASS_LABEL[cls]}`}>{CLASS_LABEL[cls]}</span>
        {cls === NODE_CLASS.renamed && (
          <span>
            {' '}
            {names.a[sel.a]} → {names.b[sel.b]}
          </span>
        )}
        {cls === NODE_CLASS.added && <span> only in B</span>}
        {cls === NODE_CLASS.removed && <span> only in A</span>}
        {cls === NODE_CLASS.unchanged && sel.a >= 0 && sel.b >= 0 && <span> the same in both</span>}
      </div>
      {changed && (
        <table className="diff-table" data-testid="diff-changes">
          <thead>
            <tr>
              <th>What</th>
              <th>A</th>
              <th>B</th>
            </tr>
          </thead>
          <tbody>
            {changed.changes.map((c) => (
              <tr key={`${c.what}:${c.name}`}>
                <td>
                  {c.what === 'attribute' || c.what === 'input'
                    ? `${c.what === 'attribute' ? 'attribute ' : ''}${c.name}`
                    : c.what}
                </td>
                <td>{c.a ?? '(none)'}</td>
                <td>{c.b ?? '(none)'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {weights.length > 0 && (
        <table className="diff-table" data-testid="diff-weights">
          <thead>
            <tr>
              <th>Weight</th>
              <th>A</th>
              <th>B</th>
              <th>max |Δ|</th>
              <th>cosine</th>
            </tr>
          </thead>
          <tbody>
            {weights.map((w) => (
              <tr key={w.name}>
                <td>
                  {w.name}
                  {w.nameB ? ` → ${w.nameB}` : ''} <span className="kg-muted">{w.change}</span>
                </td>
                <td>{type(w.a)}</td>
                <td>{type(w.b)}</td>
                <td>{w.maxAbsDiff === null ? '—' : num(w.maxAbsDiff)}</td>
                <td>{w.cosine === null ? '—' : w.cosine.toFixed(9)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
