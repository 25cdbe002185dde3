/**
 * Hierarchical layout with collapsible name-scope groups, as Model Explorer does it: each expanded
 * group lays out only its direct children (nodes and child groups, a collapsed child being one
 * box); an edge between two nodes belongs to the layout of their lowest common group, between the
 * two children of that group that contain them. Expanding a group lays out that group and re-places
 * its ancestors, whose sizes change (big groups keep their layering and ordering for that). Runs in the layout worker;
 * pure and synchronous, so tests can drive it directly.
 *
 * Items: nodes are 0..N-1, groups N..N+G-1, and the root (the graph itself) is N+G.
 */
import { placeLayered, structureLayered, type LayeredPlacement, type LayeredStructure } from './layered';

export interface GraphStructure {
  nodeCount: number;
  groupCount: number;
  /** Per node: its group, -1 at top level. */
  nodeGroup: Int32Array;
  /** Per group: its parent group, -1 at top level. */
  groupParent: Int32Array;
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  /** Box sizes of nodes, and of groups when collapsed. */
  nodeW: Float32Array;
  nodeH: Float32Array;
  groupW: Float32Array;
  groupH: Float32Array;
}

export const ITEM_NODE = 0;
export const ITEM_COLLAPSED = 1;
export const ITEM_EXPANDED = 2;

/** What the renderer draws: every visible item (absolute boxes) and every visible edge (polylines). */
export interface LayoutFrame {
  /** Visible items; expanded groups come first (outer before inner) so they are drawn beneath. */
  items: Int32Array;
  kind: Uint8Array;
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  h: Float32Array;
  /** Per visible edge: indices into `items`, and its polyline in `points[ptStart[e]*2 .. ptStart[e+1]*2)`. */
  edgeSrc: Int32Array;
  edgeDst: Int32Array;
  ptStart: Int32Array;
  points: Float32Array;
  /** Bounding box of the whole laid-out graph. */
  width: number;
  height: number;
  /** Per group (0..G-1): 1 if expanded. */
  expanded: Uint8Array;
}

export const GROUP_PAD = 14;
export const GROUP_HEADER = 26;

interface GroupLayout {
  /** Kept only for big groups (re-placing them must stay cheap); small ones recompute it. */
  structure: LayeredStructure | null;
  placement: LayeredPlacement | null;
}

/** Groups with at least this many children keep their layered structure between placements. */
const KEEP_STRUCTURE = 256;

export class HierarchyLayout {
  readonly N: number;
  readonly G: number;
  readonly root: number;
  /** Parent item of every item (root's parent is -1). */
  readonly parent: Int32Array;
  readonly depth: Int32Array;
  /** Children of every group item (index by group 0..G, G = root). */
  readonly childStart: Int32Array;
  readonly children: Int32Array;
  /** Per edge: owning group (0..G), or -1 if internal to one node. */
  private readonly edgeOwner: Int32Array;
  /** Per edge: the owner's children that hold its two ends. */
  private readonly repA: Int32Array;
  private readonly repB: Int32Array;
  /**
   * Per edge: its index in its owner's internal edge list (-1 until the owner is first laid out).
   * Each owner's list is made when the owner is first laid out (`internalEdges`), not here: an
   * opening view lays out a few dozen of a big model's groups, and making every group's list up
   * front (a hash lookup per edge) was the costliest part of this constructor in Chromium.
   */
  private readonly edgeLocal: Int32Array;
  /** Edges by owner, in edge order (CSR: owner g's edges are ownerEdges[ownerStart[g] .. ownerStart[g + 1])). */
  private readonly ownerStart: Int32Array;
  private readonly ownerEdges: Int32Array;
  /**
   * Per group: its distinct internal edges' endpoints (child indices), at the start of its own range
   * of ownerEdges' positions; internalCount[g] of them, -1 until made.
   */
  private readonly internalA: Int32Array;
  private readonly internalB: Int32Array;
  private readonly internalCount: Int32Array;
  /** (repA, repB) pairs seen, for the internal lists: an open-addressing table of edge ids, made on first use. */
  private pairSlots: Int32Array | null = null;
  /** Local index of every item inside its parent's child list. */
  private readonly localIndex: Int32Array;
  /** Groups in order of decreasing depth (children before parents). */
  private readonly bottomUp: Int32Array;
  readonly expanded: Uint8Array; // per group 0..G (root always 1)
  private readonly layouts: (GroupLayout | null)[];
  private readonly dirty: Uint8Array; // per group: placement must be redone
  /** Size of every item as currently laid out (collapsed box or expanded frame). */
  private readonly sizeW: Float64Array;
  private readonly sizeH: Float64Array;
  /** Descendant node count per group (0..G). */
  readonly nodeCountIn: Int32Array;

