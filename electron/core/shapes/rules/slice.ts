/**
 * Ops that cut or index: Slice, Gather, GatherElements, GatherND, and the scatter family.
 */
import {
  attrInt,
  attrInts,
  constInts,
  constNumbers,
  dimsOf,
  dtypeOf,
  fail,
  foldable,
  has,
  inp,
  normAxes,
  normAxis,
  numel,
  strides,
  tensor,
  wrapIndex,
  type Rule,
} from '../helpers';
import { symSub } from '../sym';
import type { ConstValue, SymDim } from '../types';

const BIG = 2 ** 52;

/** Output length of slicing a numeric dim (ONNX clamping rules). */
export function sliceLength(dim: number, start: number, end: number, step: number): number {
  if (step === 0) return -1;
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    return e > s ? Math.ceil((e - s) / step) : 0;
  }
  s = Math.min(Math.max(s, -1), dim - 1);
  e = Math.min(Math.max(e, -1), dim - 1);
  return s > e ? Math.ceil((s - e) / -step) : 0;
}

function clampStart(dim: number, start: number, step: number): number {
  const s = start < 0 ? start + dim : start;
  return step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, -1), dim - 1);
}

/** Slice: attributes before opset 10, inputs (starts, ends, axes?, steps?) from 10. */
export const slice: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  let starts: SymDim[] | undefined;
  let ends: SymDim[] | undefined;
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = attrInts(ctx, 'starts');
    ends = attrInts(ctx, 'ends');
    axes = attrInts(ctx, 'axes');
  } else {
    starts = ctx.consts[1]?.values;
    ends = ctx.consts[2]?.values;
    if (has(ctx, 3)) {
      axes = constInts(ctx, 3);
      if (!axes) starts = undefined;
    }
    if (has(ctx, 4)) {
      steps = constInts(ctx, 4);
      if (!steps) starts = undefined;
    }
  }
  if (!x) return { outputs: [tensor(dtype, null)] };
  if (!starts || !ends) {
    // Unknown bounds: the rank stays, sliced axes become unknown (all of them if axes are unknown).
    const known = axes ? normAxes(axes, x.length) : undefined;
    return {
      outputs: [
        tensor(
          dtype,
          x.map((d, i) => (known && !known.includes(i) ? d : null)),
        ),
      ],
    };
  }
  if (starts.length !== ends.length) return fail(`Slice: ${starts.length} starts but ${ends.length} ends`);
  const ax = normAxes(axes ?? starts.map((_, i) => i), x.length);
  if (!ax || ax.length !== starts.length) return fail(`Slice: axes do not fit rank ${x.length}`);
  if (steps && steps.length !== ax.length) return fail(`Slice: ${steps.length} steps for ${ax.length} axes`);
  const out = x.slice();
  const begin: number[] = new Array<number>(x.length).fill(0);
  const step: number[] = new Array<number>(x.length).fill(1);
  let numericBounds = true;
  for (let k = 0; k < ax.length; k++) {
    const a = ax[k]!;
    const d = x[a]!;
    const st = steps ? steps[k]! : 1;
    if (st === 0) return fail('Slice: a step is 0');
    const s = starts[k]!;
    let e = ends[k]!;
    if (e === d && d !== null) e = BIG; // ends taken from Shape(x) itself
    if (typeof d === 'number' && typeof s === 'number' && typeof e === 'number') {
      out[a] = sliceLength(d, s, e, st);
      begin[a] = clampStart(d, s, st);
      step[a] = st;
    } else if (typeof s === 'number' && typeof e === 'number' && st === 1 && s >= 0 && e >= BIG) {
      out[a] = symSub(d, s); // x[s:] of a symbolic dim
    } else if (typeof s === 'number' && typeof e === 'number' && st === 1 && s >= 0 && e >= s && e < BIG) {
      out[a] = typeof d === 'number' ? sliceLength(d, s, e, st) : null; // min(d, e) - s: unknown for a symbol
    } else {
      out[a] = null;
      numericBounds = false;
    }
  }
  let c: ConstValue | undefined;
  const cv = ctx.consts[0];
  if (cv && numericBounds && foldable(out) && cv.dims.length === out.length) {
    const od = out as number[];
    const st = strides(cv.dims);
    const n = numel(od);
    const values = new Array<SymDim>(n);
    const idx = new Array<number>(od.length).fill(0);
    for (let k = 0; k < n; k++) {
      let src = 0;
      for (let a = 0; a < od.length; a++) src += (begin[a]! + idx[a]! * step[a]!) * st[a]!;
      values[k] = cv.values[src] ?? null;
      for (let a = od.length - 1; a >= 0; a--) {
        if (++idx[a]! < od[a]!) break;
        idx[a] = 0;
      }
    }
    c = { dtype: cv.dtype, dims: od, values };
  }
  return { outputs: [tensor(dtype, out)], consts: [c] };
};

/** Gather(data, indices, axis): data[:axis] + indices + data[axis+1:]. */
export const gather: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const ind = dimsOf(ctx, 1);
  if (!x || !ind) return { outputs: [tensor(dtype, null)] };
  const axis = normAxis(attrInt(ctx, 'axis', 0), x.length);
  if (axis === undefined) return fail(`Gather: axis ${attrInt(ctx, 'axis', 0)} is out of range for rank ${x.length}`);
  const out = [...x.slice(0, axis), ...ind, ...x.slice(axis + 1)];
  let c: ConstValue | undefined;
  const cd = ctx.consts[0];
  const ci = constNumbers(ctx.consts[1]);
  if (cd && ci && foldable(out)) {
    const n = cd.dims[axis]!;
    let outer = 1;
    for (let a = 0; a < axis; a++) outer *= cd.dims[a]!;
    let inner = 1;
    for (let a = axis + 1; a < cd.dims.length; a++) inner *= cd.dims[a]!;
    const values: SymDim[] = [];
    let ok = true;
    for (let o = 0; o < outer && ok; o++) {
      for (const raw of ci) {
        const j = wrapIndex(raw, n);
        if (j === undefined) {
          ok = false;
          break;
        }
        for (let k = 0; k < inner; k++) values.push(cd.values[(o * n + j) * inner + k] ?? null);
      }
    }
    if (ok) c = { dtype: cd.dtype, dims: out as number[], values };
  }
  return { outputs: [tensor(dtype, out)], consts: [c] };
};

/** GatherElements: shaped like indices. */
export const gatherElements: Rule = (ctx) => ({ outputs: [tensor(dtypeOf(ctx, 0), dimsOf(ctx, 1))] });

/** GatherND(data, indices, batch_dims=b): indices[:-1] + data[b + indices[-1]:]. */
export const gatherND: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const ind = dimsOf(ctx, 1);
  const dtype = dtypeOf(ctx, 0);
  if (!x || !ind || ind.length === 0) return { outputs: [tensor(dtype, null)] };
  const last = ind[ind.length - 1]!;
  const b = attrInt(ctx, 'batch_dims', 0);
  if (typeof last !== 'number') return { outputs: [tensor(dtype, null)] };
  if (b < 0 || b + last > x.length)
    return fail(`GatherND: indices last dim ${last} too large for data rank ${x.length}`);
  return { outputs: [tensor(dtype, [...ind.slice(0, -1), ...x.slice(b + last)])] };
};

/** Scatter family: shaped like data. */
export const scatter: Rule = (ctx) => {
  const t = inp(ctx, 0);
  return { outputs: [t ? tensor(t.dtype, t.dims) : undefined] };
};
