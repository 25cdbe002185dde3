/**
 * Ops that rearrange dims without computing: Reshape, Transpose, Flatten, Squeeze, Unsqueeze,
 * Expand, Tile, DepthToSpace, SpaceToDepth. Constant inputs pass their values through, so shape
 * vectors built by Unsqueeze/Reshape stay known.
 */
import {
  attrInt,
  attrInts,
  broadcastShapes,
  constInts,
  dimsOf,
  dtypeOf,
  fail,
  foldable,
  foldBroadcast,
  has,
  inp,
  normAxes,
  numel,
  strides,
  tensor,
  unknownDims,
  validDim,
  vectorLength,
  type Rule,
} from '../helpers';
import { symDivExact, symMul, symProduct } from '../sym';
import type { ConstValue, InferResult, SymDim } from '../types';

function passConst(c: ConstValue | undefined, dims: SymDim[] | null): ConstValue | undefined {
  if (!c || !dims || !foldable(dims) || numel(dims) !== c.values.length) return undefined;
  return { dtype: c.dtype, dims, values: c.values };
}

/**
 * Reshape: 0 copies the input dim (unless allowzero=1, opset 14), -1 is inferred from the element
 * count (symbolically too: [b, s, 768] -> [b*s, -1] gives 768 when b*s divides exactly).
 */
export const reshape: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  let target: SymDim[] | undefined;
  if (ctx.opset < 5) target = attrInts(ctx, 'shape');
  else if (ctx.consts[1]) target = ctx.consts[1].values;
  if (!target) {
    // Unknown values, but a known length gives the rank.
    const s = dimsOf(ctx, 1);
    const len = s && s.length === 1 ? s[0]! : null;
    return { outputs: [tensor(dtype, unknownDims(len))] };
  }
  const allowZero = attrInt(ctx, 'allowzero', 0) === 1;
  const out: SymDim[] = new Array<SymDim>(target.length);
  let inferAt = -1;
  for (let i = 0; i < target.length; i++) {
    const v = target[i]!;
    if (v === 0 && !allowZero) {
      if (x && i >= x.length) return fail(`Reshape: shape[${i}] = 0 copies a dim the input (rank ${x.length}) lacks`);
      out[i] = x ? x[i]! : null;
    } else if (v === -1) {
      if (inferAt >= 0) return fail('Reshape: shape has more than one -1');
      inferAt = i;
      out[i] = null;
    } else if (!validDim(v)) return fail(`Reshape: shape[${i}] = ${v} is invalid`);
    else out[i] = v;
  }
  if (inferAt >= 0 && x) {
    const total = symProduct(x);
    let known: SymDim = 1;
    for (let i = 0; i < out.length; i++) if (i !== inferAt) known = symMul(known, out[i]!);
    const d = symDivExact(total, known);
    if (typeof total === 'number' && typeof known === 'number' && d === null && known !== 0)
      return fail(`Reshape: ${total} elements cannot be reshaped with ${known} elements per -1 slot`);
    out[inferAt] = d;
  } else if (x && inferAt < 0) {
    const a = symProduct(x);
    const b = symProduct(out);
    if (typeof a === 'number' && typeof b === 'number' && a !== b)
      return fail(`Reshape: input has ${a} elements, target shape has ${b}`);
  }
  return { outputs: [tensor(dtype, out)], consts: [passConst(ctx.consts[0], out)] };
};

