/**
 * The imperative core of the graph view: owns the canvas, the view transform, the scene and the
 * layout worker, and turns input (input.ts says what each gesture does) into view changes. Draws at
 * most once per animation frame, the minimap (minimap.ts) with it. The React component around it only renders the toolbar, search, legend and inspector.
 */
import { detectTheme, readTheme, type GraphTheme } from './categories';
import { canvasToPng, download, renderWhole, toSvg } from './export';
import { GROUP_HEADER, ITEM_EXPANDED, type LayoutFrame } from './hierarchy';
import { attachInput, type InputTarget } from './input';
import { LayoutClient, preparedKey } from './layout-client';
import { Minimap } from './minimap';
import type { GraphModel } from './model';
import { opOf } from './model';
import { categoryColouring, overlayColouring, type Colouring, type NodeOverlay } from './overlay';
import type { LayoutCommand } from './protocol';
import { readableFit, wholeView } from './fit';
import { draw, type DrawState, type DrawStats, type View } from './render';
import { Scene } from './scene';
import { initialExpansion } from './structure';
import { markOpen } from '../state/open-marks';
import type { Hull } from './store';
import { boxLabel } from './op-label';

export interface ControllerEvents {
  /** Selection changed by the user (node id or group id; both null = nothing). */
  onSelect(node: number | null, group: number | null): void;
  /** Layout state, stats or legend changed: the React side re-reads what it shows. */
  onChange(): void;
  /** A frame was drawn (what is on screen changed): cheap, called every frame. */
  onDraw?(stats: DrawStats): void;
  /** The pointer is over `node` (-1: over no node, or it left) at client coordinates x, y. */
  onHover?(node: number, x: number, y: number): void;
  /** The first frame is drawn, or the graph could not be laid out: the view is settled. */
  onSettled?(): void;
  /** A frame was drawn at the view now in `view` (a side-by-side view follows it). */
  onView?(view: ViewState): void;
}

export interface ViewState {
  s: number;
  tx: number;
  ty: number;
}

const MIN_SCALE_FLOOR = 1e-5;
const MAX_SCALE = 4;

export class GraphController {
  readonly view: ViewState = { s: 1, tx: 0, ty: 0 };
  scene: Scene | null = null;
  busy = false;
  error: string | null = null;
  lastStats: DrawStats | null = null;
  /** The view is Fit's readable cut of a graph too big to fit whole (Fit again shows all of it). */
  fitCapped = false;
  lastLayoutMs = 0;
  /** The last layout was the one the worker made ahead (layout-client.ts `prepareLayout`). */
  lastLayoutPrepared = false;
  /** How long the worker took to make that layout ahead, in milliseconds (the graph benchmark reads it). */
  lastPrepareMs: number | undefined = undefined;
  frameCount = 0;
  colouring: Colouring;
  theme: GraphTheme;
  private readonly layout: LayoutClient;
  private readonly minimap: Minimap | null;
  private raf = 0;
  private width = 1;
  private height = 1;
  private dpr = 1;
  private selectedItem = -1;
  private hitItems: number[] = [];
  private hulls: Hull[] = [];
  private edgeMark: Uint8Array | null = null;
  private groupColor: Int32Array | null = null;
  private readonly disposers: (() => void)[] = [];
  private ready = false;
  /** Per-frame draw times (ms), for the benchmark. */
  readonly drawTimes: number[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    minimapCanvas: HTMLCanvasElement | null,
    readonly model: GraphModel,
    private readonly events: ControllerEvents,
    useWorker = true,
  ) {
    this.minimap = minimapCanvas ? new Minimap(minimapCanvas) : null;
    this.layout = new LayoutClient(useWorker && typeof Worker !== 'undefined');
    this.theme = readTheme(detectTheme(root), root);
    this.colouring = categoryColouring(model, this.theme);
    this.attach();
    this.resize();
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    this.root.dataset.state = 'layout';
    if (this.model.N === 0) {
      this.root.dataset.state = 'ready';
      this.root.dataset.visibleNodes = '0';
      this.error = null;
      this.events.onChange();
      this.events.onSettled?.();
      return;
    }
    const initial = initialExpansion(this.model.N, this.model.G);
    markOpen('layout-sent');
    const prepared = preparedKey(this.model.payload);
    await this.run({ type: 'init', structure: this.model.structure, initial, prepared }, 'fit');
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    this.layout.dispose();
    for (const d of this.disposers) d();
  }

