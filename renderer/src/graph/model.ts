/**
 * The main thread's view of a graph payload: typed arrays, adjacency for highlighting, categories,
 * group labels and box sizes (the layout's part of it is ./structure.ts). Built once per payload in
 * O(nodes + edges).
 */
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { CATEGORIES, categoryOf } from './categories';
import type { GraphStructure } from './hierarchy';
import { buildStructure, type StructureColumns } from './structure';

export { CHAR_W, GROUP_H, NODE_H, shortGroupName } from './structure';

export interface GraphModel {
  payload: GraphPayload;
  N: number;
  G: number;
  E: number;
  nodeOp: Int32Array;
  nodeGroup: Int32Array;
  groupParent: Int32Array;
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  edgeTensor: Int32Array;
  /** Index into CATEGORIES per node. */
  nodeCategory: Uint8Array;
  /** Last segment of each group's name, for its box. */
  groupLabel: string[];
  /** Full path of each group ("model/layers.3/attn"). */
  groupPath: string[];
  /** Per node: incoming and outgoing edge ids (CSR). */
  inStart: Int32Array;
  inEdges: Int32Array;
  outStart: Int32Array;
  outEdges: Int32Array;
  /** Per node: 1 if it owns subgraphs. */
  hasSubgraph: Uint8Array;
  structure: GraphStructure;
  /** Things the view should tell the user (bad input that was dropped or clamped). */
  problems: string[];
}

/** The payload's columns that the layout reads (./structure.ts). */
export function structureColumns(payload: GraphPayload): StructureColumns {
  return {
    ops: payload.ops,
    // not nodeName.length: the names are decoded only when something reads them (graph-codec.ts)
    nodeCount: payload.nodeOp.length,
    groupName: payload.groupName,
    nodeOp: payload.nodeOp,
    nodeGroup: payload.nodeGroup,
    groupParent: payload.groupParent,
    edgeFrom: payload.edgeFrom,
    edgeTo: payload.edgeTo,
    edgeTensor: payload.edgeTensor,
  };
}

export function buildModel(payload: GraphPayload): GraphModel {
  const problems: string[] = [...(payload.notes ?? [])];
  const built = buildStructure(structureColumns(payload));
  const { structure, nodeOp, edgeTensor, groupLabel } = built;
  const { nodeCount: N, groupCount: G, nodeGroup, groupParent, edgeFrom, edgeTo } = structure;
  const E = edgeFrom.length;
  if (built.droppedEdges)
    problems.push(`${built.droppedEdges} edge(s) name nodes that do not exist and are not drawn.`);

  const inStart = new Int32Array(N + 1);
  const outStart = new Int32Array(N + 1);
  for (let e = 0; e < E; e++) {
    outStart[edgeFrom[e]! + 1]!++;
    inStart[edgeTo[e]! + 1]!++;
  }
  for (let i = 0; i < N; i++) {
    inStart[i + 1]! += inStart[i]!;
    outStart[i + 1]! += outStart[i]!;
  }
  const inEdges = new Int32Array(E);
  const outEdges = new Int32Array(E);
  {
    const fi = inStart.slice(0, N);
    const fo = outStart.slice(0, N);
    for (let e = 0; e < E; e++) {
      outEdges[fo[edgeFrom[e]!]!++] = e;
      inEdges[fi[edgeTo[e]!]!++] = e;
    }
  }

  const catIndex = new Map<string, number>();
  CATEGORIES.forEach((c, i) => catIndex.set(c, i));
  const opCat = payload.ops.map((op) => catIndex.get(categoryOf(op)) ?? CATEGORIES.length - 1);
  const nodeCategory = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const op = nodeOp[i]!;
    nodeCategory[i] = op >= 0 ? opCat[op]! : CATEGORIES.length - 1;
  }
  if (built.badOps) problems.push(`${built.badOps} node(s) have an unknown op type.`);

  const groupPath = payload.groupName.slice();
  const hasSubgraph = new Uint8Array(N);
  for (const s of payload.subgraphs) if (s.node >= 0 && s.node < N) hasSubgraph[s.node] = 1;

  return {
    payload,
    N,
    G,
    E,
    nodeOp,
    nodeGroup,
    groupParent,
    edgeFrom,
    edgeTo,
    edgeTensor,
    nodeCategory,
    groupLabel,
    groupPath,
    inStart,
    inEdges,
    outStart,
    outEdges,
    hasSubgraph,
    structure,
    problems,
  };
}

/** Op type of a node, or '?' */
export function opOf(model: GraphModel, node: number): string {
  const op = model.nodeOp[node]!;
  return op >= 0 ? (model.payload.ops[op] ?? '?') : '?';
}

/** Input and output tensor ids of a node (from the CSR arrays, or from the edges when absent). */
export function nodeTensors(model: GraphModel, node: number): { inputs: number[]; outputs: number[] } {
  const p = model.payload;
  if (p.nodeInputStart && p.nodeInputs && p.nodeOutputStart && p.nodeOutputs) {
    return {
      inputs: Array.from(p.nodeInputs.subarray(p.nodeInputStart[node] ?? 0, p.nodeInputStart[node + 1] ?? 0)),
      outputs: Array.from(p.nodeOutputs.subarray(p.nodeOutputStart[node] ?? 0, p.nodeOutputStart[node + 1] ?? 0)),
    };
  }
  const inputs = new Set<number>();
  const outputs = new Set<number>();
  for (let k = model.inStart[node]!; k < model.inStart[node + 1]!; k++)
    inputs.add(model.edgeTensor[model.inEdges[k]!]!);
  for (let k = model.outStart[node]!; k < model.outStart[node + 1]!; k++)
    outputs.add(model.edgeTensor[model.outEdges[k]!]!);
  return { inputs: [...inputs], outputs: [...outputs] };
}
