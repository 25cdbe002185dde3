/** Everything the inspector shows about a node, from the graph payload. */
import type { Dim } from '../../../electron/shared/api/model-summary';
import { CATEGORY_LABEL, CATEGORIES } from './categories';
import { nodeTensors, opOf, type GraphModel } from './model';

export interface TensorInfo {
  id: number;
  name: string;
  dtype: string | null;
  dims: Dim[] | null;
  kind: 'value' | 'input' | 'initializer' | 'output';
  /** Nodes that produce / consume it (main graph). */
  producers: number[];
  consumers: number[];
}

export interface NodeInfo {
  id: number;
  name: string;
  op: string;
  category: string;
  groupPath: string | null;
  inputs: (TensorInfo | null)[];
  outputs: TensorInfo[];
  subgraphs: { attribute: string; graph: number }[];
}

const KIND = ['value', 'input', 'initializer', 'output'] as const;

export function formatDims(dims: Dim[] | null): string {
  if (!dims) return '?';
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export function tensorInfo(model: GraphModel, t: number): TensorInfo | null {
  const p = model.payload;
  if (t < 0 || t >= p.tensorName.length) return null;
  const type = p.tensorType[t] ?? null;
  const producers = new Set<number>();
  const consumers = new Set<number>();
  for (let e = 0; e < model.E; e++) {
    if (model.edgeTensor[e] !== t) continue;
    producers.add(model.edgeFrom[e]!);
    consumers.add(model.edgeTo[e]!);
  }
  return {
    id: t,
    name: p.tensorName[t]!,
    dtype: type?.dtype ?? null,
    dims: type?.dims ?? null,
    kind: KIND[p.tensorKind?.[t] ?? 0] ?? 'value',
    producers: [...producers],
    consumers: [...consumers],
  };
}

export function describeNode(model: GraphModel, node: number): NodeInfo {
  const { inputs, outputs } = nodeTensors(model, node);
  const g = model.nodeGroup[node]!;
  return {
    id: node,
    name: model.payload.nodeName[node] ?? '',
    op: opOf(model, node),
    category: CATEGORY_LABEL[CATEGORIES[model.nodeCategory[node]!]!],
    groupPath: g >= 0 ? model.groupPath[g]! : null,
    inputs: inputs.map((t) => (t < 0 ? null : tensorInfo(model, t))),
    outputs: outputs.map((t) => tensorInfo(model, t)).filter((x): x is TensorInfo => x !== null),
    subgraphs: model.payload.subgraphs
      .filter((s) => s.node === node)
      .map((s) => ({ attribute: s.attribute, graph: s.graph })),
  };
}
