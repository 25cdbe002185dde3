import { describe, expect, it } from 'vitest';
import {
  HierarchyLayout,
  ITEM_COLLAPSED,
  ITEM_EXPANDED,
  ITEM_NODE,
  type LayoutFrame,
} from '../../../renderer/src/graph/hierarchy';
import { placeLayered, structureLayered } from '../../../renderer/src/graph/layered';
import { toStructure, transformer } from './gen';

function overlaps(f: LayoutFrame, a: number, b: number): boolean {
  return (
    f.x[a]! < f.x[b]! + f.w[b]! &&
    f.x[b]! < f.x[a]! + f.w[a]! &&
    f.y[a]! < f.y[b]! + f.h[b]! &&
    f.y[b]! < f.y[a]! + f.h[a]!
  );
}

describe('layered layout', () => {
  it('puts every edge of a DAG downwards and keeps boxes apart', () => {
    // diamond with a long skip: 0->1->2->3, 0->3, 1->3
    const src = Int32Array.from([0, 1, 2, 0, 1]);
    const dst = Int32Array.from([1, 2, 3, 3, 3]);
    const s = structureLayered(4, src, dst);
    const w = [80, 80, 80, 80];
    const h = [30, 30, 30, 30];
    const p = placeLayered(s, w, h);
    for (let e = 0; e < src.length; e++) expect(p.y[dst[e]!]!).toBeGreaterThan(p.y[src[e]!]! + 30);
    expect(s.layer[0]).toBe(0);
    expect(s.layer[3]).toBe(3);
    // the 0->3 edge spans three layers and gets two waypoints; 1->3 one
    expect(s.chainStart[4]! - s.chainStart[3]!).toBe(2);
    expect(s.chainStart[5]! - s.chainStart[4]!).toBe(1);
    for (let a = 0; a < 4; a++) {
      for (let b = a + 1; b < 4; b++) {
        const apart =
          p.x[a]! + w[a]! <= p.x[b]! ||
          p.x[b]! + w[b]! <= p.x[a]! ||
          p.y[a]! + h[a]! <= p.y[b]! ||
          p.y[b]! + h[b]! <= p.y[a]!;
        expect(apart).toBe(true);
      }
    }
    expect(p.width).toBeGreaterThan(0);
    expect(p.height).toBe(4 * 30 + 3 * 36);
  });

  it('breaks cycles instead of looping, and still places every node', () => {
    const src = Int32Array.from([0, 1, 2, 2]);
    const dst = Int32Array.from([1, 2, 0, 3]);
    const s = structureLayered(4, src, dst);
    expect(Array.from(s.reversed).reduce((a, b) => a + b, 0)).toBe(1);
    const p = placeLayered(s, [50, 50, 50, 50], [30, 30, 30, 30]);
    for (const v of [0, 1, 2, 3]) expect(Number.isFinite(p.x[v]!) && Number.isFinite(p.y[v]!)).toBe(true);
    // the non-reversed edges point down
    expect(p.y[1]!).toBeGreaterThan(p.y[0]!);
    expect(p.y[2]!).toBeGreaterThan(p.y[1]!);
  });

  it('pulls sources (constants) down next to their consumer', () => {
    // chain 0->1->2->3 and a constant 4 feeding 3
    const s = structureLayered(5, Int32Array.from([0, 1, 2, 4]), Int32Array.from([1, 2, 3, 3]));
    expect(s.layer[4]).toBe(s.layer[3]! - 1);
  });

  it('reduces crossings: two parallel chains do not swap sides', () => {
    // a0->a1->a2 and b0->b1->b2, listed so the naive order would interleave
    const s = structureLayered(6, Int32Array.from([0, 2, 1, 3]), Int32Array.from([2, 4, 3, 5]));
    const p = placeLayered(s, [40, 40, 40, 40, 40, 40], [20, 20, 20, 20, 20, 20]);
    const leftA = p.x[0]! < p.x[1]!;
    expect(p.x[2]! < p.x[3]!).toBe(leftA);
    expect(p.x[4]! < p.x[5]!).toBe(leftA);
  });

  it('handles empty and edgeless input', () => {
    const e = structureLayered(0, new Int32Array(0), new Int32Array(0));
    expect(placeLayered(e, [], []).width).toBe(0);
    const s = structureLayered(3, new Int32Array(0), new Int32Array(0));
    const p = placeLayered(s, [10, 10, 10], [10, 10, 10]);
    expect(new Set(Array.from(p.x)).size).toBe(3);
  });

  it('lays out 12.5k nodes flat in well under the half second dagre and elk need many times over', () => {
    const g = toStructure(transformer(250));
    const t0 = performance.now();
    const s = structureLayered(g.nodeCount, g.edgeFrom, g.edgeTo);
    placeLayered(s, g.nodeW, g.nodeH);
    const ms = performance.now() - t0;
    expect(g.nodeCount).toBe(12_500);
    expect(ms).toBeLessThan(1500); // ~50 ms here when idle; generous for a busy machine
  });
});

