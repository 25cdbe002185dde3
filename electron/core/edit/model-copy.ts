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
 * `copyLists` goes further and shares the nodes too, for edits that copy the few nodes they change
 * (fold: a 125k-node model is then not copied node by node at every step of a fix).
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/model';
import { forEachTensor } from '../onnx/open';
import { tensorRawBytes, type TensorSource } from '../onnx/values';

/** A copy of `model` whose tensors hold their bytes in memory (external data stays external). */
export function detachWeights(model: ModelProto, src: TensorSource): ModelProto {
  // Nodes without tensors are shared (no edit changes a node of its input: each copies what it
  // changes); a node holding a tensor, or a body (whose nodes may hold some), gets its own copy,
  // with its own attributes, since its tensors are given their bytes below.
  const own = (n: NodeProto): NodeProto =>
    n.attribute.some((a) => a.t || a.tensors || a.g || a.graphs) ? deepNode(n) : n;
  const copy = copyModel(model, own);
  for (const f of copy.functions) f.node = f.node.map(deepNode);
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
  // A body's nodes get their own attributes too: tensors in them are given their bytes by detachWeights.
  if (a.g) c.g = copyGraph(a.g, deepNode);
  if (a.graphs) c.graphs = a.graphs.map((b) => copyGraph(b, deepNode));
  return c;
};

const deepNode = (n: NodeProto): NodeProto => ({ ...copyNode(n), attribute: n.attribute.map(copyAttr) });

export const copyTensor = (t: TensorProto): TensorProto => ({ ...t, dims: [...t.dims] });
export const copyValueInfo = (v: ValueInfoProto): ValueInfoProto => ({ ...v });
/** Attributes are shared unless they hold a body (whose nodes a rewrite may rename): edits replace them, never mutate. */
export const copyNode = (n: NodeProto): NodeProto => ({
  ...n,
  input: [...n.input],
  output: [...n.output],
  attribute: n.attribute.some((a) => a.g || a.graphs) ? n.attribute.map(copyAttr) : [...n.attribute],
});

export function copyGraph(g: GraphProto, nodeCopy: (n: NodeProto) => NodeProto = copyNode): GraphProto {
  return {
    ...g,
    node: g.node.map(nodeCopy),
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
export function copyModel(model: ModelProto, nodeCopy: (n: NodeProto) => NodeProto = copyNode): ModelProto {
  return {
    ...model,
    opsetImport: model.opsetImport.map((o) => ({ ...o })),
    metadataProps: model.metadataProps.map((e) => ({ ...e })),
    graph: model.graph ? copyGraph(model.graph, nodeCopy) : undefined,
    functions: model.functions.map((f) => ({ ...f, node: f.node.map(copyNode) })),
  };
}

/**
 * A copy of `model` whose lists an edit may change (the main graph's nodes, initializers, inputs,
 * outputs and value_info) but whose nodes are `model`'s own: the edit copies a node (copyNode)
 * before changing it, as rewire.ts and identities.ts do.
 */
export function copyLists(model: ModelProto): ModelProto {
  return copyModel(model, (n) => n);
}

/** The model's main graph, or the plain error an edit gives for a model without one. */
export function mainGraph(model: ModelProto): GraphProto {
  if (!model.graph) throw new Error('the model has no graph');
  return model.graph;
}
