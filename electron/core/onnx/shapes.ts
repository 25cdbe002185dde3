/**
 * Shape inference and statistics over the IR: walks every graph in topological order, hands each
 * node to the per-op rules of electron/core/shapes (inferNode, nodeCost), infers If/Loop/Scan
 * bodies and local functions on demand, and refines what it infers with the types the model
 * declares. Small integer constants (shape arithmetic) are decoded and carried; weights are not.
 */
import { ATTR, elementCount } from './model';
import type { AttributeProto, FunctionProto, ModelProto, NodeProto, TensorProto, TypeProto } from './model';
import type { ModelIR } from './ir';
import { TENSOR_INITIALIZER } from './ir';
import { tensorValues, type TensorSource } from './values';
import { dtypeFromOnnx, onnxDtypeBits } from './dtypes';
import { inferNode } from '../shapes/infer';
import { nodeCost } from '../shapes/cost';
import { refineType } from '../shapes/merge';
import { StatsAccumulator, type ModelStats } from '../shapes/stats';
import {
  MAX_CONST_ELEMENTS,
  type AttrValue,
  type Attrs,
  type ConstValue,
  type NodeContext,
  type SubgraphResult,
  type SymDim,
  type TensorAttr,
  type TensorType,
} from '../shapes/types';

export interface ShapeResult {
  /** Per tensor id: its type, undefined when unknown. */
  types: (TensorType | undefined)[];
  /** Per node id (main graph and bodies inferred once): MACs, FLOPs and parameters read. */
  nodeMacs: Float64Array;
  nodeFlops: Float64Array;
  nodeParams: Float64Array;
  stats: ModelStats;
  /** Ops without a shape rule, with how many nodes use them. */
  unknownOps: Map<string, number>;
  /** Places where the inferred type disagrees with the declared one (first few). */
  conflicts: string[];
  /** Small constant values known per tensor id (shape arithmetic, If conditions), as last inferred. */
  consts: Map<number, ConstValue>;
}

/** Float constants this small are decoded too (Clip bounds, Resize scales, Pad values). */
const SMALL_FLOAT_CONST = 8;
const MAX_CONFLICTS = 20;
/** Guards against pathological nesting (bodies inferring bodies): deeper bodies stay unknown. */
const MAX_BODY_DEPTH = 64;

export function typeFromProto(t: TypeProto | undefined): TensorType | undefined {
  if (!t || (t.kind !== 'tensor' && t.kind !== 'sparse_tensor')) return undefined;
  const dims: SymDim[] | null =
    t.shape === null
      ? null
      : t.shape.map((d) => (d.value !== undefined && d.value >= 0 ? d.value : d.param ? d.param : null));
  return { dtype: dtypeFromOnnx(t.elemType), dims };
}

function isInteger(dataType: number): boolean {
  return [2, 3, 4, 5, 6, 7, 9, 12, 13].includes(dataType);
}

/** A tensor's values as a ConstValue when small enough to be worth carrying, else undefined. */
function constOf(t: TensorProto, src: TensorSource): ConstValue | undefined {
  const n = elementCount(t.dims);
  if (!Number.isSafeInteger(n) || n < 0) return undefined;
  const bits = onnxDtypeBits(t.dataType);
  if (bits === 0 || t.dataType === 14 || t.dataType === 15) return undefined;
  if (!(isInteger(t.dataType) ? n <= MAX_CONST_ELEMENTS : n <= SMALL_FLOAT_CONST)) return undefined;
  try {
    const v = tensorValues(t, src);
    return { dtype: dtypeFromOnnx(t.dataType), dims: t.dims.slice(), values: Array.from(v) };
  } catch {
    return undefined;
  }
}

function tensorAttr(t: TensorProto, src: TensorSource): TensorAttr {
  const out: TensorAttr = { dtype: dtypeFromOnnx(t.dataType), dims: t.dims };
  const v = constOf(t, src);
  if (v) out.value = v;
  return out;
}

const utf8 = new TextDecoder();

