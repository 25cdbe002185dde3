/**
 * Where Fit puts the view. The whole graph when its labels stay readable at that zoom; otherwise
 * its width (or the top of it, centred on its inputs) at no less than the readable zoom, to scroll
 * from there: a deep chain is not drawn as an unreadable sliver. The whole graph, however small,
 * stays one step away (Fit pressed again, the minimap, the bench).
 */
import { ITEM_EXPANDED } from './hierarchy';
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
  // centre on what sits at the top of the graph (its inputs), not on the empty corner
  const f = scene.frame;
  const band = scene.minY + height / s;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < f.items.length; i++) {
    if (f.kind[i] === ITEM_EXPANDED || f.y[i]! > band) continue;
    sum += f.x[i]! + f.w[i]! / 2;
    count++;
  }
  const cx = count ? sum / count : (scene.minX + scene.maxX) / 2;
  return { view: { s, tx: width / 2 - cx * s, ty }, capped: true };
}