  constructor(readonly structure: GraphStructure) {
    const g = structure;
    const N = g.nodeCount;
    const G = g.groupCount;
    this.N = N;
    this.G = G;
    this.root = N + G;
    const items = N + G + 1;
    const parent = new Int32Array(items).fill(-1);
    const rootItem = N + G;
    // groups: guard against parent cycles and out-of-range ids (bad input -> top level)
    const gp = new Int32Array(G);
    for (let i = 0; i < G; i++) {
      const p = g.groupParent[i]!;
      gp[i] = p >= 0 && p < G && p !== i ? p : -1;
    }
    const color = new Uint8Array(G);
    for (let i = 0; i < G; i++) {
      if (color[i]) continue;
      const path: number[] = [];
      let c = i;
      while (c >= 0 && color[c] === 0) {
        color[c] = 1;
        path.push(c);
        c = gp[c]!;
      }
      if (c >= 0 && color[c] === 1) gp[c] = -1; // cycle: cut it
      for (const p of path) color[p] = 2;
    }
    for (let i = 0; i < G; i++) parent[N + i] = gp[i]! >= 0 ? N + gp[i]! : rootItem;
    for (let i = 0; i < N; i++) {
      const grp = g.nodeGroup[i]!;
      parent[i] = grp >= 0 && grp < G ? N + grp : rootItem;
    }
    this.parent = parent;

    // depth (groups by iterating parents; memoised)
    const depth = new Int32Array(items).fill(-1);
    depth[rootItem] = 0;
    const stack: number[] = [];
    for (let it = 0; it < items; it++) {
      let c = it;
      while (depth[c] === -1) {
        stack.push(c);
        c = parent[c]!;
      }
      let d = depth[c]!;
      while (stack.length) {
        const s = stack.pop()!;
        depth[s] = ++d;
      }
    }
    this.depth = depth;

    // children CSR by group index (0..G)
    const childStart = new Int32Array(G + 2);
    for (let it = 0; it < items - 1; it++) childStart[parent[it]! - N + 1]!++;
    for (let i = 0; i <= G; i++) childStart[i + 1]! += childStart[i]!;
    const children = new Int32Array(items - 1);
    const localIndex = new Int32Array(items);
    {
      const fill = childStart.slice(0, G + 1);
      // groups first in each child list, then nodes, both in id order
      for (let it = N; it < N + G; it++) {
        const p = parent[it]! - N;
        localIndex[it] = fill[p]! - childStart[p]!;
        children[fill[p]!++] = it;
      }
      for (let it = 0; it < N; it++) {
        const p = parent[it]! - N;
        localIndex[it] = fill[p]! - childStart[p]!;
        children[fill[p]!++] = it;
      }
    }
    this.childStart = childStart;
    this.children = children;
    this.localIndex = localIndex;

    // groups bottom-up
    const order = Array.from({ length: G + 1 }, (_, i) => i);
    order.sort((p, q) => depth[N + q]! - depth[N + p]!);
    this.bottomUp = Int32Array.from(order);

    // node counts
    const nodeCountIn = new Int32Array(G + 1);
    for (let i = 0; i < N; i++) nodeCountIn[parent[i]! - N]!++;
    for (const grp of order) if (grp < G) nodeCountIn[parent[N + grp]! - N]! += nodeCountIn[grp]!;
    this.nodeCountIn = nodeCountIn;

    // edges: owner group = lowest common group; endpoints = the owner's children containing them
    const E = g.edgeFrom.length;
    const edgeOwner = new Int32Array(E).fill(-1);
    const repA = new Int32Array(E);
    const repB = new Int32Array(E);
    for (let e = 0; e < E; e++) {
      let u = g.edgeFrom[e]!;
      let v = g.edgeTo[e]!;
      if (u === v || u < 0 || v < 0 || u >= N || v >= N) continue;
      while (parent[u] !== parent[v]) {
        if (depth[u]! >= depth[v]!) u = parent[u]!;
        else v = parent[v]!;
      }
      if (u === v) continue;
      edgeOwner[e] = parent[u]! - N;
      repA[e] = u;
      repB[e] = v;
    }
    // edges by owner (a counting sort, stable): each owner's internal list is made from its own
    // edges when it is first laid out
    const ownerStart = new Int32Array(G + 2);
    for (let e = 0; e < E; e++) if (edgeOwner[e]! >= 0) ownerStart[edgeOwner[e]! + 1]!++;
    for (let i = 0; i <= G; i++) ownerStart[i + 1]! += ownerStart[i]!;
    const ownerEdges = new Int32Array(ownerStart[G + 1]!);
    {
      const fill = ownerStart.slice(0, G + 1);
      for (let e = 0; e < E; e++) if (edgeOwner[e]! >= 0) ownerEdges[fill[edgeOwner[e]!]!++] = e;
    }
    this.edgeOwner = edgeOwner;
    this.repA = repA;
    this.repB = repB;
    this.edgeLocal = new Int32Array(E).fill(-1);
    this.ownerStart = ownerStart;
    this.ownerEdges = ownerEdges;
    this.internalA = new Int32Array(ownerEdges.length);
    this.internalB = new Int32Array(ownerEdges.length);
    this.internalCount = new Int32Array(G + 1).fill(-1);

    this.expanded = new Uint8Array(G + 1);
    this.expanded[G] = 1;
    this.layouts = new Array<GroupLayout | null>(G + 1).fill(null);
    this.dirty = new Uint8Array(G + 1).fill(1);
    this.sizeW = new Float64Array(items);
    this.sizeH = new Float64Array(items);
    for (let i = 0; i < N; i++) {
      this.sizeW[i] = g.nodeW[i]!;
      this.sizeH[i] = g.nodeH[i]!;
    }
    for (let i = 0; i < G; i++) {
      this.sizeW[N + i] = g.groupW[i]!;
      this.sizeH[N + i] = g.groupH[i]!;
    }
  }

