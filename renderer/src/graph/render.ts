/**
 * One draw pass of the graph onto a 2D canvas. Level of detail:
 *  - far (a node under ~3 px tall): boxes and edges are written straight into an ImageData
 *    (one pixel loop, no path rasterisation), which keeps 100k+ items on screen at frame rate
 *    even with software rendering (headless Chromium --disable-gpu);
 *  - middle: filled boxes batched by colour (one path per colour), edges as one polyline path;
 *  - near: outlines, rounded boxes, curved edges with arrowheads, op labels (labels are skipped
 *    when the text would be under 6 px).
 * Only what the scene's grid returns for the viewport is touched.
 */
import { ITEM_COLLAPSED, ITEM_EXPANDED, ITEM_NODE, GROUP_HEADER } from './hierarchy';
import type { GraphTheme } from './categories';
import { NODE_H } from './model';
import type { Scene } from './scene';

export interface View {
  /** screen = world * s + t (CSS pixels). */
  s: number;
  tx: number;
  ty: number;
  width: number;
  height: number;
  dpr: number;
}

export interface DrawState {
  theme: GraphTheme;
  /** Node count N (item ids below N are nodes). */
  N: number;
  /** Fill colour per node id, as an index into `palette`. */
  nodeColor: Uint16Array;
  palette: string[];
  /** Fill for collapsed groups (by group id), -1 = theme default. */
  groupColor: Int32Array | null;
  nodeLabel: (item: number) => string;
  groupLabel: (item: number) => string;
  groupSubLabel: (item: number) => string;
  /** Visible index of the selected item, or -1. */
  selected: number;
  /** Per visible edge: 1 into the selection, 2 out of it. */
  edgeMark: Uint8Array | null;
  /** Visible indices to ring as search hits. */
  hits: Int32Array | null;
  /** Hulls: per hull, the visible indices of its members and a colour. */
  hulls: { members: Int32Array; color: string; label: string }[];
}

export interface DrawStats {
  /** Nodes and collapsed groups drawn (in the viewport). */
  items: number;
  nodes: number;
  edges: number;
  mode: 'raster' | 'vector';
  ms: number;
}

const RASTER_BELOW = 3; // node height in device px under which we splat pixels

const rgbaCache = new Map<string, number>();
let parseCtx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null = null;
/** A CSS colour as little-endian RGBA uint32 (for ImageData). */
export function rgba32(css: string): number {
  const hit = rgbaCache.get(css);
  if (hit !== undefined) return hit;
  let r = 128;
  let g = 128;
  let b = 128;
  let a = 255;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(css.trim());
  if (hex) {
    const h = hex[1]!;
    const full = h.length === 3 ? h.replace(/./g, (c) => c + c) : h;
    r = parseInt(full.slice(0, 2), 16);
    g = parseInt(full.slice(2, 4), 16);
    b = parseInt(full.slice(4, 6), 16);
  } else {
    const m = /rgba?\(([^)]+)\)/.exec(css);
    if (m) {
      const parts = m[1]!.split(',').map((p) => parseFloat(p));
      r = parts[0] ?? r;
      g = parts[1] ?? g;
      b = parts[2] ?? b;
      a = parts[3] !== undefined ? Math.round(parts[3] * 255) : 255;
    } else if (typeof OffscreenCanvas !== 'undefined') {
      parseCtx ??= new OffscreenCanvas(1, 1).getContext('2d');
      if (parseCtx) {
        parseCtx.fillStyle = css;
        return rgba32(String(parseCtx.fillStyle));
      }
    }
  }
  const v = ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  rgbaCache.set(css, v);
  return v;
}

let imageCache: ImageData | null = null;

export function draw(ctx: CanvasRenderingContext2D, scene: Scene, view: View, st: DrawState): DrawStats {
  const t0 = performance.now();
  const { s, tx, ty, dpr } = view;
  const f = scene.frame;
  const x0 = -tx / s;
  const y0 = -ty / s;
  const x1 = (view.width - tx) / s;
  const y1 = (view.height - ty) / s;
  scene.query(x0, y0, x1, y1, true);
  const qi = scene.qItems;
  const ni = scene.qItemCount;
  const ne = scene.qEdgeCount;
  let nodes = 0;
  let items = 0;
  for (let k = 0; k < ni; k++) {
    const kind = f.kind[qi[k]!]!;
    if (kind !== ITEM_EXPANDED) items++;
    if (kind === ITEM_NODE) nodes++;
  }
  const raster = NODE_H * s * dpr < RASTER_BELOW;
  if (raster) drawRaster(ctx, scene, view, st);
  else drawVector(ctx, scene, view, st);
  drawMarks(ctx, scene, view, st, raster);
  return { items, nodes, edges: ne, mode: raster ? 'raster' : 'vector', ms: performance.now() - t0 };
}

