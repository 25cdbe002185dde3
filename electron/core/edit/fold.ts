/**
 * Constant folding, as onnx-simplifier and Polygraphy's `--fold-constants` do it, without Python:
 * Constant nodes become initializers; Identity and inference-time Dropout go; every node whose
 * outputs are known before the model runs becomes initializers — shape arithmetic included
 * (Shape → Gather → Unsqueeze → Concat → Reshape chains fold once the input shapes are fixed);
 * then dead nodes, dead initializers and duplicate initializers go.
 *
 * The values come from Kiln's own shape inference, which already evaluates small constants (integer
 * tensors up to 4,096 elements, float tensors up to 8) for its shape rules: no second evaluator and
 * no ONNX Runtime session, so folding a 125k-node graph costs one inference pass. A node is folded
 * only when every input is itself constant (an initializer that is not a graph input, or a folded
 * output) or the node reads only its input's shape (Shape, Size); random ops and Q/DQ never fold.
 * Larger constants that only move bytes (Transpose, Gather, Expand, Concat, Slice, reshapes of
 * weights) fold through move-constants.ts; larger constant arithmetic is named in the notes, left.
 * Integer folding is exact; float values are computed in double precision and rounded once, which
 * the exactness measure checks like every other exact edit.
 */
import type { Edit } from '../../shared/api/edits';
import { isDefaultDomain } from '../onnx/graph-edit';
import { TENSOR_INITIALIZER, TENSOR_INPUT, TENSOR_OUTPUT, type ModelIR } from '../onnx/ir';
import type { GraphProto, ModelProto, NameIds, NodeProto, TensorProto } from '../onnx/model';
import { inferShapes } from '../onnx/shapes';
import type { DType, TensorType } from '../shapes/types';
import { constantNodeTensor, constTensor } from './const-tensor';
import { removeIdentities } from './identities';
import { moveConstant } from './move-constants';
import { copyLists } from './model-copy';
import { irOf } from './reuse-ir';
import { renewInputIds } from './name-ids';
import { dropStaleValueInfo, mergeDuplicateInitializers, removeDeadInitializers, removeDeadNodes } from './prune';
import type { EditStep, KnownTypes } from './step';
import type { TensorSource } from '../onnx/values';

/** Never folded: random ops, and Q/DQ (TensorRT reads a weight's DequantizeLinear as its INT8 recipe). */
const NEVER_FOLD = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
]);
/** Ops whose outputs depend only on their input's shape and type, not its values. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);
/** How many unfolded all-constant nodes the notes name. */
const NAMED = 5;

export interface FoldCounts {
  constants: number;
  identities: number;
  folded: number;
  deadNodes: number;
  deadInitializers: number;
  merged: number;
  /** All-constant nodes left (values too large for the evaluator, or of a type it does not carry). */
  leftConstant: string[];
  /**
   * Element types of the folded graph's tensors, from the inference folding ran: folding turns nodes
   * into initializers of the values they computed and points readers at equal tensors, so every
   * tensor left keeps its type (absent when nothing was inferred).
   */
  elemTypeOf?: (name: string) => DType | undefined;
  /** The same tensors' whole types (element type and dims), for the check after the edits. */
  typeOf?: KnownTypes['typeOf'];
  namesOfType?: KnownTypes['namesOfType'];
}

/** Constant nodes → initializers (not those making a graph output: an output stays a node's). */
/**
 * The decoder's string id of output `k` of `n` (model.ts's NameIds), when it still names it: a
 * tensor made in its place keeps the id, so the IR of the folded model is still built by ids.
 */
function outputNameId(names: NameIds | undefined, n: NodeProto, k: number): number | undefined {
  if (!names || n.outAt === undefined) return undefined;
  const id = names.outIds[n.outAt + k];
  return id !== undefined && names.values[id] === n.output[k] ? id : undefined;
}

/** `t` with the string id of the name it takes over (see outputNameId), when there is one. */
function withNameId(t: TensorProto, id: number | undefined): TensorProto {
  if (id !== undefined) t.nameId = id;
  return t;
}

function constantsToInitializers(g: GraphProto, names?: NameIds): number {
  const outputs = new Set(g.output.map((o) => o.name));
  const keep: NodeProto[] = [];
  let moved = 0;
  for (const n of g.node) {
    const t =
      n.opType === 'Constant' && isDefaultDomain(n) && !outputs.has(n.output[0] ?? '') ? constantNodeTensor(n) : null;
    if (!t) {
      keep.push(n);
      continue;
    }
    g.initializer.push(withNameId(t, outputNameId(names, n, 0)));
    moved++;
  }
  g.node = keep;
  return moved;
}

