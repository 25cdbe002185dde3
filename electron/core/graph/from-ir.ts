/**
 * The graph payload of one graph straight from Kiln's IR, with integer ids throughout: the IR has
 * already resolved every tensor name, so nothing here hashes a tensor name (on a 125k-node model
 * that was most of the payload's cost). The result is what `buildGraphPayload` makes of the same
 * graph given as names (payload.ts): tensors numbered in order of first appearance (graph inputs,
 * initializers, node outputs, node inputs, graph outputs), name-scope groups from node names, and
 * the same notes; a body's reads of enclosing graphs' tensors are its inputs from outside.
 *
 * Types are the ones the file declares (graph outputs over inputs over value_info; initializers'
 * and Constants' own types), so the payload needs no shape inference; given a shape result, the
 * inferred types of the graph's own tensors take over and FLOPs and parameters per node come along.
 */
import type { GraphPayload } from '../../shared/api/graph-payload';
import { dtypeName } from '../onnx/dtypes';
import { TENSOR_SPARSE, type IRGraph, type ModelIR } from '../onnx/ir';
import type { GraphProto, ValueInfoProto } from '../onnx/model';
import type { ShapeResult } from '../onnx/shapes';
import { valueInfo } from '../onnx/summary';
import { payloadColumns } from './columns';
import type { PayloadTensorType } from './payload';

export const declaredType = (v: ValueInfoProto): PayloadTensorType | null => {
  const t = valueInfo(v);
  return t.dtype === 'unknown' ? null : { dtype: t.dtype, dims: t.dims };
};

export function graphPayloadFromIR(ir: ModelIR, graphId: number, shapes?: ShapeResult): GraphPayload {
  const g = ir.graphs[graphId] as IRGraph;
  const { tensorFlags, tensorInitializer, tensorGraph } = ir;
  const isInitializer = (t: number) => tensorInitializer[t]! >= 0 && ((tensorFlags[t] as number) & TENSOR_SPARSE) === 0;

  // Graph inputs (not initializers), then, in a body, what it reads from outside.
  const inputs: number[] = [];
  for (const t of g.inputs) if (ir.tensorName[t] && !isInitializer(t)) inputs.push(t);
  // Initializers of this graph in file order (dense ones; the last of a repeated name counts).
  const initializers: number[] = [];
  {
    const byIndex = new Int32Array(ir.initializers.length).fill(-1);
    for (let t = 0; t < ir.tensorCount; t++)
      if (tensorGraph[t] === graphId && isInitializer(t)) byIndex[tensorInitializer[t]!] = t;
    for (const t of byIndex) if (t >= 0 && ir.tensorName[t]) initializers.push(t);
  }
  if (graphId !== 0) {
    const defined = new Uint8Array(ir.tensorCount);
    for (const t of inputs) defined[t] = 1;
    for (const t of initializers) defined[t] = 1;
    const outTo = ir.nodeOutputStart[g.nodeEnd]!;
    for (let k = ir.nodeOutputStart[g.nodeStart]!; k < outTo; k++)
      if (ir.nodeOutputs[k]! >= 0) defined[ir.nodeOutputs[k]!] = 1;
    const inTo = ir.nodeInputStart[g.nodeEnd]!;
    for (let k = ir.nodeInputStart[g.nodeStart]!; k < inTo; k++) {
      const t = ir.nodeInputs[k]!;
      if (t >= 0 && !defined[t]) {
        defined[t] = 1;
        inputs.push(t);
      }
    }
  }
  const { columns, keys, payloadOf } = payloadColumns({
    keyCount: ir.tensorCount,
    nodeCount: g.nodeEnd - g.nodeStart,
    nodeOp: ir.nodeOp.subarray(g.nodeStart, g.nodeEnd),
    opName: ir.ops,
    nodeName: (i) => ir.nodeName[g.nodeStart + i] || `${ir.nodes[g.nodeStart + i]!.opType || 'node'}_${i}`,
    nodeBase: g.nodeStart,
    nodeInputStart: ir.nodeInputStart,
    nodeInputs: ir.nodeInputs,
    nodeOutputStart: ir.nodeOutputStart,
    nodeOutputs: ir.nodeOutputs,
    graphInputs: inputs,
    initializers,
    graphOutputs: g.outputs.filter((t) => ir.tensorName[t]),
    tensorName: (t) => ir.tensorName[t]!,
  });
  return {
    ...columns,
    tensorType: tensorTypes(ir, graphId, keys, payloadOf, shapes),
    subgraphs: subgraphsOf(ir, g),
    ...(shapes
      ? {
          nodeFlops: shapes.nodeFlops.slice(g.nodeStart, g.nodeEnd),
          nodeParams: shapes.nodeParams.slice(g.nodeStart, g.nodeEnd),
        }
      : {}),
  };
}