function drawRaster(ctx: CanvasRenderingContext2D, scene: Scene, view: View, st: DrawState): void {
  const { s, tx, ty, dpr } = view;
  const W = Math.max(1, Math.round(view.width * dpr));
  const H = Math.max(1, Math.round(view.height * dpr));
  if (!imageCache || imageCache.width !== W || imageCache.height !== H) imageCache = ctx.createImageData(W, H);
  const px = new Uint32Array(imageCache.data.buffer);
  px.fill(rgba32(st.theme.background));
  const f = scene.frame;
  const S = s * dpr;
  const TX = tx * dpr;
  const TY = ty * dpr;
  const qi = scene.qItems;
  const qe = scene.qEdges;

  // group frames: 1 px outlines
  const frameCol = rgba32(st.theme.groupStroke);
  for (let k = 0; k < scene.qItemCount; k++) {
    const i = qi[k]!;
    if (f.kind[i] !== ITEM_EXPANDED) continue;
    const ax = Math.round(f.x[i]! * S + TX);
    const ay = Math.round(f.y[i]! * S + TY);
    const bx = Math.round((f.x[i]! + f.w[i]!) * S + TX);
    const by = Math.round((f.y[i]! + f.h[i]!) * S + TY);
    if (bx - ax < 3 || by - ay < 3) continue;
    hline(px, W, H, ax, bx, ay, frameCol);
    hline(px, W, H, ax, bx, by, frameCol);
    vline(px, W, H, ax, ay, by, frameCol);
    vline(px, W, H, bx, ay, by, frameCol);
  }
  // edges: DDA lines
  const edgeCol = rgba32(st.theme.edge);
  const pts = f.points;
  for (let k = 0; k < scene.qEdgeCount; k++) {
    const e = qe[k]!;
    const a = f.ptStart[e]!;
    const b = f.ptStart[e + 1]!;
    let px0 = pts[2 * a]! * S + TX;
    let py0 = pts[2 * a + 1]! * S + TY;
    for (let j = a + 1; j < b; j++) {
      const px1 = pts[2 * j]! * S + TX;
      const py1 = pts[2 * j + 1]! * S + TY;
      line(px, W, H, px0, py0, px1, py1, edgeCol);
      px0 = px1;
      py0 = py1;
    }
  }
  // boxes
  const pal = st.palette.map(rgba32);
  const groupDefault = rgba32(st.theme.groupStroke);
  for (let k = 0; k < scene.qItemCount; k++) {
    const i = qi[k]!;
    const kind = f.kind[i]!;
    if (kind === ITEM_EXPANDED) continue;
    const item = f.items[i]!;
    let col: number;
    if (kind === ITEM_NODE) col = pal[st.nodeColor[item]!]!;
    else {
      const gc = st.groupColor ? st.groupColor[item - st.N]! : -1;
      col = gc >= 0 ? pal[gc]! : groupDefault;
    }
    let ax = Math.floor(f.x[i]! * S + TX);
    let ay = Math.floor(f.y[i]! * S + TY);
    let bx = Math.ceil((f.x[i]! + f.w[i]!) * S + TX);
    let by = Math.ceil((f.y[i]! + f.h[i]!) * S + TY);
    if (bx <= ax) bx = ax + 1;
    if (by <= ay) by = ay + 1;
    if (ax < 0) ax = 0;
    if (ay < 0) ay = 0;
    if (bx > W) bx = W;
    if (by > H) by = H;
    for (let y = ay; y < by; y++) px.fill(col, y * W + ax, y * W + bx);
  }
  ctx.putImageData(imageCache, 0, 0);
}

