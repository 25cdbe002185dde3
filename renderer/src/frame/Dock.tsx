/**
 * The panel under the graph: analyses of the open model, one tab each, closed until asked for. Its
 * top edge is a handle: drag it (or focus it and press ↑/↓) to give the panel more or less of the
 * window; the height is remembered across sessions.
 */
import { useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';

export interface DockTab {
  id: string;
  label: string;
  render: () => ReactNode;
}

const HEIGHT_KEY = 'kiln.dockHeight';
/** The least the panel shrinks to, and the least of the graph it leaves above it. */
const MIN_HEIGHT = 120;
const MIN_GRAPH = 100;
const KEY_STEP = 40;

function storedHeight(): number | null {
  try {
    const v = Number(localStorage.getItem(HEIGHT_KEY));
    return Number.isFinite(v) && v >= MIN_HEIGHT ? v : null;
  } catch {
    return null;
  }
}
function storeHeight(h: number): void {
  try {
    localStorage.setItem(HEIGHT_KEY, String(Math.round(h)));
  } catch {
    // storage disabled: the height lasts this session
  }
}

/** Height in px within the room its parent has (the main view less a strip of graph). */
function clampHeight(h: number, dock: HTMLElement | null): number {
  const room = (dock?.parentElement?.clientHeight ?? window.innerHeight) - MIN_GRAPH;
  return Math.round(Math.max(MIN_HEIGHT, Math.min(h, Math.max(MIN_HEIGHT, room))));
}

export function Dock({ tabs }: { tabs: DockTab[] }) {
  const [active, setActive] = useState<string | null>(null);
  // Tabs stay mounted once opened (hidden when not shown): their forms keep what the user typed.
  const [visited, setVisited] = useState<ReadonlySet<string>>(new Set());
  // null: the default share of the window (CSS) until the user drags.
  const [height, setHeight] = useState<number | null>(storedHeight);
  const dockRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{ id: number; y: number; h: number } | null>(null);
  const tab = tabs.find((t) => t.id === active);
  const show = (id: string | null) => {
    setActive(id);
    if (id && !visited.has(id)) setVisited(new Set([...visited, id]));
  };
  const resize = (h: number, save: boolean) => {
    const next = clampHeight(h, dockRef.current);
    setHeight(next);
    if (save) storeHeight(next);
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || !dockRef.current) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { id: e.pointerId, y: e.clientY, h: dockRef.current.getBoundingClientRect().height };
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d?.id === e.pointerId) resize(d.h + (d.y - e.clientY), false);
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d?.id !== e.pointerId) return;
    drag.current = null;
    resize(d.h + (d.y - e.clientY), true);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    e.preventDefault();
    const now = dockRef.current?.getBoundingClientRect().height ?? MIN_HEIGHT;
    resize(now + (e.key === 'ArrowUp' ? KEY_STEP : -KEY_STEP), true);
  };
  return (
    <div
      ref={dockRef}
      className={`dock ${tab ? 'open' : ''}`}
      data-testid="dock"
      style={tab && height !== null ? { flex: `0 0 ${height}px` } : undefined}
    >
      {tab && (
        <div
          className="dock-handle"
          role="separator"
          aria-orientation="horizontal"
          aria-label="Resize the panel"
          aria-valuenow={height ?? undefined}
          title="Drag to resize the panel (or focus and press ↑/↓)"
          tabIndex={0}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={() => (drag.current = null)}
          onKeyDown={onKeyDown}
        />
      )}
      <div className="dock-tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            aria-selected={t.id === active}
            className={t.id === active ? 'active' : ''}
            onClick={() => show(t.id === active ? null : t.id)}
          >
            {t.label}
          </button>
        ))}
        {tab && (
          <button className="ghost dock-close" aria-label="Close panel" onClick={() => show(null)}>
            ▾
          </button>
        )}
      </div>
      {tabs
        .filter((t) => visited.has(t.id))
        .map((t) => (
          <div key={t.id} className="dock-body" role="tabpanel" hidden={t.id !== active}>
            {t.render()}
          </div>
        ))}
    </div>
  );
}
