/**
 * Graph -> GraphPayload: the flat arrays the graph view draws (see GraphPayloadSchema). Input is a
 * plain list of nodes with tensor names (`PayloadGraph`), which an IR or a decoded GraphProto maps
 * onto cheaply. Name-scope groups come from the node names ("/model/layers.0/attn/MatMul" sits in
 * /model/layers.0/attn), unless the caller supplies scopes. Pure (no fs), so the renderer's test
 * harness can use it too. O(nodes + tensors).
 */
import type { GraphPayload } from '../../shared/api/graph-payload';
import { dtypeName } from '../onnx/dtypes';
import { opKey } from '../onnx/ir';

export interface PayloadNode {
  name: string;
  opType: string;
  /** Tensor names in order; '' = an omitted optional input. */
  inputs: string[];
  outputs: string[];
  /** Attribute names that hold subgraphs (If: then_branch/else_branch, Loop/Scan: body). */
  subgraphAttributes?: string[];
  /** Name scope ("/model/layers.0/attn"), when known better than from the name. */
  scope?: string;
}

export interface PayloadTensorType {
  dtype: string;
  dims: (number | string | null)[] | null;
}

export interface PayloadGraph {
  nodes: PayloadNode[];
  /** Graph inputs (not initializers), initializers and graph outputs, by name. */
  inputs: string[];
  initializers: string[];
  outputs: string[];
  /** Known types (value_info, inputs, outputs, initializers). */
  types: Map<string, PayloadTensorType>;
}

/** The scope of a node from its name: everything before the last '/', or '' (top level). */
export function scopeOfName(name: string): string {
  const at = name.lastIndexOf('/');
  if (at <= 0) return '';
  return name.slice(0, at);
}

/**
 * The name-scope group tree, grown as scopes are met: `groupOf("/a/b")` is the id of group /a/b,
 * made (with /a before it) on first sight; -1 for '' (top level).
 */
export function scopeGroups(): { groupName: string[]; groupParent: number[]; groupOf: (scope: string) => number } {
  const groupName: string[] = [];
  const groupParent: number[] = [];
  const groupIndex = new Map<string, number>();
  const groupOf = (scope: string): number => {
    if (!scope) return -1;
    const hit = groupIndex.get(scope);
    if (hit !== undefined) return hit;
    // iterative: create missing ancestors first
    const chain: string[] = [];
    let s = scope;
    while (s && !groupIndex.has(s)) {
      chain.push(s);
      s = scopeOfName(s);
    }
    let parent = s ? groupIndex.get(s)! : -1;
    for (let i = chain.length - 1; i >= 0; i--) {
      const id = groupName.push(chain[i]!) - 1;
      groupParent.push(parent);
      groupIndex.set(chain[i]!, id);
      parent = id;
    }
    return parent;
  };
  return { groupName, groupParent, groupOf };
}

/** What the view says about edges it could not draw exactly. */
export function payloadNotes(duplicateProducers: number, dangling: number): string[] {
  const notes: string[] = [];
  if (duplicateProducers)
    notes.push(`${duplicateProducers} tensor(s) are produced by more than one node; edges use the last producer.`);
  if (dangling) notes.push(`${dangling} input(s) name tensors that no node, input or initializer provides.`);
  return notes;
}

export function buildGraphPayload(graph: PayloadGraph): GraphPayload {
  const ops: string[] = [];
  const opIndex = new Map<string, number>();
  const tensorIndex = new Map<string, number>();
  const tensorName: string[] = [];
  const tensorKind: number[] = [];
  const tensorOf = (name: string): number => {
    let t = tensorIndex.get(name);
    if (t === undefined) {
      t = tensorName.push(name) - 1;
      tensorIndex.set(name, t);
      tensorKind.push(0);
    }
    return t;
  };
  for (const n of graph.inputs) tensorKind[tensorOf(n)] = 1;
  for (const n of graph.initializers) tensorKind[tensorOf(n)] = 2;

  const { groupName, groupParent, groupOf } = scopeGroups();

  const N = graph.nodes.length;
  const nodeName: string[] = new Array<string>(N);
  const nodeOp: number[] = new Array<number>(N);
  const nodeGroup: number[] = new Array<number>(N);
  const nodeInputStart: number[] = [0];
  const nodeInputs: number[] = [];
  const nodeOutputStart: number[] = [0];
  const nodeOutputs: number[] = [];
  const subgraphs: GraphPayload['subgraphs'] = [];
  const producer: number[] = [];
  let duplicateProducers = 0;
  let subgraphId = 0;

  for (let i = 0; i < N; i++) {
    const node = graph.nodes[i]!;
    nodeName[i] = node.name;
    let op = opIndex.get(node.opType);
    if (op === undefined) {
      op = ops.push(node.opType) - 1;
      opIndex.set(node.opType, op);
    }
    nodeOp[i] = op;
    // a scope only when a group would hold something: names like "conv1/Relu" with one node per
    // scope still form groups, which is what the exporter meant
    nodeGroup[i] = groupOf(node.scope ?? scopeOfName(node.name));
    for (const out of node.outputs) {
      if (!out) continue;
      const t = tensorOf(out);
      nodeOutputs.push(t);
      if (producer[t] !== undefined && producer[t] !== i) duplicateProducers++;
      producer[t] = i;
    }
    nodeOutputStart.push(nodeOutputs.length);
    for (const attr of node.subgraphAttributes ?? []) subgraphs.push({ node: i, attribute: attr, graph: ++subgraphId });
  }
  const edgeFrom: number[] = [];
  const edgeTo: number[] = [];
  const edgeTensor: number[] = [];
  let dangling = 0;
  for (let i = 0; i < N; i++) {
    const node = graph.nodes[i]!;
    const seen = new Set<number>();
    for (const input of node.inputs) {
      if (!input) {
        nodeInputs.push(-1);
        continue;
      }
      const t = tensorOf(input);
      nodeInputs.push(t);
      const p = producer[t];
      if (p === undefined) {
        if (tensorKind[t] === 0) dangling++;
        continue;
      }
      if (seen.has(t)) continue; // x * x: one edge
      seen.add(t);
      edgeFrom.push(p);
      edgeTo.push(i);
      edgeTensor.push(t);
    }
    nodeInputStart.push(nodeInputs.length);
  }
  for (const n of graph.outputs) {
    const t = tensorOf(n);
    if (tensorKind[t] === 0) tensorKind[t] = 3;
  }
  const tensorType = tensorName.map((name) => graph.types.get(name) ?? null);
  const notes = payloadNotes(duplicateProducers, dangling);

  const ids = (a: number[]) => Int32Array.from(a);
  return {
    ops,
    nodeName,
    nodeOp: ids(nodeOp),
    nodeGroup: ids(nodeGroup),
    edgeFrom: ids(edgeFrom),
    edgeTo: ids(edgeTo),
    edgeTensor: ids(edgeTensor),
    tensorName,
    tensorType,
    groupName,
    groupParent: ids(groupParent),
    subgraphs,
    nodeInputStart: ids(nodeInputStart),
    nodeInputs: ids(nodeInputs),
    nodeOutputStart: ids(nodeOutputStart),
    nodeOutputs: ids(nodeOutputs),
    tensorKind: ids(tensorKind),
    notes,
  };
}