function convertAttr(a: AttributeProto, src: TensorSource, graphId: (g: object) => number): AttrValue {
  switch (a.type) {
    case ATTR.INT:
      return { kind: 'int', value: a.i ?? 0 };
    case ATTR.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case ATTR.STRING:
      return { kind: 'string', value: a.s ? utf8.decode(a.s) : '' };
    case ATTR.INTS:
      return { kind: 'ints', value: a.ints ?? [] };
    case ATTR.FLOATS:
      return { kind: 'floats', value: a.floats ?? [] };
    case ATTR.STRINGS:
      return { kind: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case ATTR.TENSOR:
      return a.t ? { kind: 'tensor', value: tensorAttr(a.t, src) } : { kind: 'unknown' };
    case ATTR.TENSORS:
      return { kind: 'tensors', value: (a.tensors ?? []).map((t) => tensorAttr(t, src)) };
    case ATTR.SPARSE_TENSOR:
      return a.sparseTensor?.values
        ? {
            kind: 'sparse_tensor',
            value: { dtype: dtypeFromOnnx(a.sparseTensor.values.dataType), dims: a.sparseTensor.dims },
          }
        : { kind: 'unknown' };
    case ATTR.GRAPH:
      return a.g ? { kind: 'graph', value: graphId(a.g) } : { kind: 'unknown' };
    case ATTR.GRAPHS:
      return { kind: 'graphs', value: (a.graphs ?? []).map(graphId) };
    case ATTR.TYPE_PROTO:
      return { kind: 'type_proto', value: typeFromProto(a.tp) };
    default:
      // IR 3 files may leave `type` unset: infer it from which field is present.
      if (a.i !== undefined) return { kind: 'int', value: a.i };
      if (a.f !== undefined) return { kind: 'float', value: a.f };
      if (a.ints) return { kind: 'ints', value: a.ints };
      if (a.floats) return { kind: 'floats', value: a.floats };
      if (a.s) return { kind: 'string', value: utf8.decode(a.s) };
      if (a.t) return { kind: 'tensor', value: tensorAttr(a.t, src) };
      if (a.g) return { kind: 'graph', value: graphId(a.g) };
      return { kind: 'unknown' };
  }
}

export interface InferOptions {
  /**
   * Count each node's MACs, FLOPs and parameters and the statistics (default true). Edits that
   * only read the types (fold, INT64 → INT32) leave them out: on a 125k-node model they are a
   * fair share of an inference pass. Left out, the cost arrays are zeros and the statistics empty.
   */
  costs?: boolean;
}

/** Infers every tensor's type and every node's cost. Never throws on odd models. */
export function inferShapes(model: ModelProto, ir: ModelIR, src: TensorSource, opts: InferOptions = {}): ShapeResult {
  const withCosts = opts.costs !== false;
  const types: (TensorType | undefined)[] = new Array<TensorType | undefined>(ir.tensorCount).fill(undefined);
  const consts = new Map<number, ConstValue>();
  const nodeMacs = new Float64Array(ir.nodeCount);
  const nodeFlops = new Float64Array(ir.nodeCount);
  const nodeParams = new Float64Array(ir.nodeCount);
  const stats = new StatsAccumulator();
  const unknownOps = new Map<string, number>();
  const conflicts: string[] = [];
  const opsets = new Map<string, number>();
  for (const o of model.opsetImport) opsets.set(o.domain === 'ai.onnx' ? '' : o.domain, o.version);
  const defaultOpset = opsets.get('') ?? 1;

  const graphOf = new Map<object, number>();
  for (let g = 0; g < ir.graphs.length; g++) graphOf.set((ir.graphs[g] as ModelIR['graphs'][number]).proto, g);
  const graphId = (g: object): number => graphOf.get(g) ?? -1;
  const functions = new Map<string, number>();
  for (let g = 0; g < ir.graphs.length; g++) {
    const info = ir.graphs[g] as ModelIR['graphs'][number];
    if (info.kind === 'function') {
      const f = info.proto as FunctionProto;
      functions.set(`${f.domain}\u0000${f.name}`, g);
    }
  }

  // Parameters: each initializer (and each Constant's value) counts once, at its first consumer.
  const paramLeft = new Float64Array(ir.tensorCount);
  for (let t = 0; t < ir.tensorCount; t++) {
    const init = ir.tensorInitializer[t] as number;
    if (init >= 0 && (ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) {
      const n = elementCount((ir.initializers[init] as TensorProto).dims);
      paramLeft[t] = Number.isFinite(n) ? n : 0;
    }
  }

  const counted = new Uint8Array(ir.graphs.length);
  let depth = 0;

  const declaredType = (t: number): TensorType | undefined => {
    const d = ir.tensorDeclared[t] as number;
    return d >= 0 ? typeFromProto(ir.declared[d]?.type) : undefined;
  };

  // Initializers and declared graph inputs of every graph are known before any node runs.
  for (let t = 0; t < ir.tensorCount; t++) {
    const init = ir.tensorInitializer[t] as number;
    if (init >= 0) {
      const tp = ir.initializers[init] as TensorProto;
      types[t] = { dtype: dtypeFromOnnx(tp.dataType), dims: tp.dims.slice() };
      const c = constOf(tp, src);
      if (c) consts.set(t, c);
    }
  }
  for (const g of ir.graphs) for (const t of g.inputs) if (!types[t]) types[t] = declaredType(t);

  const ctx: NodeContext = {
    op: '',
    domain: '',
    opset: 1,
    attrs: {},
    inputs: [],
    consts: [],
    outputCount: 0,
  };

  /** Infers graph g's nodes; costs are counted the first time a graph runs (`count`), never twice. */
  const runGraph = (g: number, opsetsOf: Map<string, number>, count = true): void => {
    const info = ir.graphs[g] as ModelIR['graphs'][number];
    const first = count && counted[g] === 0 && withCosts;
    if (count) counted[g] = 1;
    for (let k = info.nodeStart; k < info.nodeEnd; k++) {
      const n = ir.topo[k] as number;
      const node = ir.nodes[n] as NodeProto;
      const is = ir.nodeInputStart[n] as number;
      const ie = ir.nodeInputStart[n + 1] as number;
      const inputs: (TensorType | null | undefined)[] = new Array<TensorType | null | undefined>(ie - is);
      const cs: (ConstValue | undefined)[] = new Array<ConstValue | undefined>(ie - is);
      let params = 0;
      for (let i = is; i < ie; i++) {
        const t = ir.nodeInputs[i] as number;
        if (t < 0) {
          inputs[i - is] = null;
          cs[i - is] = undefined;
          continue;
        }
        inputs[i - is] = types[t];
        cs[i - is] = consts.get(t);
        if (first && (paramLeft[t] as number) > 0) {
          params += paramLeft[t] as number;
          paramLeft[t] = 0;
        }
      }
      const attrs: Record<string, AttrValue | undefined> = {};
      for (const a of node.attribute) attrs[a.name] = convertAttr(a, src, graphId);
      const domain = node.domain === 'ai.onnx' ? '' : node.domain;
      const os = ir.nodeOutputStart[n] as number;
      const oe = ir.nodeOutputStart[n + 1] as number;
      ctx.op = node.opType;
      ctx.domain = domain;
      ctx.opset = opsetsOf.get(domain) ?? (domain === '' ? defaultOpset : 1);
      ctx.attrs = attrs as Attrs;
      ctx.inputs = inputs;
      ctx.consts = cs;
      ctx.outputCount = oe - os;
      ctx.inferSubgraph = inferBody;
      let outputs: (TensorType | undefined)[];
      let outConsts: (ConstValue | undefined)[] | undefined;
      // (No key made a node when the model has no local functions: most models.)
      const fn = functions.size > 0 ? functions.get(`${domain}\u0000${node.opType}`) : undefined;
      if (fn !== undefined) {
        const r =
          depth < MAX_BODY_DEPTH
            ? inferBody(
                fn,
                inputs.map((x) => x ?? undefined),
                cs,
              )
            : undefined;
        outputs = r ? r.outputs.slice(0, oe - os) : new Array<TensorType | undefined>(oe - os).fill(undefined);
        outConsts = r?.consts;
      } else {
        const r = inferNode(ctx);
        outputs = r.outputs;
        outConsts = r.consts;
        if (r.reason?.startsWith('no shape rule')) {
          const key = domain ? `${domain}:${node.opType}` : node.opType;
          unknownOps.set(key, (unknownOps.get(key) ?? 0) + 1);
        }
      }
      for (let i = os; i < oe; i++) {
        const t = ir.nodeOutputs[i] as number;
        if (t < 0 || ir.tensorProducer[t] !== n) continue;
        const declared = declaredType(t);
        const refined = refineType(outputs[i - os], declared);
        if (refined.conflict && conflicts.length < MAX_CONFLICTS) {
          conflicts.push(`${ir.tensorName[t]}: ${refined.conflict}`);
        }
        types[t] = refined.type;
        outputs[i - os] = refined.type;
        const c = outConsts?.[i - os];
        if (c) consts.set(t, c);
        else consts.delete(t);
        // A Constant's value is a weight when it is a tensor of more than one element.
        if (first && node.opType === 'Constant' && domain === '' && c === undefined) {
          const v = attrs['value'];
          if (v && v.kind === 'tensor') {
            const count = elementCount(v.value.dims);
            if (Number.isFinite(count)) paramLeft[t] = count;
          }
        }
      }
      if (first) {
        ctx.inputs = inputs;
        ctx.consts = cs;
        const cost = nodeCost(ctx, outputs);
        nodeMacs[n] = cost.macs;
        nodeFlops[n] = cost.flops;
        nodeParams[n] = params;
        stats.addNode(node.opType, domain, cost, params, outputs);
      }
    }
  };

  const opsetsFor = (g: number): Map<string, number> => {
    let root = g;
    while ((ir.graphs[root]?.parent ?? -1) >= 0) root = ir.graphs[root]?.parent as number;
    const info = ir.graphs[root];
    if (info?.kind !== 'function') return opsets;
    const f = info.proto as FunctionProto;
    const m = new Map(opsets);
    for (const o of f.opsetImport) m.set(o.domain === 'ai.onnx' ? '' : o.domain, o.version);
    return m;
  };

  function inferBody(
    handle: unknown,
    inputTypes: readonly (TensorType | undefined)[],
    inputConsts?: readonly (ConstValue | undefined)[],
  ): SubgraphResult | undefined {
    const g = typeof handle === 'number' ? handle : -1;
    const info = ir.graphs[g];
    if (!info || depth >= MAX_BODY_DEPTH) return undefined;
    // Save the caller's context: rules may call back into here in the middle of a node.
    const saved = { ...ctx };
    depth++;
    try {
      for (let i = 0; i < info.inputs.length; i++) {
        const t = info.inputs[i] as number;
        const given = inputTypes[i];
        types[t] = given ? refineType(given, declaredType(t)).type : declaredType(t);
        const c = inputConsts?.[i];
        if (c) consts.set(t, c);
        else consts.delete(t);
      }
      runGraph(g, opsetsFor(g));
      return {
        outputs: info.outputs.map((t) => types[t]),
        consts: info.outputs.map((t) => consts.get(t)),
      };
    } finally {
      depth--;
      Object.assign(ctx, saved);
    }
  }

  const main = ir.graphs.findIndex((g) => g.kind === 'main');
  if (main >= 0) runGraph(main, opsets);
  // Bodies never reached (the untaken branch of a constant If, unused functions) still get types
  // for the view, from their declared inputs, but add nothing to the statistics.
  for (let g = 0; g < ir.graphs.length; g++) {
    if (counted[g] || g === main) continue;
    for (const t of (ir.graphs[g] as ModelIR['graphs'][number]).inputs) types[t] ??= declaredType(t);
    runGraph(g, opsetsFor(g), false);
  }
  return { types, nodeMacs, nodeFlops, nodeParams, stats: stats.result(), unknownOps, conflicts, consts };
}
