/**
 * The graph view's minimap: the whole laid-out graph painted once into a cached bitmap (one pixel
 * run per item, coloured as the view colours it) with the viewport's rectangle drawn over it each
 * frame, and the way back from a point on the minimap to the graph's coordinates. Kept apart from
 * controller.ts, which only says when to draw it and when its cache is stale.
 */
import type { GraphTheme } from './categories';
import { ITEM_EXPANDED, ITEM_NODE } from './hierarchy';
import type { Colouring } from './overlay';
import { rgba32 } from './render';
import type { Scene } from './scene';

/** The main view as the minimap outlines it: its transform and size in CSS px. */
export interface MinimapView {
  s: number;
  tx: number;
  ty: number;
  width: number;
  height: number;
}

export class Minimap {
  private cache: HTMLCanvasElement | null = null;
  /** Graph → minimap: x·s + ox, y·s + oy (set by the last draw). */
  private t = { s: 1, ox: 0, oy: 0 };

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** The graph, its layout, colours or theme changed: paint the bitmap again on the next draw. */
  invalidate(): void {
    this.cache = null;
  }

  draw(scene: Scene, view: MinimapView, colouring: Colouring, theme: GraphTheme): void {
    const W = this.canvas.width;
    const H = this.canvas.height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx || W === 0 || H === 0) return;
    const gw = scene.maxX - scene.minX || 1;
    const gh = scene.maxY - scene.minY || 1;
    const s = Math.min(W / gw, H / gh);
    const ox = (W - gw * s) / 2 - scene.minX * s;
    const oy = (H - gh * s) / 2 - scene.minY * s;
    this.t = { s, ox, oy };
    this.cache ??= paintGraph(scene, W, H, this.t, colouring, theme);
    ctx.drawImage(this.cache, 0, 0);
    const vx = (-view.tx / view.s) * s + ox;
    const vy = (-view.ty / view.s) * s + oy;
    const vw = (view.width / view.s) * s;
    const vh = (view.height / view.s) * s;
    ctx.strokeStyle = theme.selection;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(
      Math.max(0.5, vx),
      Math.max(0.5, vy),
      Math.min(W - 1, Math.max(2, vw)),
      Math.min(H - 1, Math.max(2, vh)),
    );
  }

  /** The graph point (world coordinates) under a pointer at client x, y over the minimap. */
  worldAt(clientX: number, clientY: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const mx = ((clientX - r.left) / r.width) * this.canvas.width;
    const my = ((clientY - r.top) / r.height) * this.canvas.height;
    return { x: (mx - this.t.ox) / this.t.s, y: (my - this.t.oy) / this.t.s };
  }
}

/** Every collapsed group and node of the frame as a filled box, on the theme's background. */
function paintGraph(
  scene: Scene,
  W: number,
  H: number,
  t: { s: number; ox: number; oy: number },
  colouring: Colouring,
  theme: GraphTheme,
): HTMLCanvasElement {
  const cache = document.createElement('canvas');
  cache.width = W;
  cache.height = H;
  const c2 = cache.getContext('2d');
  if (!c2) return cache;
  const { s, ox, oy } = t;
  const img = c2.createImageData(W, H);
  const px = new Uint32Array(img.data.buffer);
  px.fill(rgba32(theme.background));
  const f = scene.frame;
  const pal = colouring.palette.map(rgba32);
  const groupCol = rgba32(theme.groupStroke);
  for (let i = 0; i < f.items.length; i++) {
    const kind = f.kind[i]!;
    if (kind === ITEM_EXPANDED) continue;
    const col = kind === ITEM_NODE ? pal[colouring.nodeColor[f.items[i]!]!]! : groupCol;
    const ax = Math.max(0, Math.floor(f.x[i]! * s + ox));
    const ay = Math.max(0, Math.floor(f.y[i]! * s + oy));
    const bx = Math.min(W, Math.max(ax + 1, Math.ceil((f.x[i]! + f.w[i]!) * s + ox)));
    const by = Math.min(H, Math.max(ay + 1, Math.ceil((f.y[i]! + f.h[i]!) * s + oy)));
    for (let y = ay; y < by; y++) px.fill(col, y * W + ax, y * W + bx);
  }
  c2.putImageData(img, 0, 0);
  return cache;
}
