/**
 * Where Fit (and a model's opening view) puts the view. The whole graph when its labels stay
 * readable at that zoom; otherwise its width, or for a graph wider than that its top left where
 * the graph starts (topWindowLeft), at no less than the readable zoom, to scroll from there: a deep
 * chain is not drawn as an unreadable sliver. The whole graph, however small, stays one step away
 * (Fit pressed again, the minimap, the bench).
 */
import { ITEM_EXPANDED, type LayoutFrame } from './hierarchy';
import type { Scene } from './scene';

/** The least zoom at which node labels are drawn (12 px text at half size): Fit goes no further out. */
export const READABLE_SCALE = 0.55;
const MAX_FIT_SCALE = 1.5;
const MARGIN = 80;

export interface FitView {
  s: number;
  tx: number;
  ty: number;
}

/** The whole laid-out graph centred in a `width` × `height` view. */
export function wholeView(scene: Scene, width: number, height: number): FitView {
  const w = scene.maxX - scene.minX + MARGIN;
  const h = scene.maxY - scene.minY + MARGIN;
  const s = Math.min(MAX_FIT_SCALE, Math.min(width / w, height / h));
  return {
    s,
    tx: (width - (scene.maxX + scene.minX) * s) / 2,
    ty: (height - (scene.maxY + scene.minY) * s) / 2,
  };
}

/** The readable fit, and whether it had to leave part of the graph out of view (`capped`). */
export function readableFit(scene: Scene, width: number, height: number): { view: FitView; capped: boolean } {
  const w = scene.maxX - scene.minX + MARGIN;
  const h = scene.maxY - scene.minY + MARGIN;
  if (Math.min(width / w, height / h) >= READABLE_SCALE)
    return { view: wholeView(scene, width, height), capped: false };
  const s = Math.min(1, Math.max(READABLE_SCALE, width / w));
  const ty = 30 - scene.minY * s;
  if (w * s <= width) return { view: { s, tx: (width - (scene.maxX + scene.minX) * s) / 2, ty }, capped: true };
  return {
    view: { s, tx: -topWindowLeft(scene.frame, scene.minY, width / s, height / s, EDGE_PAD / s) * s, ty },
    capped: true,
  };
}

/** How far down from the top a node still counts as the top row. */
const TOP_ROW = 40;
/** Room at the sides of the top window, in screen pixels. */
const EDGE_PAD = 24;

/**
 * The left edge (graph units) of a `viewW`-wide window at the top of a graph wider than the view,
 * `pad` kept clear at either side:
 * it shows the topmost row (where the graph starts: its inputs) and, of what lies in the first
 * screenful below it, as much as fits. Centring on everything near the top put a model whose first
 * rows are narrow above one very wide row (BERT's 50 weights side by side) in that row's middle,
 * with the start of the graph off screen and empty space above.
 */
export function topWindowLeft(
  frame: Pick<LayoutFrame, 'items' | 'kind' | 'x' | 'y' | 'w'>,
  minY: number,
  viewW: number,
  viewH: number,
  pad: number,
): number {
  const n = frame.items.length;
  // The topmost row (group frames left out: nodes sit a header or more below the frames around them).
  let top = Infinity;
  for (let i = 0; i < n; i++) if (frame.kind[i] !== ITEM_EXPANDED && frame.y[i]! < top) top = frame.y[i]!;
  let a = Infinity;
  let b = -Infinity;
  for (let i = 0; i < n; i++) {
    if (frame.kind[i] === ITEM_EXPANDED || frame.y[i]! > top + TOP_ROW) continue;
    a = Math.min(a, frame.x[i]!);
    b = Math.max(b, frame.x[i]! + frame.w[i]!);
  }
  if (!Number.isFinite(a)) {
    // nothing but group frames: the middle of all of it
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, frame.x[i]!);
      hi = Math.max(hi, frame.x[i]! + frame.w[i]!);
    }
    return Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2 - viewW / 2 : 0;
  }
  const w = viewW - 2 * pad;
  // a top row wider than the view: its middle
  if (b - a >= w) return (a + b) / 2 - viewW / 2;
  // Otherwise every window that holds the top row, [b - w, a], is a candidate: take the one that
  // holds the most of the first screenful (node centres), nearest the top row's middle on a tie.
  const centres: number[] = [];
  for (let i = 0; i < n; i++)
    if (frame.kind[i] !== ITEM_EXPANDED && frame.y[i]! <= minY + viewH) centres.push(frame.x[i]! + frame.w[i]! / 2);
  centres.sort((p, q) => p - q);
  const lo = b - w;
  const hi = a;
  const inWindow = (x0: number) => upperBound(centres, x0 + w) - lowerBound(centres, x0);
  const middle = (a + b) / 2 - w / 2;
  let best = Math.min(hi, Math.max(lo, middle));
  let most = inWindow(best);
  for (const c of centres)
    for (const x0 of [c, c - w]) {
      if (x0 < lo || x0 > hi) continue;
      const count = inWindow(x0);
      if (count > most || (count === most && Math.abs(x0 - middle) < Math.abs(best - middle))) {
        best = x0;
        most = count;
      }
    }
  return best - pad;
}

/** First index whose value is >= x (sorted ascending). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > x (sorted ascending). */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
