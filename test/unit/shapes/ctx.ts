/** Builders for NodeContexts in shape-rule tests. */
import type {
  AttrValue,
  ConstValue,
  NodeContext,
  SubgraphInferer,
  SymDim,
  TensorType,
} from '../../../electron/core/shapes/types';

type AttrInput = number | string | number[] | string[] | AttrValue;

export interface CtxSpec {
  op: string;
  domain?: string;
  opset?: number;
  /** dims (float32), a full TensorType, null (absent) or undefined (unknown type). */
  inputs?: (SymDim[] | TensorType | null | undefined)[];
  consts?: (ConstValue | undefined)[];
  attrs?: Record<string, AttrInput>;
  outputCount?: number;
  inferSubgraph?: SubgraphInferer;
}

/** A float attr must be written as { kind: 'float', value } (plain numbers become ints). */
function toAttr(v: AttrInput): AttrValue {
  if (typeof v === 'number') return { kind: 'int', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { kind: 'strings', value: v as string[] };
    return { kind: 'ints', value: v as number[] };
  }
  return v;
}

export function ctx(spec: CtxSpec): NodeContext {
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(spec.attrs ?? {})) attrs[k] = toAttr(v);
  const inputs = (spec.inputs ?? []).map((x): TensorType | null | undefined => {
    if (x === null || x === undefined) return x;
    if (Array.isArray(x)) return { dtype: 'float32', dims: x };
    return x;
  });
  const c: NodeContext = {
    op: spec.op,
    domain: spec.domain ?? '',
    opset: spec.opset ?? 17,
    attrs,
    inputs,
    consts: spec.consts ?? [],
    outputCount: spec.outputCount ?? 1,
  };
  if (spec.inferSubgraph) c.inferSubgraph = spec.inferSubgraph;
  return c;
}

/** An int64 constant vector (and its type) for shape inputs. */
export function i64(values: SymDim[], dims: number[] = [values.length]): ConstValue {
  return { dtype: 'int64', dims, values };
}

export function t64(c: ConstValue): TensorType {
  return { dtype: 'int64', dims: c.dims };
}

export function f32(value: number): AttrValue {
  return { kind: 'float', value };
}
