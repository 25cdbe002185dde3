/**
 * Ops that make tensors from shapes or attributes: Shape, Size, ConstantOfShape, Constant, Range,
 * EyeLike, RandomNormal/Uniform(+Like), Multinomial, Bernoulli. Shape and Size fold to constants
 * whose elements may be symbolic, which is what lets Reshape targets built from Shape resolve.
 */
import { dtypeFromOnnx } from '../../onnx/dtypes';
import {
  attrInt,
  attrInts,
  fail,
  foldable,
  inp,
  int64Vector,
  numel,
  tensor,
  unknownDims,
  validDim,
  type Rule,
} from '../helpers';
import { symCeilDiv, symProduct, symSub } from '../sym';
import { MAX_CONST_ELEMENTS } from '../types';
import type { ConstValue, InferResult, SymDim, TensorAttr } from '../types';

/** Shape(data, start?, end?) (start/end from opset 15, negative from the end, clamped). */
export const shape: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const x = t ? t.dims : null;
  if (!x) return { outputs: [tensor('int64', [null])] };
  const r = x.length;
  let start = attrInt(ctx, 'start', 0);
  let end = attrInt(ctx, 'end', r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = Math.min(Math.max(start, 0), r);
  end = Math.min(Math.max(end, 0), r);
  const values = end > start ? x.slice(start, end) : [];
  return { outputs: [tensor('int64', [values.length])], consts: [int64Vector(values)] };
};

/** Size: int64 scalar, the element count. */
export const size: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const n: SymDim = t && t.dims ? symProduct(t.dims) : null;
  return { outputs: [tensor('int64', [])], consts: [{ dtype: 'int64', dims: [], values: [n] }] };
};

function tensorAttrValue(a: TensorAttr): SymDim | undefined {
  const v = a.value;
  return v && v.values.length >= 1 ? v.values[0] : undefined;
}

/** ConstantOfShape(shape): `value` attribute (one element, float32 0 by default) repeated. */
export const constantOfShape: Rule = (ctx) => {
  const va = ctx.attrs['value'];
  const dtype = va && va.kind === 'tensor' ? va.value.dtype : 'float32';
  const fill = va && va.kind === 'tensor' ? tensorAttrValue(va.value) : 0;
  const c = ctx.consts[0];
  if (!c) {
    const s = inp(ctx, 0)?.dims;
    const len = s && s.length === 1 ? s[0]! : null;
    return { outputs: [tensor(dtype, unknownDims(len))] };
  }
  for (const v of c.values) if (!validDim(v)) return fail(`ConstantOfShape: shape value ${v} is invalid`);
  const dims = c.values.slice();
  let out: ConstValue | undefined;
  if (foldable(dims) && fill !== undefined) out = { dtype, dims, values: new Array<SymDim>(numel(dims)).fill(fill) };
  return { outputs: [tensor(dtype, dims)], consts: [out] };
};

/** Constant: one of value, value_float(s), value_int(s), value_string(s), sparse_value. */
export const constant: Rule = (ctx): InferResult => {
  const a = ctx.attrs;
  const v = a['value'] ?? a['sparse_value'];
  if (v && (v.kind === 'tensor' || v.kind === 'sparse_tensor')) {
    const ta = v.value;
    return { outputs: [tensor(ta.dtype, ta.dims.slice())], consts: [ta.value] };
  }
  const f = a['value_float'];
  if (f && f.kind === 'float')
    return { outputs: [tensor('float32', [])], consts: [{ dtype: 'float32', dims: [], values: [f.value] }] };
  const i = a['value_int'];
  if (i && i.kind === 'int')
    return { outputs: [tensor('int64', [])], consts: [{ dtype: 'int64', dims: [], values: [i.value] }] };
  const fs = a['value_floats'];
  if (fs && fs.kind === 'floats') return listConst('float32', fs.value);
  const is = a['value_ints'];
  if (is && is.kind === 'ints') return listConst('int64', is.value);
  const s = a['value_string'];
  if (s && s.kind === 'string') return { outputs: [tensor('string', [])] };
  const ss = a['value_strings'];
  if (ss && ss.kind === 'strings') return { outputs: [tensor('string', [ss.value.length])] };
  return fail('Constant: no value attribute');
};

function listConst(dtype: string, values: number[]): InferResult {
  const dims = [values.length];
  return {
    outputs: [tensor(dtype, dims)],
    consts: [values.length <= MAX_CONST_ELEMENTS ? { dtype, dims, values: values.slice() } : undefined],
  };
}

function scalarOf(c: ConstValue | undefined): SymDim {
  return c && c.values.length === 1 ? c.values[0]! : null;
}

/** Range(start, limit, delta): length max(ceil((limit - start) / delta), 0). */
export const range: Rule = (ctx) => {
  const dtype = inp(ctx, 0)?.dtype ?? inp(ctx, 1)?.dtype ?? '';
  const start = scalarOf(ctx.consts[0]);
  const limit = scalarOf(ctx.consts[1]);
  const delta = scalarOf(ctx.consts[2]);
  let n: SymDim = null;
  if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number') {
    if (delta === 0) return fail('Range: delta is 0');
    n = Math.max(Math.ceil((limit - start) / delta), 0);
    if (!Number.isSafeInteger(n)) return fail(`Range: ${n} elements is too many`);
  } else if (typeof delta === 'number' && Number.isInteger(delta) && delta > 0 && start !== null && limit !== null) {
    // Symbolic bounds (e.g. Range(0, Shape(x)[1], 1)): assume limit >= start, as exporters do.
    n = symCeilDiv(symSub(limit, start), delta);
  }
  let c: ConstValue | undefined;
  if (typeof n === 'number' && n <= MAX_CONST_ELEMENTS && typeof start === 'number' && typeof delta === 'number') {
    const values = new Array<SymDim>(n);
    for (let k = 0; k < n; k++) values[k] = start + k * delta;
    c = { dtype, dims: [n], values };
  }
  return { outputs: [tensor(dtype, [n])], consts: [c] };
};

/** EyeLike: shape of the input, dtype attribute or the input's. */
export const eyeLike: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const code = attrInt(ctx, 'dtype', 0);
  return { outputs: [tensor(code ? dtypeFromOnnx(code) : (t?.dtype ?? ''), t ? t.dims : null)] };
};

/** RandomNormal/RandomUniform: `shape` attribute, float32 unless `dtype` says otherwise. */
export const randomFromShape: Rule = (ctx) => {
  const s = attrInts(ctx, 'shape');
  return { outputs: [tensor(dtypeFromOnnx(attrInt(ctx, 'dtype', 1)), s ? s.map((d) => (d >= 0 ? d : null)) : null)] };
};

/** RandomNormalLike/RandomUniformLike/Bernoulli: input's shape, dtype attribute or input's. */
export const randomLike: Rule = eyeLike;

/** Multinomial(input [batch, classes]): [batch, sample_size], int32 by default. */
export const multinomial: Rule = (ctx) => {
  const x = inp(ctx, 0)?.dims;
  return {
    outputs: [
      tensor(dtypeFromOnnx(attrInt(ctx, 'dtype', 6)), [x ? (x[0] ?? null) : null, attrInt(ctx, 'sample_size', 1)]),
    ],
  };
};
