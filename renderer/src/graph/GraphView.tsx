/**
 * The graph view: a canvas (drawn by GraphController), a toolbar (fit, expand/collapse all,
 * overlays, export), search with jump-to, a legend, a minimap and a node inspector. Carries
 * `data-state="ready"` and `data-visible-nodes` once the first interactive frame is drawn.
 */
import type { NodeDetails } from '../../../electron/shared/api/graph-payload';
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ChangeEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { GraphController } from './controller';
import type { DrawStats } from './render';
import { GraphInspector } from './GraphInspector';
import { buildModel, type GraphModel } from './model';
import { builtinOverlay, exportNodeData, importNodeData, overlayValueText, type NodeOverlay } from './overlay';
import { download } from './export';
import { GraphSearch, type SearchHit } from './search';
import { useGraphStore } from './store';
import { markOpen } from '../state/open-marks';
import './graph.css';

export interface GraphViewProps {
  payload: GraphPayload;
  /** Used as the graph id in exported node data and file names. */
  graphName?: string;
  /** Show the built-in inspector pane (off when the app shows the selection elsewhere). */
  inspector?: boolean;
  /** Reads a node's attributes and weight statistics (the app asks the engine host). */
  loadNodeDetails?: (node: number) => Promise<NodeDetails>;
  onOpenSubgraph?: (graph: number, label: string) => void;
  /** What the inspector offers to do with the selected node (the app's model edits). */
  nodeActions?: (node: number) => ReactNode;
}

type OverlayChoice = 'category' | 'op' | 'fanin' | 'fanout' | 'depth' | 'imported';

declare global {
  interface Window {
    /** The live graph controller, for end-to-end tests and the benchmark. */
    __kilnGraph?: GraphController;
  }
}