/** Transpose: perm defaults to reversing the dims. */
export const transpose: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [undefined] };
  const x = t.dims;
  const perm = attrInts(ctx, 'perm');
  if (!x) return { outputs: [tensor(t.dtype, perm ? unknownDims(perm.length) : null)] };
  if (perm && perm.length !== x.length) return fail(`Transpose: perm has ${perm.length} entries for rank ${x.length}`);
  const p = perm ? normAxes(perm, x.length) : x.map((_, i) => x.length - 1 - i);
  if (!p) return fail(`Transpose: perm ${JSON.stringify(perm)} is not a permutation of rank ${x.length}`);
  const out = p.map((a) => x[a]!);
  let c: ConstValue | undefined;
  const cv = ctx.consts[0];
  if (cv && foldable(out) && cv.values.length === numel(out)) {
    const st = strides(cv.dims);
    const od = out as number[];
    const n = cv.values.length;
    const values = new Array<SymDim>(n);
    const idx = new Array<number>(od.length).fill(0);
    for (let k = 0; k < n; k++) {
      let src = 0;
      for (let a = 0; a < od.length; a++) src += idx[a]! * st[p[a]!]!;
      values[k] = cv.values[src]!;
      for (let a = od.length - 1; a >= 0; a--) {
        if (++idx[a]! < od[a]!) break;
        idx[a] = 0;
      }
    }
    c = { dtype: cv.dtype, dims: od, values };
  }
  return { outputs: [tensor(t.dtype, out)], consts: [c] };
};

/** Flatten: [prod(d[:axis]), prod(d[axis:])]; axis may be negative from opset 11. */
export const flatten: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [tensor('', [null, null])] };
  const x = t.dims;
  if (!x) return { outputs: [tensor(t.dtype, [null, null])] };
  let axis = attrInt(ctx, 'axis', 1);
  if (axis < 0) axis += x.length;
  if (axis < 0 || axis > x.length)
    return fail(`Flatten: axis ${attrInt(ctx, 'axis', 1)} is out of range for rank ${x.length}`);
  const out = [symProduct(x, 0, axis), symProduct(x, axis)];
  return { outputs: [tensor(t.dtype, out)], consts: [passConst(ctx.consts[0], out)] };
};

function axesFrom(ctx: Parameters<Rule>[0], inputForm: boolean): number[] | undefined | 'unknown' {
  if (!inputForm) return attrInts(ctx, 'axes');
  if (!has(ctx, 1)) return undefined;
  return constInts(ctx, 1) ?? 'unknown';
}

/** Squeeze: axes attribute before opset 13, input after; without axes every 1 is removed. */
export const squeeze: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [undefined] };
  const x = t.dims;
  const axes = axesFrom(ctx, ctx.opset >= 13);
  if (axes === 'unknown' || !x) {
    // Unknown axes values: the rank still follows from how many there are.
    const k = axes === 'unknown' ? vectorLength(ctx, 1) : axes ? axes.length : -1;
    return { outputs: [tensor(t.dtype, x && k >= 0 ? unknownDims(x.length - k) : null)] };
  }
  let out: SymDim[];
  if (!axes) {
    // Without axes only known 1s can be removed; a symbolic dim might be 1 at run time.
    for (const d of x) if (typeof d !== 'number') return { outputs: [tensor(t.dtype, null)] };
    out = x.filter((d) => d !== 1);
  } else {
    const a = normAxes(axes, x.length);
    if (!a) return fail(`Squeeze: axes ${JSON.stringify(axes)} out of range for rank ${x.length}`);
    for (const i of a) {
      const d = x[i]!;
      if (typeof d === 'number' && d !== 1) return fail(`Squeeze: dim ${i} has size ${d}, not 1`);
    }
    out = x.filter((_, i) => !a.includes(i));
  }
  return { outputs: [tensor(t.dtype, out)], consts: [passConst(ctx.consts[0], out)] };
};

