/**
 * The main thread's view of a graph payload: typed arrays, adjacency for highlighting, categories,
 * group labels and box sizes. Built once per payload in O(nodes + edges).
 */
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { CATEGORIES, categoryOf } from './categories';
import type { GraphStructure } from './hierarchy';

export const NODE_H = 30;
export const GROUP_H = 44;
/** Approximate advance of the 12px UI font, for sizing boxes off the main thread's canvas. */
export const CHAR_W = 7;
const MAX_NODE_W = 220;
const MAX_GROUP_W = 280;

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

/** A copy of `values` of exactly `length` (short payloads padded with `fallback`): the view cleans it in place. */
function int32(values: Int32Array | undefined, length: number, fallback = -1): Int32Array {
  const out = new Int32Array(length);
  const n = values ? Math.min(values.length, length) : 0;
  if (values) out.set(values.subarray(0, n));
  if (n < length) out.fill(fallback, n);
  return out;
}

/**
 * Text width at a font: a canvas measurement in the browser, an estimate elsewhere (tests). Each
 * text is measured once: a big model's groups repeat a few labels ("attention", "mlp") thousands
 * of times, and a canvas measurement costs microseconds.
 */
function textMeasurer(font: string): (text: string) => number {
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(1, 1).getContext('2d');
    if (ctx) {
      ctx.font = font;
      const known = new Map<string, number>();
      return (text) => {
        let w = known.get(text);
        if (w === undefined) {
          w = ctx.measureText(text).width;
          known.set(text, w);
        }
        return w;
      };
    }
  }
  return (text) => text.length * CHAR_W;
}

export function shortGroupName(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  return at >= 0 ? trimmed.slice(at + 1) || trimmed : trimmed;
}

export function buildModel(payload: GraphPayload): GraphModel {
  const problems: string[] = [...(payload.notes ?? [])];
  const N = payload.nodeName.length;
  const G = payload.groupName.length;
  const nodeOp = int32(payload.nodeOp, N, 0);
  const nodeGroup = int32(payload.nodeGroup, N, -1);
  const groupParent = int32(payload.groupParent, G, -1);
  for (let i = 0; i < N; i++) if (nodeGroup[i]! >= G || nodeGroup[i]! < -1) nodeGroup[i] = -1;
  for (let i = 0; i < G; i++) if (groupParent[i]! >= G || groupParent[i]! < -1) groupParent[i] = -1;

  // edges: drop the ones that name nodes that do not exist
  const rawE = Math.min(payload.edgeFrom.length, payload.edgeTo.length);
  const from = new Int32Array(rawE);
  const to = new Int32Array(rawE);
  const tensor = new Int32Array(rawE);
  let E = 0;
  for (let e = 0; e < rawE; e++) {
    const a = payload.edgeFrom[e]!;
    const b = payload.edgeTo[e]!;
    if (!(a >= 0 && a < N && b >= 0 && b < N)) continue;
    from[E] = a;
    to[E] = b;
    tensor[E] = payload.edgeTensor[e] ?? -1;
    E++;
  }
  if (E < rawE) problems.push(`${rawE - E} edge(s) name nodes that do not exist and are not drawn.`);
  const edgeFrom = from.subarray(0, E);
  const edgeTo = to.subarray(0, E);
  const edgeTensor = tensor.subarray(0, E);

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
  const nodeW = new Float32Array(N);
  const nodeH = new Float32Array(N).fill(NODE_H);
  const measure = textMeasurer('600 12px system-ui, -apple-system, "Segoe UI", sans-serif');
  const opW = payload.ops.map((op) => Math.min(MAX_NODE_W, Math.max(64, Math.ceil(measure(op.slice(0, 64))) + 24)));
  let badOp = 0;
  for (let i = 0; i < N; i++) {
    let op = nodeOp[i]!;
    if (op < 0 || op >= payload.ops.length) {
      badOp++;
      op = -1;
      nodeOp[i] = -1;
    }
    nodeCategory[i] = op >= 0 ? opCat[op]! : CATEGORIES.length - 1;
    nodeW[i] = op >= 0 ? opW[op]! : 64;
  }
  if (badOp) problems.push(`${badOp} node(s) have an unknown op type.`);

  const groupLabel = payload.groupName.map(shortGroupName);
  const groupPath = payload.groupName.slice();
  const groupW = new Float32Array(G);
  const groupH = new Float32Array(G).fill(GROUP_H);
  for (let g = 0; g < G; g++)
    groupW[g] = Math.min(MAX_GROUP_W, Math.max(120, Math.ceil(measure(groupLabel[g]!.slice(0, 64))) + 40));

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
    structure: {
      nodeCount: N,
      groupCount: G,
      nodeGroup,
      groupParent,
      edgeFrom,
      edgeTo,
      nodeW,
      nodeH,
      groupW,
      groupH,
    },
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