export function GraphView({
  payload,
  graphName = 'main',
  inspector = true,
  loadNodeDetails,
  onOpenSubgraph,
  nodeActions,
}: GraphViewProps) {
  const model = useMemo<GraphModel>(() => {
    const built = buildModel(payload);
    markOpen('model');
    return built;
  }, [payload]);
  const rootRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const miniRef = useRef<HTMLCanvasElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const [ctl, setCtl] = useState<GraphController | null>(null);
  const [, setTick] = useState(0);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<{ hits: SearchHit[]; total: number }>({ hits: [], total: 0 });
  const [hitIndex, setHitIndex] = useState(-1);
  // The results list covers the graph: open while the user types or is back in the field, closed
  // on a pick, Enter, Escape or a click elsewhere.
  const [listOpen, setListOpen] = useState(false);
  const searchBoxRef = useRef<HTMLDivElement>(null);
  const counterRef = useRef<HTMLSpanElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const [overlayChoice, setOverlayChoice] = useState<OverlayChoice>('category');
  const [imported, setImported] = useState<NodeOverlay | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [hullHits, setHullHits] = useState(false);
  const setModel = useGraphStore((s) => s.setModel);
  const setSettled = useGraphStore((s) => s.setSettled);
  const selectNode = useGraphStore((s) => s.selectNode);
  const selectGroup = useGraphStore((s) => s.selectGroup);
  const setOverlay = useGraphStore((s) => s.setOverlay);
  const storeOverlay = useGraphStore((s) => s.overlay);
  const storeHulls = useGraphStore((s) => s.hulls);
  const jumpRequest = useGraphStore((s) => s.jump);
  useEffect(() => {
    if (ctl && jumpRequest) void ctl.jumpTo(jumpRequest.node);
  }, [ctl, jumpRequest]);
  const search = useMemo(() => new GraphSearch(model), [model]);

  useEffect(() => {
    setModel(model);
  }, [model, setModel]);

  useEffect(() => {
    const root = rootRef.current;
    const canvas = canvasRef.current;
    if (!root || !canvas) return;
    const controller = new GraphController(root, canvas, miniRef.current, model, {
      onSelect: (node, group) => {
        if (group !== null) selectGroup(group);
        else selectNode(node);
      },
      onChange: () => setTick((t) => t + 1),
      // Every frame: written straight to the counter, so it is never a frame behind and panning
      // does not re-render the view.
      onDraw: (stats) => {
        if (counterRef.current) counterRef.current.textContent = onScreen(stats, model.N);
      },
      // The node under the pointer: its op and name, and what the graph is painted with for it.
      onHover: (node, x, y) => showTip(tipRef.current, model, node, x, y),
      onSettled: () => setSettled(model.payload),
    });
    window.__kilnGraph = controller;
    setCtl(controller);
    void controller.start();
    return () => {
      controller.dispose();
      if (window.__kilnGraph === controller) delete window.__kilnGraph;
    };
  }, [model, selectGroup, selectNode, setSettled]);

  // overlays from the store (other parts of the app set them: TensorRT support, timings, ...)
  useEffect(() => {
    ctl?.setOverlay(storeOverlay);
  }, [ctl, storeOverlay]);

  useEffect(() => {
    if (!ctl) return;
    const extra =
      hullHits && hits.hits.length
        ? [{ label: `search: ${query}`, nodes: hits.hits.map((h) => h.node), color: ctl.theme.searchHit }]
        : [];
    ctl.setHulls([...storeHulls, ...extra]);
  }, [ctl, storeHulls, hullHits, hits, query]);

  const chooseOverlay = useCallback(
    (choice: OverlayChoice) => {
      setOverlayChoice(choice);
      if (choice === 'category') setOverlay(null);
      else if (choice === 'imported') setOverlay(imported);
      else setOverlay(builtinOverlay(model, choice));
    },
    [imported, model, setOverlay],
  );

  const runSearch = useCallback(
    (q: string) => {
      const result = search.search(q);
      setHits(result);
      setHitIndex(-1);
      ctl?.setHits(result.hits.map((h) => h.node));
    },
    [ctl, search],
  );

  const jump = useCallback(
    (index: number) => {
      const hit = hits.hits[index];
      if (!hit || !ctl) return;
      setListOpen(false);
      setHitIndex(index);
      void ctl.jumpTo(hit.node);
    },
    [ctl, hits],
  );

  const onSearchKey = (ev: KeyboardEvent<HTMLInputElement>) => {
    if (ev.key === 'Enter') {
      setListOpen(false);
      if (hits.hits.length === 0 || query !== lastQuery.current) {
        lastQuery.current = query;
        const result = search.search(query);
        setHits(result);
        ctl?.setHits(result.hits.map((h) => h.node));
        if (result.hits[0] && ctl) {
          setHitIndex(0);
          void ctl.jumpTo(result.hits[0].node);
        }
        return;
      }
      const n = hits.hits.length;
      jump((hitIndex + (ev.shiftKey ? n - 1 : 1)) % n);
    } else if (ev.key === 'Escape') {
      // First Escape closes the list and keeps the query (Enter still steps through the hits); the next clears it.
      if (listOpen && query) {
        ev.preventDefault(); // a search field clears itself on Escape
        setListOpen(false);
        return;
      }
      setQuery('');
      runSearch('');
      rootRef.current?.focus();
    }
  };

  // A click anywhere but the search box closes the list.
  useEffect(() => {
    if (!listOpen) return;
    const onDown = (e: PointerEvent) => {
      if (!searchBoxRef.current?.contains(e.target as Node)) setListOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [listOpen]);
  const lastQuery = useRef('');

  // search as you type (debounced)
  useEffect(() => {
    const t = setTimeout(() => {
      if (query === lastQuery.current) return;
      lastQuery.current = query;
      runSearch(query);
    }, 200);
    return () => clearTimeout(t);
  }, [query, runSearch]);

  // global shortcut: Ctrl/Cmd+F or "/" focuses search when the graph has focus
  const onRootKey = (ev: KeyboardEvent<HTMLDivElement>) => {
    if (
      (ev.key === 'f' && (ev.ctrlKey || ev.metaKey)) ||
      (ev.key === '/' && !(ev.target as HTMLElement).closest('input'))
    ) {
      ev.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    }
  };

  const onImport = async (ev: ChangeEvent<HTMLInputElement>) => {
    const file = ev.target.files?.[0];
    ev.target.value = '';
    if (!file) return;
    try {
      const result = importNodeData(model, await file.text(), file.name.replace(/\.json$/i, ''), graphName);
      setImported(result.overlay);
      setOverlayChoice('imported');
      setOverlay(result.overlay);
      setNotice(
        `Imported "${result.overlay.name}": ${result.matched} node(s) matched` +
          (result.unmatched.length
            ? `, ${result.unmatched.length}${result.unmatched.length >= 50 ? '+' : ''} key(s) not found (e.g. ${result.unmatched.slice(0, 3).join(', ')})`
            : ''),
      );
    } catch (err) {
      setNotice(`Could not import node data: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const onExportData = () => {
    const overlay = storeOverlay ?? builtinOverlay(model, 'op');
    download(
      new Blob([exportNodeData(model, overlay, graphName)], { type: 'application/json' }),
      `${graphName}-node-data.json`,
    );
  };

  const legend = ctl?.colouring.legend ?? [];
  const problems = model.problems;
  const empty = model.N === 0;

  return (
    <div
      className="kg-root"
      ref={rootRef}
      tabIndex={0}
      onKeyDown={onRootKey}
      data-state="loading"
      data-testid="graph-view"
      aria-label="Model graph"
    >
      <div className="kg-toolbar" role="toolbar" aria-label="Graph tools">
        <div className="kg-search" ref={searchBoxRef}>
          <input
            ref={searchRef}
            type="search"
            placeholder="Search node, op or tensor"
            aria-label="Search the graph"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setListOpen(true);
            }}
            onFocus={() => setListOpen(true)}
            onClick={() => setListOpen(true)}
            onKeyDown={onSearchKey}
          />
          {query && (
            <span className="kg-count" data-testid="search-count">
              {hits.total === 0
                ? 'no match'
                : `${hitIndex >= 0 ? hitIndex + 1 : '–'} / ${hits.total.toLocaleString('en-US')}`}
            </span>
          )}
          {listOpen && query && hits.hits.length > 0 && (
            <ul className="kg-results" role="listbox" aria-label="Search results">
              {hits.hits.slice(0, 100).map((h, i) => (
                <li
                  key={`${h.node}-${i}`}
                  role="option"
                  aria-selected={i === hitIndex}
                  className={i === hitIndex ? 'kg-on' : ''}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    jump(i);
                  }}
                >
                  <span className="kg-op">{model.payload.ops[model.nodeOp[h.node]!] ?? '?'}</span>{' '}
                  {truncate(model.payload.nodeName[h.node] || `#${h.node}`, 80)}
                  {h.why === 'tensor' && <span className="kg-why"> · tensor {truncate(h.text, 40)}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
        <button
          type="button"
          onClick={() => ctl?.fitOrAll()}
          title={
            ctl?.fitCapped
              ? 'Show the whole graph, however small (0)'
              : 'Fit to view (0): the whole graph while its labels stay readable, else the top of it at a readable zoom'
          }
        >
          {ctl?.fitCapped ? 'Whole graph' : 'Fit'}
        </button>
        <button type="button" onClick={() => void ctl?.expandAll()} disabled={!ctl || ctl.busy || model.G === 0}>
          Expand all
        </button>
        <button type="button" onClick={() => void ctl?.collapseAll()} disabled={!ctl || ctl.busy || model.G === 0}>
          Collapse all
        </button>
        <label className="kg-select">
          Colour
          <select
            aria-label="Colour nodes by"
            value={overlayChoice}
            onChange={(e) => chooseOverlay(e.target.value as OverlayChoice)}
          >
            <option value="category">Op category</option>
            <option value="op">Op type</option>
            <option value="fanin">Fan-in</option>
            <option value="fanout">Fan-out</option>
            <option value="depth">Depth</option>
            {imported && <option value="imported">{imported.name}</option>}
          </select>
        </label>
        <button type="button" onClick={() => fileRef.current?.click()} title="Import Model Explorer node data JSON">
          Import data
        </button>
        <input
          ref={fileRef}
          type="file"
          accept=".json,application/json"
          hidden
          onChange={(e) => void onImport(e)}
          data-testid="node-data-input"
        />
        <button
          type="button"
          onClick={onExportData}
          title="Export the current colouring as Model Explorer node data JSON"
        >
          Export data
        </button>
        <label className="kg-check">
          <input type="checkbox" checked={hullHits} onChange={(e) => setHullHits(e.target.checked)} /> Hull hits
        </label>
        <button type="button" onClick={() => void ctl?.exportPng(false, `${graphName}.png`)}>
          PNG
        </button>
        <button
          type="button"
          onClick={() => ctl?.exportSvg(false, `${graphName}-view.svg`)}
          title="SVG of the visible part"
        >
          SVG view
        </button>
        <button
          type="button"
          onClick={() => ctl?.exportSvg(true, `${graphName}.svg`)}
          title="SVG of the whole laid-out graph"
        >
          SVG all
        </button>
        <span className="kg-status" aria-live="polite">
          {ctl?.busy && 'Laying out…'}
          {/* Written by the controller after each frame (onDraw), never by React: one writer, never stale. */}
          <span ref={counterRef} data-testid="graph-counter" hidden={!!ctl?.busy} />
        </span>
      </div>
      <div className="kg-body">
        <div className="kg-stage">
          <canvas ref={canvasRef} className="kg-canvas" data-testid="graph-canvas" />
          <div ref={tipRef} className="kg-tip" data-testid="graph-tooltip" role="tooltip" hidden />
          {empty && <div className="kg-message">This graph has no nodes to draw.</div>}
          {ctl?.error && <div className="kg-message kg-error">{ctl.error}</div>}
          {(problems.length > 0 || notice) && (
            <div className="kg-notes" role="status">
              {problems.map((p) => (
                <div key={p}>{p}</div>
              ))}
              {notice && (
                <div>
                  {notice}{' '}
                  <button type="button" className="kg-link" onClick={() => setNotice(null)}>
                    dismiss
                  </button>
                </div>
              )}
            </div>
          )}
          {legend.length > 0 && (
            <div className="kg-legend" data-testid="graph-legend">
              {storeOverlay && <div className="kg-legend-title">{storeOverlay.name}</div>}
              {legend.slice(0, 16).map((l) => (
                <div key={l.label + l.color}>
                  <span className="kg-swatch" style={{ background: l.color }} />
                  {l.label}
                  {l.count >= 0 && <span className="kg-muted"> {l.count.toLocaleString('en-US')}</span>}
                </div>
              ))}
              {legend.length > 16 && <div className="kg-muted">+{legend.length - 16} more</div>}
            </div>
          )}
          <canvas ref={miniRef} className="kg-minimap" width={200} height={140} aria-label="Minimap" />
        </div>
        {inspector && (
          <GraphInspector
            onJump={(node) => void ctl?.jumpTo(node)}
            controller={ctl}
            loadDetails={loadNodeDetails}
            onOpenSubgraph={onOpenSubgraph}
            nodeActions={nodeActions}
          />
        )}
      </div>
    </div>
  );
}

/** Fills and places the hover tooltip (written directly: it follows the pointer without re-rendering the view). */
function showTip(tip: HTMLDivElement | null, model: GraphModel, node: number, x: number, y: number): void {
  if (!tip) return;
  if (node < 0) {
    tip.hidden = true;
    return;
  }
  const overlay = useGraphStore.getState().overlay;
  const value = overlay ? overlayValueText(overlay, node) : null;
  const lines = [
    `${model.payload.ops[model.nodeOp[node]!] ?? '?'} ${truncate(model.payload.nodeName[node] || `#${node}`, 80)}`,
    ...(overlay ? [`${overlay.name}: ${value ?? 'no data'}`] : []),
  ];
  tip.textContent = lines.join('\n');
  const stage = tip.parentElement!.getBoundingClientRect();
  tip.style.left = `${Math.min(x - stage.left + 14, Math.max(0, stage.width - 320))}px`;
  tip.style.top = `${y - stage.top + 16}px`;
  tip.hidden = false;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** "38 of 471 nodes on screen", "2 groups on screen · 700 nodes", "12 nodes and 3 groups on screen · 700 nodes". */
function onScreen(stats: Pick<DrawStats, 'items' | 'nodes'>, total: number): string {
  const groups = stats.items - stats.nodes;
  const all = total.toLocaleString('en-US');
  if (groups === 0) return `${stats.nodes.toLocaleString('en-US')} of ${all} nodes on screen`;
  if (stats.nodes === 0) return `${plural(groups, 'group')} on screen · ${all} nodes`;
  return `${plural(stats.nodes, 'node')} and ${plural(groups, 'group')} on screen · ${all} nodes`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
