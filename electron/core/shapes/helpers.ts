/**
 * Small shared pieces for the rules: attribute readers that tolerate malformed models, broadcasting,
 * constant-value helpers and result builders.
 */
import { MAX_CONST_ELEMENTS } from './types';
import type { AttrValue, ConstValue, InferResult, NodeContext, SymDim, TensorType } from './types';

export type Rule = (ctx: NodeContext) => InferResult;

// ---- attributes

export function attr(ctx: NodeContext, name: string): AttrValue | undefined {
  return ctx.attrs[name];
}

/** An int attribute (a float or a one-element list is accepted); `def` when absent or malformed. */
export function attrInt(ctx: NodeContext, name: string, def: number): number {
  const a = ctx.attrs[name];
  if (!a) return def;
  if ((a.kind === 'int' || a.kind === 'float') && Number.isFinite(a.value)) return Math.trunc(a.value);
  if (a.kind === 'ints' && a.value.length === 1) return a.value[0]!;
  return def;
}

export function attrFloat(ctx: NodeContext, name: string, def: number): number {
  const a = ctx.attrs[name];
  if (!a) return def;
  if (a.kind === 'float' || a.kind === 'int') return a.value;
  return def;
}

export function attrString(ctx: NodeContext, name: string, def: string): string {
  const a = ctx.attrs[name];
  return a && a.kind === 'string' ? a.value : def;
}

/** An ints attribute (a single int is accepted as a one-element list); undefined when absent. */
export function attrInts(ctx: NodeContext, name: string): number[] | undefined {
  const a = ctx.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'ints') return a.value;
  if (a.kind === 'int') return [a.value];
  return undefined;
}

export function attrFloats(ctx: NodeContext, name: string): number[] | undefined {
  const a = ctx.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'floats' || a.kind === 'ints') return a.value;
  if (a.kind === 'float' || a.kind === 'int') return [a.value];
  return undefined;
}

// ---- inputs

/** Whether optional input i is present (an empty name or a missing trailing input is absent). */
export function has(ctx: NodeContext, i: number): boolean {
  return i < ctx.inputs.length && ctx.inputs[i] !== null;
}

/** The type of input i, or undefined when absent or unknown. */
export function inp(ctx: NodeContext, i: number): TensorType | undefined {
  return ctx.inputs[i] ?? undefined;
}

/** The dims of input i, or null when the input, its type or its rank is unknown. */
export function dimsOf(ctx: NodeContext, i: number): SymDim[] | null {
  const t = ctx.inputs[i];
  return t ? t.dims : null;
}

export function dtypeOf(ctx: NodeContext, i: number): string {
  const t = ctx.inputs[i];
  return t ? t.dtype : '';
}

/** The length of a 1-D input whose values are unknown (an axes or shape vector), or -1. */
export function vectorLength(ctx: NodeContext, i: number): number {
  const d = dimsOf(ctx, i);
  return d && d.length === 1 && typeof d[0] === 'number' ? d[0] : -1;
}

/** All-numeric values of a constant (ints for axes, pads, ...), or undefined. */
export function constNumbers(c: ConstValue | undefined): number[] | undefined {
  if (!c) return undefined;
  const v = c.values;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return undefined;
  return v as number[];
}

/** The numeric values of input i when known. */
export function constInts(ctx: NodeContext, i: number): number[] | undefined {
  return constNumbers(ctx.consts[i]);
}

/** Axes normalised to [0, rank); undefined when out of range or repeated. */
export function normAxes(axes: readonly number[], rank: number): number[] | undefined {
  const out: number[] = new Array<number>(axes.length);
  for (let i = 0; i < axes.length; i++) {
    const a = normAxis(axes[i]!, rank);
    if (a === undefined) return undefined;
    for (let j = 0; j < i; j++) if (out[j] === a) return undefined;
    out[i] = a;
  }
  return out;
}

/** An index into a dim of size n (negative from the end), or undefined when out of range. */
export function wrapIndex(i: number, n: number): number | undefined {
  const j = i < 0 ? i + n : i;
  return j >= 0 && j < n ? j : undefined;
}

