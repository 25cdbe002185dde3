/**
 * The graph view's input: what a pointer, wheel or key does (drag pans, click selects, double
 * click opens or closes a group, wheel pans or with ctrl zooms, keys zoom, pan, fit and select,
 * dragging on the minimap moves the view there). Kept apart from controller.ts, which owns the view
 * and the scene and hands this file a narrow target to act on, so gestures can change without
 * touching layout or drawing.
 */

/** What the input acts on: the controller, seen through the few things a gesture needs. */
export interface InputTarget {
  /** Node count N and group count G: item ids are nodes below N, groups from N to N + G. */
  counts(): { N: number; G: number };
  /** The view's size in CSS px. */
  size(): { width: number; height: number };
  /** Item id under a pointer event, or -1. */
  itemAt(ev: MouseEvent): number;
  selected(): number;
  select(item: number): void;
  panBy(dx: number, dy: number): void;
  zoomAt(factor: number, sx: number, sy: number): void;
  fitOrAll(): void;
  toggleGroup(group: number): Promise<void>;
  /** Centre the view on a graph point (world coordinates), keeping the scale. */
  centreOnPoint(x: number, y: number): void;
  /** The pointer is over `node` (-1: none) at client x, y. */
  hover(node: number, x: number, y: number): void;
}

/** The elements input is read from; the minimap's `worldAt` maps a pointer on it to the graph. */
export interface InputElements {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  minimap: { canvas: HTMLCanvasElement; worldAt(clientX: number, clientY: number): { x: number; y: number } } | null;
}

type On = <K extends keyof HTMLElementEventMap>(
  node: HTMLElement,
  type: K,
  fn: (ev: HTMLElementEventMap[K]) => void,
  opts?: AddEventListenerOptions,
) => void;

/** Listens on the elements for the target; returns what removes every listener again. */
export function attachInput(el: InputElements, target: InputTarget): () => void {
  const disposers: (() => void)[] = [];
  const on: On = (node, type, fn, opts) => {
    node.addEventListener(type, fn as EventListener, opts);
    disposers.push(() => node.removeEventListener(type, fn as EventListener, opts));
  };
  attachCanvas(el, target, on);
  attachKeys(el.root, target, on);
  if (el.minimap) attachMinimap(el.minimap, target, on);
  return () => {
    for (const d of disposers) d();
  };
}

/** A group id when `item` is a group, else -1. */
function groupOf(target: InputTarget, item: number): number {
  const { N, G } = target.counts();
  return item >= N && item < N + G ? item - N : -1;
}

function attachCanvas({ root, canvas }: InputElements, target: InputTarget, on: On): void {
  let drag: { x: number; y: number; moved: boolean; id: number } | null = null;
  on(canvas, 'pointerdown', (ev) => {
    if (ev.button !== 0) return;
    canvas.setPointerCapture(ev.pointerId);
    drag = { x: ev.clientX, y: ev.clientY, moved: false, id: ev.pointerId };
    root.focus({ preventScroll: true });
  });
  on(canvas, 'pointermove', (ev) => {
    if (!drag || drag.id !== ev.pointerId) {
      if (!drag) {
        const item = target.itemAt(ev);
        target.hover(item >= 0 && item < target.counts().N ? item : -1, ev.clientX, ev.clientY);
      }
      return;
    }
    target.hover(-1, 0, 0);
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    drag.x = ev.clientX;
    drag.y = ev.clientY;
    target.panBy(dx, dy);
  });
  on(canvas, 'pointerup', (ev) => {
    if (!drag || drag.id !== ev.pointerId) return;
    const wasClick = !drag.moved;
    drag = null;
    if (wasClick) target.select(target.itemAt(ev));
  });
  on(canvas, 'pointercancel', () => {
    drag = null;
  });
  on(canvas, 'pointerleave', () => target.hover(-1, 0, 0));
  on(canvas, 'dblclick', (ev) => {
    const group = groupOf(target, target.itemAt(ev));
    if (group >= 0) void target.toggleGroup(group);
  });
  on(
    canvas,
    'wheel',
    (ev) => {
      ev.preventDefault();
      const r = canvas.getBoundingClientRect();
      const sx = ev.clientX - r.left;
      const sy = ev.clientY - r.top;
      const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? target.size().height : 1;
      if (ev.ctrlKey || ev.metaKey) {
        // trackpad pinch arrives as ctrl+wheel; a mouse wheel with ctrl zooms too
        target.zoomAt(Math.exp(-ev.deltaY * unit * 0.0025), sx, sy);
      } else if (ev.shiftKey) target.panBy(-ev.deltaY * unit, 0);
      else target.panBy(-ev.deltaX * unit, -ev.deltaY * unit);
    },
    { passive: false },
  );
}

function attachKeys(root: HTMLElement, target: InputTarget, on: On): void {
  on(root, 'keydown', (ev) => {
    if ((ev.target as HTMLElement | null)?.closest('input, textarea, select')) return;
    const step = 80;
    const { width, height } = target.size();
    let handled = true;
    switch (ev.key) {
      case '+':
      case '=':
        target.zoomAt(1.25, width / 2, height / 2);
        break;
      case '-':
      case '_':
        target.zoomAt(0.8, width / 2, height / 2);
        break;
      case '0':
        target.fitOrAll();
        break;
      case 'ArrowLeft':
        target.panBy(step, 0);
        break;
      case 'ArrowRight':
        target.panBy(-step, 0);
        break;
      case 'ArrowUp':
        target.panBy(0, step);
        break;
      case 'ArrowDown':
        target.panBy(0, -step);
        break;
      case 'Escape':
        target.select(-1);
        break;
      case 'Enter': {
        const group = groupOf(target, target.selected());
        if (group >= 0) void target.toggleGroup(group);
        else handled = false;
        break;
      }
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  });
}

function attachMinimap(mini: NonNullable<InputElements['minimap']>, target: InputTarget, on: On): void {
  let down = false;
  const move = (ev: PointerEvent) => {
    const p = mini.worldAt(ev.clientX, ev.clientY);
    target.centreOnPoint(p.x, p.y);
  };
  on(mini.canvas, 'pointerdown', (ev) => {
    down = true;
    mini.canvas.setPointerCapture(ev.pointerId);
    move(ev);
  });
  on(mini.canvas, 'pointermove', (ev) => down && move(ev));
  on(mini.canvas, 'pointerup', () => {
    down = false;
  });
}
