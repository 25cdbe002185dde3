/**
 * FP16 autocast as an ONNX rewrite (what TensorRT 11 expects instead of the FP16 builder flag, and
 * what NVIDIA's ModelOpt AutoCast does in Python): every node computes in FP16 except those kept in
 * FP32 for a reason — activations beyond a magnitude limit on calibration data (ModelOpt's
 * data_max, 512), weights beyond FP16's range (65504), reductions deeper than a limit, ops and nodes
 * the user excludes, ops without FP16 in the ONNX spec, If/Loop/Scan nodes (bodies untouched), and
 * nodes whose output type an attribute sets (EyeLike's dtype; ConstantOfShape's value is converted).
 * Casts go only where FP16 and FP32 regions meet, one per tensor; isolated FP16 pointwise nodes
 * between FP32 neighbours stay FP32 (two casts cost more than they save). Each node's declared types
 * must match what it makes: precision/verify-written.ts proves the written file before it is handed over.
 */
import type { ModelAnalysis } from '../onnx/analyze';
import { attrOf } from '../onnx/graph-edit';
import { consumersOf, inputsOf, nodeLabel, outputsOf, producerOf } from '../onnx/graph-index';
import type { IRGraph } from '../onnx/ir';
import { TENSOR_INPUT, TENSOR_INITIALIZER, TENSOR_OUTPUT } from '../onnx/ir';
import type { AttributeProto, GraphProto, NodeProto, TensorProto, TypeProto, ValueInfoProto } from '../onnx/model';
import { ATTR } from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import { FP16_MAX, toHalfBytes } from '../onnx/half';
import { DataType } from '../onnx/dtypes';

export interface Fp16Options {
  /** Keep a node in FP32 when an output's |activation| on calibration data exceeds this (default 512). */
  dataMax?: number;
  /** Per tensor name: max |value| seen on calibration data. Without it, only weights are checked. */
  activationAbsMax?: ReadonlyMap<string, number>;
  /** Keep the model's inputs and outputs FP32 (default true): Casts at the edges. */
  keepIOTypes?: boolean;
  /** Keep in FP32 reductions over more elements than this (ReduceSum/Mean, MatMul/Gemm K, Conv C×k). */
  maxReductionDepth?: number;
  excludeOps?: string[];
  excludeNodes?: string[];
  /** Force FP16 for these even when a heuristic would keep FP32 (weights out of range still win). */
  includeOps?: string[];
  includeNodes?: string[];
}

export interface Fp16Report {
  fp16Nodes: number;
  /** The nodes converted (named ones), for the diff shown on the graph. */
  fp16Names: string[];
  fp32Nodes: { node: string; op: string; reason: string }[];
  castsInserted: number;
  initializersConverted: number;
  bytesSaved: number;
}

