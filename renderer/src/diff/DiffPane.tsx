/**
 * One side of the diff: a graph canvas drawn by its own GraphController (not the app's graph
 * store: two graphs are on screen at once), its nodes coloured by what became of them. The
 * controller is handed up so the view can follow one side with the other.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { GraphController } from '../graph/controller';
import { buildModel } from '../graph/model';
import type { NodeOverlay } from '../graph/overlay';
import { CLASS_COLOR, CLASS_LABEL } from './pairs';

export interface DiffPaneProps {
  side: 'a' | 'b';
  title: string;
  payload: GraphPayload;
  classes: Uint8Array;
  onController(side: 'a' | 'b', ctl: GraphController | null): void;
  onSelect(side: 'a' | 'b', node: number | null): void;
  onView(side: 'a' | 'b'): void;
  onLead(side: 'a' | 'b'): void;
}

/** The classes as an overlay: unchanged nodes get the overlay's no-data grey, the rest their colour. */
function classOverlay(classes: Uint8Array): NodeOverlay {
  const codes = new Int32Array(classes.length);
  const explicit: (string | undefined)[] = new Array(classes.length);
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    codes[i] = c === 0 ? -1 : c;
    explicit[i] = c === 0 ? undefined : CLASS_COLOR[c];
  }
  return { name: 'diff', kind: 'category', codes, labels: [...CLASS_LABEL], explicit };
}

export function DiffPane({ side, title, payload, classes, onController, onSelect, onView, onLead }: DiffPaneProps) {
  const model = useMemo(() => buildModel(payload), [payload]);
  const rootRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const handlers = useRef({ onSelect, onView });
  useEffect(() => {
    handlers.current = { onSelect, onView };
  }, [onSelect, onView]);

  useEffect(() => {
    const root = rootRef.current;
    const canvas = canvasRef.current;
    if (!root || !canvas) return;
    const ctl = new GraphController(root, canvas, null, model, {
      onSelect: (node) => handlers.current.onSelect(side, node),
      onChange: () => {},
      onView: () => handlers.current.onView(side),
    });
    ctl.setOverlay(classOverlay(classes));
    onController(side, ctl);
    void ctl.start();
    return () => {
      onController(side, null);
      ctl.dispose();
    };
  }, [model, classes, side, onController]);

  return (
    <section className="diff-pane" aria-label={`${side === 'a' ? 'Before' : 'After'}: ${title}`}>
      <header className="diff-pane-title" title={title}>
        <span className="diff-side">{side === 'a' ? 'A' : 'B'}</span> {title}
      </header>
      <div
        className="kg-root diff-graph"
        ref={rootRef}
        tabIndex={0}
        data-state="loading"
        data-testid={`diff-graph-${side}`}
        onPointerDownCapture={() => onLead(side)}
        onWheelCapture={() => onLead(side)}
        onKeyDownCapture={() => onLead(side)}
      >
        <div className="kg-stage">
          <canvas ref={canvasRef} className="kg-canvas" />
        </div>
      </div>
    </section>
  );
}