  private async run(cmd: LayoutCommand, anchor: 'fit' | 'keep' | { item: number }): Promise<void> {
    this.busy = true;
    this.root.dataset.layout = 'busy';
    this.events.onChange();
    // remember where an anchor item is on screen, to keep it there after the layout changes
    let anchorItem = -1;
    let anchorScreen = { x: 0, y: 0 };
    if (anchor !== 'fit' && this.scene) {
      anchorItem = typeof anchor === 'object' ? anchor.item : this.centreItem();
      const vi = anchorItem >= 0 ? this.visibleIndex(anchorItem) : -1;
      if (vi >= 0) {
        const f = this.scene.frame;
        anchorScreen = { x: f.x[vi]! * this.view.s + this.view.tx, y: f.y[vi]! * this.view.s + this.view.ty };
      } else anchorItem = -1;
    }
    try {
      const reply = await this.layout.send(cmd);
      if (!this.ready) markOpen('layout-done');
      this.lastLayoutMs = reply.layoutMs;
      this.lastLayoutPrepared = reply.prepared === true;
      if (reply.prepareMs !== undefined) this.lastPrepareMs = reply.prepareMs;
      this.setFrame(reply.frame);
      if (anchor === 'fit') this.fit();
      else if (anchorItem >= 0) {
        const vi = this.visibleIndex(anchorItem);
        if (vi >= 0) {
          const f = this.scene!.frame;
          this.view.tx = anchorScreen.x - f.x[vi]! * this.view.s;
          this.view.ty = anchorScreen.y - f.y[vi]! * this.view.s;
        }
      }
      this.error = null;
    } catch (err) {
      this.error = `The graph could not be laid out: ${err instanceof Error ? err.message : String(err)}`;
      this.root.dataset.state = 'error';
      this.events.onSettled?.();
    } finally {
      this.busy = false;
      this.root.dataset.layout = 'idle';
      this.requestDraw();
      this.events.onChange();
    }
  }

  private setFrame(frame: LayoutFrame): void {
    this.scene = new Scene(frame, this.model.N + this.model.G + 1);
    this.root.dataset.items = String(frame.items.length);
    let expanded = 0;
    for (let g = 0; g < frame.expanded.length; g++) expanded += frame.expanded[g]!;
    this.root.dataset.expandedGroups = String(expanded);
    this.root.dataset.allExpanded = String(expanded === this.model.G);
    this.minimap?.invalidate();
    this.refreshMarks();
  }

  // ---- queries ----

  /** Item id -> visible index in the current frame, walking up to a collapsed ancestor. */
  visibleIndex(item: number): number {
    if (!this.scene) return -1;
    let it = item;
    for (let guard = 0; it >= 0 && guard < 10_000; guard++) {
      const vi = this.scene.indexOf[it]!;
      if (vi >= 0) return vi;
      it = this.parentItem(it);
    }
    return -1;
  }

  private parentItem(item: number): number {
    const { N, G } = this.model;
    if (item < N) {
      const g = this.model.nodeGroup[item]!;
      return g >= 0 ? N + g : -1;
    }
    if (item < N + G) {
      const p = this.model.groupParent[item - N]!;
      return p >= 0 ? N + p : -1;
    }
    return -1;
  }

  /** The node drawn nearest the middle of the view (the selection when on screen), -1 when none is. */
  centreNode(): number {
    const item = this.centreItem();
    return item < this.model.N ? item : -1;
  }

