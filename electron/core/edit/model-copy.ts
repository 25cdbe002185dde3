/**
 * The two things every edit needs before it changes a model: weights it can read without the file
 * they came from, and a copy to change. Decoding leaves weights as spans of the source file's bytes
 * (or typed protobuf fields there); `detachWeights` turns each into bytes in memory (views on the
 * same buffer for raw data: no copy), so an edit is a function of the model alone and its result
 * can be written without the source (string tensors, which have no raw form, still point at it).
 * `copyModel` is the one copy every edit makes (fold, opset, surgery, dequantize, upcast): it copies
 * the containers an edit changes (node lists, node inputs and outputs, attribute lists, initializer
 * and declaration objects) and shares what edits replace instead of mutating (attributes without
 * bodies, tensor data, types), so an edit never touches its input and a 125k-node copy stays cheap.
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/model';
import { forEachTensor } from '../onnx/open';
import { tensorRawBytes, type TensorSource } from '../onnx/values';

/** A copy of `model` whose tensors hold their bytes in memory (external data stays external). */
export function detachWeights(model: ModelProto, src: TensorSource): ModelProto {
  const copy = copyModel(model);
  // Tensor attributes are shared by copyNode: give the nodes holding them their own before changing them.
  for (const nodes of [copy.graph?.node ?? [], ...copy.functions.map((f) => f.node)])
    for (const n of nodes) if (n.attribute.some((a) => a.t || a.tensors)) n.attribute = n.attribute.map(copyAttr);
  forEachTensor(copy, (t) => {
    const d = t.data;
    // Strings have no raw form: they stay typed fields of the source (written with its bytes).
    if (d.kind === 'raw' || (d.kind === 'typed' && d.field !== 6))
      t.data = { kind: 'bytes', bytes: tensorRawBytes(t, src) };
  });
  return copy;
}

const copyAttr = (a: AttributeProto): AttributeProto => {
  const c: AttributeProto = { ...a };
  if (a.t) c.t = copyTensor(a.t);
  if (a.tensors) c.tensors = a.tensors.map(copyTensor);
  if (a.g) c.g = copyGraph(a.g);
  if (a.graphs) c.graphs = a.graphs.map(copyGraph);
  return c;
};

export const copyTensor = (t: TensorProto): TensorProto => ({ ...t, dims: [...t.dims] });
export const copyValueInfo = (v: ValueInfoProto): ValueInfoProto => ({ ...v });
/** Attributes are shared unless they hold a body (whose nodes a rewrite may rename): edits replace them, never mutate. */
export const copyNode = (n: NodeProto): NodeProto => ({
  ...n,
  input: [...n.input],
  output: [...n.output],
  attribute: n.attribute.some((a) => a.g || a.graphs) ? n.attribute.map(copyAttr) : [...n.attribute],
});

export function copyGraph(g: GraphProto): GraphProto {
  return {
    ...g,
    node: g.node.map(copyNode),
    initializer: g.initializer.map(copyTensor),
    sparseInitializer: g.sparseInitializer.map((sp) => ({
      ...sp,
      values: sp.values && copyTensor(sp.values),
      indices: sp.indices && copyTensor(sp.indices),
    })),
    input: g.input.map(copyValueInfo),
    output: g.output.map(copyValueInfo),
    valueInfo: g.valueInfo.map(copyValueInfo),
  };
}

/** A copy of `model` an edit may change freely (tensor bytes and types are shared: replace, never mutate them). */
export function copyModel(model: ModelProto): ModelProto {
  return {
    ...model,
    opsetImport: model.opsetImport.map((o) => ({ ...o })),
    metadataProps: model.metadataProps.map((e) => ({ ...e })),
    graph: model.graph ? copyGraph(model.graph) : undefined,
    functions: model.functions.map((f) => ({ ...f, node: f.node.map(copyNode) })),
  };
}

/** The model's main graph, or the plain error an edit gives for a model without one. */
export function mainGraph(model: ModelProto): GraphProto {
  if (!model.graph) throw new Error('the model has no graph');
  return model.graph;
}
