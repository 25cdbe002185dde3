/** Export the graph as SVG (the visible part or the whole layout) and PNG. */
import { ITEM_COLLAPSED, ITEM_EXPANDED, ITEM_NODE, GROUP_HEADER } from './hierarchy';
import { draw, type DrawState } from './render';
import type { Scene } from './scene';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function clip(text: string, width: number, charW: number): string {
  const max = Math.max(1, Math.floor(width / charW));
  return text.length > max ? text.slice(0, Math.max(1, max - 1)) + '…' : text;
}

/**
 * SVG of the items and edges that meet the rectangle (world units), or of everything when `rect`
 * is null. Coordinates are world units, so the file scales cleanly.
 */
export function toSvg(
  scene: Scene,
  st: DrawState,
  rect: { x0: number; y0: number; x1: number; y1: number } | null,
): string {
  const r = rect ?? { x0: scene.minX - 20, y0: scene.minY - 20, x1: scene.maxX + 20, y1: scene.maxY + 20 };
  scene.query(r.x0, r.y0, r.x1, r.y1, true);
  const f = scene.frame;
  const th = st.theme;
  const out: string[] = [];
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${r.x0.toFixed(1)} ${r.y0.toFixed(1)} ${w.toFixed(1)} ${h.toFixed(1)}" width="${Math.round(w)}" height="${Math.round(h)}" font-family="system-ui, sans-serif">`,
  );
  out.push(`<rect x="${r.x0}" y="${r.y0}" width="${w}" height="${h}" fill="${th.background}"/>`);
  const items = Array.from(scene.qItems.subarray(0, scene.qItemCount));
  const edges = Array.from(scene.qEdges.subarray(0, scene.qEdgeCount));
  out.push(`<g fill="${th.groupFill}" stroke="${th.groupStroke}" stroke-width="1">`);
  for (const i of items) {
    if (f.kind[i] !== ITEM_EXPANDED) continue;
    out.push(
      `<rect x="${f.x[i]!.toFixed(1)}" y="${f.y[i]!.toFixed(1)}" width="${f.w[i]!.toFixed(1)}" height="${f.h[i]!.toFixed(1)}"/>`,
    );
  }
  out.push('</g>');
  out.push(`<g fill="${th.groupHeader}" font-size="11">`);
  for (const i of items) {
    if (f.kind[i] !== ITEM_EXPANDED) continue;
    out.push(
      `<text x="${(f.x[i]! + 8).toFixed(1)}" y="${(f.y[i]! + GROUP_HEADER / 2 + 4).toFixed(1)}">${esc(clip(st.groupLabel(f.items[i]!), f.w[i]! - 16, 6.5))}</text>`,
    );
  }
  out.push('</g>');
  out.push(`<g fill="none" stroke="${th.edge}" stroke-width="1.2">`);
  for (const e of edges) {
    const a = f.ptStart[e]!;
    const b = f.ptStart[e + 1]!;
    let d = `M${f.points[2 * a]!.toFixed(1)} ${f.points[2 * a + 1]!.toFixed(1)}`;
    for (let k = a + 1; k < b; k++) d += `L${f.points[2 * k]!.toFixed(1)} ${f.points[2 * k + 1]!.toFixed(1)}`;
    out.push(`<path d="${d}"/>`);
  }
  out.push('</g>');
  for (const i of items) {
    const kind = f.kind[i]!;
    if (kind === ITEM_EXPANDED) continue;
    const item = f.items[i]!;
    const x = f.x[i]!;
    const y = f.y[i]!;
    const bw = f.w[i]!;
    const bh = f.h[i]!;
    if (kind === ITEM_NODE) {
      const fill = st.palette[st.nodeColor[item]!]!;
      out.push(
        `<g><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" rx="4" fill="${fill}" stroke="${th.nodeStroke}"/>` +
          `<text x="${(x + bw / 2).toFixed(1)}" y="${(y + bh / 2 + 4).toFixed(1)}" text-anchor="middle" font-size="12" font-weight="600" fill="${th.text}">${esc(clip(st.nodeLabel(item), bw - 10, 7))}</text></g>`,
      );
    } else if (kind === ITEM_COLLAPSED) {
      out.push(
        `<g><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" rx="6" fill="${th.groupFill}" stroke="${th.groupStroke}" stroke-width="1.5"/>` +
          `<text x="${(x + bw / 2).toFixed(1)}" y="${(y + 20).toFixed(1)}" text-anchor="middle" font-size="12" font-weight="600" fill="${th.text}">${esc(clip(st.groupLabel(item), bw - 14, 7))}</text>` +
          `<text x="${(x + bw / 2).toFixed(1)}" y="${(y + 35).toFixed(1)}" text-anchor="middle" font-size="11" fill="${th.mutedText}">${esc(st.groupSubLabel(item))}</text></g>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function canvasToPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
}

/** The whole laid-out graph drawn on a canvas of its own: at most 8192 px on a side and 32 Mpx in all. */
export function renderWhole(scene: Scene, st: DrawState): HTMLCanvasElement {
  const pad = 20;
  const gw = scene.maxX - scene.minX + 2 * pad;
  const gh = scene.maxY - scene.minY + 2 * pad;
  const s = Math.min(2, 8192 / gw, 8192 / gh, Math.sqrt(32e6 / (gw * gh)));
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.ceil(gw * s));
  c.height = Math.max(1, Math.ceil(gh * s));
  const ctx = c.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('no 2D canvas for the export');
  const view = { s, tx: (pad - scene.minX) * s, ty: (pad - scene.minY) * s, width: c.width, height: c.height, dpr: 1 };
  draw(ctx, scene, view, st);
  return c;
}