/** Replaces every node whose outputs shape inference knows by initializers. */
function foldKnownNodes(
  model: ModelProto,
  g: GraphProto,
  earlier: ModelIR | undefined,
): { left: string[] } & Required<Pick<KnownTypes, 'elemTypeOf' | 'typeOf' | 'namesOfType'>> {
  const ir = irOf(model, earlier);
  const shapes = inferShapes(model, ir, { path: '' }, { costs: false });
  // The main graph's nodes are the IR's first ids, in order: each node's tensors are read by id
  // (arrays, not sets of names: a 125k-node graph is walked without hashing a name).
  const main = ir.graphs[0];
  if (!main || main.nodeStart !== 0 || main.nodeEnd !== g.node.length) throw new Error('the graph IR is out of step');
  /** Per tensor id: 1 when its value is known before the model runs (an initializer that can not be fed, a folded output). */
  const constant = new Uint8Array(ir.tensorCount);
  for (let t = 0; t < ir.tensorCount; t++) {
    const f = ir.tensorFlags[t] as number;
    if (ir.tensorGraph[t] === 0 && f & TENSOR_INITIALIZER && !(f & TENSOR_INPUT)) constant[t] = 1;
  }
  /** The initializer each tensor id now is (those of the graph, and those folding makes). */
  const initOf = (t: number): TensorProto | undefined => {
    if (t < 0) return undefined;
    const i = ir.tensorInitializer[t] as number;
    return made.get(t) ?? (i >= 0 ? ir.initializers[i] : undefined);
  };
  const keep: NodeProto[] = [];
  const made = new Map<number, TensorProto>();
  const left: string[] = [];
  for (let id = 0; id < g.node.length; id++) {
    const n = g.node[id] as NodeProto;
    const is = ir.nodeInputStart[id] as number;
    const ie = ir.nodeInputStart[id + 1] as number;
    const os = ir.nodeOutputStart[id] as number;
    const oe = ir.nodeOutputStart[id + 1] as number;
    let inputsConstant = true;
    for (let k = is; k < ie && inputsConstant; k++) {
      const t = ir.nodeInputs[k] as number;
      if (t >= 0 && !constant[t]) inputsConstant = false;
    }
    let makesOutput = false;
    for (let k = os; k < oe; k++) {
      const t = ir.nodeOutputs[k] as number;
      if (t >= 0 && (ir.tensorFlags[t] as number) & TENSOR_OUTPUT) makesOutput = true;
    }
    const candidate =
      isDefaultDomain(n) &&
      !NEVER_FOLD.has(n.opType) &&
      n.output.length > 0 &&
      !n.attribute.some((a) => a.g || a.graphs) &&
      (inputsConstant || SHAPE_ONLY.has(n.opType)) &&
      !makesOutput;
    const tensors = candidate ? n.output.map((o, k) => (o ? known(n, k, ir.nodeOutputs[os + k] as number) : null)) : [];
    if (candidate && tensors.length > 0 && tensors.every((t, i) => t || !n.output[i])) {
      tensors.forEach((t, k) => {
        const tid = ir.nodeOutputs[os + k] as number;
        if (t) made.set(tid, t);
        if (n.output[k] && tid >= 0) constant[tid] = 1;
      });
      continue;
    }
    const moved = candidate && inputsConstant ? movedTensor(n, id) : null;
    if (moved) {
      const tid = ir.nodeOutputs[os] as number;
      made.set(tid, moved);
      constant[tid] = 1;
      continue;
    }
    if (candidate && inputsConstant && n.input.some(Boolean)) left.push(n.name || n.opType);
    keep.push(n);
  }
  function movedTensor(n: NodeProto, id: number): TensorProto | null {
    const out = n.output[0];
    const t = ir.nodeOutputs[ir.nodeOutputStart[id] as number] ?? -1;
    const dims = out && t >= 0 ? shapes.types[t]?.dims : undefined;
    if (!out || !dims || !dims.every((d): d is number => typeof d === 'number')) return null;
    const inputs: (TensorProto | undefined)[] = [];
    for (let k = ir.nodeInputStart[id] as number; k < (ir.nodeInputStart[id + 1] as number); k++)
      inputs.push(initOf(ir.nodeInputs[k] as number));
    const moved = moveConstant(n, inputs, dims, out);
    return moved && withNameId(moved, outputNameId(model.names, n, 0));
  }
  /** Output `k` of `n` (tensor id `t`) as an initializer of the value inference computed, or null. */
  function known(n: NodeProto, k: number, t: number): TensorProto | null {
    const c = t >= 0 ? shapes.consts.get(t) : undefined;
    const made = c ? constTensor(n.output[k] as string, c) : null;
    return made && withNameId(made, outputNameId(model.names, n, k));
  }
  // Names → ids for the types handed on: by the decoder's string id where the caller has it (an
  // array index), else through a map of every name, built when first asked for.
  let ids: Map<string, number> | null = null;
  const idOf = (name: string): number | undefined => {
    if (!ids) {
      ids = new Map();
      for (let t = 0; t < ir.tensorCount; t++) if (ir.tensorGraph[t] === 0) ids.set(ir.tensorName[t] as string, t);
    }
    return ids.get(name);
  };
  const byNameId = ir.nameIds;
  const tensorOf = (name: string, nameId?: number): number | undefined => {
    if (byNameId && nameId !== undefined && nameId >= 0 && byNameId.values[nameId] === name) {
      const t = byNameId.tensorOf[nameId] as number;
      return t >= 0 ? t : undefined;
    }
    return idOf(name);
  };
  g.node = keep;
  g.initializer.push(...made.values());
  const elemTypeOf = (name: string): DType | undefined => {
    const t = tensorOf(name);
    return t === undefined ? undefined : shapes.types[t]?.dtype;
  };
  const typeOf = (name: string, nameId?: number): TensorType | undefined => {
    const t = tensorOf(name, nameId);
    return t === undefined ? undefined : shapes.types[t];
  };
  const sets = new Map<DType, Set<string>>();
  const namesOfType = (dtype: DType): ReadonlySet<string> => {
    let set = sets.get(dtype);
    if (!set) {
      set = new Set();
      for (let t = 0; t < ir.tensorCount; t++)
        if (ir.tensorGraph[t] === 0 && shapes.types[t]?.dtype === dtype) set.add(ir.tensorName[t] as string);
      sets.set(dtype, set);
    }
    return set;
  };
  return { left, elemTypeOf, typeOf, namesOfType };
}

