/**
 * What the inspector shows for one node beyond the graph payload: its attributes, its cost, its
 * inputs' and outputs' inferred types (the payload carries declared ones, so that it need not wait
 * for shape inference), and statistics of the weights it reads (values read now, lazily, in bounded
 * chunks).
 */
import type { NodeDetails } from '../../shared/api/graph-payload';
import { KilnError } from '../../shared/api/errors';
import type { ModelAnalysis } from '../onnx/analyze';
import type { IRGraph } from '../onnx/ir';
import type { AttributeProto, TensorProto } from '../onnx/model';
import { dtypeName } from '../onnx/dtypes';
import { ATTR } from '../onnx/model';
import { tensorStats } from '../onnx/values';

const MAX_LIST = 16;
const text = new TextDecoder();

function list<T>(xs: readonly T[], show: (x: T) => string): string {
  const head = xs.slice(0, MAX_LIST).map(show).join(', ');
  return `[${head}${xs.length > MAX_LIST ? `, … ${xs.length - MAX_LIST} more` : ''}]`;
}

const tensorText = (t: TensorProto) => `tensor ${dtypeName(t.dataType)}[${t.dims.join('×')}]`;
const str = (s: Uint8Array) => JSON.stringify(text.decode(s.subarray(0, 256)));

/** An attribute as a user reads it: `kernel_shape = [3, 3]`, `value = tensor float32[64]`. */
export function attributeText(a: AttributeProto): string {
  switch (a.type) {
    case ATTR.FLOAT:
      return String(a.f ?? 0);
    case ATTR.INT:
      return String(a.i ?? 0);
    case ATTR.STRING:
      return str(a.s ?? new Uint8Array());
    case ATTR.TENSOR:
      return a.t ? tensorText(a.t) : 'tensor';
    case ATTR.GRAPH:
      return `graph ${a.g?.name || '(unnamed)'} (${a.g?.node.length ?? 0} nodes)`;
    case ATTR.FLOATS:
      return list(a.floats ?? [], String);
    case ATTR.INTS:
      return list(a.ints ?? [], String);
    case ATTR.STRINGS:
      return list(a.strings ?? [], str);
    case ATTR.TENSORS:
      return list(a.tensors ?? [], tensorText);
    case ATTR.GRAPHS:
      return `${a.graphs?.length ?? 0} graphs`;
    default:
      return a.refAttrName ? `@${a.refAttrName}` : `(attribute type ${a.type})`;
  }
}

/** The weight behind tensor `t`: an initializer, or the value of the Constant node producing it. */
function weightOf(a: ModelAnalysis, t: number): TensorProto | undefined {
  if (t < 0) return undefined;
  const init = a.ir.tensorInitializer[t]!;
  if (init >= 0) return a.ir.initializers[init];
  const producer = a.ir.tensorProducer[t]!;
  const node = producer >= 0 ? a.ir.nodes[producer] : undefined;
  if (node?.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) return undefined;
  const value = node.attribute.find((x) => x.name === 'value')?.t;
  return value && { ...value, name: value.name || a.ir.tensorName[t]! };
}

/** Details of node `index` of graph `graphId` (the payload's node ids; 0 is the main graph). */
export function nodeDetails(a: ModelAnalysis, index: number, graphId = 0): NodeDetails {
  const main = a.ir.graphs[graphId] as IRGraph | undefined;
  if (!main || main.kind === 'function')
    throw new KilnError('INVALID_ARGUMENT', `${a.summary.fileName} has no graph ${graphId}`);
  const id = main.nodeStart + index;
  if (!Number.isInteger(index) || index < 0 || id >= main.nodeEnd)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${a.summary.fileName} has no node ${index} (it has ${main.nodeEnd - main.nodeStart})`,
    );
  const node = a.ir.nodes[id]!;
  const weights: NodeDetails['weights'] = [];
  for (let k = a.ir.nodeInputStart[id]!; k < a.ir.nodeInputStart[id + 1]!; k++) {
    const proto = weightOf(a, a.ir.nodeInputs[k]!);
    if (!proto) continue;
    const base = { name: proto.name, dtype: dtypeName(proto.dataType), dims: proto.dims };
    try {
      weights.push({ ...base, stats: tensorStats(proto, { path: a.opened.path, bytes: a.opened.bytes }, 32) });
    } catch (e) {
      weights.push({ ...base, error: e instanceof Error ? e.message : String(e) });
    }
  }
  // In the payload's order: inputs with omitted ones (null), outputs without.
  const typeOf = (t: number) => (t >= 0 ? (a.shapes.types[t] ?? null) : null);
  const { nodeInputStart, nodeInputs, nodeOutputStart, nodeOutputs } = a.ir;
  const inputs = Array.from(nodeInputs.subarray(nodeInputStart[id]!, nodeInputStart[id + 1]!));
  const outputs = Array.from(nodeOutputs.subarray(nodeOutputStart[id]!, nodeOutputStart[id + 1]!)).filter(
    (t) => t >= 0,
  );
  return {
    index,
    name: node.name,
    op: a.ir.ops[a.ir.nodeOp[id]!]!,
    domain: node.domain,
    docString: node.docString.slice(0, 2000),
    attributes: node.attribute.map((x) => ({ name: x.name, value: attributeText(x) })),
    macs: a.shapes.nodeMacs[id]!,
    flops: a.shapes.nodeFlops[id]!,
    params: a.shapes.nodeParams[id]!,
    inputTypes: inputs.map(typeOf),
    outputTypes: outputs.map(typeOf),
    weights,
  };
}
