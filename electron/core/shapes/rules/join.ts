/**
 * Ops that join or extend along an axis: Concat, Split, Pad.
 */
import {
  attrInt,
  attrInts,
  constInts,
  dimsOf,
  dtypeOf,
  fail,
  foldable,
  has,
  inp,
  normAxes,
  normAxis,
  numel,
  tensor,
  type Rule,
} from '../helpers';
import { symAdd, symDivExact } from '../sym';
import type { ConstValue, InferResult, SymDim, TensorType } from '../types';

/** Concat: dims agree except on `axis`, which sums. Small constants (shape vectors) concatenate. */
export const concat: Rule = (ctx) => {
  const n = ctx.inputs.length;
  let dtype = '';
  let rank = -1;
  for (let i = 0; i < n; i++) {
    const t = inp(ctx, i);
    if (!t) continue;
    if (!dtype) dtype = t.dtype;
    if (t.dims) rank = t.dims.length;
  }
  if (rank < 0) return { outputs: [tensor(dtype, null)] };
  const axis = normAxis(attrInt(ctx, 'axis', ctx.opset < 4 ? 1 : 0), rank);
  if (axis === undefined) return fail(`Concat: axis ${attrInt(ctx, 'axis', 0)} is out of range for rank ${rank}`);
  const out: SymDim[] = new Array<SymDim>(rank).fill(null);
  let sum: SymDim = 0;
  const seen: boolean[] = new Array<boolean>(rank).fill(false);
  for (let i = 0; i < n; i++) {
    const d = dimsOf(ctx, i);
    if (!d) {
      sum = null;
      continue;
    }
    if (d.length !== rank) return fail(`Concat: input ${i} has rank ${d.length}, others ${rank}`);
    for (let a = 0; a < rank; a++) {
      if (a === axis) continue;
      const v = d[a]!;
      if (!seen[a] || out[a] === null) {
        out[a] = v;
        seen[a] = true;
      } else if (typeof v === 'number' && typeof out[a] === 'number' && v !== out[a]) {
        return fail(`Concat: input ${i} has size ${v} on axis ${a}, others ${out[a]}`);
      } else if (typeof v === 'number') out[a] = v;
    }
    sum = symAdd(sum, d[axis]!);
  }
  out[axis] = sum;
  let c: ConstValue | undefined;
  if (foldable(out)) {
    const parts: ConstValue[] = [];
    for (let i = 0; i < n; i++) {
      const ci = ctx.consts[i];
      if (!ci || ci.dims.length !== rank) break;
      parts.push(ci);
    }
    if (parts.length === n) {
      const od = out as number[];
      let outer = 1;
      for (let a = 0; a < axis; a++) outer *= od[a]!;
      const values: SymDim[] = [];
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          let chunk = 1;
          for (let a = axis; a < rank; a++) chunk *= p.dims[a]!;
          for (let k = 0; k < chunk; k++) values.push(p.values[o * chunk + k] ?? null);
        }
      }
      if (values.length === numel(od)) c = { dtype: parts[0]!.dtype, dims: od, values };
    }
  }
  return { outputs: [tensor(dtype, out)], consts: [c] };
};

/**
 * Split: sizes from the `split` attribute (before opset 13) or input 1 (from 13); otherwise equal
 * parts, where opset 18's `num_outputs` allows a smaller last part (ceil(d / n)).
 */
export const split: Rule = (ctx): InferResult => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const count = ctx.outputCount;
  const outputs: (TensorType | undefined)[] = new Array<TensorType | undefined>(count);
  const unknown = (): InferResult => {
    for (let i = 0; i < count; i++)
      outputs[i] = tensor(dtype, x ? x.map((_d, a) => (a === axis ? null : x[a]!)) : null);
    return { outputs };
  };
  let axis = -1;
  if (!x) return unknown();
  const na = normAxis(attrInt(ctx, 'axis', 0), x.length);
  if (na === undefined) return fail(`Split: axis ${attrInt(ctx, 'axis', 0)} is out of range for rank ${x.length}`);
  axis = na;
  let sizes: SymDim[] | undefined;
  if (ctx.opset < 13) sizes = attrInts(ctx, 'split');
  else if (has(ctx, 1)) {
    sizes = constInts(ctx, 1);
    if (!sizes) return unknown();
  }
  const d = x[axis]!;
  if (!sizes) {
    if (count < 1) return fail('Split: no outputs');
    const exact = symDivExact(d, count);
    if (exact !== null) sizes = new Array<SymDim>(count).fill(exact);
    else if (ctx.opset >= 18 && typeof d === 'number') {
      const part = Math.ceil(d / count);
      sizes = new Array<SymDim>(count).fill(part);
      sizes[count - 1] = d - part * (count - 1);
    } else if (typeof d === 'number')
      return fail(`Split: size ${d} on axis ${axis} does not split into ${count} parts`);
    else return unknown();
  }
  if (sizes.length !== count) return fail(`Split: ${sizes.length} split sizes for ${count} outputs`);
  let total: SymDim = 0;
  for (const s of sizes) {
    if (typeof s === 'number' && s < 0) return fail(`Split: negative split size ${s}`);
    total = symAdd(total, s);
  }
  if (typeof total === 'number' && typeof d === 'number' && total !== d)
    return fail(`Split: sizes sum to ${total}, axis ${axis} has ${d}`);
  const consts: (ConstValue | undefined)[] = new Array<ConstValue | undefined>(count);
  const cv = ctx.consts[0];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const dims = x.slice();
    dims[axis] = sizes[i]!;
    outputs[i] = tensor(dtype, dims);
    const s = sizes[i]!;
    if (cv && cv.dims.length === 1 && typeof s === 'number') {
      consts[i] = { dtype: cv.dtype, dims: [s], values: cv.values.slice(offset, offset + s) };
      offset += s;
    }
  }
  return { outputs, consts };
};

/** Pad: pads attribute before opset 11 (`paddings` in opset 1), input after; opset 18 adds axes. */
export const pad: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  if (!x) return { outputs: [tensor(dtype, null)] };
  let pads: number[] | undefined;
  if (ctx.opset < 11) pads = attrInts(ctx, 'pads') ?? attrInts(ctx, 'paddings');
  else pads = constInts(ctx, 1);
  let axes: number[] | undefined = x.map((_, i) => i);
  if (ctx.opset >= 18 && has(ctx, 3)) {
    const a = constInts(ctx, 3);
    axes = a ? normAxes(a, x.length) : undefined;
    if (a && !axes) return fail(`Pad: axes ${JSON.stringify(a)} out of range for rank ${x.length}`);
  }
  if (!pads || !axes)
    return {
      outputs: [
        tensor(
          dtype,
          x.map(() => null),
        ),
      ],
    };
  const k = axes.length;
  if (pads.length !== 2 * k) return fail(`Pad: ${pads.length} pads for ${k} axes`);
  const out = x.slice();
  for (let i = 0; i < k; i++) {
    const a = axes[i]!;
    const d = symAdd(x[a]!, pads[i]! + pads[i + k]!);
    out[a] = typeof d === 'number' && d < 0 ? null : d;
  }
  return { outputs: [tensor(dtype, out)] };
};