/**
 * Folds `m`'s main graph in place (a copy the caller owns) and says what went; `earlier` is an IR
 * of `m` built before, reused when no Constant or Identity went first (reuse-ir.ts checks).
 */
export function foldGraph(m: ModelProto, earlier?: ModelIR): FoldCounts {
  const g = m.graph;
  if (!g)
    return { constants: 0, identities: 0, folded: 0, deadNodes: 0, deadInitializers: 0, merged: 0, leftConstant: [] };
  const constants = constantsToInitializers(g, m.names);
  const identities = removeIdentities(g);
  const before = g.node.length;
  const { left, elemTypeOf, typeOf, namesOfType } = foldKnownNodes(m, g, earlier);
  const folded = before - g.node.length;
  const { removed: deadNodes, needed } = removeDeadNodes(g);
  // Dead initializers go before duplicates are merged: only live ones are compared, and a merge
  // points readers at a live one, so none is left unread by it.
  const deadInitializers = removeDeadInitializers(g, needed);
  const merged = mergeDuplicateInitializers(g);
  dropStaleValueInfo(g);
  renewInputIds(m);
  return {
    constants,
    identities,
    folded,
    deadNodes,
    deadInitializers,
    merged,
    leftConstant: left,
    elemTypeOf,
    typeOf,
    namesOfType,
  };
}

export function fold(
  model: ModelProto,
  _edit: Extract<Edit, { kind: 'fold' }>,
  _src?: TensorSource,
  given: KnownTypes = {},
): EditStep {
  // Its nodes are shared with `model`: the few that change (readers rewired) are copied then.
  const m = copyLists(model);
  const before = m.graph?.node.length ?? 0;
  const c = foldGraph(m, given.ir);
  const after = m.graph?.node.length ?? 0;
  const parts = [
    c.folded && `${c.folded} node${c.folded === 1 ? '' : 's'} computed ahead of time`,
    c.constants && `${c.constants} Constant node${c.constants === 1 ? '' : 's'} made initializers`,
    c.identities && `${c.identities} Identity/Dropout removed`,
    c.deadNodes && `${c.deadNodes} unused node${c.deadNodes === 1 ? '' : 's'} removed`,
    c.merged && `${c.merged} duplicate initializer${c.merged === 1 ? '' : 's'} merged`,
    c.deadInitializers && `${c.deadInitializers} unused initializer${c.deadInitializers === 1 ? '' : 's'} removed`,
  ].filter(Boolean);
  const summary = parts.length > 0 ? `folded: ${before} → ${after} nodes (${parts.join(', ')})` : 'nothing to fold';
  const notes: string[] = [];
  if (c.leftConstant.length > 0) {
    const named = c.leftConstant.slice(0, NAMED).join(', ');
    notes.push(
      `${c.leftConstant.length} node${c.leftConstant.length === 1 ? '' : 's'} with only constant inputs ${c.leftConstant.length === 1 ? 'was' : 'were'} left as ${c.leftConstant.length === 1 ? 'it is' : 'they are'} (values too large to compute ahead here): ${named}${c.leftConstant.length > NAMED ? ', …' : ''}`,
    );
  }
  const known =
    c.elemTypeOf && c.typeOf
      ? { known: { elemTypeOf: c.elemTypeOf, typeOf: c.typeOf, ...(c.namesOfType && { namesOfType: c.namesOfType }) } }
      : {};
  return { model: m, summary, exact: true, notes, ...known };
}
