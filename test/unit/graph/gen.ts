/** Synthetic graph structures for layout tests: transformer-like blocks with name-scope groups. */
import type { GraphStructure } from '../../../renderer/src/graph/hierarchy';

export interface Gen {
  nodeGroup: number[];
  groupParent: number[];
  edgeFrom: number[];
  edgeTo: number[];
}

/** `layers` blocks of ~50 nodes: group per block with attn/mlp subgroups, residual edges. */
export function transformer(layers: number): Gen {
  const g: Gen = { nodeGroup: [], groupParent: [], edgeFrom: [], edgeTo: [] };
  const model = g.groupParent.push(-1) - 1;
  let prev = -1;
  for (let l = 0; l < layers; l++) {
    const block = g.groupParent.push(model) - 1;
    const attn = g.groupParent.push(block) - 1;
    const mlp = g.groupParent.push(block) - 1;
    const base = g.nodeGroup.length;
    for (let i = 0; i < 50; i++) g.nodeGroup.push(i < 30 ? attn : i < 45 ? mlp : block);
    for (let i = 1; i < 50; i++) {
      g.edgeFrom.push(base + i - 1);
      g.edgeTo.push(base + i);
      if (i % 7 === 3 && i + 5 < 50) {
        g.edgeFrom.push(base + i);
        g.edgeTo.push(base + i + 5);
      }
    }
    if (prev >= 0) {
      g.edgeFrom.push(prev, prev);
      g.edgeTo.push(base, base + 46);
    }
    prev = base + 49;
  }
  return g;
}

export function toStructure(g: Gen, nodeW = 80, nodeH = 30): GraphStructure {
  const N = g.nodeGroup.length;
  const G = g.groupParent.length;
  return {
    nodeCount: N,
    groupCount: G,
    nodeGroup: Int32Array.from(g.nodeGroup),
    groupParent: Int32Array.from(g.groupParent),
    edgeFrom: Int32Array.from(g.edgeFrom),
    edgeTo: Int32Array.from(g.edgeTo),
    nodeW: new Float32Array(N).fill(nodeW),
    nodeH: new Float32Array(N).fill(nodeH),
    groupW: new Float32Array(G).fill(160),
    groupH: new Float32Array(G).fill(44),
  };
}
