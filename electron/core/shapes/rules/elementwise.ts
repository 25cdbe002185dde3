/**
 * Elementwise ops: unary ops keep their input's shape; binary and variadic ops broadcast
 * (multidirectional numpy rules, symbolic dims too). Small integer constants fold, so shape
 * arithmetic (Shape -> Mul -> Concat) keeps its values and symbols.
 */
import { dtypeFromOnnx } from '../../onnx/dtypes';
import {
  attrInt,
  broadcastShapes,
  dimsOf,
  dtypeOf,
  fail,
  foldBroadcast,
  foldable,
  inp,
  one,
  tensor,
  type Rule,
} from '../helpers';
import { symAdd, symDivExact, symMul, symSub } from '../sym';
import type { ConstValue, InferResult, NodeContext, SymDim } from '../types';

/** Output keeps input 0's type. */
export const sameAsInput: Rule = (ctx) => {
  const t = inp(ctx, 0);
  return one(t ? tensor(t.dtype, t.dims) : undefined, foldUnary(ctx, t?.dtype ?? ''));
};

/** Output keeps input 0's shape with a fixed element type. */
export function sameShapeAs(dtype: string): Rule {
  return (ctx) => {
    const t = inp(ctx, 0);
    return one(tensor(dtype, t ? t.dims : null));
  };
}

function foldUnary(ctx: NodeContext, dtype: string): ConstValue | undefined {
  const c = ctx.consts[0];
  if (!c) return undefined;
  let f: ((x: number) => number) | undefined;
  switch (ctx.op) {
    case 'Identity':
      return c;
    case 'Neg':
      f = (x) => -x;
      break;
    case 'Abs':
      f = Math.abs;
      break;
    case 'Floor':
      f = Math.floor;
      break;
    case 'Ceil':
      f = Math.ceil;
      break;
    case 'Sqrt':
      f = Math.sqrt;
      break;
    case 'Relu':
      f = (x) => (x > 0 ? x : 0);
      break;
    case 'Not':
      f = (x) => (x ? 0 : 1);
      break;
    default:
      return undefined;
  }
  const out = new Array<SymDim>(c.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = c.values[i];
    if (typeof v === 'number') out[i] = f(v);
    else if (ctx.op === 'Neg' && typeof v === 'string') out[i] = symSub(0, v);
    else out[i] = null;
  }
  return { dtype, dims: c.dims, values: out };
}

const BOOL_OUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/** Broadcasting ops with any number of inputs (Add, Sum, Max, Equal, ...). */
export const broadcasting: Rule = (ctx) => {
  const n = ctx.inputs.length;
  if (n === 0) return fail(`${ctx.op} has no inputs`);
  const shapes: (SymDim[] | null)[] = new Array<SymDim[] | null>(n);
  for (let i = 0; i < n; i++) shapes[i] = dimsOf(ctx, i);
  const dims = broadcastShapes(shapes);
  if (dims === undefined) return fail(`${ctx.op}: input shapes ${fmtShapes(shapes)} do not broadcast`);
  let dtype = dtypeOf(ctx, 0);
  if (BOOL_OUT.has(ctx.op)) dtype = 'bool';
  else if (dtype === '') for (let i = 1; i < n && dtype === ''; i++) dtype = dtypeOf(ctx, i);
  return one(tensor(dtype, dims), dims ? foldBinary(ctx, dims, dtype) : undefined);
};

function fmtShapes(shapes: (SymDim[] | null)[]): string {
  return shapes.map((s) => (s ? '[' + s.map((d) => (d === null ? '?' : String(d))).join(',') + ']' : '?')).join(' ');
}

/** A model symbol as Shape reads it ("batch"), not a derived expression that could be negative. */
function isBareSymbol(d: SymDim): boolean {
  if (typeof d !== 'string') return false;
  for (let i = 0; i < d.length; i++) {
    const c = d.charCodeAt(i);
    if (c === 43 || c === 45 || c === 42 || c === 40) return false; // + - * (
  }
  return true;
}

function num2(xs: SymDim[], f: (a: number, b: number) => number): SymDim {
  const a = xs[0];
  const b = xs[1];
  return typeof a === 'number' && typeof b === 'number' ? f(a, b) : null;
}

