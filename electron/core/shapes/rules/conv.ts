/**
 * Convolution and pooling: Conv, ConvTranspose, ConvInteger, QLinearConv, MaxPool, AveragePool,
 * LpPool, Global*Pool, MaxUnpool. Spatial sizes follow the ONNX operator spec:
 *   NOTSET:      out = floor((in + pad_begin + pad_end - ((k-1)*d + 1)) / s) + 1   (ceil with ceil_mode)
 *   VALID:       out = ceil((in - ((k-1)*d + 1) + 1) / s)
 *   SAME_UPPER/LOWER: out = ceil(in / s)
 * With ceil_mode, a last window that would start past the input and the begin padding is dropped
 * (PyTorch and ONNX Runtime do this; the spec adopted it in opset 19's reference).
 */
import {
  attrInt,
  attrInts,
  attrString,
  dimsOf,
  dtypeOf,
  fail,
  has,
  inp,
  tensor,
  unknownDims,
  vectorLength,
  type Rule,
} from '../helpers';
import { symAdd, symCeilDiv, symFloorDiv, symMul, symSub } from '../sym';
import type { InferResult, NodeContext, SymDim } from '../types';

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  autoPad: string;
  ceil: boolean;
}

function readWindow(ctx: NodeContext, n: number, kernel: number[]): Window | string {
  const strides = attrInts(ctx, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = attrInts(ctx, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = attrInts(ctx, 'pads') ?? new Array<number>(2 * n).fill(0);
  if (kernel.length !== n) return `kernel_shape has ${kernel.length} values for ${n} spatial dims`;
  if (strides.length !== n) return `strides has ${strides.length} values for ${n} spatial dims`;
  if (dilations.length !== n) return `dilations has ${dilations.length} values for ${n} spatial dims`;
  if (pads.length !== 2 * n) return `pads has ${pads.length} values for ${n} spatial dims`;
  for (let i = 0; i < n; i++) {
    if (!(kernel[i]! >= 1)) return `kernel_shape[${i}] = ${kernel[i]} is not positive`;
    if (!(strides[i]! >= 1)) return `strides[${i}] = ${strides[i]} is not positive`;
    if (!(dilations[i]! >= 1)) return `dilations[${i}] = ${dilations[i]} is not positive`;
  }
  for (const p of pads) if (!(p >= 0)) return `pads has a negative value ${p}`;
  return {
    kernel,
    strides,
    dilations,
    pads,
    autoPad: attrString(ctx, 'auto_pad', 'NOTSET'),
    ceil: attrInt(ctx, 'ceil_mode', 0) === 1,
  };
}

/** Output spatial size for one axis. */
export function windowOut(input: SymDim, i: number, w: Window): SymDim {
  if (input === null) return null;
  const n = w.kernel.length;
  const s = w.strides[i]!;
  const dk = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return symCeilDiv(input, s);
  if (w.autoPad === 'VALID') return symCeilDiv(symSub(input, dk - 1), s);
  const padBegin = w.pads[i]!;
  const padded = symSub(symAdd(input, padBegin + w.pads[i + n]!), dk);
  if (typeof padded === 'number' && padded < 0) return null;
  let out = symAdd(w.ceil ? symCeilDiv(padded, s) : symFloorDiv(padded, s), 1);
  if (w.ceil && typeof out === 'number' && typeof input === 'number' && (out - 1) * s >= input + padBegin) out--;
  return out;
}

function spatialRank(x: SymDim[] | null, w: SymDim[] | null, kernel: number[] | undefined): number {
  if (x) return x.length - 2;
  if (w) return w.length - 2;
  return kernel ? kernel.length : -1;
}

function kernelFrom(w: SymDim[] | null, n: number): number[] | undefined {
  if (!w || w.length !== n + 2) return undefined;
  const k: number[] = [];
  for (let i = 2; i < w.length; i++) {
    const d = w[i];
    if (typeof d !== 'number') return undefined;
    k.push(d);
  }
  return k;
}

/** Conv-like: X [N, C, ...], W [M, C/group, k...] -> [N, M, out...]. */
export function convLike(ctx: NodeContext, outDtype: string, xIdx: number, wIdx: number): InferResult {
  const x = dimsOf(ctx, xIdx);
  const wd = dimsOf(ctx, wIdx);
  const kAttr = attrInts(ctx, 'kernel_shape');
  const n = spatialRank(x, wd, kAttr);
  if (n < 0) return { outputs: [tensor(outDtype, null)] };
  if (n < 1 && x) return fail(`${ctx.op}: input has rank ${x.length}, expected at least 3`);
  const kernel = kAttr ?? kernelFrom(wd, n);
  const m: SymDim = wd ? (wd[0] ?? null) : null;
  if (!kernel) {
    // Rank is known but not the window: keep N and M.
    const dims: SymDim[] = new Array<SymDim>(n + 2).fill(null);
    dims[0] = x ? x[0]! : null;
    dims[1] = m;
    return { outputs: [tensor(outDtype, dims)] };
  }
  const w = readWindow(ctx, n, kernel);
  if (typeof w === 'string') return fail(`${ctx.op}: ${w}`);
  const dims: SymDim[] = new Array<SymDim>(n + 2);
  dims[0] = x ? x[0]! : null;
  dims[1] = m;
  for (let i = 0; i < n; i++) dims[i + 2] = x ? windowOut(x[i + 2]!, i, w) : null;
  return { outputs: [tensor(outDtype, dims)] };
}

export const conv: Rule = (ctx) => convLike(ctx, dtypeOf(ctx, 0), 0, 1);

/** ConvInteger: int32 output. */
export const convInteger: Rule = (ctx) => convLike(ctx, 'int32', 0, 1);

/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): element type of y_zero_point. */
export const qlinearConv: Rule = (ctx) => convLike(ctx, dtypeOf(ctx, 7) || dtypeOf(ctx, 0), 0, 3);

/** Pooling: X [N, C, ...] -> [N, C, out...]; MaxPool's optional Indices are int64 of the same shape. */
export const pool: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const dtype = dtypeOf(ctx, 0);
  const kernel = attrInts(ctx, 'kernel_shape');
  if (!x || !kernel) {
    const dims = x ? x.map((d, i) => (i < 2 ? d : null)) : null;
    if (!kernel && x) return { outputs: [tensor(dtype, dims), tensor('int64', dims)], reason: 'kernel_shape missing' };
    return { outputs: [tensor(dtype, dims), tensor('int64', dims)] };
  }
  const n = x.length - 2;
  if (n < 1) return fail(`${ctx.op}: input has rank ${x.length}, expected at least 3`);
  const w = readWindow(ctx, n, kernel);
  if (typeof w === 'string') return fail(`${ctx.op}: ${w}`);
  const dims: SymDim[] = new Array<SymDim>(n + 2);
  dims[0] = x[0]!;
  dims[1] = x[1]!;
  for (let i = 0; i < n; i++) dims[i + 2] = windowOut(x[i + 2]!, i, w);
  return { outputs: [tensor(dtype, dims), tensor('int64', dims)] };
};