describe('hierarchy layout', () => {
  it('opens level by level within the budget and shows collapsed groups as boxes', () => {
    const h = new HierarchyLayout(toStructure(transformer(20)));
    h.autoExpand(400);
    h.update();
    const f = h.frame();
    // model opened (single child), 20 blocks fit (20 + 2*20 subgroups + ...), counted by kind
    const kinds = Array.from(f.kind);
    expect(kinds.filter((k) => k === ITEM_EXPANDED).length).toBeGreaterThan(1);
    expect(f.items.length).toBeLessThanOrEqual(400);
    expect(f.items.length).toBeGreaterThan(20);
  });

  it('keeps 2,500 sibling blocks alike: all collapsed in the opening view', () => {
    const h = new HierarchyLayout(toStructure(transformer(2500)));
    h.autoExpand(400);
    h.update();
    const f = h.frame();
    const collapsed = Array.from(f.kind).filter((k) => k === ITEM_COLLAPSED).length;
    expect(collapsed).toBe(2500);
    expect(Array.from(f.kind).filter((k) => k === ITEM_NODE).length).toBe(0);
  });

  it('expands one group: its children appear inside its frame, without overlaps', () => {
    const g = toStructure(transformer(5));
    const h = new HierarchyLayout(g);
    h.update();
    let f = h.frame();
    // only "model" (group 0) is visible, collapsed
    expect(f.items.length).toBe(1);
    expect(f.kind[0]).toBe(ITEM_COLLAPSED);
    h.setExpanded(0, true);
    h.update();
    f = h.frame();
    expect(f.items.length).toBe(1 + 5);
    const frameIdx = Array.from(f.kind).indexOf(ITEM_EXPANDED);
    for (let i = 0; i < f.items.length; i++) {
      if (i === frameIdx) continue;
      expect(f.x[i]!).toBeGreaterThanOrEqual(f.x[frameIdx]!);
      expect(f.y[i]!).toBeGreaterThanOrEqual(f.y[frameIdx]!);
      expect(f.x[i]! + f.w[i]!).toBeLessThanOrEqual(f.x[frameIdx]! + f.w[frameIdx]! + 0.01);
      expect(f.y[i]! + f.h[i]!).toBeLessThanOrEqual(f.y[frameIdx]! + f.h[frameIdx]! + 0.01);
      for (let j = i + 1; j < f.items.length; j++) if (j !== frameIdx) expect(overlaps(f, i, j)).toBe(false);
    }
    // blocks are chained: 4 edges between 5 blocks, each drawn from a box bottom to a box top
    expect(f.edgeSrc.length).toBe(4);
    for (let e = 0; e < 4; e++) {
      const a = f.ptStart[e]!;
      const b = f.ptStart[e + 1]! - 1;
      expect(f.points[2 * a + 1]).toBeCloseTo(f.y[f.edgeSrc[e]!]! + f.h[f.edgeSrc[e]!]!, 3);
      expect(f.points[2 * b + 1]).toBeCloseTo(f.y[f.edgeDst[e]!]!, 3);
    }
  });

  it('draws every edge along its own route: downwards, from its source box to its target box', () => {
    // Routes are kept per group's internal edge; an edge that took another's route would bend
    // through boxes it never meets. Skip edges (i -> i + 5) and the edges between blocks get waypoints.
    const g = toStructure(transformer(12));
    const h = new HierarchyLayout(g);
    const check = () => {
      h.update();
      const f = h.frame();
      expect(f.edgeSrc.length).toBeGreaterThan(0);
      let bends = 0;
      for (let e = 0; e < f.edgeSrc.length; e++) {
        const a = f.ptStart[e]!;
        const b = f.ptStart[e + 1]! - 1;
        const top = f.y[f.edgeSrc[e]!]! + f.h[f.edgeSrc[e]!]!;
        const bottom = f.y[f.edgeDst[e]!]!;
        expect(f.points[2 * a + 1]).toBeCloseTo(top, 3);
        expect(f.points[2 * b + 1]).toBeCloseTo(bottom, 3);
        for (let p = a + 1; p <= b; p++)
          expect(f.points[2 * p + 1]!).toBeGreaterThanOrEqual(f.points[2 * p - 1]! - 0.01);
        bends += b - a - 1;
      }
      return bends;
    };
    h.autoExpand(400);
    check();
    h.expandAll();
    expect(check()).toBeGreaterThan(100);
  });

  it('expand all shows every node once, collapse all returns to the top level', () => {
    const g = toStructure(transformer(30));
    const h = new HierarchyLayout(g);
    h.expandAll();
    h.update();
    let f = h.frame();
    const nodes = Array.from(f.items).filter((it, i) => f.kind[i] === ITEM_NODE);
    expect(nodes.length).toBe(g.nodeCount);
    expect(new Set(nodes).size).toBe(g.nodeCount);
    // every original edge is drawn once (none are internal to a collapsed group now)
    expect(f.edgeSrc.length).toBe(new Set(Array.from(g.edgeFrom, (a, e) => `${a}>${g.edgeTo[e]}`)).size);
    h.collapseAll();
    h.update();
    f = h.frame();
    expect(f.items.length).toBe(1);
  });

  it('reveal opens exactly the groups that hide a node', () => {
    const g = toStructure(transformer(10));
    const h = new HierarchyLayout(g);
    h.reveal(123); // block 2, attn subgroup
    h.update();
    const f = h.frame();
    expect(Array.from(f.items)).toContain(123);
    const expanded = Array.from(h.expanded.slice(0, g.groupCount)).reduce((a, b) => a + b, 0);
    expect(expanded).toBe(3); // model, block 2, its attn group
  });

  it('survives bad group trees: parent cycles, out-of-range ids, self parents', () => {
    const s = toStructure({
      nodeGroup: [0, 1, 2, 7, -1],
      groupParent: [1, 0, 2],
      edgeFrom: [0, 1, 2, 3],
      edgeTo: [1, 2, 3, 4],
    });
    const h = new HierarchyLayout(s);
    h.expandAll();
    h.update();
    const f = h.frame();
    expect(Array.from(f.items).filter((_, i) => f.kind[i] === ITEM_NODE).length).toBe(5);
  });

  it('expands everything at 125k nodes within the 5 s budget (in-thread here, a worker in the app)', () => {
    const g = toStructure(transformer(2500));
    const t0 = performance.now();
    const h = new HierarchyLayout(g);
    h.expandAll();
    h.update();
    const f = h.frame();
    const ms = performance.now() - t0;
    expect(Array.from(f.kind).filter((k) => k === ITEM_NODE).length).toBe(125_000);
    expect(ms).toBeLessThan(5000);
  });
});
