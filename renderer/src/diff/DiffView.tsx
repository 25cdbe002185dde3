/**
 * The side-by-side diff of two models: A on the left, B on the right, each drawn by its own graph
 * controller with nodes coloured added (green, B), removed (red, A), changed (orange) and renamed
 * (blue); panning or zooming one moves the other to the same place (follow.ts); clicking a node
 * selects its pair on the other side and shows what changed in it (DiffDetails). Takes any two
 * model sources, so a variant against its source and an edited version against its parent look
 * the same. Carries data-state="ready" once both graphs have drawn.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { GraphController } from '../graph/controller';
import { DiffDetails, type DiffSelection } from './DiffDetails';
import { DiffPane } from './DiffPane';
import { follow } from './follow';
import { CLASS_COLOR, diffPairs, type DiffPairs } from './pairs';
import { useDiff } from './store';
import '../graph/graph.css';
import './diff.css';

declare global {
  interface Window {
    /** The two live controllers of the diff view, for end-to-end tests. */
    __kilnDiff?: { a: GraphController | null; b: GraphController | null; pairs?: DiffPairs | null };
  }
}

export function DiffView() {
  const { a, b, payloadA, payloadB, diff, busy, error, close } = useDiff();
  const pairs = useMemo(
    () => (diff && payloadA && payloadB ? diffPairs(diff, payloadA.nodeName, payloadB.nodeName) : null),
    [diff, payloadA, payloadB],
  );
  const ctls = useRef<{ a: GraphController | null; b: GraphController | null; pairs?: DiffPairs | null }>({
    a: null,
    b: null,
  });
  useEffect(() => {
    ctls.current.pairs = pairs;
  }, [pairs]);
  const leader = useRef<'a' | 'b'>('a');
  const [sel, setSel] = useState<DiffSelection | null>(null);

  const onController = useCallback((side: 'a' | 'b', ctl: GraphController | null) => {
    ctls.current[side] = ctl;
    window.__kilnDiff = ctls.current;
  }, []);
  const onLead = useCallback((side: 'a' | 'b') => {
    leader.current = side;
  }, []);
  const onView = useCallback(
    (side: 'a' | 'b') => {
      if (side !== leader.current || !pairs) return;
      const me = ctls.current[side];
      const other = ctls.current[side === 'a' ? 'b' : 'a'];
      if (me && other && other.scene) follow(me, other, side === 'a' ? pairs.aToB : pairs.bToA);
    },
    [pairs],
  );
  const onSelect = useCallback(
    (side: 'a' | 'b', node: number | null) => {
      if (!pairs) return;
      if (node === null) {
        if (side === leader.current) setSel(null);
        return;
      }
      if (side !== leader.current) return; // the other side selecting the pair we asked it to
      const pair = side === 'a' ? (pairs.aToB[node] ?? -1) : (pairs.bToA[node] ?? -1);
      const s = side === 'a' ? { a: node, b: pair } : { a: pair, b: node };
      setSel(s);
      const other = ctls.current[side === 'a' ? 'b' : 'a'];
      if (other) other.select(pair);
      const me = ctls.current[side];
      if (me && other) follow(me, other, side === 'a' ? pairs.aToB : pairs.bToA);
    },
    [pairs],
  );

  if (!a || !b) return null;
  const counts = diff
    ? [
        ['added', diff.nodes.added.length, CLASS_COLOR[1]],
        ['removed', diff.nodes.removed.length, CLASS_COLOR[2]],
        ['changed', diff.nodes.changed.length, CLASS_COLOR[3]],
        ['renamed', diff.nodes.renamed.length, CLASS_COLOR[4]],
      ]
    : [];
  return (
    <div className="diff-view" data-testid="diff-view">
      <div className="diff-head">
        <strong>
          Diff: {a.name} → {b.name}
        </strong>
        {counts.map(([label, n, color]) => (
          <span key={label as string} className="diff-count" data-testid={`diff-count-${label as string}`}>
            <span className="kg-swatch" style={{ background: color as string }} /> {n as number} {label as string}
          </span>
        ))}
        <button type="button" onClick={close}>
          Close diff
        </button>
      </div>
      {busy && <div className="diff-note">Comparing the two models…</div>}
      {error && (
        <div className="diff-note diff-error" role="alert">
          The diff failed: {error}
        </div>
      )}
      {diff && (
        <div className="diff-note" data-testid="diff-verdict" role="status">
          {diff.verdict}
          {diff.header.length > 0 && (
            <details className="diff-fields">
              <summary>Model fields that changed ({diff.header.length})</summary>
              <ul>
                {diff.header.map((h) => (
                  <li key={h.field}>
                    {h.field}: {h.a ?? '(none)'} → {h.b ?? '(none)'}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
      {diff && pairs && payloadA && payloadB && (
        <div className="diff-panes">
          <DiffPane
            side="a"
            title={a.name}
            payload={payloadA}
            classes={pairs.classA}
            onController={onController}
            onSelect={onSelect}
            onView={onView}
            onLead={onLead}
          />
          <DiffPane
            side="b"
            title={b.name}
            payload={payloadB}
            classes={pairs.classB}
            onController={onController}
            onSelect={onSelect}
            onView={onView}
            onLead={onLead}
          />
        </div>
      )}
      {diff && pairs && sel && payloadA && payloadB && (
        <DiffDetails diff={diff} pairs={pairs} sel={sel} names={{ a: payloadA.nodeName, b: payloadB.nodeName }} />
      )}
    </div>
  );
}
