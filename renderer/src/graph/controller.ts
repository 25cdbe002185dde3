/**
 * The imperative core of the graph view: owns the canvas, the view transform, the scene and the
 * layout worker, and handles pointer, wheel and keyboard input. Draws at most once per animation
 * frame. The React component around it only renders the toolbar, search, legend and inspector.
 */
import { detectTheme, readTheme, type GraphTheme } from './categories';
import { canvasToPng, download, toSvg } from './export';
import { GROUP_HEADER, ITEM_EXPANDED, ITEM_NODE, type LayoutFrame } from './hierarchy';
import { LayoutClient, preparedKey } from './layout-client';
import type { GraphModel } from './model';
import { opOf } from './model';
import { categoryColouring, overlayColouring, type Colouring, type NodeOverlay } from './overlay';
import type { LayoutCommand } from './protocol';
import { readableFit, wholeView } from './fit';
import { draw, rgba32, type DrawState, type DrawStats, type View } from './render';
import { Scene } from './scene';
import { initialExpansion } from './structure';
import { markOpen } from '../state/open-marks';
import type { Hull } from './store';

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
  frameCount = 0;
  colouring: Colouring;
  theme: GraphTheme;
  private readonly layout: LayoutClient;
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
  private minimapCache: HTMLCanvasElement | null = null;
  private minimapT = { s: 1, ox: 0, oy: 0 };
  private ready = false;
  /** Per-frame draw times (ms), for the benchmark. */
  readonly drawTimes: number[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly minimap: HTMLCanvasElement | null,
    readonly model: GraphModel,
    private readonly events: ControllerEvents,
    useWorker = true,
  ) {
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
    this.minimapCache = null;
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
    this.minimapCache = null;
    this.requestDraw();
    this.events.onChange();
  }

  setTheme(): void {
    const name = detectTheme(this.root);
    this.theme = readTheme(name, this.root);
    this.colouring = categoryColouring(this.model, this.theme);
    this.minimapCache = null;
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
      nodeLabel: (item) => opOf(m, item),
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
    this.drawMinimap();
    if (!this.ready) {
      this.ready = true;
      this.root.dataset.state = 'ready';
      markOpen('ready');
      this.events.onChange();
      this.events.onSettled?.();
    }
  }

  private drawMinimap(): void {
    const mini = this.minimap;
    const sc = this.scene;
    if (!mini || !sc) return;
    const W = mini.width;
    const H = mini.height;
    const ctx = mini.getContext('2d');
    if (!ctx || W === 0 || H === 0) return;
    const gw = sc.maxX - sc.minX || 1;
    const gh = sc.maxY - sc.minY || 1;
    const s = Math.min(W / gw, H / gh);
    const ox = (W - gw * s) / 2 - sc.minX * s;
    const oy = (H - gh * s) / 2 - sc.minY * s;
    this.minimapT = { s, ox, oy };
    if (!this.minimapCache) {
      const cache = document.createElement('canvas');
      cache.width = W;
      cache.height = H;
      const c2 = cache.getContext('2d');
      if (c2) {
        const img = c2.createImageData(W, H);
        const px = new Uint32Array(img.data.buffer);
        px.fill(rgba32(this.theme.background));
        const f = sc.frame;
        const pal = this.colouring.palette.map(rgba32);
        const groupCol = rgba32(this.theme.groupStroke);
        for (let i = 0; i < f.items.length; i++) {
          const kind = f.kind[i]!;
          if (kind === ITEM_EXPANDED) continue;
          const col = kind === ITEM_NODE ? pal[this.colouring.nodeColor[f.items[i]!]!]! : groupCol;
          const ax = Math.max(0, Math.floor(f.x[i]! * s + ox));
          const ay = Math.max(0, Math.floor(f.y[i]! * s + oy));
          const bx = Math.min(W, Math.max(ax + 1, Math.ceil((f.x[i]! + f.w[i]!) * s + ox)));
          const by = Math.min(H, Math.max(ay + 1, Math.ceil((f.y[i]! + f.h[i]!) * s + oy)));
          for (let y = ay; y < by; y++) px.fill(col, y * W + ax, y * W + bx);
        }
        c2.putImageData(img, 0, 0);
      }
      this.minimapCache = cache;
    }
    ctx.drawImage(this.minimapCache, 0, 0);
    const vx = (-this.view.tx / this.view.s) * s + ox;
    const vy = (-this.view.ty / this.view.s) * s + oy;
    const vw = (this.width / this.view.s) * s;
    const vh = (this.height / this.view.s) * s;
    ctx.strokeStyle = this.theme.selection;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(
      Math.max(0.5, vx),
      Math.max(0.5, vy),
      Math.min(W - 1, Math.max(2, vw)),
      Math.min(H - 1, Math.max(2, vh)),
    );
  }

  // ---- export ----

  async exportPng(whole: boolean, fileName = 'graph.png'): Promise<Blob> {
    if (!whole || !this.scene) {
      this.drawNow();
      const blob = await canvasToPng(this.canvas);
      download(blob, fileName);
      return blob;
    }
    const sc = this.scene;
    const pad = 20;
    const gw = sc.maxX - sc.minX + 2 * pad;
    const gh = sc.maxY - sc.minY + 2 * pad;
    // at most 8192 px on a side and 32 Mpx in all
    const s = Math.min(2, 8192 / gw, 8192 / gh, Math.sqrt(32e6 / (gw * gh)));
    const c = document.createElement('canvas');
    c.width = Math.max(1, Math.ceil(gw * s));
    c.height = Math.max(1, Math.ceil(gh * s));
    const ctx = c.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2D canvas for the export');
    draw(
      ctx,
      sc,
      { s, tx: (pad - sc.minX) * s, ty: (pad - sc.minY) * s, width: c.width, height: c.height, dpr: 1 },
      this.drawState(),
    );
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

  private on<K extends keyof HTMLElementEventMap>(
    el: HTMLElement,
    type: K,
    fn: (ev: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void {
    el.addEventListener(type, fn as EventListener, opts);
    this.disposers.push(() => el.removeEventListener(type, fn as EventListener, opts));
  }

  private attach(): void {
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(this.canvas);
    this.disposers.push(() => ro.disconnect());

    let drag: { x: number; y: number; moved: boolean; id: number } | null = null;
    this.on(this.canvas, 'pointerdown', (ev) => {
      if (ev.button !== 0) return;
      this.canvas.setPointerCapture(ev.pointerId);
      drag = { x: ev.clientX, y: ev.clientY, moved: false, id: ev.pointerId };
      this.root.focus({ preventScroll: true });
    });
    this.on(this.canvas, 'pointermove', (ev) => {
      if (!drag || drag.id !== ev.pointerId) {
        if (!drag) {
          const item = this.itemAt(ev);
          this.events.onHover?.(item >= 0 && item < this.model.N ? item : -1, ev.clientX, ev.clientY);
        }
        return;
      }
      this.events.onHover?.(-1, 0, 0);
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true;
      drag.x = ev.clientX;
      drag.y = ev.clientY;
      this.panBy(dx, dy);
    });
    this.on(this.canvas, 'pointerup', (ev) => {
      if (!drag || drag.id !== ev.pointerId) return;
      const wasClick = !drag.moved;
      drag = null;
      if (!wasClick) return;
      const item = this.itemAt(ev);
      this.select(item);
    });
    this.on(this.canvas, 'pointercancel', () => {
      drag = null;
    });
    this.on(this.canvas, 'pointerleave', () => this.events.onHover?.(-1, 0, 0));
    this.on(this.canvas, 'dblclick', (ev) => {
      const item = this.itemAt(ev);
      const { N, G } = this.model;
      if (item >= N && item < N + G) void this.toggleGroup(item - N);
    });
    this.on(
      this.canvas,
      'wheel',
      (ev) => {
        ev.preventDefault();
        const r = this.canvas.getBoundingClientRect();
        const sx = ev.clientX - r.left;
        const sy = ev.clientY - r.top;
        const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? this.height : 1;
        if (ev.ctrlKey || ev.metaKey) {
          // trackpad pinch arrives as ctrl+wheel; a mouse wheel with ctrl zooms too
          this.zoomAt(Math.exp(-ev.deltaY * unit * 0.0025), sx, sy);
        } else if (ev.shiftKey) this.panBy(-ev.deltaY * unit, 0);
        else this.panBy(-ev.deltaX * unit, -ev.deltaY * unit);
      },
      { passive: false },
    );
    this.on(this.root, 'keydown', (ev) => {
      if ((ev.target as HTMLElement | null)?.closest('input, textarea, select')) return;
      const step = 80;
      let handled = true;
      switch (ev.key) {
        case '+':
        case '=':
          this.zoomAt(1.25, this.width / 2, this.height / 2);
          break;
        case '-':
        case '_':
          this.zoomAt(0.8, this.width / 2, this.height / 2);
          break;
        case '0':
          this.fitOrAll();
          break;
        case 'ArrowLeft':
          this.panBy(step, 0);
          break;
        case 'ArrowRight':
          this.panBy(-step, 0);
          break;
        case 'ArrowUp':
          this.panBy(0, step);
          break;
        case 'ArrowDown':
          this.panBy(0, -step);
          break;
        case 'Escape':
          this.select(-1);
          break;
        case 'Enter': {
          const { N, G } = this.model;
          if (this.selectedItem >= N && this.selectedItem < N + G) void this.toggleGroup(this.selectedItem - N);
          else handled = false;
          break;
        }
        default:
          handled = false;
      }
      if (handled) ev.preventDefault();
    });
    if (this.minimap) {
      const mini = this.minimap;
      let down = false;
      const move = (ev: PointerEvent) => {
        const r = mini.getBoundingClientRect();
        const mx = ((ev.clientX - r.left) / r.width) * mini.width;
        const my = ((ev.clientY - r.top) / r.height) * mini.height;
        const wx = (mx - this.minimapT.ox) / this.minimapT.s;
        const wy = (my - this.minimapT.oy) / this.minimapT.s;
        this.setFitCapped(false);
        this.view.tx = this.width / 2 - wx * this.view.s;
        this.view.ty = this.height / 2 - wy * this.view.s;
        this.requestDraw();
      };
      this.on(mini, 'pointerdown', (ev) => {
        down = true;
        mini.setPointerCapture(ev.pointerId);
        move(ev);
      });
      this.on(mini, 'pointermove', (ev) => down && move(ev));
      this.on(mini, 'pointerup', () => {
        down = false;
      });
    }
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
