/**
 * INT64 → INT32 where every value fits, as TensorRT wants (it computes in INT32 and casts INT64
 * weights down itself, warning for each). ONNX ops tie their tensors' types together (Add's inputs
 * and output share T; Gather's indices may be INT32 or INT64, but Reshape's shape must be INT64),
 * so the INT64 tensors are grouped into regions that must change together: tensors one op's type
 * constraint ties (union-find), a region held at INT64 by any tensor that must stay so — an input
 * that the op's schema requires INT64 (Reshape's shape, Unsqueeze's axes, Expand's shape ...), an
 * output that is always INT64 (Shape, NonZero, ArgMax), a graph input or output (the interface is
 * kept), an op with no rule here, or an initializer with a value beyond INT32. A free region turns
 * INT32 whole: its initializers and Constant values are rewritten, its Casts' `to` retargeted, its
 * value_info retyped. Values of Casts from float can not be known ahead: the exactness measure runs
 * the result beside its parent.
 */
import type { Edit } from '../../shared/api/edits';
import { DataType } from '../onnx/dtypes';
import { attrOf, intAttr, isDefaultDomain, setAttr } from '../onnx/graph-edit';
import { buildIR } from '../onnx/ir';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../onnx/model';
import { inferShapes } from '../onnx/shapes';
import { tensorValues, type TensorSource } from '../onnx/values';
import type { DType, TensorType } from '../shapes/types';
import { copyNode, mainGraph } from './model-copy';
import type { EditStep, KnownTypes } from './step';

/** Slots an op ties to one type: 'i0' / 'o0', '*' = every input and output, 'i*' every input, 'o*' every output. */
type Slot = string;
interface OpRule {
  /** Groups of slots that share one type. */
  same: Slot[][];
  /** Slots the schema requires to be INT64. */
  int64?: Slot[];
}

const ALL: OpRule = { same: [['*']] };
const DATA: OpRule = { same: [['i0', 'o0']] };
const RULES: Record<string, OpRule> = {
  Add: ALL,
  Sub: ALL,
  Mul: ALL,
  Div: ALL,
  Mod: ALL,
  Max: ALL,
  Min: ALL,
  Sum: ALL,
  Neg: ALL,
  Abs: ALL,
  Sign: ALL,
  Identity: ALL,
  Clip: ALL,
  Concat: ALL,
  Transpose: DATA,
  Flatten: DATA,
  Range: { same: [['i*', 'o0']] },
  Equal: { same: [['i0', 'i1']] },
  Less: { same: [['i0', 'i1']] },
  Greater: { same: [['i0', 'i1']] },
  LessOrEqual: { same: [['i0', 'i1']] },
  GreaterOrEqual: { same: [['i0', 'i1']] },
  Where: { same: [['i1', 'i2', 'o0']] },
  Reshape: { same: [['i0', 'o0']], int64: ['i1'] },
  Unsqueeze: { same: [['i0', 'o0']], int64: ['i1'] },
  Squeeze: { same: [['i0', 'o0']], int64: ['i1'] },
  Expand: { same: [['i0', 'o0']], int64: ['i1'] },
  Tile: { same: [['i0', 'o0']], int64: ['i1'] },
  Split: { same: [['i0', 'o*']], int64: ['i1'] },
  Gather: { same: [['i0', 'o0'], ['i1']] },
  GatherElements: { same: [['i0', 'o0'], ['i1']] },
  Slice: {
    same: [
      ['i0', 'o0'],
      ['i1', 'i2', 'i3', 'i4'],
    ],
  },
  ReduceSum: { same: [['i0', 'o0']], int64: ['i1'] },
  ReduceMax: { same: [['i0', 'o0']], int64: ['i1'] },
  ReduceMin: { same: [['i0', 'o0']], int64: ['i1'] },
  ReduceProd: { same: [['i0', 'o0']], int64: ['i1'] },
  CumSum: { same: [['i0', 'o0'], ['i1']] },
  Cast: { same: [['i0'], ['o0']] },
  Shape: { same: [['i0']], int64: ['o0'] },
  Size: { same: [['i0']], int64: ['o0'] },
  NonZero: { same: [['i0']], int64: ['o0'] },
  ArgMax: { same: [['i0']], int64: ['o0'] },
  ArgMin: { same: [['i0']], int64: ['o0'] },
  ConstantOfShape: { same: [], int64: ['i0', 'o0'] },
  Constant: { same: [['o0']] },
};

