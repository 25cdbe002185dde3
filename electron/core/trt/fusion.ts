/**
 * Which ONNX nodes TensorRT is expected to fuse into one kernel, from the fusions the TensorRT
 * Developer Guide documents ("Layer Fusion", "Types of Fusions"): convolution with bias, batch
 * norm/scale, activation and an element-wise residual; pointwise chains (PWN); shuffle merges
 * (Reshape/Transpose/Flatten/Squeeze/Unsqueeze); MatMul/Gemm with bias and activation; decomposed
 * LayerNorm; multi-head attention (MatMul → scale → mask → Softmax → MatMul, fused by Myelin);
 * Q/DQ folded into the layer they quantize; constants and shape arithmetic folded at build time.
 *
 * A prediction, not TensorRT's verdict: tactics and Myelin can fuse more (or less). Fusions only join
 * a node to its producer when the tensor between them has that single consumer and is not a graph
 * output (otherwise TensorRT must materialise it). Linear in the graph's size.
 */
import type { ModelIR } from '../onnx/ir';
import { TENSOR_INITIALIZER, TENSOR_OUTPUT } from '../onnx/ir';
import type { ShapeResult } from '../onnx/shapes';

export type FusionKind =
  | 'conv'
  | 'matmul'
  | 'pointwise'
  | 'shuffle'
  | 'norm'
  | 'attention'
  | 'softmax'
  | 'reduce'
  | 'pool'
  | 'single'
  | 'folded';

export interface FusionGroup {
  id: number;
  kind: FusionKind;
  /** "Conv + BatchNormalization + Relu" */
  label: string;
  /** IR node ids (main graph). */
  nodes: number[];
  rule: string;
}

export interface FusionPrediction {
  groups: FusionGroup[];
  /** Per main-graph node index (id − nodeStart): its group id. */
  nodeGroup: Int32Array;
  nodes: number;
  /** Groups that become kernels (not folded). */
  kernels: number;
  folded: number;
}

const ACTIVATIONS = new Set([
  'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu', 'Softplus', 'PRelu',
  'ThresholdedRelu', 'Gelu', 'Mish',
]); // prettier-ignore
const POINTWISE = new Set([
  ...ACTIVATIONS, 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Abs', 'Neg', 'Erf', 'Reciprocal', 'Min', 'Max',
  'Sin', 'Cos', 'Floor', 'Ceil', 'Round', 'Sign', 'Not', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less', 'Where', 'Cast',
]); // prettier-ignore
const SHUFFLES = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze']);
const NOOPS = new Set(['Identity', 'Dropout']);
const SHAPE_OPS = new Set(['Shape', 'Size']);
const POOLS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool']);

