/**
 * A laid-out frame plus a uniform grid over it, so a draw or a hit test touches only what is in
 * the viewport. Items (nodes, collapsed groups) and edges go into the cells their bounding boxes
 * cover; expanded group frames and very long edges, which would fill many cells, are kept in short
 * lists checked one by one.
 */
import { ITEM_EXPANDED, type LayoutFrame } from './hierarchy';

const MAX_CELLS = 1 << 20;
const BIG_SPAN = 64;

export class Scene {
  readonly frame: LayoutFrame;
  readonly itemCount: number;
  readonly edgeCount: number;
  /** Visible index of every item id (-1 = hidden). */
  readonly indexOf: Int32Array;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  private readonly cell: number;
  private readonly cols: number;
  private readonly rows: number;
  private readonly itemStart: Int32Array;
  private readonly itemCells: Int32Array;
  readonly bigItems: Int32Array;
  private readonly edgeStart: Int32Array;
  private readonly edgeCells: Int32Array;
  private readonly bigEdges: Int32Array;
  readonly edgeBox: Float32Array; // x0,y0,x1,y1 per edge
  private readonly itemStamp: Uint32Array;
  private readonly edgeStamp: Uint32Array;
  private stamp = 0;
  /** Reused query results. */
  readonly qItems: Int32Array;
  readonly qEdges: Int32Array;
  qItemCount = 0;
  qEdgeCount = 0;

  constructor(frame: LayoutFrame, itemIdSpace: number) {
    this.frame = frame;
    const V = frame.items.length;
    const E = frame.edgeSrc.length;
    this.itemCount = V;
    this.edgeCount = E;
    this.indexOf = new Int32Array(itemIdSpace).fill(-1);
    for (let i = 0; i < V; i++) this.indexOf[frame.items[i]!] = i;

    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < V; i++) {
      minX = Math.min(minX, frame.x[i]!);
      minY = Math.min(minY, frame.y[i]!);
      maxX = Math.max(maxX, frame.x[i]! + frame.w[i]!);
      maxY = Math.max(maxY, frame.y[i]! + frame.h[i]!);
    }
    const edgeBox = new Float32Array(E * 4);
    for (let e = 0; e < E; e++) {
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      for (let k = frame.ptStart[e]!; k < frame.ptStart[e + 1]!; k++) {
        const px = frame.points[2 * k]!;
        const py = frame.points[2 * k + 1]!;
        if (px < x0) x0 = px;
        if (px > x1) x1 = px;
        if (py < y0) y0 = py;
        if (py > y1) y1 = py;
      }
      // curves bulge a little past their control points
      edgeBox[4 * e] = x0 - 20;
      edgeBox[4 * e + 1] = y0 - 20;
      edgeBox[4 * e + 2] = x1 + 20;
      edgeBox[4 * e + 3] = y1 + 20;
      minX = Math.min(minX, x0);
      minY = Math.min(minY, y0);
      maxX = Math.max(maxX, x1);
      maxY = Math.max(maxY, y1);
    }
    if (!Number.isFinite(minX)) {
      minX = minY = 0;
      maxX = maxY = 1;
    }
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;
    this.edgeBox = edgeBox;

    const W = Math.max(1, maxX - minX);
    const H = Math.max(1, maxY - minY);
    let cell = Math.max(64, Math.sqrt((W * H) / Math.max(1, V / 2)));
    while (Math.ceil(W / cell) * Math.ceil(H / cell) > MAX_CELLS) cell *= 1.5;
    this.cell = cell;
    this.cols = Math.max(1, Math.ceil(W / cell));
    this.rows = Math.max(1, Math.ceil(H / cell));