  /** Number of direct children of group `grp` (0..G). */
  childCount(grp: number): number {
    return this.childStart[grp + 1]! - this.childStart[grp]!;
  }

  private markDirty(grp: number): void {
    // the group and all its ancestors must be placed again
    let c = grp;
    while (c >= 0) {
      this.dirty[c] = 1;
      c = c === this.G ? -1 : this.parent[this.N + c]! - this.N;
    }
  }

  setExpanded(grp: number, value: boolean): void {
    if (grp < 0 || grp >= this.G) return;
    if (!!this.expanded[grp] === value) return;
    this.expanded[grp] = value ? 1 : 0;
    this.markDirty(grp);
  }

  expandAll(): void {
    this.expanded.fill(1);
    this.dirty.fill(1);
  }

  collapseAll(): void {
    this.expanded.fill(0);
    this.expanded[this.G] = 1;
    this.dirty.fill(1);
  }

  /** Expands every group that contains `item`, so it becomes visible. */
  reveal(item: number): void {
    let c = this.parent[item]!;
    while (c >= 0 && c !== this.root) {
      this.setExpanded(c - this.N, true);
      c = this.parent[c]!;
    }
  }

  /**
   * Opening view: open the hierarchy level by level while the whole next level fits in `budget`
   * visible items (so sibling groups look alike: all 2,500 "layers.N" stay boxes, or all open).
   * A level is also opened while almost nothing is visible (a lone "model" box tells nothing), and
   * groups with a single child are always opened.
   */
  autoExpand(budget = 400, alwaysBelow = 20): void {
    let visible = this.childCount(this.G);
    let level: number[] = [];
    const childGroups = (grp: number, into: number[]) => {
      for (let i = this.childStart[grp]!; i < this.childStart[grp + 1]!; i++) {
        const c = this.children[i]!;
        if (c >= this.N) into.push(c - this.N);
      }
    };
    childGroups(this.G, level);
    while (level.length) {
      let add = 0;
      for (const grp of level) add += this.childCount(grp) - 1;
      const next: number[] = [];
      if (visible + add <= budget || visible < alwaysBelow) {
        for (const grp of level) {
          this.setExpanded(grp, true);
          childGroups(grp, next);
        }
        visible += add;
      } else {
        for (const grp of level) {
          if (this.childCount(grp) !== 1) continue;
          this.setExpanded(grp, true);
          childGroups(grp, next);
        }
      }
      level = next;
    }
  }