export function normAxis(axis: number, rank: number): number | undefined {
  if (!Number.isInteger(axis)) return undefined;
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

// ---- results

/** Ranks beyond this are treated as unknown (a malformed shape input must not allocate a giant array). */
export const MAX_RANK = 256;

/** A list of n unknown dims, or null (rank unknown) when n is not a plausible rank. */
export function unknownDims(n: SymDim | undefined): SymDim[] | null {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_RANK
    ? new Array<SymDim>(n).fill(null)
    : null;
}

export function tensor(dtype: string, dims: SymDim[] | null): TensorType {
  return { dtype, dims };
}

export function one(t: TensorType | undefined, c?: ConstValue): InferResult {
  return c ? { outputs: [t], consts: [c] } : { outputs: [t] };
}

export function fail(reason: string): InferResult {
  return { outputs: [], reason };
}

/** Output type when only the element type is known. */
export function rankUnknown(dtype: string, reason?: string): InferResult {
  const r: InferResult = { outputs: [{ dtype, dims: null }] };
  if (reason !== undefined) r.reason = reason;
  return r;
}

// ---- broadcasting

/**
 * One broadcast dim from two (numpy rules): a number > 1 wins over 1, symbols and unknowns; a
 * symbol wins over 1; equal symbols stay; anything else is unknown. Returns undefined when two
 * different numbers > 1 meet (an invalid model).
 */
export function broadcastDim(a: SymDim, b: SymDim): SymDim | undefined {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (typeof a === 'number') {
    if (typeof b === 'number') return undefined;
    return a;
  }
  if (typeof b === 'number') return b;
  return null;
}

/** Multidirectional broadcast of several shapes; null when a rank is unknown, undefined if invalid. */
export function broadcastShapes(shapes: readonly (SymDim[] | null)[]): SymDim[] | null | undefined {
  let rank = 0;
  for (const s of shapes) {
    if (s === null) return null;
    if (s.length > rank) rank = s.length;
  }
  const out: SymDim[] = new Array<SymDim>(rank).fill(1);
  for (const s of shapes as SymDim[][]) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = broadcastDim(out[off + i]!, s[i]!);
      if (d === undefined) return undefined;
      out[off + i] = d;
    }
  }
  return out;
}

// ---- constants

export function constOf(dtype: string, dims: number[], values: SymDim[]): ConstValue {
  return { dtype, dims, values };
}

/** Element count of all-numeric dims, or -1 when some dim is symbolic/unknown. */
export function numel(dims: readonly SymDim[]): number {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return -1;
    n *= d;
  }
  return n;
}

/** Whether dims are fully numeric and small enough to fold a constant of that shape. */
export function foldable(dims: readonly SymDim[] | null): dims is number[] {
  if (!dims) return false;
  const n = numel(dims);
  return n >= 0 && n <= MAX_CONST_ELEMENTS;
}

/** Row-major strides of numeric dims. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/**
 * Broadcasts the values of several constants to `outDims` and combines them elementwise; returns
 * undefined if `fn` gives up on any element.
 */
export function foldBroadcast(
  consts: readonly ConstValue[],
  outDims: number[],
  fn: (xs: SymDim[]) => SymDim | undefined,
): SymDim[] | undefined {
  const n = numel(outDims);
  if (n < 0 || n > MAX_CONST_ELEMENTS) return undefined;
  const rank = outDims.length;
  const maps = consts.map((c) => {
    // Per output axis, the stride into this constant (0 where it broadcasts).
    const s = strides(c.dims);
    const off = rank - c.dims.length;
    const st = new Array<number>(rank).fill(0);
    for (let i = 0; i < c.dims.length; i++) st[off + i] = c.dims[i] === 1 ? 0 : s[i]!;
    return st;
  });
  const out = new Array<SymDim>(n);
  const idx = new Array<number>(rank).fill(0);
  const xs = new Array<SymDim>(consts.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < consts.length; j++) {
      let p = 0;
      const st = maps[j]!;
      for (let a = 0; a < rank; a++) p += idx[a]! * st[a]!;
      const v = consts[j]!.values[p];
      if (v === undefined) return undefined;
      xs[j] = v;
    }
    const r = fn(xs);
    if (r === undefined) return undefined;
    out[k] = r;
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a]! < outDims[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** A rank-1 int64 constant (shape arithmetic results). */
export function int64Vector(values: SymDim[]): ConstValue {
  return { dtype: 'int64', dims: [values.length], values };
}

/** Tells whether a dim value read from a constant is a valid size (non-negative integer or symbol). */
export function validDim(d: SymDim): boolean {
  return d === null || typeof d === 'string' || (Number.isInteger(d) && d >= 0);
}