function hline(px: Uint32Array, W: number, H: number, ax: number, bx: number, y: number, c: number): void {
  if (y < 0 || y >= H) return;
  const a = Math.max(0, ax);
  const b = Math.min(W, bx + 1);
  if (b > a) px.fill(c, y * W + a, y * W + b);
}
function vline(px: Uint32Array, W: number, H: number, x: number, ay: number, by: number, c: number): void {
  if (x < 0 || x >= W) return;
  for (let y = Math.max(0, ay); y <= Math.min(H - 1, by); y++) px[y * W + x] = c;
}
function line(px: Uint32Array, W: number, H: number, x0: number, y0: number, x1: number, y1: number, c: number): void {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const steps = Math.min(4096, Math.ceil(Math.max(Math.abs(dx), Math.abs(dy))));
  if (steps === 0) {
    const xi = x0 | 0;
    const yi = y0 | 0;
    if (xi >= 0 && yi >= 0 && xi < W && yi < H) px[yi * W + xi] = c;
    return;
  }
  const sx = dx / steps;
  const sy = dy / steps;
  let x = x0;
  let y = y0;
  for (let k = 0; k <= steps; k++) {
    const xi = x | 0;
    const yi = y | 0;
    if (xi >= 0 && yi >= 0 && xi < W && yi < H) px[yi * W + xi] = c;
    x += sx;
    y += sy;
  }
}

const labelCache = new Map<string, string>();
/** `text` cut (with an ellipsis) to fit `maxW` world units at the label font. */
export function fitLabel(ctx: CanvasRenderingContext2D, text: string, maxW: number, font: string): string {
  const key = `${font}|${maxW}|${text.length > 300 ? text.slice(0, 300) + text.length : text}`;
  const hit = labelCache.get(key);
  if (hit !== undefined) return hit;
  let t = text.length > 300 ? text.slice(0, 300) : text;
  if (ctx.measureText(t).width > maxW) {
    // binary search on length
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(t.slice(0, mid) + '…').width <= maxW) lo = mid;
      else hi = mid - 1;
    }
    t = t.slice(0, lo) + '…';
  }
  if (labelCache.size > 50_000) labelCache.clear();
  labelCache.set(key, t);
  return t;
}

const LABEL_FONT = '600 12px system-ui, -apple-system, "Segoe UI", sans-serif';
const SMALL_FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';

