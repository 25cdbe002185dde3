/**
 * Search by node name, op type or tensor name. Lower-cased copies of the names are built on the
 * first search and kept; a search is one linear scan (about 10 ms at 125k nodes).
 */
import { nodeTensors, type GraphModel } from './model';

export interface SearchHit {
  node: number;
  why: 'name' | 'op' | 'tensor';
  text: string;
}

export class GraphSearch {
  private names: string[] | null = null;
  private ops: string[] | null = null;
  private tensors: string[] | null = null;
  /** tensor id -> nodes that produce or consume it */
  private tensorNodes: Map<number, number[]> | null = null;

  constructor(private readonly model: GraphModel) {}

  search(query: string, limit = 1000): { hits: SearchHit[]; total: number } {
    const q = query.trim().toLowerCase();
    if (!q) return { hits: [], total: 0 };
    const m = this.model;
    this.names ??= m.payload.nodeName.map((n) => n.toLowerCase());
    this.ops ??= m.payload.ops.map((o) => o.toLowerCase());
    const hits: SearchHit[] = [];
    const seen = new Uint8Array(m.N);
    let total = 0;
    const push = (node: number, why: SearchHit['why'], text: string) => {
      if (seen[node]) return;
      seen[node] = 1;
      total++;
      if (hits.length < limit) hits.push({ node, why, text });
    };
    // exact op type first (typing "Conv" should list Conv nodes, not every "conv" in a name)
    const opExact = this.ops.indexOf(q);
    if (opExact >= 0) for (let i = 0; i < m.N; i++) if (m.nodeOp[i] === opExact) push(i, 'op', m.payload.ops[opExact]!);
    for (let i = 0; i < m.N; i++) if (this.names[i]!.includes(q)) push(i, 'name', m.payload.nodeName[i]!);
    for (let o = 0; o < this.ops.length; o++) {
      if (o === opExact || !this.ops[o]!.includes(q)) continue;
      for (let i = 0; i < m.N; i++) if (m.nodeOp[i] === o) push(i, 'op', m.payload.ops[o]!);
    }
    this.tensors ??= m.payload.tensorName.map((t) => t.toLowerCase());
    for (let t = 0; t < this.tensors.length; t++) {
      if (!this.tensors[t]!.includes(q)) continue;
      for (const node of this.nodesOfTensor(t)) push(node, 'tensor', m.payload.tensorName[t]!);
    }
    return { hits, total };
  }

  private nodesOfTensor(t: number): number[] {
    if (!this.tensorNodes) {
      const map = new Map<number, number[]>();
      const add = (tensor: number, node: number) => {
        if (tensor < 0) return;
        const list = map.get(tensor);
        if (list) {
          if (list[list.length - 1] !== node) list.push(node);
        } else map.set(tensor, [node]);
      };
      const m = this.model;
      if (m.payload.nodeOutputStart) {
        for (let i = 0; i < m.N; i++) {
          const { inputs, outputs } = nodeTensors(m, i);
          for (const o of outputs) add(o, i);
          for (const x of inputs) add(x, i);
        }
      } else {
        for (let e = 0; e < m.E; e++) {
          add(m.edgeTensor[e]!, m.edgeFrom[e]!);
          add(m.edgeTensor[e]!, m.edgeTo[e]!);
        }
      }
      this.tensorNodes = map;
    }
    return this.tensorNodes.get(t) ?? [];
  }
}