export function predictFusions(ir: ModelIR, _shapes?: ShapeResult): FusionPrediction {
  const main = ir.graphs[0];
  const start = main?.nodeStart ?? 0;
  const end = main?.nodeEnd ?? 0;
  const N = end - start;
  // The accessors read the IR's arrays directly: a typed-array view or an array per call was most
  // of this function's time (and garbage) on a 125k-node graph.
  const { nodeInputs, nodeInputStart, nodeOutputs, nodeOutputStart, consumerStart } = ir;
  const op = (id: number) => ir.nodes[id]?.opType ?? '';
  /** Tensor ids of `id`'s inputs (-1: omitted), those passing `keep` when given. */
  const ins = (id: number, keep?: (t: number) => boolean): number[] => {
    const out: number[] = [];
    for (let k = nodeInputStart[id] as number; k < (nodeInputStart[id + 1] as number); k++) {
      const t = nodeInputs[k] as number;
      if (!keep || keep(t)) out.push(t);
    }
    return out;
  };
  /** `id`'s first output's tensor id, -1 when it has none. */
  const out0 = (id: number): number =>
    id >= 0 && (nodeOutputStart[id] as number) < (nodeOutputStart[id + 1] as number)
      ? (nodeOutputs[nodeOutputStart[id] as number] as number)
      : -1;
  const consumerCount = (t: number) => (consumerStart[t + 1] as number) - (consumerStart[t] as number);
  const consumers = (t: number) => ir.consumers.subarray(consumerStart[t], consumerStart[t + 1]);
  const producer = (t: number) => {
    const p = t >= 0 ? (ir.tensorProducer[t] as number) : -1;
    return p >= start && p < end ? p : -1;
  };
  /** The tensor between producer and consumer may disappear: one consumer, not a graph output. */
  const private1 = (t: number) => t >= 0 && consumerCount(t) === 1 && !((ir.tensorFlags[t] as number) & TENSOR_OUTPUT);

  // 1. Build-time constants and shape arithmetic fold away.
  const constT = new Uint8Array(ir.tensorCount); // 1 constant, 2 shape-derived
  for (let t = 0; t < ir.tensorCount; t++) if ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) constT[t] = 1;
  const group = new Int32Array(N).fill(-1);
  const groups: FusionGroup[] = [];
  const folded: number[] = [];
  for (let k = start; k < end; k++) {
    const id = ir.topo[k] as number;
    const o = op(id);
    // Over the inputs given (no list made a node): any at all, all known before the build, any shape-derived.
    let given = false;
    let allKnown = true;
    let shapeDerived = false;
    for (let i = nodeInputStart[id] as number; i < (nodeInputStart[id + 1] as number); i++) {
      const t = nodeInputs[i] as number;
      if (t < 0) continue;
      given = true;
      if (constT[t] === 0) allKnown = false;
      else if (constT[t] === 2) shapeDerived = true;
    }
    let fold = false;
    if (o === 'Constant' || SHAPE_OPS.has(o)) fold = true;
    else if (given && allKnown) fold = o !== 'If' && o !== 'Loop' && !o.startsWith('Random');
    if (fold) {
      const kind = SHAPE_OPS.has(o) || shapeDerived ? 2 : 1;
      for (let i = nodeOutputStart[id] as number; i < (nodeOutputStart[id + 1] as number); i++) {
        const t = nodeOutputs[i] as number;
        if (t >= 0) constT[t] = kind;
      }
      folded.push(id);
    }
  }
  if (folded.length) {
    const g = groups.length;
    groups.push({
      id: g,
      kind: 'folded',
      label: 'constants and shape arithmetic',
      nodes: folded,
      rule: 'constant folding',
    });
    for (const id of folded) group[id - start] = g;
  }
  const dataInputs = (id: number) => ins(id, (t) => t >= 0 && !constT[t]);

  // What the convolution rules ask of a group's ops, kept up to date as nodes join: rescanning the
  // group for every joining node made a long chain quadratic (80k nodes took 37 s).
  const hasAdd: boolean[] = [];
  const convOnly: boolean[] = [];
  const note = (g: number, id: number) => {
    const o = op(id);
    if (o === 'Add') hasAdd[g] = true;
    if (o !== 'Conv' && o !== 'ConvTranspose' && o !== 'DequantizeLinear') convOnly[g] = false;
  };
  const newGroup = (kind: FusionKind, ids: number[], rule: string): number => {
    const g = groups.length;
    groups.push({ id: g, kind, label: '', nodes: ids, rule });
    hasAdd[g] = false;
    convOnly[g] = true;
    for (const id of ids) {
      group[id - start] = g;
      note(g, id);
    }
    return g;
  };
  const join = (g: number, id: number) => {
    groups[g]!.nodes.push(id);
    group[id - start] = g;
    note(g, id);
  };
  const free = (id: number) => id >= start && id < end && group[id - start] === -1;
  const only = (t: number): number =>
    t >= 0 && consumerCount(t) === 1 ? (ir.consumers[consumerStart[t] as number] as number) : -1;

  // 2. Patterns first: decomposed LayerNorm and attention.
  for (let k = start; k < end; k++) {
    const r1 = ir.topo[k] as number;
    if (op(r1) !== 'ReduceMean' || !free(r1)) continue;
    const x = dataInputs(r1)[0];
    const sub = only(out0(r1));
    if (x === undefined || sub < 0 || op(sub) !== 'Sub' || !free(sub)) continue;
    const subOut = out0(sub);
    const cs = subOut >= 0 ? Array.from(consumers(subOut)) : [];
    const pow = cs.find((c) => op(c) === 'Pow' || op(c) === 'Mul');
    const div = cs.find((c) => op(c) === 'Div');
    if (pow === undefined || div === undefined) continue;
    const r2 = only(out0(pow));
    const add = r2 >= 0 ? only(out0(r2)) : -1;
    const sqrt = add >= 0 ? only(out0(add)) : -1;
    if (op(r2) !== 'ReduceMean' || op(add) !== 'Add' || op(sqrt) !== 'Sqrt' || only(out0(sqrt)) !== div) continue;
    const ids = [r1, sub, pow, r2, add, sqrt, div];
    if (!ids.every(free)) continue;
    let tail = div;
    for (const want of ['Mul', 'Add']) {
      const n = private1(out0(tail)) ? only(out0(tail)) : -1;
      if (n >= 0 && op(n) === want && free(n)) {
        ids.push(n);
        tail = n;
      }
    }
    newGroup('norm', ids, 'decomposed LayerNorm (Myelin normalization kernel)');
  }
  for (let k = start; k < end; k++) {
    const sm = ir.topo[k] as number;
    if (op(sm) !== 'Softmax' || !free(sm)) continue;
    const ids = [sm];
    let back = producer(dataInputs(sm)[0] ?? -1);
    while (back >= 0 && free(back) && ['Div', 'Mul', 'Add', 'Where'].includes(op(back)) && private1(out0(back))) {
      ids.push(back);
      back = producer(dataInputs(back)[0] ?? -1);
    }
    const qk = back;
    const av = only(out0(sm));
    if (qk < 0 || op(qk) !== 'MatMul' || !free(qk) || dataInputs(qk).length !== 2) continue;
    if (av < 0 || op(av) !== 'MatMul' || !free(av) || !private1(out0(sm))) continue;
    newGroup('attention', [qk, ...ids.reverse(), av], 'multi-head attention (MatMul, scale, mask, Softmax, MatMul)');
  }

  // 3. Greedy fusion into the producer's group, in topological order.
  for (let k = start; k < end; k++) {
    const id = ir.topo[k] as number;
    if (!free(id)) continue;
    const o = op(id);
    const node = ir.nodes[id];
    if (node && node.domain !== '' && node.domain !== 'ai.onnx') {
      newGroup('single', [id], 'custom op (a plugin)');
      continue;
    }
    const data = dataInputs(id);
    if (NOOPS.has(o)) {
      const p = producer(data[0] ?? -1);
      const g = p >= 0 ? group[p - start]! : -1;
      if (g >= 0) join(g, id);
      else newGroup('folded', [id], 'no-op removed');
      continue;
    }
    // Q/DQ fold into the layer they quantize: DQ joins its consumer (below), Q joins its producer.
    if (o === 'QuantizeLinear') {
      const p = producer(data[0] ?? -1);
      if (p >= 0 && group[p - start]! >= 0 && private1(data[0]!)) {
        join(group[p - start]!, id);
        continue;
      }
    }
    if (o === 'DequantizeLinear') {
      const t = out0(id);
      const c = t >= 0 ? only(t) : -1;
      if (c >= 0 && c >= start && c < end) {
        // Defer: the consumer adopts it when its turn comes (it is later in topological order).
        newGroup('single', [id], 'Q/DQ folded into the quantized layer');
        continue;
      }
    }
    let merged = -1;
    let rule = '';
    for (const t of data) {
      const p = producer(t);
      if (p < 0 || !private1(t)) continue;
      const g = group[p - start]!;
      if (g < 0) continue;
      const kind = groups[g]!.kind;
      if (
        kind === 'conv' &&
        (o === 'BatchNormalization' ||
          ACTIVATIONS.has(o) ||
          o === 'Add' ||
          ((o === 'Mul' || o === 'Div') && data.length === 1))
      ) {
        if (o === 'BatchNormalization' && !convOnly[g]) continue;
        if (o === 'Add' && hasAdd[g]) continue;
        merged = g;
        rule =
          o === 'Add' ? 'convolution + element-wise sum (residual)' : 'convolution + batch norm / scale / activation';
      } else if (kind === 'matmul' && (POINTWISE.has(o) || o === 'Add')) {
        merged = g;
        rule = 'MatMul/Gemm + bias + activation (pointwise epilogue)';
      } else if ((kind === 'pointwise' || kind === 'norm') && POINTWISE.has(o) && kind === 'pointwise') {
        merged = g;
        rule = 'pointwise fusion (PWN)';
      } else if (kind === 'shuffle' && SHUFFLES.has(o)) {
        merged = g;
        rule = 'shuffle + shuffle';
      }
      if (merged >= 0) break;
    }
    if (merged >= 0) {
      join(merged, id);
      if (!groups[merged]!.rule.includes(rule)) groups[merged]!.rule += `; ${rule}`;
    } else {
      const kind: FusionKind =
        o === 'Conv' || o === 'ConvTranspose'
          ? 'conv'
          : o === 'MatMul' || o === 'Gemm'
            ? 'matmul'
            : POINTWISE.has(o)
              ? 'pointwise'
              : SHUFFLES.has(o)
                ? 'shuffle'
                : o === 'Softmax' || o === 'LogSoftmax'
                  ? 'softmax'
                  : o.startsWith('Reduce') || o.startsWith('Arg')
                    ? 'reduce'
                    : POOLS.has(o)
                      ? 'pool'
                      : o === 'LayerNormalization' || o === 'InstanceNormalization' || o === 'GroupNormalization'
                        ? 'norm'
                        : 'single';
      merged = newGroup(kind, [id], 'one layer');
    }
    // Dequantized inputs (weights and activations) fold into this layer.
    for (const t of ins(id)) {
      const p = t >= 0 ? (ir.tensorProducer[t] as number) : -1;
      if (
        p >= start &&
        p < end &&
        op(p) === 'DequantizeLinear' &&
        groups[group[p - start]!]?.nodes.length === 1 &&
        only(t) === id
      ) {
        const g = group[p - start]!;
        groups[g]!.nodes = [];
        join(merged, p);
      }
    }
  }

  // Groups emptied by Q/DQ adoption go; ids are renumbered.
  const kept = groups.filter((g) => g.nodes.length > 0);
  const nodeGroup = new Int32Array(N).fill(-1);
  kept.forEach((g, i) => {
    g.id = i;
    if (!ascending(g.nodes)) g.nodes.sort((a, b) => a - b);
    for (const id of g.nodes) nodeGroup[id - start] = i;
    if (g.kind !== 'folded') g.label = g.nodes.map(op).join(' + ');
  });
  const foldedNodes = kept.filter((g) => g.kind === 'folded').reduce((s, g) => s + g.nodes.length, 0);
  return {
    groups: kept,
    nodeGroup,
    nodes: N,
    kernels: kept.filter((g) => g.kind !== 'folded').length,
    folded: foldedNodes,
  };
}

/** Whether `ids` is in ascending order already (most groups are: sorting them anyway made garbage). */
function ascending(ids: readonly number[]): boolean {
  for (let i = 1; i < ids.length; i++) if ((ids[i - 1] as number) > (ids[i] as number)) return false;
  return true;
}
