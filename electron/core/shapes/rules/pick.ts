/**
 * Ops whose sizes come from values: TopK, ArgMax/ArgMin, OneHot, and the data-dependent NonZero,
 * Compress, Unique, NonMaxSuppression (unknown counts stay unknown).
 */
import { attrInt, dimsOf, dtypeOf, fail, normAxis, tensor, type Rule } from '../helpers';
import { symProduct } from '../sym';
import type { SymDim } from '../types';

/** TopK: values and int64 indices with `axis` of size k (attribute before opset 10, input after). */
export const topK: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  if (!x) return { outputs: [tensor(dtype, null), tensor('int64', null)] };
  const axis = normAxis(attrInt(ctx, 'axis', -1), x.length);
  if (axis === undefined) return fail(`TopK: axis out of range for rank ${x.length}`);
  let k: SymDim = null;
  if (ctx.opset < 10) k = attrInt(ctx, 'k', -1);
  else {
    const c = ctx.consts[1];
    if (c && c.values.length === 1) k = c.values[0]!;
  }
  if (typeof k === 'number' && k < 0) k = null;
  const out = x.slice();
  out[axis] = k;
  return { outputs: [tensor(dtype, out), tensor('int64', out)] };
};

/** ArgMax/ArgMin: int64, `axis` reduced (kept as 1 with keepdims=1). */
export const argReduce: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  if (!x) return { outputs: [tensor('int64', null)] };
  const axis = normAxis(attrInt(ctx, 'axis', 0), x.length);
  if (axis === undefined) return fail(`${ctx.op}: axis out of range for rank ${x.length}`);
  const keep = attrInt(ctx, 'keepdims', 1) === 1;
  const out = keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis);
  return { outputs: [tensor('int64', out)] };
};

/** OneHot(indices, depth, values, axis=-1): depth inserted at axis. */
export const oneHot: Rule = (ctx) => {
  const ind = dimsOf(ctx, 0);
  const dtype = dtypeOf(ctx, 2);
  if (!ind) return { outputs: [tensor(dtype, null)] };
  const r = ind.length + 1;
  const axis = normAxis(attrInt(ctx, 'axis', -1), r);
  if (axis === undefined) return fail(`OneHot: axis out of range for rank ${r}`);
  const dc = ctx.consts[1];
  let depth: SymDim = dc && dc.values.length === 1 ? dc.values[0]! : null;
  if (typeof depth === 'number') depth = depth >= 0 ? Math.trunc(depth) : null;
  const out = [...ind.slice(0, axis), depth, ...ind.slice(axis)];
  return { outputs: [tensor(dtype, out)] };
};

/** NonZero: int64 [rank, unknown count]. */
export const nonZero: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  return { outputs: [tensor('int64', [x ? x.length : null, null])] };
};

/** Compress: the kept count is data-dependent. */
export const compress: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const a = ctx.attrs['axis'];
  if (!a) return { outputs: [tensor(dtype, [null])] };
  if (!x) return { outputs: [tensor(dtype, null)] };
  const axis = normAxis(attrInt(ctx, 'axis', 0), x.length);
  if (axis === undefined) return fail(`Compress: axis out of range for rank ${x.length}`);
  return {
    outputs: [
      tensor(
        dtype,
        x.map((d, i) => (i === axis ? null : d)),
      ),
    ],
  };
};

/** Unique: data-dependent sizes. */
export const unique: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const a = ctx.attrs['axis'];
  let y: SymDim[] | null = [null];
  if (a) {
    const axis = x ? normAxis(attrInt(ctx, 'axis', 0), x.length) : undefined;
    y = x && axis !== undefined ? x.map((d, i) => (i === axis ? null : d)) : null;
  }
  // inverse_indices: one per element of X (or per slice along axis).
  const ax = a && x ? normAxis(attrInt(ctx, 'axis', 0), x.length) : undefined;
  const inverse: SymDim = x ? (ax !== undefined ? x[ax]! : symProduct(x)) : null;
  return { outputs: [tensor(dtype, y), tensor('int64', [null]), tensor('int64', [inverse]), tensor('int64', [null])] };
};

/** NonMaxSuppression: int64 [selected, 3]. */
export const nonMaxSuppression: Rule = () => ({ outputs: [tensor('int64', [null, 3])] });