/** Unsqueeze: axes (attribute before opset 13) index the output, which has rank + len(axes). */
export const unsqueeze: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [undefined] };
  const x = t.dims;
  const axes = axesFrom(ctx, ctx.opset >= 13);
  if (axes === undefined) return fail('Unsqueeze: axes missing');
  if (axes === 'unknown' || !x) {
    const k = axes === 'unknown' ? vectorLength(ctx, 1) : axes.length;
    return { outputs: [tensor(t.dtype, x && k >= 0 ? unknownDims(x.length + k) : null)] };
  }
  const r = x.length + axes.length;
  const a = normAxes(axes, r);
  if (!a) return fail(`Unsqueeze: axes ${JSON.stringify(axes)} out of range for output rank ${r}`);
  const out: SymDim[] = new Array<SymDim>(r);
  let j = 0;
  for (let i = 0; i < r; i++) out[i] = a.includes(i) ? 1 : x[j++]!;
  return { outputs: [tensor(t.dtype, out)], consts: [passConst(ctx.consts[0], out)] };
};

/** Expand(input, shape): bidirectional broadcast of the input with the shape's values. */
export const expand: Rule = (ctx): InferResult => {
  const t = inp(ctx, 0);
  const dtype = t ? t.dtype : '';
  const shape = ctx.consts[1];
  if (!shape) {
    const s = dimsOf(ctx, 1);
    const x = t ? t.dims : null;
    if (s && typeof s[0] === 'number' && x) return { outputs: [tensor(dtype, unknownDims(Math.max(s[0], x.length)))] };
    return { outputs: [tensor(dtype, null)] };
  }
  for (const v of shape.values) if (!validDim(v)) return fail(`Expand: shape value ${v} is invalid`);
  const out = broadcastShapes([t ? t.dims : null, shape.values]);
  if (out === undefined) return fail(`Expand: input does not broadcast to shape [${shape.values.join(',')}]`);
  let c: ConstValue | undefined;
  const cv = ctx.consts[0];
  if (cv && out && foldable(out)) {
    const v = foldBroadcast([cv], out, (xs) => xs[0]!);
    if (v) c = { dtype, dims: out, values: v };
  }
  return { outputs: [tensor(dtype, out)], consts: [c] };
};

/** Tile(input, repeats): dims multiplied by repeats. */
export const tile: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const reps = constInts(ctx, 1);
  if (!x || !reps) return { outputs: [tensor(dtype, x ? new Array<SymDim>(x.length).fill(null) : null)] };
  if (reps.length !== x.length) return fail(`Tile: repeats has ${reps.length} values for rank ${x.length}`);
  const out = x.map((d, i) => (reps[i]! >= 0 ? symMul(d, reps[i]!) : null));
  let c: ConstValue | undefined;
  const cv = ctx.consts[0];
  if (cv && foldable(out)) {
    const od = out as number[];
    const st = strides(cv.dims);
    const n = numel(od);
    const values = new Array<SymDim>(n);
    const idx = new Array<number>(od.length).fill(0);
    for (let k = 0; k < n; k++) {
      let src = 0;
      for (let a = 0; a < od.length; a++) src += (idx[a]! % cv.dims[a]!) * st[a]!;
      values[k] = cv.values[src]!;
      for (let a = od.length - 1; a >= 0; a--) {
        if (++idx[a]! < od[a]!) break;
        idx[a] = 0;
      }
    }
    c = { dtype, dims: od, values };
  }
  return { outputs: [tensor(dtype, out)], consts: [c] };
};

/** DepthToSpace: [N, C/(b*b), H*b, W*b]; SpaceToDepth: [N, C*b*b, H/b, W/b]. */
export const depthToSpace: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const dtype = dtypeOf(ctx, 0);
  const x = t ? t.dims : null;
  const b = attrInt(ctx, 'blocksize', 0);
  if (!x) return { outputs: [tensor(dtype, [null, null, null, null])] };
  if (x.length !== 4 || b < 1) return fail(`${ctx.op}: needs a rank-4 input and blocksize >= 1`);
  const out =
    ctx.op === 'DepthToSpace'
      ? [x[0]!, symDivExact(x[1]!, b * b), symMul(x[2]!, b), symMul(x[3]!, b)]
      : [x[0]!, symMul(x[1]!, b * b), symDivExact(x[2]!, b), symDivExact(x[3]!, b)];
  return { outputs: [tensor(dtype, out)] };
};