function foldBinary(ctx: NodeContext, dims: SymDim[], dtype: string): ConstValue | undefined {
  const n = ctx.inputs.length;
  if (!foldable(dims)) return undefined;
  const cs: ConstValue[] = [];
  for (let i = 0; i < n; i++) {
    const c = ctx.consts[i];
    if (!c) return undefined;
    cs.push(c);
  }
  const intDiv = dtype !== 'float32' && dtype !== 'float64' && dtype !== 'float16' && dtype !== 'bfloat16';
  let fn: ((xs: SymDim[]) => SymDim | undefined) | undefined;
  switch (ctx.op) {
    case 'Add':
      fn = (xs) => symAdd(xs[0]!, xs[1]!);
      break;
    case 'Sub':
      fn = (xs) => symSub(xs[0]!, xs[1]!);
      break;
    case 'Mul':
      fn = (xs) => symMul(xs[0]!, xs[1]!);
      break;
    case 'Div':
      fn = (xs) => {
        const a = xs[0]!;
        const b = xs[1]!;
        if (typeof a === 'number' && typeof b === 'number') {
          if (!intDiv) return a / b;
          return b === 0 ? null : Math.trunc(a / b);
        }
        return intDiv ? symDivExact(a, b) : null;
      };
      break;
    case 'Mod':
      fn = (xs) => num2(xs, (a, b) => (b === 0 ? NaN : a - Math.floor(a / b) * b));
      break;
    case 'Pow':
      fn = (xs) => num2(xs, Math.pow);
      break;
    case 'Max':
    case 'Min':
    case 'Sum': {
      const op = ctx.op;
      fn = (xs) => {
        let acc: SymDim = xs[0]!;
        for (let i = 1; i < xs.length; i++) {
          const x = xs[i]!;
          if (op === 'Sum') acc = symAdd(acc, x);
          else if (typeof acc === 'number' && typeof x === 'number')
            acc = op === 'Max' ? Math.max(acc, x) : Math.min(acc, x);
          else acc = acc === x ? acc : null;
        }
        return acc;
      };
      break;
    }
    case 'Equal':
      // Equal symbols are equal; different symbols may still be equal at run time. A bare symbol is a
      // dim read by Shape, never negative: PyTorch's Where(Equal(shape, -1), ...) resolves.
      fn = (xs) => {
        const a = xs[0]!;
        const b = xs[1]!;
        if (a !== null && a === b) return 1;
        if ((isBareSymbol(a) && typeof b === 'number' && b < 0) || (isBareSymbol(b) && typeof a === 'number' && a < 0))
          return 0;
        return num2(xs, (x, y) => (x === y ? 1 : 0));
      };
      break;
    case 'Less':
      fn = (xs) => num2(xs, (a, b) => (a < b ? 1 : 0));
      break;
    case 'Greater':
      fn = (xs) => num2(xs, (a, b) => (a > b ? 1 : 0));
      break;
    case 'LessOrEqual':
      fn = (xs) => num2(xs, (a, b) => (a <= b ? 1 : 0));
      break;
    case 'GreaterOrEqual':
      fn = (xs) => num2(xs, (a, b) => (a >= b ? 1 : 0));
      break;
    case 'And':
      fn = (xs) => num2(xs, (a, b) => (a && b ? 1 : 0));
      break;
    case 'Or':
      fn = (xs) => num2(xs, (a, b) => (a || b ? 1 : 0));
      break;
    default:
      return undefined;
  }
  const values = foldBroadcast(cs, dims, fn);
  return values ? { dtype, dims, values } : undefined;
}

/** Where(cond, X, Y): broadcast of all three; element type of X. */
export const where: Rule = (ctx) => {
  const shapes = [dimsOf(ctx, 0), dimsOf(ctx, 1), dimsOf(ctx, 2)];
  const dims = broadcastShapes(shapes);
  if (dims === undefined) return fail(`Where: input shapes ${fmtShapes(shapes)} do not broadcast`);
  const dtype = dtypeOf(ctx, 1) || dtypeOf(ctx, 2);
  let c: ConstValue | undefined;
  const c0 = ctx.consts[0];
  const c1 = ctx.consts[1];
  const c2 = ctx.consts[2];
  if (dims && foldable(dims) && c0 && c1 && c2) {
    const v = foldBroadcast([c0, c1, c2], dims, (xs) => (xs[0] === null ? null : xs[0] ? xs[1]! : xs[2]!));
    if (v) c = { dtype, dims, values: v };
  }
  return one(tensor(dtype, dims), c);
};

/** Cast: same shape, element type from `to`; folds small constants. */
export const cast: Rule = (ctx) => {
  const dtype = dtypeFromOnnx(attrInt(ctx, 'to', 0));
  const t = inp(ctx, 0);
  const c = ctx.consts[0];
  let out: ConstValue | undefined;
  if (c) {
    const isInt = dtype.startsWith('int') || dtype.startsWith('uint');
    const isBool = dtype === 'bool';
    const values = c.values.map((v): SymDim => {
      if (typeof v !== 'number') return isInt ? v : null;
      if (isBool) return v ? 1 : 0;
      return isInt ? Math.trunc(v) : v;
    });
    out = { dtype, dims: c.dims, values };
  }
  return one(tensor(dtype, t ? t.dims : null), out);
};

/** CastLike: shape of input 0, element type of input 1. */
export const castLike: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const c = ctx.consts[0];
  const dtype = dtypeOf(ctx, 1);
  return one(tensor(dtype, t ? t.dims : null), c ? { dtype, dims: c.dims, values: c.values } : undefined);
};

/** Dropout: output like the input, optional bool mask of the same shape. */
export const dropout: Rule = (ctx): InferResult => {
  const t = inp(ctx, 0);
  const dims = t ? t.dims : null;
  return {
    outputs: [tensor(t?.dtype ?? '', dims), tensor('bool', dims)],
    consts: ctx.consts[0] ? [ctx.consts[0]] : undefined,
  };
};