/** Ops whose float inputs and outputs have no FP16 in the ONNX spec, or that must not lose range. */
const FP32_ONLY = new Set([
  'Range',
  'NonMaxSuppression',
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'RandomUniformLike',
  'Multinomial',
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'If',
  'Loop',
  'Scan',
]);
/** Inputs that are tensor(float) whatever the data type (`scales` of Resize and Upsample). */
const FLOAT_ONLY_INPUTS: Record<string, number[]> = { Resize: [2], Upsample: [1] };
/** Ops that take a tensor of any type: no Cast in front of them (CastLike: its first input only). */
const ANY_INPUT = new Set(['Cast', 'Shape', 'Size', 'CastLike']);
const anyTypeAt = (op: string, k: number) => ANY_INPUT.has(op) && (op !== 'CastLike' || k === 0);
/** Attributes that set an output's element type: such a node makes what they say, not what it reads. */
const TYPE_ATTRIBUTES = ['dtype', 'output_datatype', 'output_dtype'];
const POINTWISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip',
  'Abs', 'Neg', 'Sqrt', 'Exp', 'Log', 'Pow', 'Erf', 'Min', 'Max', 'Identity', 'Elu', 'Selu', 'Softplus',
]); // prettier-ignore
const REDUCTIONS = new Set(['ReduceSum', 'ReduceMean', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp', 'ReduceL1']);

function elems(dims: readonly (number | string | null)[] | null | undefined): number | null {
  if (!dims) return null;
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

function tensorType(elemType: number, like: TypeProto | undefined): TypeProto {
  if (like && like.kind === 'tensor') return { ...like, elemType };
  return { kind: 'tensor', elemType, shape: null, denotation: '' };
}

function castNode(input: string, output: string, to: number): NodeProto {
  const a: AttributeProto = { name: 'to', type: ATTR.INT, i: to, refAttrName: '', docString: '' };
  return {
    input: [input],
    output: [output],
    name: `${output}_kiln_cast`,
    opType: 'Cast',
    domain: '',
    overload: '',
    attribute: [a],
    docString: '',
  };
}

/**
 * Rewrites `a.opened.model` in place to FP16 (the caller writes it with writeModelFile and
 * `source: a.opened.bytes`, and must not use `a` for anything else afterwards).
 */
export function autocastFp16(a: ModelAnalysis, opts: Fp16Options = {}): Fp16Report {
  const { ir, shapes } = a;
  const main = ir.graphs[0] as IRGraph;
  const graph = a.opened.model.graph as GraphProto;
  const dataMax = opts.dataMax ?? 512;
  const keepIO = opts.keepIOTypes ?? true;
  const src = { path: a.opened.path, bytes: a.opened.bytes };
  const isFloat = (t: number) => t >= 0 && shapes.types[t]?.dtype === 'float32';
  const constantValue = (t: number): TensorProto | undefined => {
    const init = ir.tensorInitializer[t] as number;
    if (init >= 0) return ir.initializers[init];
    const p = producerOf(ir, t);
    return p >= 0 && ir.nodes[p]?.opType === 'Constant' ? attrOf(ir.nodes[p] as NodeProto, 'value')?.t : undefined;
  };
  const absMaxCache = new Map<number, number>();
  const weightAbsMax = (t: number): number => {
    let m = absMaxCache.get(t);
    if (m === undefined) {
      const proto = constantValue(t);
      m = 0;
      if (proto && proto.dataType === DataType.FLOAT)
        for (const v of tensorValues(proto, src)) if (Math.abs(v) > m) m = Math.abs(v);
      absMaxCache.set(t, m);
    }
    return m;
  };

  // 1. Decide each main-graph node's precision.
  const N = main.nodeEnd - main.nodeStart;
  const fp16 = new Uint8Array(N);
  const fp32: Fp16Report['fp32Nodes'] = [];
  const excludeOps = new Set(opts.excludeOps ?? []);
  const excludeNodes = new Set(opts.excludeNodes ?? []);
  const includeOps = new Set(opts.includeOps ?? []);
  const includeNodes = new Set(opts.includeNodes ?? []);
  for (let i = 0; i < N; i++) {
    const id = main.nodeStart + i;
    const node = ir.nodes[id] as NodeProto;
    const op = node.opType;
    const ins = inputsOf(ir, id);
    const outs = outputsOf(ir, id);
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue; // custom ops: untouched
    if (op === 'Constant' || ANY_INPUT.has(op)) continue; // not compute: follow their consumers
    if (!ins.some(isFloat) && !outs.some(isFloat)) continue;
    const keep = (reason: string) => fp32.push({ node: nodeLabel(ir, id), op, reason });
    const forced = includeOps.has(op) || includeNodes.has(node.name);
    const bigWeight = ins.find((t) => isFloat(t) && constantValue(t) && weightAbsMax(t) > FP16_MAX);
    if (bigWeight !== undefined) {
      keep(
        `weight ${ir.tensorName[bigWeight]} reaches ${weightAbsMax(bigWeight).toExponential(3)}, beyond FP16's ±65504`,
      );
      continue;
    }
    if (FP32_ONLY.has(op)) {
      keep(
        op === 'If' || op === 'Loop' || op === 'Scan'
          ? 'control flow: its body is left as it is'
          : `${op} has no FP16 form`,
      );
      continue;
    }
    if (excludeOps.has(op) || excludeNodes.has(node.name)) {
      keep('excluded by the recipe');
      continue;
    }
    // ConstantOfShape's value is converted below; other outputs typed by an attribute stay as they are.
    const typedBy = TYPE_ATTRIBUTES.find((n) => attrOf(node, n));
    if (typedBy !== undefined) {
      keep(`its output type is set by its ${typedBy} attribute`);
      continue;
    }
    if (!forced) {
      const hot = outs.find((t) => (opts.activationAbsMax?.get(ir.tensorName[t] ?? '') ?? 0) > dataMax);
      if (hot !== undefined) {
        keep(
          `activation ${ir.tensorName[hot]} reaches ${opts.activationAbsMax!.get(ir.tensorName[hot]!)!.toPrecision(4)} on calibration data (limit ${dataMax})`,
        );
        continue;
      }
      if (opts.maxReductionDepth !== undefined) {
        const depth = reductionDepth(a, id);
        if (depth !== null && depth > opts.maxReductionDepth) {
          keep(`reduces over ${depth} elements (limit ${opts.maxReductionDepth})`);
          continue;
        }
      }
    }
    fp16[i] = 1;
  }

  // Consumers and producers within the main graph, as node indices (subgraph consumers count as FP32).
  const inMain = (id: number) => (id >= main.nodeStart && id < main.nodeEnd ? id - main.nodeStart : -1);
  const mainConsumers = (t: number): number[] => consumersOf(ir, t).map(inMain);
  const mainProducer = (t: number) => inMain(producerOf(ir, t));

  // 2. An FP16 pointwise node with only FP32 neighbours would cost two casts for nothing.
  for (let i = 0; i < N; i++) {
    const id = main.nodeStart + i;
    const node = ir.nodes[id] as NodeProto;
    if (!fp16[i] || !POINTWISE.has(node.opType)) continue;
    const fedBy16 = inputsOf(ir, id).some((t) => isFloat(t) && mainProducer(t) >= 0 && fp16[mainProducer(t)]);
    const feeds16 = outputsOf(ir, id).some((t) => mainConsumers(t).some((c) => c >= 0 && fp16[c]));
    if (!fedBy16 && !feeds16) {
      fp16[i] = 0;
      fp32.push({ node: nodeLabel(ir, id), op: node.opType, reason: 'isolated between FP32 nodes' });
    }
  }

  // 3. Which tensors are FP16: outputs of FP16 nodes; constants only FP16 nodes read at FP16 positions;
  //    graph inputs when the I/O types change.
  const wantsHalf = (c: number, t: number) => {
    if (c < 0) return false;
    const node = ir.nodes[main.nodeStart + c] as NodeProto;
    if (!fp16[c]) return false;
    const at = node.input.indexOf(ir.tensorName[t] ?? '');
    return !(FLOAT_ONLY_INPUTS[node.opType] ?? []).includes(at);
  };
  const half = new Uint8Array(ir.tensorCount);
  for (let i = 0; i < N; i++)
    if (fp16[i]) for (const t of outputsOf(ir, main.nodeStart + i)) if (isFloat(t)) half[t] = 1;
  // A Cast to FP32 read only by FP16 nodes can cast to FP16 instead: no second Cast behind it.
  for (let i = 0; i < N; i++) {
    const node = ir.nodes[main.nodeStart + i] as NodeProto;
    const to = attrOf(node, 'to');
    const t = outputsOf(ir, main.nodeStart + i)[0] ?? -1;
    if (
      node.opType !== 'Cast' ||
      !to ||
      to.i !== DataType.FLOAT ||
      t < 0 ||
      (ir.tensorFlags[t] as number) & TENSOR_OUTPUT
    )
      continue;
    const cons = mainConsumers(t);
    if (cons.length > 0 && cons.every((c) => wantsHalf(c, t))) {
      to.i = DataType.FLOAT16;
      half[t] = 1;
    }
  }
  let initializersConverted = 0;
  let bytesSaved = 0;
  const converted = new Set<TensorProto>();
  const convertConstant = (proto: TensorProto) => {
    if (converted.has(proto)) return;
    converted.add(proto);
    const values = tensorValues(proto, src);
    proto.dataType = DataType.FLOAT16;
    proto.data = { kind: 'bytes', bytes: toHalfBytes(values) };
    proto.externalData = [];
    initializersConverted++;
    bytesSaved += values.length * 2;
  };
  for (let t = 0; t < ir.tensorCount; t++) {
    if (ir.tensorGraph[t] !== 0 || !isFloat(t)) continue;
    const flags = ir.tensorFlags[t] as number;
    const cons = mainConsumers(t);
    const proto = constantValue(t);
    if (proto && proto.dataType === DataType.FLOAT && !(flags & TENSOR_INPUT) && !(flags & TENSOR_OUTPUT)) {
      if (cons.length > 0 && cons.every((c) => wantsHalf(c, t))) {
        convertConstant(proto);
        half[t] = 1;
      }
    } else if (flags & TENSOR_INPUT && !(flags & TENSOR_INITIALIZER) && !keepIO) half[t] = 1;
  }

  // 4. Rebuild the node list with casts where FP16 and FP32 meet (one per tensor and direction).
  const out: NodeProto[] = [];
  const castTo16 = new Map<number, string>();
  const castTo32 = new Map<number, string>();
  let castsInserted = 0;
  const castedName = (t: number, to: number, map: Map<number, string>): string => {
    let name = map.get(t);
    if (!name) {
      name = `${ir.tensorName[t]}_${to === DataType.FLOAT16 ? 'fp16' : 'fp32'}`;
      map.set(t, name);
      out.push(castNode(ir.tensorName[t] as string, name, to));
      castsInserted++;
    }
    return name;
  };
  const renamedOutputs = new Map<string, string>(); // FP16 producers of FP32 graph outputs
  for (let i = 0; i < N; i++) {
    const id = main.nodeStart + i;
    const node = graph.node[i] as NodeProto;
    const ins = inputsOf(ir, id);
    ins.forEach((t, k) => {
      if (t < 0 || !isFloat(t) || anyTypeAt(node.opType, k)) return;
      const need16 = wantsHalf(i, t);
      const inner = renamedOutputs.get(ir.tensorName[t] as string);
      if (inner !== undefined) {
        // A graph output made in FP16: FP16 readers take the FP16 tensor, FP32 readers the output.
        if (need16) node.input[k] = inner;
        return;
      }
      if (need16 && !half[t]) node.input[k] = castedName(t, DataType.FLOAT16, castTo16);
      else if (!need16 && half[t]) node.input[k] = castedName(t, DataType.FLOAT, castTo32);
    });
    if (node.opType === 'ConstantOfShape' && fp16[i]) constantOfShapeToHalf(node, src);
    // A Cast to FP16 of what is FP16 already does nothing, and ONNX Runtime's CPU cast insertion
    // mistypes it (a torch SDPA's Cast(to=float) of its scale, rewritten above): an Identity instead.
    const castTo = node.opType === 'Cast' ? attrOf(node, 'to') : undefined;
    if (castTo?.i === DataType.FLOAT16 && (ins[0] ?? -1) >= 0 && half[ins[0] as number]) {
      node.opType = 'Identity';
      node.attribute = node.attribute.filter((x) => x !== castTo);
    }
    // Subgraph bodies may read outer FP16 tensors by name: give them FP32 copies.
    out.push(node);
    if (fp16[i] && keepIO) {
      node.output.forEach((name, k) => {
        const t = outputsOf(ir, id)[k] ?? -1;
        if (t >= 0 && isFloat(t) && (ir.tensorFlags[t] as number) & TENSOR_OUTPUT) {
          const inner = `${name}_fp16`;
          renamedOutputs.set(name, inner);
          node.output[k] = inner;
          out.push(castNode(inner, name, DataType.FLOAT));
          castsInserted++;
        }
      });
    }
  }
  // FP16 tensors read inside If/Loop/Scan bodies (outer-scope names) must be FP32 there.
  for (let t = 0; t < ir.tensorCount; t++) {
    if (!half[t] || ir.tensorGraph[t] !== 0) continue;
    const inner = consumersOf(ir, t).some((c) => c < main.nodeStart || c >= main.nodeEnd);
    if (inner) {
      const name = ir.tensorName[t] as string;
      // Rename the FP16 tensor and give the outer name back as FP32.
      const h = `${name}_fp16`;
      for (const n of out) {
        n.input = n.input.map((x) => (x === name ? h : x));
        n.output = n.output.map((x) => (x === name ? h : x));
      }
      const at = out.findIndex((n) => n.output.includes(h));
      out.splice(at + 1, 0, castNode(h, name, DataType.FLOAT));
      castsInserted++;
    }
  }
  graph.node = out;

  // 5. Types: FP16 tensors' declared types change; stale value_info goes (ORT and onnx infer them).
  const halfNames = new Set<string>();
  for (let t = 0; t < ir.tensorCount; t++)
    if (half[t] && ir.tensorGraph[t] === 0) halfNames.add(ir.tensorName[t] as string);
  graph.valueInfo = graph.valueInfo.filter((v) => !halfNames.has(v.name));
  const retype = (v: ValueInfoProto) => {
    if (halfNames.has(v.name) && !renamedOutputs.has(v.name)) v.type = tensorType(DataType.FLOAT16, v.type);
  };
  if (!keepIO) {
    graph.input.forEach(retype);
    graph.output.forEach(retype);
  }
  return {
    fp16Nodes: fp16.reduce((s, x) => s + x, 0),
    fp16Names: Array.from(fp16.keys())
      .filter((i) => fp16[i])
      .map((i) => (ir.nodes[main.nodeStart + i] as NodeProto).name)
      .filter((n) => n !== ''),
    fp32Nodes: fp32,
    castsInserted,
    initializersConverted,
    bytesSaved,
  };
}

/** ConstantOfShape's fill value in FP16 (absent, it is a float 0). */
function constantOfShapeToHalf(node: NodeProto, src: TensorSource): void {
  const t = attrOf(node, 'value')?.t;
  if (t && t.dataType !== DataType.FLOAT) return;
  const values = t ? tensorValues(t, src) : [0];
  const value: TensorProto = {
    name: t?.name ?? '',
    dataType: DataType.FLOAT16,
    dims: t?.dims ?? [1],
    data: { kind: 'bytes', bytes: toHalfBytes(values) },
    externalData: [],
    docString: '',
  };
  const attribute: AttributeProto = { name: 'value', type: ATTR.TENSOR, t: value, refAttrName: '', docString: '' };
  node.attribute = [...node.attribute.filter((x) => x.name !== 'value'), attribute];
}

/** Elements a node sums over, when its shapes are known. */
function reductionDepth(a: ModelAnalysis, id: number): number | null {
  const { ir, shapes } = a;
  const node = ir.nodes[id] as NodeProto;
  const inT = ir.nodeInputs[ir.nodeInputStart[id] as number] as number;
  const outT = ir.nodeOutputs[ir.nodeOutputStart[id] as number] as number;
  const inDims = inT >= 0 ? shapes.types[inT]?.dims : null;
  if (REDUCTIONS.has(node.opType)) {
    const i = elems(inDims);
    const o = elems(outT >= 0 ? shapes.types[outT]?.dims : null);
    return i !== null && o !== null && o > 0 ? i / o : null;
  }
  if (node.opType === 'MatMul' || node.opType === 'Gemm') {
    const d = inDims;
    if (!d || d.length === 0) return null;
    const transA = node.opType === 'Gemm' && (attrOf(node, 'transA')?.i ?? 0) === 1;
    const k = transA ? d[0] : d[d.length - 1];
    return typeof k === 'number' ? k : null;
  }
  if (node.opType === 'Conv') {
    const w = ir.nodeInputs[(ir.nodeInputStart[id] as number) + 1] as number;
    const wd = w >= 0 ? shapes.types[w]?.dims : null;
    return wd ? elems(wd.slice(1)) : null;
  }
  return null;
}