function drawVector(ctx: CanvasRenderingContext2D, scene: Scene, view: View, st: DrawState): void {
  const { s, tx, ty, dpr } = view;
  const f = scene.frame;
  const qi = scene.qItems;
  const qe = scene.qEdges;
  const th = st.theme;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = th.background;
  ctx.fillRect(0, 0, view.width, view.height);
  ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * tx, dpr * ty);
  const hair = 1 / s;
  const near = NODE_H * s >= 14;
  const labels = 12 * s >= 6;

  // expanded group frames
  ctx.lineWidth = hair;
  for (let k = 0; k < scene.qItemCount; k++) {
    const i = qi[k]!;
    if (f.kind[i] !== ITEM_EXPANDED) continue;
    ctx.fillStyle = th.groupFill;
    ctx.fillRect(f.x[i]!, f.y[i]!, f.w[i]!, f.h[i]!);
    ctx.strokeStyle = th.groupStroke;
    ctx.strokeRect(f.x[i]!, f.y[i]!, f.w[i]!, f.h[i]!);
    if (labels) {
      ctx.fillStyle = th.groupHeader;
      ctx.font = SMALL_FONT;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      const text = fitLabel(ctx, `▾ ${st.groupLabel(f.items[i]!)}`, f.w[i]! - 16, SMALL_FONT);
      ctx.fillText(text, f.x[i]! + 8, f.y[i]! + GROUP_HEADER / 2);
    }
  }

  // hulls under the nodes
  drawHulls(ctx, scene, st, s);

  // edges: one path
  ctx.strokeStyle = th.edge;
  ctx.lineWidth = near ? Math.max(hair, 1.2) : hair;
  ctx.beginPath();
  const pts = f.points;
  const arrows: number[] = [];
  for (let k = 0; k < scene.qEdgeCount; k++) {
    const e = qe[k]!;
    if (st.edgeMark && st.edgeMark[e]) continue;
    traceEdge(ctx, pts, f.ptStart[e]!, f.ptStart[e + 1]!, near);
    if (near) arrows.push(e);
  }
  ctx.stroke();
  if (near) {
    ctx.fillStyle = th.edge;
    ctx.beginPath();
    for (const e of arrows) arrowHead(ctx, pts, f.ptStart[e + 1]! - 1);
    ctx.fill();
  }
  if (st.edgeMark) {
    for (const mark of [1, 2]) {
      ctx.strokeStyle = mark === 1 ? th.edgeHighlightIn : th.edgeHighlightOut;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = Math.max(2 * hair, 2.2);
      ctx.beginPath();
      for (let k = 0; k < scene.qEdgeCount; k++) {
        const e = qe[k]!;
        if (st.edgeMark[e] === mark) traceEdge(ctx, pts, f.ptStart[e]!, f.ptStart[e + 1]!, true);
      }
      ctx.stroke();
      ctx.beginPath();
      for (let k = 0; k < scene.qEdgeCount; k++) {
        const e = qe[k]!;
        if (st.edgeMark[e] === mark) arrowHead(ctx, pts, f.ptStart[e + 1]! - 1);
      }
      ctx.fill();
    }
  }

  // nodes, batched by colour
  const buckets: number[][] = st.palette.map(() => []);
  const groups: number[] = [];
  for (let k = 0; k < scene.qItemCount; k++) {
    const i = qi[k]!;
    const kind = f.kind[i]!;
    if (kind === ITEM_NODE) buckets[st.nodeColor[f.items[i]!]!]!.push(i);
    else if (kind === ITEM_COLLAPSED) groups.push(i);
  }
  const radius = near ? 4 : 0;
  for (let c = 0; c < buckets.length; c++) {
    const list = buckets[c]!;
    if (!list.length) continue;
    ctx.fillStyle = st.palette[c]!;
    ctx.beginPath();
    for (const i of list) {
      if (radius) ctx.roundRect(f.x[i]!, f.y[i]!, f.w[i]!, f.h[i]!, radius);
      else ctx.rect(f.x[i]!, f.y[i]!, f.w[i]!, f.h[i]!);
    }
    ctx.fill();
    if (NODE_H * s >= 8) {
      ctx.strokeStyle = th.nodeStroke;
      ctx.lineWidth = hair;
      ctx.stroke();
    }
  }
  // collapsed groups: a box with a double border
  for (const i of groups) {
    const gc = st.groupColor ? st.groupColor[f.items[i]! - st.N]! : -1;
    ctx.fillStyle = gc >= 0 ? st.palette[gc]! : th.groupFill;
    ctx.strokeStyle = th.groupStroke;
    ctx.lineWidth = Math.max(hair, 1.5);
    ctx.beginPath();
    if (near) ctx.roundRect(f.x[i]!, f.y[i]!, f.w[i]!, f.h[i]!, 6);
    else ctx.rect(f.x[i]!, f.y[i]!, f.w[i]!, f.h[i]!);
    ctx.fill();
    ctx.stroke();
    if (near) {
      ctx.lineWidth = hair;
      ctx.strokeRect(f.x[i]! + 3, f.y[i]! + 3, f.w[i]! - 6, f.h[i]! - 6);
    }
  }

  if (labels) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = th.text;
    ctx.font = LABEL_FONT;
    for (let c = 0; c < buckets.length; c++) {
      for (const i of buckets[c]!) {
        const text = fitLabel(ctx, st.nodeLabel(f.items[i]!), f.w[i]! - 10, LABEL_FONT);
        ctx.fillText(text, f.x[i]! + f.w[i]! / 2, f.y[i]! + f.h[i]! / 2 + 0.5);
      }
    }
    for (const i of groups) {
      const cx = f.x[i]! + f.w[i]! / 2;
      ctx.font = LABEL_FONT;
      ctx.fillStyle = th.text;
      ctx.fillText(fitLabel(ctx, st.groupLabel(f.items[i]!), f.w[i]! - 14, LABEL_FONT), cx, f.y[i]! + 16);
      if (11 * s >= 6) {
        ctx.font = SMALL_FONT;
        ctx.fillStyle = th.mutedText;
        ctx.fillText(fitLabel(ctx, st.groupSubLabel(f.items[i]!), f.w[i]! - 14, SMALL_FONT), cx, f.y[i]! + 31);
      }
    }
  }
}

