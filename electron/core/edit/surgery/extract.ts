/**
 * Extracting the subgraph between chosen tensors: the given inputs become the graph's inputs, the
 * given outputs its outputs, and only the nodes that compute the outputs from the inputs (and from
 * weights and constants) stay. The walk goes backwards from the outputs; a tensor it needs that is
 * neither a given input, a weight nor made by a node it keeps means the boundary does not cut the
 * graph, and the error says which path leaks (output ← node ← … ← the tensor it reached), as
 * onnx.utils.extract_model would not. Types of the new inputs and outputs come from shape inference.
 */
import { KilnError } from '../../../shared/api/errors';
import type { Edit } from '../../../shared/api/edits';
import { dtypeToOnnx } from '../../onnx/dtypes';
import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from '../../onnx/model';
import type { TensorSource } from '../../onnx/values';
import type { TensorType } from '../../shapes/types';
import type { EditStep } from '../step';
import { copyModel } from '../model-copy';
import { mainGraphTypes, NO_SOURCE, plural, readsOf } from './graph-tools';

/** A graph input or output declared with this inferred type (unknown dims left unnamed). */
export function declared(name: string, t: TensorType | undefined, what: string): ValueInfoProto {
  const elemType = t?.dtype ? dtypeToOnnx(t.dtype) : 0;
  if (!elemType)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `the element type of tensor ${name} cannot be inferred, so it cannot be made ${what}`,
    );
  const shape =
    t?.dims === null || t?.dims === undefined
      ? null
      : t.dims.map((d) => (typeof d === 'number' ? { value: d } : typeof d === 'string' ? { param: d } : {}));
  return { name, type: { kind: 'tensor', elemType, shape, denotation: '' }, docString: '' };
}

function known(g: GraphProto, name: string): boolean {
  return (
    g.input.some((v) => v.name === name) ||
    g.initializer.some((t) => t.name === name) ||
    g.node.some((n) => n.output.includes(name))
  );
}

export function extract(
  model: ModelProto,
  edit: Extract<Edit, { kind: 'extract' }>,
  src: TensorSource = NO_SOURCE,
): EditStep {
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to extract from');
  const inputs = [...new Set(edit.inputs)];
  const outputs = [...new Set(edit.outputs)];
  for (const name of [...inputs, ...outputs])
    if (!known(g, name))
      throw new KilnError('INVALID_ARGUMENT', `there is no tensor named "${name}" in the main graph`);
  const boundary = new Set(inputs);
  const weights = new Set(g.initializer.map((t) => t.name));
  const producer = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) if (o) producer.set(o, n);

  // Backwards from the outputs; `via` remembers who needed each tensor, for the leak's path.
  const keep = new Set<NodeProto>();
  const via = new Map<string, { node: NodeProto; from: string } | null>();
  const stack: string[] = [];
  for (const o of outputs) {
    via.set(o, null);
    stack.push(o);
  }
  const used = new Set<string>();
  while (stack.length > 0) {
    const t = stack.pop() as string;
    if (boundary.has(t)) {
      used.add(t);
      continue;
    }
    if (weights.has(t)) continue;
    const p = producer.get(t);
    if (!p) {
      const path: string[] = [t];
      let at = via.get(t);
      while (at) {
        path.push(`node "${at.node.name || at.node.opType}"`, at.from);
        at = via.get(at.from);
      }
      const isInput = g.input.some((v) => v.name === t);
      throw new KilnError(
        'INVALID_ARGUMENT',
        `the boundary does not cut the graph: ${path.reverse().join(' ← ')} — ${t} is ${isInput ? 'a graph input' : 'defined by nothing'} not among the given inputs (${inputs.join(', ')}); add it to the inputs or choose inputs that cut this path`,
      );
    }
    if (keep.has(p)) continue;
    keep.add(p);
    for (const x of readsOf(p)) {
      if (!via.has(x)) via.set(x, { node: p, from: t });
      stack.push(x);
    }
  }

  // Shape inference only when a boundary tensor has no declaration to keep.
  let types: Map<string, TensorType> | null = null;
  const typeOf = (name: string) => (types ??= mainGraphTypes(model, src)).get(name);
  const notes: string[] = [];
  const unused = inputs.filter((i) => !used.has(i));
  if (unused.length > 0)
    notes.push(`${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} not needed by the outputs (kept as inputs)`);
  const before = g.node.length;
  g.node = g.node.filter((n) => keep.has(n));
  const reads = new Set<string>();
  for (const n of g.node) for (const x of readsOf(n)) reads.add(x);
  for (const o of outputs) reads.add(o);
  g.input = inputs.map(
    (i) => g.input.find((v) => v.name === i) ?? declared(i, typeOf(i), 'an input of the extracted graph'),
  );
  g.output = outputs.map(
    (o) => g.output.find((v) => v.name === o) ?? declared(o, typeOf(o), 'an output of the extracted graph'),
  );
  g.initializer = g.initializer.filter((t) => reads.has(t.name) && !boundary.has(t.name));
  const made = new Set(g.node.flatMap((n) => n.output));
  const io = new Set([...inputs, ...outputs]);
  g.valueInfo = g.valueInfo.filter((v) => made.has(v.name) && !io.has(v.name));
  return {
    model: out,
    summary: `extracted ${g.node.length} of ${plural(before, 'node')}, from ${inputs.join(', ')} to ${outputs.join(', ')}`,
    exact: false,
    notes: [
      ...notes,
      'the extracted graph has other inputs and outputs than its parent: its outputs are not compared with the parent’s',
    ],
  };
}