    const big: number[] = [];
    const range = (x0: number, y0: number, x1: number, y1: number) => {
      const c0 = Math.max(0, Math.floor((x0 - minX) / cell));
      const c1 = Math.min(this.cols - 1, Math.floor((x1 - minX) / cell));
      const r0 = Math.max(0, Math.floor((y0 - minY) / cell));
      const r1 = Math.min(this.rows - 1, Math.floor((y1 - minY) / cell));
      return [c0, c1, r0, r1] as const;
    };
    const cells = this.cols * this.rows;
    // items: two passes (count, fill)
    const itemStart = new Int32Array(cells + 1);
    const isBig = new Uint8Array(V);
    for (let i = 0; i < V; i++) {
      const [c0, c1, r0, r1] = range(frame.x[i]!, frame.y[i]!, frame.x[i]! + frame.w[i]!, frame.y[i]! + frame.h[i]!);
      if (frame.kind[i] === ITEM_EXPANDED || (c1 - c0 + 1) * (r1 - r0 + 1) > BIG_SPAN) {
        isBig[i] = 1;
        big.push(i);
        continue;
      }
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) itemStart[r * this.cols + c + 1]!++;
    }
    for (let c = 0; c < cells; c++) itemStart[c + 1]! += itemStart[c]!;
    const itemCells = new Int32Array(itemStart[cells]!);
    {
      const fill = itemStart.slice(0, cells);
      for (let i = 0; i < V; i++) {
        if (isBig[i]) continue;
        const [c0, c1, r0, r1] = range(frame.x[i]!, frame.y[i]!, frame.x[i]! + frame.w[i]!, frame.y[i]! + frame.h[i]!);
        for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) itemCells[fill[r * this.cols + c]!++] = i;
      }
    }
    this.itemStart = itemStart;
    this.itemCells = itemCells;
    this.bigItems = Int32Array.from(big);

    const bigE: number[] = [];
    const edgeStart = new Int32Array(cells + 1);
    const eBig = new Uint8Array(E);
    for (let e = 0; e < E; e++) {
      const [c0, c1, r0, r1] = range(edgeBox[4 * e]!, edgeBox[4 * e + 1]!, edgeBox[4 * e + 2]!, edgeBox[4 * e + 3]!);
      if ((c1 - c0 + 1) * (r1 - r0 + 1) > BIG_SPAN) {
        eBig[e] = 1;
        bigE.push(e);
        continue;
      }
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) edgeStart[r * this.cols + c + 1]!++;
    }
    for (let c = 0; c < cells; c++) edgeStart[c + 1]! += edgeStart[c]!;
    const edgeCells = new Int32Array(edgeStart[cells]!);
    {
      const fill = edgeStart.slice(0, cells);
      for (let e = 0; e < E; e++) {
        if (eBig[e]) continue;
        const [c0, c1, r0, r1] = range(edgeBox[4 * e]!, edgeBox[4 * e + 1]!, edgeBox[4 * e + 2]!, edgeBox[4 * e + 3]!);
        for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) edgeCells[fill[r * this.cols + c]!++] = e;
      }
    }
    this.edgeStart = edgeStart;
    this.edgeCells = edgeCells;
    this.bigEdges = Int32Array.from(bigE);
    this.itemStamp = new Uint32Array(V);
    this.edgeStamp = new Uint32Array(E);
    this.qItems = new Int32Array(V);
    this.qEdges = new Int32Array(E);
  }

  /** Items and edges whose boxes meet the rectangle: `qItems[0..qItemCount)`, `qEdges[0..qEdgeCount)`. */
  query(x0: number, y0: number, x1: number, y1: number, withEdges = true): void {
    const f = this.frame;
    this.stamp++;
    if (this.stamp === 0xffffffff) {
      this.itemStamp.fill(0);
      this.edgeStamp.fill(0);
      this.stamp = 1;
    }
    const st = this.stamp;
    let ni = 0;
    let ne = 0;
    // expanded frames and other big items first (drawn beneath), in frame order
    for (let k = 0; k < this.bigItems.length; k++) {
      const i = this.bigItems[k]!;
      if (f.x[i]! > x1 || f.y[i]! > y1 || f.x[i]! + f.w[i]! < x0 || f.y[i]! + f.h[i]! < y0) continue;
      this.itemStamp[i] = st;
      this.qItems[ni++] = i;
    }
    const c0 = Math.max(0, Math.floor((x0 - this.minX) / this.cell));
    const c1 = Math.min(this.cols - 1, Math.floor((x1 - this.minX) / this.cell));
    const r0 = Math.max(0, Math.floor((y0 - this.minY) / this.cell));
    const r1 = Math.min(this.rows - 1, Math.floor((y1 - this.minY) / this.cell));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let k = this.itemStart[cell]!; k < this.itemStart[cell + 1]!; k++) {
          const i = this.itemCells[k]!;
          if (this.itemStamp[i] === st) continue;
          this.itemStamp[i] = st;
          if (f.x[i]! > x1 || f.y[i]! > y1 || f.x[i]! + f.w[i]! < x0 || f.y[i]! + f.h[i]! < y0) continue;
          this.qItems[ni++] = i;
        }
        if (!withEdges) continue;
        for (let k = this.edgeStart[cell]!; k < this.edgeStart[cell + 1]!; k++) {
          const e = this.edgeCells[k]!;
          if (this.edgeStamp[e] === st) continue;
          this.edgeStamp[e] = st;
          const b = this.edgeBox;
          if (b[4 * e]! > x1 || b[4 * e + 1]! > y1 || b[4 * e + 2]! < x0 || b[4 * e + 3]! < y0) continue;
          this.qEdges[ne++] = e;
        }
      }
    }
    if (withEdges) {
      const b = this.edgeBox;
      for (let k = 0; k < this.bigEdges.length; k++) {
        const e = this.bigEdges[k]!;
        if (b[4 * e]! > x1 || b[4 * e + 1]! > y1 || b[4 * e + 2]! < x0 || b[4 * e + 3]! < y0) continue;
        this.qEdges[ne++] = e;
      }
    }
    this.qItemCount = ni;
    this.qEdgeCount = ne;
  }

  /** The topmost item under a point: a node or collapsed group, else the innermost expanded group. */
  hit(x: number, y: number): number {
    this.query(x - 1, y - 1, x + 1, y + 1, false);
    const f = this.frame;
    let best = -1;
    let bestArea = Infinity;
    for (let k = 0; k < this.qItemCount; k++) {
      const i = this.qItems[k]!;
      if (x < f.x[i]! || y < f.y[i]! || x > f.x[i]! + f.w[i]! || y > f.y[i]! + f.h[i]!) continue;
      const area = f.w[i]! * f.h[i]!;
      if (area < bestArea) {
        best = i;
        bestArea = area;
      }
    }
    return best;
  }
}