function slotsOf(n: NodeProto, slot: Slot): string[] {
  if (slot === '*') return [...n.input, ...n.output];
  if (slot === 'i*') return n.input;
  if (slot === 'o*') return n.output;
  const list = slot[0] === 'i' ? n.input : n.output;
  const x = list[Number(slot.slice(1))];
  return x ? [x] : [];
}

class Regions {
  private parent = new Map<string, string>();
  find(x: string): string {
    let r = x;
    for (let p = this.parent.get(r); p !== undefined && p !== r; p = this.parent.get(r)) r = p;
    let c = x;
    while (c !== r) {
      const next = this.parent.get(c) as string;
      this.parent.set(c, r);
      c = next;
    }
    return r;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

const fitsInt32 = (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31 - 1;

function toInt32(t: TensorProto): TensorProto {
  const v = tensorValues(t, { path: '' });
  const out = Int32Array.from(v);
  return {
    ...t,
    dataType: DataType.INT32,
    dims: [...t.dims],
    data: { kind: 'bytes', bytes: new Uint8Array(out.buffer) },
    externalData: [],
  };
}

/** The values of an INT64 tensor beyond INT32, or null when all fit (or it cannot be read). */
function firstMisfit(t: TensorProto): number | null {
  try {
    for (const v of tensorValues(t, { path: '' })) if (!fitsInt32(v)) return v;
  } catch {
    return Number.NaN;
  }
  return null;
}

/** Element types of `m`'s main-graph tensors by name, inferred. */
function inferredElemTypes(m: ModelProto): (name: string) => DType | undefined {
  const ir = buildIR(m);
  const shapes = inferShapes(m, ir, { path: '' }, { costs: false });
  const id = new Map<string, number>();
  for (let t = 0; t < ir.tensorCount; t++) if (ir.tensorGraph[t] === 0) id.set(ir.tensorName[t] as string, t);
  return (name) => {
    const t = id.get(name);
    return t === undefined ? undefined : shapes.types[t]?.dtype;
  };
}

export function int64ToInt32(
  model: ModelProto,
  _edit: Extract<Edit, { kind: 'int64ToInt32' }>,
  _src?: TensorSource,
  known: KnownTypes = {},
): EditStep {
  // Only the nodes it retargets are copied (below); lists it changes are replaced, never mutated.
  const g: GraphProto = { ...mainGraph(model) };
  const m: ModelProto = {
    ...model,
    opsetImport: model.opsetImport.map((o) => ({ ...o })),
    metadataProps: model.metadataProps.map((e) => ({ ...e })),
    graph: g,
  };
  // The edit before (fold) may already know every tensor's type: one inference pass saved.
  const elemTypeOf =
    known.elemTypeOf ?? (known.typeOf ? (x: string) => known.typeOf?.(x)?.dtype : inferredElemTypes(m));
  const int64Initializers = new Set<string>();
  for (const t of g.initializer) if (t.dataType === DataType.INT64) int64Initializers.add(t.name);
  // The INT64 tensors as a set when the edit before knows them (a few names to test against, not a
  // type looked up for every name of the graph).
  const int64Names = known.namesOfType?.('int64');
  const int64Set = int64Names ? new Set([...int64Initializers, ...int64Names]) : null;
  const isI64 = {
    has: int64Set
      ? (x: string) => int64Set.has(x)
      : (x: string) => int64Initializers.has(x) || elemTypeOf(x) === 'int64',
  };
  /** Whether any input or output of `n` is INT64: the rest of the loop below only acts on those. */
  const touchesInt64 = (n: NodeProto): boolean => {
    for (const x of n.input) if (x && isI64.has(x)) return true;
    for (const x of n.output) if (x && isI64.has(x)) return true;
    return false;
  };

  const regions = new Regions();
  const pinned = new Set<string>();
  const pin = (x: string) => isI64.has(x) && pinned.add(x);
  for (const v of [...g.input, ...g.output]) pin(v.name);
  for (const n of g.node) {
    // Pins and unions are of INT64 names only: a node with none adds nothing (most of a float graph).
    if (!touchesInt64(n)) continue;
    const rule = isDefaultDomain(n) && !n.attribute.some((a) => a.g || a.graphs) ? RULES[n.opType] : undefined;
    if (!rule) {
      for (const x of [...n.input, ...n.output]) if (x) pin(x);
      continue;
    }
    for (const group of rule.same) {
      const names = group.flatMap((s) => slotsOf(n, s)).filter((x) => x && isI64.has(x));
      for (let i = 1; i < names.length; i++) regions.union(names[0] as string, names[i] as string);
    }
    for (const s of rule.int64 ?? []) for (const x of slotsOf(n, s)) if (x) pin(x);
    if (n.opType === 'Constant') {
      const a = attrOf(n, 'value');
      if (!a?.t || a.t.dataType !== DataType.INT64) for (const x of n.output) if (x) pin(x);
    }
  }
  const notes: string[] = [];
  const misfits: string[] = [];
  for (const t of g.initializer) {
    if (t.dataType !== DataType.INT64) continue;
    const bad = firstMisfit(t);
    if (bad !== null) {
      pinned.add(t.name);
      misfits.push(`${t.name} (${Number.isNaN(bad) ? 'unreadable' : bad})`);
    }
  }
  const heldRoots = new Set([...pinned].map((x) => regions.find(x)));
  const free = (x: string) => isI64.has(x) && !heldRoots.has(regions.find(x));

  let inits = 0;
  let casts = 0;
  let constants = 0;
  g.initializer = g.initializer.map((t) => {
    if (t.dataType !== DataType.INT64 || !free(t.name)) return t;
    inits++;
    return toInt32(t);
  });
  g.node = g.node.map((n) => {
    const y = n.output[0];
    if (!y || !free(y)) return n;
    if (n.opType === 'Cast' && attrOf(n, 'to')?.i === DataType.INT64) {
      const c = copyNode(n);
      setAttr(c, intAttr('to', DataType.INT32));
      casts++;
      return c;
    }
    const a = n.opType === 'Constant' ? attrOf(n, 'value') : undefined;
    if (!a?.t) return n;
    const c = copyNode(n);
    setAttr(c, { ...a, t: toInt32(a.t) });
    constants++;
    return c;
  });
  let retyped = 0;
  g.valueInfo = g.valueInfo.map((v) => {
    const t = v.type;
    if (!t || t.kind !== 'tensor' || t.elemType !== DataType.INT64 || !free(v.name)) return v;
    retyped++;
    return { ...v, type: { ...t, elemType: DataType.INT32 } };
  });
  if (misfits.length > 0)
    notes.push(
      `left INT64: ${misfits.slice(0, 5).join(', ')}${misfits.length > 5 ? ', …' : ''} — a value does not fit INT32`,
    );
  const kept = [...g.input, ...g.output].filter((v) => isI64.has(v.name)).map((v) => v.name);
  if (kept.length > 0)
    notes.push(`graph inputs and outputs keep their INT64 type (the model's interface): ${kept.join(', ')}`);
  if (casts > 0)
    notes.push(`${casts} Cast${casts === 1 ? ' now targets' : 's now target'} INT32: values beyond INT32 would wrap`);
  const total = inits + casts + constants;
  const summary =
    total === 0
      ? 'no INT64 tensor could become INT32'
      : `INT64 → INT32: ${inits} initializer${inits === 1 ? '' : 's'}, ${casts} Cast target${casts === 1 ? '' : 's'}, ${constants} Constant${constants === 1 ? '' : 's'}${retyped ? `, ${retyped} value_info` : ''}`;
  // Every tensor of a free region is INT32 now, the rest as they were: the types handed on say so.
  const before = known.typeOf;
  const typeOf = before
    ? (x: string, nameId?: number): TensorType | undefined => {
        const t = before(x, nameId);
        return t && t.dtype === 'int64' && free(x) ? { ...t, dtype: 'int32' } : t;
      }
    : undefined;
  const handOn = typeOf ? { known: { typeOf, elemTypeOf: (x: string) => typeOf(x)?.dtype } } : {};
  return { model: m, summary, exact: true, notes, ...handOn };
}