  private centreItem(): number {
    if (!this.scene) return -1;
    if (this.selectedItem >= 0 && this.visibleIndex(this.selectedItem) >= 0) return this.selectedItem;
    const wx = (this.width / 2 - this.view.tx) / this.view.s;
    const wy = (this.height / 2 - this.view.ty) / this.view.s;
    const r = Math.max(this.width, this.height) / this.view.s / 2;
    this.scene.query(wx - r, wy - r, wx + r, wy + r, false);
    const f = this.scene.frame;
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < this.scene.qItemCount; k++) {
      const i = this.scene.qItems[k]!;
      if (f.kind[i] === ITEM_EXPANDED) continue;
      const d = Math.hypot(f.x[i]! + f.w[i]! / 2 - wx, f.y[i]! + f.h[i]! / 2 - wy);
      if (d < bestD) {
        bestD = d;
        best = f.items[i]!;
      }
    }
    return best;
  }

  // ---- view ----

  private minScale(): number {
    if (!this.scene) return 0.01;
    const w = this.scene.maxX - this.scene.minX + 80;
    const h = this.scene.maxY - this.scene.minY + 80;
    return Math.max(MIN_SCALE_FLOOR, Math.min(0.2, 0.5 * Math.min(this.width / w, this.height / h)));
  }

  /** The whole graph in view, however small that draws it (an overview; the bench's starting point). */
  fitAll(): void {
    if (!this.scene) return;
    Object.assign(this.view, wholeView(this.scene, this.width, this.height));
    this.setFitCapped(false);
    this.requestDraw();
  }

  /** Fit, readably (see readableFit): the whole graph, or its top at a zoom where labels are drawn. */
  fit(): void {
    if (!this.scene) return;
    const { view, capped } = readableFit(this.scene, this.width, this.height);
    Object.assign(this.view, view);
    this.setFitCapped(capped);
    this.requestDraw();
  }

  /** What Fit (the button, the 0 key) does now: the readable fit, or all of it when already there. */
  fitOrAll(): void {
    if (this.fitCapped) this.fitAll();
    else this.fit();
  }

  private setFitCapped(capped: boolean): void {
    if (this.fitCapped === capped) return;
    this.fitCapped = capped;
    this.events.onChange();
  }

  zoomAt(factor: number, sx: number, sy: number): void {
    this.setFitCapped(false);
    const s = Math.min(MAX_SCALE, Math.max(this.minScale(), this.view.s * factor));
    const k = s / this.view.s;
    this.view.tx = sx - (sx - this.view.tx) * k;
    this.view.ty = sy - (sy - this.view.ty) * k;
    this.view.s = s;
    this.requestDraw();
  }

  panBy(dx: number, dy: number): void {
    this.setFitCapped(false);
    this.view.tx += dx;
    this.view.ty += dy;
    this.requestDraw();
  }

  setView(v: ViewState): void {
    this.setFitCapped(false);
    this.view.s = v.s;
    this.view.tx = v.tx;
    this.view.ty = v.ty;
    this.requestDraw();
  }

  /** Centre an item on screen, zooming in to at least `minS`. */
  centreOn(item: number, minS = 0.9): void {
    const vi = this.visibleIndex(item);
    if (vi < 0 || !this.scene) return;
    const f = this.scene.frame;
    this.setFitCapped(false);
    const s = Math.max(this.view.s, Math.min(minS, MAX_SCALE));
    this.view.s = s;
    this.view.tx = this.width / 2 - (f.x[vi]! + f.w[vi]! / 2) * s;
    this.view.ty = this.height / 2 - (f.y[vi]! + f.h[vi]! / 2) * s;
    this.requestDraw();
  }

  // ---- groups ----

  toggleGroup(group: number): Promise<void> {
    if (!this.scene) return Promise.resolve();
    const expanded = this.scene.frame.expanded[group] === 1;
    return this.run({ type: 'expand', groups: [group], value: !expanded }, { item: this.model.N + group });
  }

  expandAll(): Promise<void> {
    return this.run({ type: 'expandAll' }, 'keep');
  }

  collapseAll(): Promise<void> {
    return this.run({ type: 'collapseAll' }, 'fit');
  }

  /** Expands what hides a node, then centres and selects it. */
  async jumpTo(node: number): Promise<void> {
    if (!this.scene) return;
    if (this.scene.indexOf[node]! < 0) await this.run({ type: 'reveal', items: [node] }, 'keep');
    this.select(node);
    this.centreOn(node);
  }

  // ---- selection and marks ----

  select(item: number): void {
    this.selectedItem = item;
    const { N, G } = this.model;
    if (item < 0) this.events.onSelect(null, null);
    else if (item < N) this.events.onSelect(item, null);
    else if (item < N + G) this.events.onSelect(null, item - N);
    this.refreshMarks();
    this.requestDraw();
  }

  get selected(): number {
    return this.selectedItem;
  }

  setHits(nodes: number[]): void {
    this.hitItems = nodes;
    this.requestDraw();
  }

  setHulls(hulls: Hull[]): void {
    this.hulls = hulls;
    this.requestDraw();
  }

  setOverlay(overlay: NodeOverlay | null): void {
    this.colouring = overlay
      ? overlayColouring(this.model, overlay, this.theme.name === 'dark' ? '#3a3d42' : '#e4e6ea')
      : categoryColouring(this.model, this.theme);
    this.groupColor = null;
    this.minimap?.invalidate();
    this.requestDraw();
    this.events.onChange();
  }

  setTheme(): void {
    const name = detectTheme(this.root);
    this.theme = readTheme(name, this.root);
    this.colouring = categoryColouring(this.model, this.theme);
    this.minimap?.invalidate();
    this.requestDraw();
    this.events.onChange();
  }

  private refreshMarks(): void {
    const sc = this.scene;
    if (!sc || this.selectedItem < 0) {
      this.edgeMark = null;
      return;
    }
    const vi = this.visibleIndex(this.selectedItem);
    const f = sc.frame;
    const mark = new Uint8Array(f.edgeSrc.length);
    let any = false;
    for (let e = 0; e < f.edgeSrc.length; e++) {
      if (f.edgeDst[e] === vi) {
        mark[e] = 1;
        any = true;
      } else if (f.edgeSrc[e] === vi) {
        mark[e] = 2;
        any = true;
      }
    }
    this.edgeMark = any ? mark : null;
  }

  /** Producers and consumers of the selected item (as drawn). */
  neighbours(): { producers: number[]; consumers: number[] } {
    const sc = this.scene;
    const producers: number[] = [];
    const consumers: number[] = [];
    if (!sc || !this.edgeMark) return { producers, consumers };
    const f = sc.frame;
    for (let e = 0; e < f.edgeSrc.length; e++) {
      if (this.edgeMark[e] === 1) producers.push(f.items[f.edgeSrc[e]!]!);
      else if (this.edgeMark[e] === 2) consumers.push(f.items[f.edgeDst[e]!]!);
    }
    return { producers, consumers };
  }

  // ---- drawing ----

  requestDraw(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.drawNow();
    });
  }

  drawState(): DrawState {
    const m = this.model;
    const toVisible = (items: number[]) => {
      const out = new Set<number>();
      for (const it of items) {
        const vi = this.visibleIndex(it);
        if (vi >= 0) out.add(vi);
      }
      return Int32Array.from(out);
    };
    return {
      theme: this.theme,
      N: m.N,
      nodeColor: this.colouring.nodeColor,
      palette: this.colouring.palette,
      groupColor: this.groupColor,
      nodeLabel: (item) => boxLabel(opOf(m, item)),
      groupLabel: (item) => m.groupLabel[item - m.N] ?? '',
      groupSubLabel: (item) => {
        const g = item - m.N;
        const n = this.nodeCountIn(g);
        return `${n.toLocaleString('en-US')} node${n === 1 ? '' : 's'}`;
      },
      selected: this.selectedItem >= 0 ? this.visibleIndex(this.selectedItem) : -1,
      edgeMark: this.edgeMark,
      hits: this.hitItems.length ? toVisible(this.hitItems) : null,
      hulls: this.hulls.map((h) => ({ members: toVisible(h.nodes), color: h.color, label: h.label })),
    };
  }

  private nodeCounts: Int32Array | null = null;
  nodeCountIn(group: number): number {
    if (!this.nodeCounts) {
      const { N, G } = this.model;
      const counts = new Int32Array(G);
      for (let i = 0; i < N; i++) {
        let g = this.model.nodeGroup[i]!;
        for (let guard = 0; g >= 0 && guard < 10_000; guard++) {
          counts[g]!++;
          g = this.model.groupParent[g]!;
        }
      }
      this.nodeCounts = counts;
    }
    return this.nodeCounts[group] ?? 0;
  }

  drawNow(): void {
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx || !this.scene) return;
    const view: View = { ...this.view, width: this.width, height: this.height, dpr: this.dpr };
    const stats = draw(ctx, this.scene, view, this.drawState());
    this.lastStats = stats;
    this.frameCount++;
    this.drawTimes.push(stats.ms);
    if (this.drawTimes.length > 2000) this.drawTimes.splice(0, 1000);
    this.root.dataset.visibleNodes = String(stats.items);
    this.root.dataset.drawMode = stats.mode;
    this.root.dataset.scale = this.view.s.toPrecision(4);
    this.events.onDraw?.(stats);
    this.events.onView?.(this.view);
    if (this.minimap && this.scene)
      this.minimap.draw(
        this.scene,
        { ...this.view, width: this.width, height: this.height },
        this.colouring,
        this.theme,
      );
    if (!this.ready) {
      this.ready = true;
      this.root.dataset.state = 'ready';
      markOpen('ready');
      this.events.onChange();
      this.events.onSettled?.();
    }
  }

  // ---- export ----

  async exportPng(whole: boolean, fileName = 'graph.png'): Promise<Blob> {
    if (!whole || !this.scene) {
      this.drawNow();
      const blob = await canvasToPng(this.canvas);
      download(blob, fileName);
      return blob;
    }
    const c = renderWhole(this.scene, this.drawState());
    const blob = await canvasToPng(c);
    download(blob, fileName);
    return blob;
  }

  exportSvg(whole: boolean, fileName = 'graph.svg'): string {
    if (!this.scene) return '';
    const v = this.view;
    const rect = whole
      ? null
      : { x0: -v.tx / v.s, y0: -v.ty / v.s, x1: (this.width - v.tx) / v.s, y1: (this.height - v.ty) / v.s };
    const svg = toSvg(this.scene, this.drawState(), rect);
    download(new Blob([svg], { type: 'image/svg+xml' }), fileName);
    return svg;
  }

  // ---- input ----

  private resize(): void {
    const r = this.canvas.getBoundingClientRect();
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    this.width = Math.max(1, Math.round(r.width));
    this.height = Math.max(1, Math.round(r.height));
    this.canvas.width = Math.round(this.width * this.dpr);
    this.canvas.height = Math.round(this.height * this.dpr);
    this.requestDraw();
  }

  private attach(): void {
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(this.canvas);
    this.disposers.push(() => ro.disconnect());
    const target: InputTarget = {
      counts: () => this.model,
      size: () => ({ width: this.width, height: this.height }),
      itemAt: (ev) => this.itemAt(ev),
      selected: () => this.selectedItem,
      select: (item) => this.select(item),
      panBy: (dx, dy) => this.panBy(dx, dy),
      zoomAt: (factor, sx, sy) => this.zoomAt(factor, sx, sy),
      fitOrAll: () => this.fitOrAll(),
      toggleGroup: (group) => this.toggleGroup(group),
      centreOnPoint: (x, y) => {
        this.setFitCapped(false);
        this.view.tx = this.width / 2 - x * this.view.s;
        this.view.ty = this.height / 2 - y * this.view.s;
        this.requestDraw();
      },
      hover: (node, x, y) => this.events.onHover?.(node, x, y),
    };
    this.disposers.push(attachInput({ root: this.root, canvas: this.canvas, minimap: this.minimap }, target));
    // follow the app's theme
    const mo = new MutationObserver(() => this.setTheme());
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class'] });
    this.disposers.push(() => mo.disconnect());
  }

  /** Item id under a pointer event, or -1. Clicking an expanded group's header selects it. */
  private itemAt(ev: MouseEvent): number {
    if (!this.scene) return -1;
    const r = this.canvas.getBoundingClientRect();
    const wx = (ev.clientX - r.left - this.view.tx) / this.view.s;
    const wy = (ev.clientY - r.top - this.view.ty) / this.view.s;
    const vi = this.scene.hit(wx, wy);
    if (vi < 0) return -1;
    const f = this.scene.frame;
    if (f.kind[vi] === ITEM_EXPANDED && wy > f.y[vi]! + GROUP_HEADER) {
      // inside an expanded group but not on a child: the group itself (for double click to collapse)
      return f.items[vi]!;
    }
    return f.items[vi]!;
  }

  /** Screen box of an item (CSS px relative to the canvas), for tests. */
  screenBox(item: number): { x: number; y: number; w: number; h: number; kind: number } | null {
    const vi = this.visibleIndex(item);
    if (vi < 0 || !this.scene) return null;
    const f = this.scene.frame;
    return {
      x: f.x[vi]! * this.view.s + this.view.tx,
      y: f.y[vi]! * this.view.s + this.view.ty,
      w: f.w[vi]! * this.view.s,
      h: f.h[vi]! * this.view.s,
      kind: f.kind[vi]!,
    };
  }
}
