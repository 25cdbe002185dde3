/**
 * The graph payload of a model file, for the `model.graph` host job. Reads the model with Kiln's
 * ONNX reader, with the shapes and costs inferred when the model was opened (the view asks right after
 * model.open, so the analysis is the cached one).
 */
import type { GraphPayload } from '../../shared/api/contract';
import type { GraphProto } from '../onnx/model';
import { analyzeModelCached, type ModelAnalysis } from '../onnx/analyze';
import { KilnError } from '../../shared/api/errors';
import { valueInfo } from '../onnx/summary';
import { dtypeName } from '../onnx/dtypes';
import { buildGraphPayload } from './payload';
import type { PayloadGraph, PayloadTensorType } from './payload';

let cache: { analysis: ModelAnalysis; graphId: number; payload: GraphPayload } | null = null;

export function payloadGraphFromModel(g: GraphProto): PayloadGraph {
  const types = new Map<string, PayloadTensorType>();
  for (const list of [g.valueInfo, g.input, g.output]) {
    for (const v of list) {
      const t = valueInfo(v);
      if (v.name && t.dtype !== 'unknown') types.set(v.name, { dtype: t.dtype, dims: t.dims });
    }
  }
  const initializers: string[] = [];
  for (const t of g.initializer) {
    if (!t.name) continue;
    initializers.push(t.name);
    types.set(t.name, { dtype: dtypeName(t.dataType), dims: t.dims });
  }
  // Constant nodes carry their value's type: weights exported as Constants get shapes too.
  for (const n of g.node) {
    const out = n.output[0];
    if (n.opType !== 'Constant' || !out || types.has(out)) continue;
    const t = n.attribute.find((a) => a.name === 'value')?.t;
    if (t) types.set(out, { dtype: dtypeName(t.dataType), dims: t.dims });
  }
  const initSet = new Set(initializers);
  return {
    nodes: g.node.map((n, i) => ({
      name: n.name || `${n.opType || 'node'}_${i}`,
      opType: n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType || '?',
      inputs: n.input,
      outputs: n.output,
      subgraphAttributes: n.attribute.filter((a) => a.g || (a.graphs && a.graphs.length > 0)).map((a) => a.name),
    })),
    inputs: g.input.map((v) => v.name).filter((name) => name && !initSet.has(name)),
    initializers,
    outputs: g.output.map((v) => v.name).filter(Boolean),
    types,
  };
}

/**
 * The payload of graph `graphId` (0: the main graph; an If/Loop/Scan body's IR graph id otherwise).
 * Subgraph entries carry IR graph ids, so the view can follow them.
 */
export async function graphPayloadForFile(path: string, displayName?: string, graphId = 0): Promise<GraphPayload> {
  const a = await analyzeModelCached(path, displayName);
  if (cache && cache.analysis === a && cache.graphId === graphId) return cache.payload;
  const { ir, shapes } = a;
  const g = ir.graphs[graphId];
  if (!g || g.kind === 'function')
    throw new KilnError('INVALID_ARGUMENT', `${a.summary.fileName} has no graph ${graphId} to show`);
  const graph = payloadGraphFromModel(g.proto as GraphProto);
  if (graphId !== 0) {
    // A body reads its enclosing graphs' tensors by name: show them as inputs from outside.
    const defined = new Set([...graph.inputs, ...graph.initializers, ...graph.nodes.flatMap((n) => n.outputs)]);
    const outer = new Set(graph.nodes.flatMap((n) => n.inputs).filter((t) => t && !defined.has(t)));
    graph.inputs = [...graph.inputs, ...outer];
  }
  // Inferred types fill in what the file does not declare (most exporters declare only I/O). A body
  // also sees its enclosing graphs' tensors by name.
  const scope = new Set<number>();
  for (let at = graphId; at >= 0; at = ir.graphs[at]?.parent ?? -1) scope.add(at);
  for (let t = 0; t < ir.tensorCount; t++) {
    const type = shapes.types[t];
    const name = ir.tensorName[t] as string;
    if (type && scope.has(ir.tensorGraph[t] as number) && (ir.tensorGraph[t] === graphId || !graph.types.has(name)))
      graph.types.set(name, type);
  }
  const payload = buildGraphPayload(graph);
  // A graph's nodes are IR ids [nodeStart, nodeEnd) in file order, as the payload's are.
  payload.nodeFlops = Array.from(shapes.nodeFlops.subarray(g.nodeStart, g.nodeEnd));
  payload.nodeParams = Array.from(shapes.nodeParams.subarray(g.nodeStart, g.nodeEnd));
  payload.subgraphs = payload.subgraphs.map((s) => {
    const body = ir.graphs.findIndex((b) => b.owner === g.nodeStart + s.node && b.attribute === s.attribute);
    return { ...s, graph: body };
  });
  cache = { analysis: a, graphId, payload };
  return payload;
}
