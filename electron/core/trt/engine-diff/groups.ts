/**
 * Groups of ONNX nodes that line engines up: every layer of every engine joins the nodes it covers
 * (union-find), so a layer fused from Conv + BatchNormalization + Relu in one engine meets the three
 * layers it is split into in another, and a Myelin range meets whatever the other engine made of
 * its nodes. A group is the smallest set of nodes that each engine covers with whole layers.
 */

/** Union-find over node indices, with path halving and union by size. */
class NodeSets {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
    this.size = new Int32Array(n).fill(1);
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] = this.size[ra]! + this.size[rb]!;
  }
}

export interface GroupedLayer {
  nodes: readonly number[];
}

export interface NodeGroups {
  /** Each group's nodes, ascending; groups in order of their first node. */
  groups: number[][];
  /** Per engine, per layer: its group index, -1 for a layer that covers no node. */
  layerGroup: Int32Array[];
}

/** Groups the nodes that `engines`' layers cover; nodes no layer covers are in no group. */
export function groupNodes(engines: ReadonlyArray<ReadonlyArray<GroupedLayer>>): NodeGroups {
  let n = 0;
  for (const layers of engines) for (const l of layers) for (const x of l.nodes) if (x + 1 > n) n = x + 1;
  const sets = new NodeSets(n);
  const covered = new Uint8Array(n);
  for (const layers of engines)
    for (const l of layers) {
      const first = l.nodes[0];
      if (first === undefined) continue;
      for (const x of l.nodes) {
        covered[x] = 1;
        sets.union(first, x);
      }
    }
  const groupOfRoot = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  for (let x = 0; x < n; x++) {
    if (!covered[x]) continue;
    const r = sets.find(x);
    let g = groupOfRoot[r]!;
    if (g < 0) {
      g = groups.length;
      groupOfRoot[r] = g;
      groups.push([]);
    }
    groups[g]!.push(x);
  }
  const layerGroup = engines.map((layers) =>
    Int32Array.from(layers, (l) => (l.nodes[0] === undefined ? -1 : groupOfRoot[sets.find(l.nodes[0])]!)),
  );
  return { groups, layerGroup };
}