// ---- from a decoded ONNX GraphProto (onnx-proto) ----

/** The parts of onnx-proto's IGraphProto this module reads (kept structural: no runtime import). */
export interface GraphProtoLike {
  node?:
    | {
        name?: string | null;
        opType?: string | null;
        domain?: string | null;
        input?: string[] | null;
        output?: string[] | null;
        attribute?: { name?: string | null; g?: unknown; graphs?: unknown[] | null; t?: TensorLike | null }[] | null;
      }[]
    | null;
  input?: ValueInfoLike[] | null;
  output?: ValueInfoLike[] | null;
  valueInfo?: ValueInfoLike[] | null;
  initializer?: TensorLike[] | null;
}
interface TensorLike {
  name?: string | null;
  dataType?: number | null;
  dims?: (number | { toNumber(): number })[] | null;
}
interface ValueInfoLike {
  name?: string | null;
  type?: {
    tensorType?: {
      elemType?: number | null;
      shape?: { dim?: { dimValue?: number | { toNumber(): number } | null; dimParam?: string | null }[] | null } | null;
    } | null;
  } | null;
}

const num = (v: number | { toNumber(): number }): number => (typeof v === 'number' ? v : v.toNumber());

export function payloadGraphFromProto(g: GraphProtoLike): PayloadGraph {
  const types = new Map<string, PayloadTensorType>();
  const addValueInfo = (v: ValueInfoLike) => {
    const tt = v.type?.tensorType;
    if (!v.name || !tt) return;
    const dims = tt.shape?.dim
      ? tt.shape.dim.map((d) =>
          d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : null,
        )
      : null;
    types.set(v.name, { dtype: dtypeName(tt.elemType ?? 0), dims });
  };
  for (const v of g.valueInfo ?? []) addValueInfo(v);
  for (const v of g.input ?? []) addValueInfo(v);
  for (const v of g.output ?? []) addValueInfo(v);
  const initializers: string[] = [];
  for (const t of g.initializer ?? []) {
    if (!t.name) continue;
    initializers.push(t.name);
    types.set(t.name, { dtype: dtypeName(t.dataType ?? 0), dims: (t.dims ?? []).map(num) });
  }
  // Constant nodes carry their value's type: weights exported as Constants get shapes too
  for (const n of g.node ?? []) {
    if (n.opType !== 'Constant' || !n.output?.[0] || types.has(n.output[0])) continue;
    const t = n.attribute?.find((a) => a.name === 'value')?.t;
    if (t)
      types.set(n.output[0], {
        dtype: dtypeName(t.dataType ?? 0),
        dims: (t.dims ?? []).map(num),
      });
  }
  const initSet = new Set(initializers);
  const nodes: PayloadNode[] = (g.node ?? []).map((n, i) => ({
    name: n.name || `${n.opType ?? 'node'}_${i}`,
    // As the IR names it (ir.ts opKey): an op of another domain with its domain, "com.microsoft:MatMulNBits".
    opType: opKey(n.domain ?? '', n.opType ?? '?'),
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    subgraphAttributes: (n.attribute ?? [])
      .filter((a) => a.g || (a.graphs && a.graphs.length))
      .map((a) => a.name ?? ''),
  }));
  return {
    nodes,
    inputs: (g.input ?? []).map((v) => v.name ?? '').filter((n) => n && !initSet.has(n)),
    initializers,
    outputs: (g.output ?? []).map((v) => v.name ?? '').filter(Boolean),
    types,
  };
}
