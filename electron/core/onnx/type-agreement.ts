/**
 * Strict type agreement: whether the element types a model declares match what its nodes produce,
 * and whether the inputs an op binds to one type parameter get one type. This is the check every
 * file Kiln writes passes before it is handed over (precision/verify-written.ts): a rewrite that
 * changes a node's type but not its declaration (a Cast made FP16 whose value_info still says float)
 * or feeds an op two precisions (an LSTM with FP16 weights and an FP32 initial state) makes a file
 * that the onnx checker passes and ONNX Runtime refuses, or worse, runs into a crash later.
 *
 * It reads the element types Kiln's shape inference propagated through the graph (analyze.ts): a
 * node's output type comes from its inputs and attributes by the op's rule, never from the
 * declaration, so a declaration that disagrees is found. Types a rule cannot infer are not judged.
 */
import type { ModelAnalysis } from './analyze';
import { dtypeFromOnnx } from './dtypes';
import { nodeLabel } from './graph-index';
import type { ModelIR } from './ir';
import { TENSOR_INITIALIZER } from './ir';
import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from './model';

export interface TypeDisagreement {
  /** The node that produces or reads the tensor ('' for a graph input). */
  node: string;
  op: string;
  tensor: string;
  /** What is wrong, in words: "is declared float but produces float16". */
  problem: string;
}

/** Inputs that share one type parameter; ALL: every input. */
const ALL = -1;
type Groups = readonly (readonly number[])[];
const SAME: Groups = [[ALL]];

/**
 * Per op, the groups of input positions bound to one type parameter in the ONNX schema (the ops
 * precision rewrites touch: elementwise, the matrix and convolution ops, normalizations, recurrent
 * cells, joins and selections, Q/DQ). Ops not listed are not judged on their inputs.
 */
const BOUND: Readonly<Record<string, Groups>> = {
  Add: SAME,
  Sub: SAME,
  Mul: SAME,
  Div: SAME,
  Mod: SAME,
  Max: SAME,
  Min: SAME,
  Sum: SAME,
  Mean: SAME,
  Equal: SAME,
  Less: SAME,
  Greater: SAME,
  LessOrEqual: SAME,
  GreaterOrEqual: SAME,
  And: SAME,
  Or: SAME,
  Xor: SAME,
  PRelu: SAME,
  Concat: SAME,
  Einsum: SAME,
  MatMul: SAME,
  Gemm: SAME,
  Conv: SAME,
  ConvTranspose: SAME,
  Clip: SAME,
  Range: SAME,
  InstanceNormalization: SAME,
  LayerNormalization: SAME,
  GroupNormalization: SAME,
  Where: [[1, 2]],
  Pad: [[0, 2]],
  ScatterND: [[0, 2]],
  ScatterElements: [[0, 2]],
  Scatter: [[0, 2]],
  Slice: [[1, 2, 3, 4]],
  LSTM: [[0, 1, 2, 3, 5, 6, 7]],
  GRU: [[0, 1, 2, 3, 5]],
  RNN: [[0, 1, 2, 3, 5]],
  DequantizeLinear: [[0, 2]],
};

/** BatchNormalization from opset 15: scale and B share T1, mean and var T2, X is free. */
// prettier-ignore
const BATCH_NORM_15: Groups = [[1, 2], [3, 4]];

/** Inputs that are one fixed type whatever the others are: Resize's and Upsample's `scales` are float. */
const FIXED: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  Resize: { 2: 'float32' },
  Upsample: { 1: 'float32' },
};

/** Input names where a number would say little (the recurrent cells' initial states). */
const RNN_INPUTS = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'];
const INPUT_NAMES: Readonly<Record<string, readonly string[]>> = { LSTM: RNN_INPUTS, GRU: RNN_INPUTS, RNN: RNN_INPUTS };

/** Element types as ONNX and ONNX Runtime name them in their messages (float, not float32). */
export function onnxTypeName(dtype: string): string {
  return dtype === 'float32' ? 'float' : dtype === 'float64' ? 'double' : dtype;
}

function groupsOf(node: NodeProto, opset: number): Groups | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  // BatchNormalization binds every input to T before opset 15; from 15 scale/B and mean/var are free.
  if (node.opType === 'BatchNormalization') return opset < 15 ? SAME : BATCH_NORM_15;
  // Opset 19 lets QuantizeLinear's scale be any float type, the same as x's.
  if (node.opType === 'QuantizeLinear') return opset >= 19 ? [[0, 1]] : [];
  return BOUND[node.opType];
}

/** The declarations of a graph: inputs, outputs and value_info, in that order. */
function declarations(g: GraphProto): ValueInfoProto[] {
  return [...g.input, ...g.output, ...g.valueInfo];
}

/**
 * Every disagreement in the model `a` analysed (an empty list when its types agree): declared
 * types (graph inputs, outputs, value_info, in the main graph and in every body) against what each
 * node produces, initializers listed as inputs against their declarations, and the inputs each op
 * binds to one type.
 */
