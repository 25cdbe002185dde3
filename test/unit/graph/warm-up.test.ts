/**
 * The layout worker's warm-up (renderer/src/graph/warm-up.ts): the synthetic graph must take the
 * same path a big real model takes (opened level by level, its prepared layout taken by `init`),
 * or it warms code the real open never runs; and warming a worker must change nothing a real open
 * then draws.
 */
import { describe, expect, it } from 'vitest';
import { LayoutEngine } from '../../../renderer/src/graph/engine';
import { buildStructure, initialExpansion } from '../../../renderer/src/graph/structure';
import { warmUpColumns, warmUpLayout } from '../../../renderer/src/graph/warm-up';
import { transformer } from './gen';

describe('layout warm-up', () => {
  it('lays its graph out the way a big model opens: level by level, prepared layout taken', () => {
    const columns = warmUpColumns();
    const { structure, droppedEdges, badOps } = buildStructure(columns);
    expect(droppedEdges).toBe(0);
    expect(badOps).toBe(0);
    expect(structure.nodeCount).toBeGreaterThan(1500);
    expect(initialExpansion(structure.nodeCount, structure.groupCount)).toBe('auto');
    const done = warmUpLayout();
    expect(done.prepared).toBe(true);
    // Level by level: some boxes, far fewer than the graph's nodes.
    expect(done.items).toBeGreaterThan(20);
    expect(done.items).toBeLessThan(structure.nodeCount / 4);
    expect(done.ms).toBeGreaterThan(0);
  });

  it('is a graph with edges inside blocks, across subgroups and between blocks', () => {
    const c = warmUpColumns(3);
    const group = (n: number) => c.nodeGroup[n]!;
    let inside = 0;
    let across = 0;
    for (let e = 0; e < c.edgeFrom.length; e++) {
      if (group(c.edgeFrom[e]!) === group(c.edgeTo[e]!)) inside++;
      else across++;
    }
    expect(inside).toBeGreaterThan(0);
    expect(across).toBeGreaterThan(2);
    expect(c.groupName.length).toBe(1 + 3 * 3);
  });

  it('leaves a real open as it would be in a cold worker', () => {
    const g = transformer(60);
    const N = g.nodeGroup.length;
    const columns = {
      ops: ['MatMul', 'Add'],
      nodeCount: N,
      groupName: g.groupParent.map((_, i) => `g${i}`),
      nodeOp: Int32Array.from(g.nodeGroup, (_, i) => i % 2),
      nodeGroup: Int32Array.from(g.nodeGroup),
      groupParent: Int32Array.from(g.groupParent),
      edgeFrom: Int32Array.from(g.edgeFrom),
      edgeTo: Int32Array.from(g.edgeTo),
      edgeTensor: Int32Array.from(g.edgeFrom, (_, e) => e),
    };
    const open = () => {
      const engine = new LayoutEngine();
      engine.prepare({ type: 'prepare', key: 7, columns });
      const { structure } = buildStructure(columns);
      return engine.handle({ type: 'init', seq: 1, structure, initial: 'auto', prepared: 7 });
    };
    const cold = open();
    warmUpLayout();
    const warm = open();
    if (cold.type !== 'frame' || warm.type !== 'frame') throw new Error('no frame');
    expect(warm.prepared).toBe(true);
    for (const key of ['items', 'kind', 'x', 'y', 'w', 'h', 'edgeSrc', 'edgeDst', 'points'] as const)
      expect(Array.from(warm.frame[key]), key).toEqual(Array.from(cold.frame[key]));
  });
});