function traceEdge(ctx: CanvasRenderingContext2D, pts: Float32Array, a: number, b: number, smooth: boolean): void {
  ctx.moveTo(pts[2 * a]!, pts[2 * a + 1]!);
  if (!smooth || b - a < 2) {
    for (let j = a + 1; j < b; j++) ctx.lineTo(pts[2 * j]!, pts[2 * j + 1]!);
    return;
  }
  if (b - a === 2) {
    // a single segment: a vertical S-curve reads better than a straight diagonal
    const xa = pts[2 * a]!;
    const ya = pts[2 * a + 1]!;
    const xb = pts[2 * a + 2]!;
    const yb = pts[2 * a + 3]!;
    const my = (ya + yb) / 2;
    ctx.bezierCurveTo(xa, ya + Math.abs(my - ya), xb, yb - Math.abs(yb - my), xb, yb);
    return;
  }
  // quadratic through midpoints
  for (let j = a + 1; j < b - 1; j++) {
    const mx = (pts[2 * j]! + pts[2 * j + 2]!) / 2;
    const my = (pts[2 * j + 1]! + pts[2 * j + 3]!) / 2;
    ctx.quadraticCurveTo(pts[2 * j]!, pts[2 * j + 1]!, mx, my);
  }
  ctx.quadraticCurveTo(pts[2 * (b - 1) - 2]!, pts[2 * (b - 1) - 1]!, pts[2 * (b - 1)]!, pts[2 * (b - 1) + 1]!);
}

function arrowHead(ctx: CanvasRenderingContext2D, pts: Float32Array, last: number): void {
  const x = pts[2 * last]!;
  const y = pts[2 * last + 1]!;
  ctx.moveTo(x, y);
  ctx.lineTo(x - 4, y - 7);
  ctx.lineTo(x + 4, y - 7);
  ctx.closePath();
}

/** The box around frame items `members` (visible indices); infinite when there are none. */
function boxAround(f: Scene['frame'], members: Int32Array): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const i of members) {
    x0 = Math.min(x0, f.x[i]!);
    y0 = Math.min(y0, f.y[i]!);
    x1 = Math.max(x1, f.x[i]! + f.w[i]!);
    y1 = Math.max(y1, f.y[i]! + f.h[i]!);
  }
  return { x0, y0, x1, y1 };
}

function drawHulls(ctx: CanvasRenderingContext2D, scene: Scene, st: DrawState, s: number): void {
  if (!st.hulls.length) return;
  const f = scene.frame;
  for (const hull of st.hulls) {
    if (!hull.members.length) continue;
    const { x0, y0, x1, y1 } = boxAround(f, hull.members);
    const pad = 8;
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = hull.color;
    ctx.beginPath();
    ctx.roundRect(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad, 10);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = hull.color;
    ctx.lineWidth = Math.max(1 / s, 1.5);
    ctx.setLineDash([6 / Math.max(s, 0.2), 4 / Math.max(s, 0.2)]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/** Selection and search rings, drawn in screen space so they stay visible at any zoom. */
function drawMarks(ctx: CanvasRenderingContext2D, scene: Scene, view: View, st: DrawState, raster: boolean): void {
  const { s, tx, ty, dpr } = view;
  const f = scene.frame;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const ring = (i: number, color: string, width: number) => {
    const x = f.x[i]! * s + tx;
    const y = f.y[i]! * s + ty;
    const w = Math.max(f.w[i]! * s, 4);
    const h = Math.max(f.h[i]! * s, 4);
    if (x > view.width || y > view.height || x + w < 0 || y + h < 0) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(x - width, y - width, w + 2 * width, h + 2 * width);
  };
  if (st.hits) for (const i of st.hits) ring(i, st.theme.searchHit, 2);
  if (st.selected >= 0) ring(st.selected, st.theme.selection, 3);
  if (raster && st.hulls.length) {
    for (const hull of st.hulls) {
      const { x0, y0, x1, y1 } = boxAround(f, hull.members);
      if (!Number.isFinite(x0)) continue;
      ctx.strokeStyle = hull.color;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x0 * s + tx - 3, y0 * s + ty - 3, (x1 - x0) * s + 6, (y1 - y0) * s + 6);
    }
  }
}