export function typeDisagreements(a: Pick<ModelAnalysis, 'ir' | 'shapes' | 'opened'>): TypeDisagreement[] {
  const { ir, shapes } = a;
  const out: TypeDisagreement[] = [];
  const dtypeOf = (t: number): string => (t >= 0 ? (shapes.types[t]?.dtype ?? '') : '');
  const opsetOf = new Map(a.opened.model.opsetImport.map((o) => [o.domain === 'ai.onnx' ? '' : o.domain, o.version]));
  const opset = opsetOf.get('') ?? 1;

  for (let g = 0; g < ir.graphs.length; g++) {
    const info = ir.graphs[g] as ModelIR['graphs'][number];
    if (info.kind === 'function') continue; // a function's types depend on each call site
    const byName = tensorsOf(ir, g, info.nodeStart, info.nodeEnd, info.inputs, info.outputs);
    for (const v of declarations(info.proto as GraphProto)) {
      const t = byName.get(v.name);
      if (t === undefined || !v.type || v.type.kind !== 'tensor') continue;
      const declared = dtypeFromOnnx(v.type.elemType);
      if (declared === '') continue;
      const init = ir.tensorInitializer[t] as number;
      const p = ir.tensorProducer[t] as number;
      let made = '';
      if ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER && init >= 0)
        made = dtypeFromOnnx((ir.initializers[init] as TensorProto).dataType);
      else if (p >= 0) made = dtypeOf(t);
      if (made === '' || made === declared) continue;
      const node = p >= 0 ? nodeLabel(ir, p) : '';
      out.push({
        node,
        op: p >= 0 ? (ir.nodes[p] as NodeProto).opType : 'initializer',
        tensor: v.name,
        problem: `is declared ${onnxTypeName(declared)} but ${p >= 0 ? 'produces' : 'holds'} ${onnxTypeName(made)}`,
      });
    }
    for (let id = info.nodeStart; id < info.nodeEnd; id++) {
      const node = ir.nodes[id] as NodeProto;
      const is = ir.nodeInputStart[id] as number;
      const ie = ir.nodeInputStart[id + 1] as number;
      const input = (k: number): number => (is + k < ie ? (ir.nodeInputs[is + k] as number) : -1);
      for (const group of groupsOf(node, opset) ?? []) {
        const positions = group[0] === ALL ? Array.from({ length: ie - is }, (_, k) => k) : group;
        let first = -1;
        for (const k of positions) {
          const t = input(k);
          if (dtypeOf(t) === '') continue;
          if (first < 0) {
            first = k;
            continue;
          }
          if (dtypeOf(t) === dtypeOf(input(first))) continue;
          const named = (j: number) => INPUT_NAMES[node.opType]?.[j] ?? `input ${j}`;
          out.push({
            node: nodeLabel(ir, id),
            op: node.opType,
            tensor: ir.tensorName[t] as string,
            problem: `reads ${named(k)} (${ir.tensorName[t]}) as ${onnxTypeName(dtypeOf(t))} where ${named(first)} (${ir.tensorName[input(first)]}) is ${onnxTypeName(dtypeOf(input(first)))}: ${node.opType} takes one type for both`,
          });
          break;
        }
      }
      if (node.domain === '' || node.domain === 'ai.onnx')
        for (const [k, want] of Object.entries(FIXED[node.opType] ?? {})) {
          const t = input(Number(k));
          const have = dtypeOf(t);
          if (have !== '' && have !== want)
            out.push({
              node: nodeLabel(ir, id),
              op: node.opType,
              tensor: ir.tensorName[t] as string,
              problem: `reads input ${k} (${ir.tensorName[t]}) as ${onnxTypeName(have)}; ${node.opType} takes only ${onnxTypeName(want)} there`,
            });
        }
    }
  }
  return out;
}

/** Graph g's tensors by name: its inputs, outputs and what its nodes make (outer-scope reads resolve outward). */
function tensorsOf(
  ir: ModelIR,
  g: number,
  nodeStart: number,
  nodeEnd: number,
  inputs: number[],
  outputs: number[],
): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of [...inputs, ...outputs]) m.set(ir.tensorName[t] as string, t);
  for (let id = nodeStart; id < nodeEnd; id++)
    for (let j = ir.nodeOutputStart[id] as number; j < (ir.nodeOutputStart[id + 1] as number); j++) {
      const t = ir.nodeOutputs[j] as number;
      if (t >= 0 && ir.tensorGraph[t] === g) m.set(ir.tensorName[t] as string, t);
    }
  return m;
}

/** One disagreement in a sentence: "Cast_12's output x is declared float but produces float16". */
export function describeDisagreement(d: TypeDisagreement): string {
  if (d.node === '') return `input ${d.tensor} ${d.problem}`;
  if (d.problem.startsWith('reads')) return `${d.node} (${d.op}) ${d.problem}`;
  return `${d.node}'s output ${d.tensor} ${d.problem}`;
}