/** Global pooling: [N, C, ...] -> [N, C, 1, ...]. */
export const globalPool: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [undefined] };
  const x = t.dims;
  return { outputs: [tensor(t.dtype, x ? x.map((d, i) => (i < 2 ? d : 1)) : null)] };
};

/**
 * ConvTranspose: X [N, C, ...], W [C, M/group, k...] -> [N, M, out...] with
 *   out = s*(in-1) + output_padding + ((k-1)*d + 1) - pad_begin - pad_end,
 * or out = in*s with SAME auto_pad, or the `output_shape` attribute when given.
 */
export const convTranspose: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const x = t ? t.dims : null;
  const dtype = t ? t.dtype : dtypeOf(ctx, 1);
  const wd = dimsOf(ctx, 1);
  const kAttr = attrInts(ctx, 'kernel_shape');
  const n = spatialRank(x, wd, kAttr);
  if (n < 0) return { outputs: [tensor(dtype, null)] };
  if (n < 1) return fail(`ConvTranspose: input has rank ${n + 2}, expected at least 3`);
  const group = attrInt(ctx, 'group', 1);
  const m = wd ? symMul(wd[1] ?? null, group) : null;
  const dims: SymDim[] = new Array<SymDim>(n + 2).fill(null);
  dims[0] = x ? x[0]! : null;
  dims[1] = m;
  const outShape = attrInts(ctx, 'output_shape');
  if (outShape && outShape.length >= n) {
    const off = outShape.length - n;
    for (let i = 0; i < n; i++) dims[i + 2] = outShape[off + i]! >= 0 ? outShape[off + i]! : null;
    return { outputs: [tensor(dtype, dims)] };
  }
  const kernel = kAttr ?? kernelFrom(wd, n);
  if (!kernel || !x) return { outputs: [tensor(dtype, dims)] };
  const w = readWindow(ctx, n, kernel);
  if (typeof w === 'string') return fail(`ConvTranspose: ${w}`);
  const outPad = attrInts(ctx, 'output_padding') ?? new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const input = x[i + 2]!;
    const s = w.strides[i]!;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
      dims[i + 2] = symMul(input, s);
      continue;
    }
    const dk = (kernel[i]! - 1) * w.dilations[i]! + 1;
    const pads = w.autoPad === 'VALID' ? 0 : w.pads[i]! + w.pads[i + n]!;
    const out = symAdd(symMul(symSub(input, 1), s), (outPad[i] ?? 0) + dk - pads);
    dims[i + 2] = typeof out === 'number' && out < 0 ? null : out;
  }
  return { outputs: [tensor(dtype, dims)] };
};

/** MaxUnpool(X, I, output_shape?): explicit output_shape input, else the inverse of pooling. */
export const maxUnpool: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const dtype = t ? t.dtype : '';
  const shape = ctx.consts[2];
  if (shape) return { outputs: [tensor(dtype, shape.values.slice())] };
  const x = t ? t.dims : null;
  // An output_shape known only at run time: the output has its length as rank, and nothing more is
  // known (it may be larger than the inverse of pooling, which is its point).
  if (has(ctx, 2))
    return { outputs: [tensor(dtype, unknownDims(vectorLength(ctx, 2) >= 0 ? vectorLength(ctx, 2) : x?.length))] };
  const kernel = attrInts(ctx, 'kernel_shape');
  if (!x || !kernel) return { outputs: [tensor(dtype, x ? x.map((d, i) => (i < 2 ? d : null)) : null)] };
  const n = x.length - 2;
  const w = readWindow(ctx, n, kernel);
  if (typeof w === 'string') return fail(`MaxUnpool: ${w}`);
  const dims: SymDim[] = [x[0]!, x[1]!];
  for (let i = 0; i < n; i++) {
    dims.push(symSub(symAdd(symMul(symSub(x[i + 2]!, 1), w.strides[i]!), kernel[i]!), w.pads[i]! + w.pads[i + n]!));
  }
  return { outputs: [tensor(dtype, dims)] };
};