/**
 * The graph's nodes that hold bodies, one entry per node and attribute in file order, with the IR
 * graph id of the (first) body so the view can follow it. The IR made a graph for each body in
 * that order, so its graph list holds them all.
 */
function subgraphsOf(ir: ModelIR, g: IRGraph): GraphPayload['subgraphs'] {
  const out: GraphPayload['subgraphs'] = [];
  for (let b = 0; b < ir.graphs.length; b++) {
    const body = ir.graphs[b]!;
    if (body.kind !== 'subgraph' || body.owner < g.nodeStart || body.owner >= g.nodeEnd) continue;
    const last = out[out.length - 1];
    const node = body.owner - g.nodeStart;
    if (last && last.node === node && last.attribute === body.attribute) continue; // a `graphs` list
    out.push({ node, attribute: body.attribute, graph: b });
  }
  return out;
}

/**
 * Each payload tensor's type: declared (value_info, then inputs, then outputs, each over the last;
 * initializers and Constant values over those), and with a shape result the inferred type of the
 * graph's own tensors over any declaration (enclosing graphs' tensors keep what was declared).
 */
function tensorTypes(
  ir: ModelIR,
  graphId: number,
  irOf: Int32Array,
  payloadOf: Int32Array,
  shapes: ShapeResult | undefined,
): (PayloadTensorType | null)[] {
  const g = ir.graphs[graphId] as IRGraph;
  const proto = g.proto as GraphProto;
  const own = (t: number) => ir.tensorGraph[t] === graphId;
  const types = new Array<PayloadTensorType | null>(irOf.length).fill(null);
  const set = (t: number, type: PayloadTensorType | null) => {
    const p = t >= 0 ? payloadOf[t]! : -1;
    if (p >= 0 && type) types[p] = type;
  };
  // The IR kept each tensor's first declaration (an input's own, else its value_info); inputs and
  // outputs are set over it, in that order.
  for (const t of irOf) {
    const d = ir.tensorDeclared[t]!;
    if (d >= 0 && own(t)) set(t, declaredType(ir.declared[d]!));
  }
  proto.input.forEach((v, i) => set(g.inputs[i] ?? -1, declaredType(v)));
  proto.output.forEach((v, i) => set(g.outputs[i] ?? -1, declaredType(v)));
  for (const t of irOf) {
    const init = ir.tensorInitializer[t]!;
    if (init < 0 || (ir.tensorFlags[t] as number) & TENSOR_SPARSE || !own(t)) continue;
    const tensor = ir.initializers[init]!;
    set(t, { dtype: dtypeName(tensor.dataType), dims: tensor.dims });
  }
  for (let id = g.nodeStart; id < g.nodeEnd; id++) {
    const node = ir.nodes[id]!;
    if (node.opType !== 'Constant') continue;
    // its first output, if it has one (not the next node's)
    const out = ir.nodeOutputStart[id]! < ir.nodeOutputStart[id + 1]! ? ir.nodeOutputs[ir.nodeOutputStart[id]!]! : -1;
    const p = out >= 0 ? payloadOf[out]! : -1;
    if (p < 0 || types[p]) continue;
    const value = node.attribute.find((a) => a.name === 'value')?.t;
    if (value) types[p] = { dtype: dtypeName(value.dataType), dims: value.dims };
  }
  if (shapes) {
    for (let p = 0; p < irOf.length; p++) {
      const t = irOf[p]!;
      const inferred = shapes.types[t];
      if (inferred && (own(t) || !types[p])) types[p] = inferred;
    }
  }
  return types;
}