  /**
   * Group `grp`'s distinct internal edges (one per pair of its children an edge joins, in order of
   * first appearance), made on first call: their endpoints go to internalA/internalB from
   * ownerStart[grp] on, and every edge of the group gets its index in that list (edgeLocal). Pairs
   * are looked up in one table shared by all groups: an edge's pair of items belongs to one group.
   */
  private internalEdges(grp: number): number {
    const made = this.internalCount[grp]!;
    if (made >= 0) return made;
    const { repA, repB, edgeLocal, ownerEdges, localIndex, internalA, internalB } = this;
    let slots = this.pairSlots;
    if (!slots) {
      slots = new Int32Array(1 << Math.ceil(Math.log2(2 * ownerEdges.length + 2))).fill(-1);
      this.pairSlots = slots;
    }
    const mask = slots.length - 1;
    const start = this.ownerStart[grp]!;
    const end = this.ownerStart[grp + 1]!;
    let n = 0;
    for (let k = start; k < end; k++) {
      const e = ownerEdges[k]!;
      const a = repA[e]!;
      const b = repB[e]!;
      let slot = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & mask;
      for (;;) {
        const f = slots[slot]!;
        if (f < 0) {
          slots[slot] = e;
          edgeLocal[e] = n;
          internalA[start + n] = localIndex[a]!;
          internalB[start + n] = localIndex[b]!;
          n++;
          break;
        }
        if (repA[f] === a && repB[f] === b) {
          edgeLocal[e] = edgeLocal[f]!;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    this.internalCount[grp] = n;
    return n;
  }

  private layoutGroup(grp: number): void {
    let gl = this.layouts[grp];
    const cs = this.childStart[grp]!;
    const ce = this.childStart[grp + 1]!;
    const k = ce - cs;
    if (!gl) {
      gl = { structure: null, placement: null };
      this.layouts[grp] = gl;
    }
    let structure = gl.structure;
    if (!structure) {
      const at = this.ownerStart[grp]!;
      const n = this.internalEdges(grp);
      const a = this.internalA.subarray(at, at + n);
      const b = this.internalB.subarray(at, at + n);
      structure = structureLayered(k, a, b);
      if (k >= KEEP_STRUCTURE) gl.structure = structure;
    }
    const w = new Float64Array(k);
    const h = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const c = this.children[cs + i]!;
      w[i] = this.sizeW[c]!;
      h[i] = this.sizeH[c]!;
    }
    gl.placement = placeLayered(structure, w, h);
    if (grp < this.G) {
      const item = this.N + grp;
      const headerW = this.structure.groupW[grp]!;
      this.sizeW[item] = Math.max(headerW, gl.placement.width + 2 * GROUP_PAD);
      this.sizeH[item] = gl.placement.height + GROUP_HEADER + GROUP_PAD;
    }
  }

  private collapsedSize(grp: number): void {
    this.sizeW[this.N + grp] = this.structure.groupW[grp]!;
    this.sizeH[this.N + grp] = this.structure.groupH[grp]!;
  }

  /** Lays out what is dirty and visible. Returns the number of groups placed. */
  update(): number {
    // visibility: a group is shown expanded only if it and all its ancestors are expanded
    const G = this.G;
    const N = this.N;
    const open = new Uint8Array(G + 1);
    open[G] = 1;
    // top-down order = reverse of bottomUp
    for (let i = this.bottomUp.length - 1; i >= 0; i--) {
      const grp = this.bottomUp[i]!;
      if (grp === G) continue;
      const p = this.parent[N + grp]! - N;
      open[grp] = open[p] && this.expanded[grp] ? 1 : 0;
    }
    let placed = 0;
    for (const grp of this.bottomUp) {
      if (!open[grp]) {
        if (grp < G) this.collapsedSize(grp);
        continue;
      }
      if (this.dirty[grp] || !this.layouts[grp]?.placement) {
        this.layoutGroup(grp);
        this.dirty[grp] = 0;
        placed++;
      }
    }
    this.open = open;
    return placed;
  }

  private open: Uint8Array = new Uint8Array(0);

  /** Absolute boxes of visible items and the visible edges (after `update`). */
  frame(): LayoutFrame {
    const { N, G } = this;
    const open = this.open;
    const items = N + G + 1;
    const absX = new Float64Array(items);
    const absY = new Float64Array(items);
    const visIndex = new Int32Array(items).fill(-1);
    const outItems: number[] = [];
    const outKind: number[] = [];
    // Pass 1: expanded groups, outer before inner (top-down), then everything else.
    const nodesAndCollapsed: number[] = [];
    const stack: number[] = [G];
    while (stack.length) {
      const grp = stack.pop()!;
      const gl = this.layouts[grp];
      if (!gl?.placement) continue;
      const ox = grp === G ? 0 : absX[N + grp]! + GROUP_PAD;
      const oy = grp === G ? 0 : absY[N + grp]! + GROUP_HEADER;
      const pl = gl.placement;
      const cs = this.childStart[grp]!;
      const ce = this.childStart[grp + 1]!;
      for (let i = 0; i < ce - cs; i++) {
        const c = this.children[cs + i]!;
        absX[c] = ox + pl.x[i]!;
        absY[c] = oy + pl.y[i]!;
        if (c >= N && open[c - N]) {
          visIndex[c] = outItems.length;
          outItems.push(c);
          outKind.push(ITEM_EXPANDED);
          stack.push(c - N);
        } else nodesAndCollapsed.push(c);
      }
    }
    for (const c of nodesAndCollapsed) {
      visIndex[c] = outItems.length;
      outItems.push(c);
      outKind.push(c >= N ? ITEM_COLLAPSED : ITEM_NODE);
    }
    const V = outItems.length;
    const x = new Float32Array(V);
    const y = new Float32Array(V);
    const w = new Float32Array(V);
    const h = new Float32Array(V);
    for (let i = 0; i < V; i++) {
      const it = outItems[i]!;
      x[i] = absX[it]!;
      y[i] = absY[it]!;
      w[i] = this.sizeW[it]!;
      h[i] = this.sizeH[it]!;
    }

    // visible representative of every node: itself, or its outermost collapsed ancestor
    const rep = new Int32Array(items);
    for (let i = this.bottomUp.length - 1; i >= 0; i--) {
      const grp = this.bottomUp[i]!;
      if (grp === G) continue;
      const it = N + grp;
      const p = this.parent[it]!;
      rep[it] = p === this.root || open[p - N] ? it : rep[p]!;
    }
    for (let i = 0; i < N; i++) {
      const p = this.parent[i]!;
      rep[i] = p === this.root || open[p - N] ? i : rep[p]!;
    }

    // edges: one per distinct (visible source, visible target); dedupe with an open-addressing set
    const E = this.structure.edgeFrom.length;
    const kept = new Int32Array(E);
    const keptSrc = new Int32Array(E);
    const keptDst = new Int32Array(E);
    let nk = 0;
    let cap = 16;
    while (cap < 2 * E) cap <<= 1;
    const setA = new Int32Array(cap).fill(-1);
    const setB = new Int32Array(cap);
    let pointCount = 0;
    for (let e = 0; e < E; e++) {
      const owner = this.edgeOwner[e]!;
      if (owner < 0 || !open[owner]) continue;
      const rs = rep[this.structure.edgeFrom[e]!]!;
      const rd = rep[this.structure.edgeTo[e]!]!;
      if (rs === rd) continue;
      let slot = (Math.imul(rs, 0x9e3779b1) ^ Math.imul(rd, 0x85ebca6b)) & (cap - 1);
      while (setA[slot] !== -1 && !(setA[slot] === rs && setB[slot] === rd)) slot = (slot + 1) & (cap - 1);
      if (setA[slot] !== -1) continue;
      setA[slot] = rs;
      setB[slot] = rd;
      const si = visIndex[rs]!;
      const di = visIndex[rd]!;
      if (si < 0 || di < 0) continue;
      kept[nk] = e;
      keptSrc[nk] = si;
      keptDst[nk] = di;
      nk++;
      const pl = this.layouts[owner]!.placement!;
      const local = this.edgeLocal[e]!;
      pointCount += 2 + pl.routeStart[local + 1]! - pl.routeStart[local]!;
    }
    const ptStart = new Int32Array(nk + 1);
    const points = new Float32Array(pointCount * 2);
    let q = 0;
    for (let k = 0; k < nk; k++) {
      const e = kept[k]!;
      const si = keptSrc[k]!;
      const di = keptDst[k]!;
      points[q++] = x[si]! + w[si]! / 2;
      points[q++] = y[si]! + h[si]!;
      const owner = this.edgeOwner[e]!;
      const pl = this.layouts[owner]!.placement!;
      const local = this.edgeLocal[e]!;
      const ox = owner === G ? 0 : absX[N + owner]! + GROUP_PAD;
      const oy = owner === G ? 0 : absY[N + owner]! + GROUP_HEADER;
      for (let j = pl.routeStart[local]!; j < pl.routeStart[local + 1]!; j++) {
        points[q++] = ox + pl.points[2 * j]!;
        points[q++] = oy + pl.points[2 * j + 1]!;
      }
      points[q++] = x[di]! + w[di]! / 2;
      points[q++] = y[di]!;
      ptStart[k + 1] = q / 2;
    }
    const expanded = this.expanded.slice(0, G);
    const rootPl = this.layouts[G]?.placement;
    return {
      items: Int32Array.from(outItems),
      kind: Uint8Array.from(outKind),
      x,
      y,
      w,
      h,
      edgeSrc: keptSrc.slice(0, nk),
      edgeDst: keptDst.slice(0, nk),
      ptStart,
      points,
      width: rootPl?.width ?? 0,
      height: rootPl?.height ?? 0,
      expanded,
    };
  }
}
