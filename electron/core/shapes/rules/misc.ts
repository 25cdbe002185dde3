/**
 * Less common ops with simple shapes: Det, signal windows, MelWeightMatrix, AffineGrid,
 * CenterCropPad, Col2Im, the loss ops, and com.microsoft BiasSplitGelu.
 */
import { dtypeFromOnnx } from '../../onnx/dtypes';
import { attrInt, attrString, constInts, dimsOf, dtypeOf, inp, normAxes, tensor, type Rule } from '../helpers';
import { symAdd, symDivExact, symFloorDiv, symProduct } from '../sym';
import type { SymDim } from '../types';

/** Det: [..., M, M] -> [...]. */
export const det: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  return { outputs: [tensor(dtypeOf(ctx, 0), x && x.length >= 2 ? x.slice(0, -2) : null)] };
};

/** HannWindow/HammingWindow/BlackmanWindow(size): [size], output_datatype (float32 by default). */
export const window: Rule = (ctx) => {
  const c = ctx.consts[0];
  const n: SymDim = c && c.values.length === 1 ? c.values[0]! : null;
  return { outputs: [tensor(dtypeFromOnnx(attrInt(ctx, 'output_datatype', 1)), [n])] };
};

/** MelWeightMatrix(num_mel_bins, dft_length, ...): [floor(dft_length / 2) + 1, num_mel_bins]. */
export const melWeightMatrix: Rule = (ctx) => {
  const bins = ctx.consts[0]?.values[0] ?? null;
  const dft = ctx.consts[1]?.values[0] ?? null;
  return {
    outputs: [tensor(dtypeFromOnnx(attrInt(ctx, 'output_datatype', 1)), [symAdd(symFloorDiv(dft, 2), 1), bins])],
  };
};

/** AffineGrid(theta [N, 2, 3] or [N, 3, 4], size [N, C, H, W(, D)]): [N, H, W(, D), 2 or 3]. */
export const affineGrid: Rule = (ctx) => {
  const size = ctx.consts[1];
  const dtype = dtypeOf(ctx, 0);
  if (!size || size.values.length < 4) return { outputs: [tensor(dtype, null)] };
  const v = size.values;
  return { outputs: [tensor(dtype, [v[0]!, ...v.slice(2), v.length - 2])] };
};

/** CenterCropPad(input, shape, axes attr): the listed axes take the given sizes. */
export const centerCropPad: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const shape = ctx.consts[1];
  if (!t || !t.dims) return { outputs: [tensor(t?.dtype ?? '', null)] };
  const x = t.dims;
  const out = x.slice();
  const axesAttr = ctx.attrs['axes'];
  const axes = normAxes(axesAttr && axesAttr.kind === 'ints' ? axesAttr.value : x.map((_, i) => i), x.length);
  if (!axes) return { outputs: [], reason: 'CenterCropPad: axes out of range' };
  for (let k = 0; k < axes.length; k++) out[axes[k]!] = shape ? (shape.values[k] ?? null) : null;
  return { outputs: [tensor(t.dtype, out)] };
};

/** Col2Im(input [N, C*prod(block), L], image_shape, block_shape): [N, C, ...image_shape]. */
export const col2im: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const image = ctx.consts[1];
  const block = constInts(ctx, 2);
  const n: SymDim = x ? (x[0] ?? null) : null;
  const c: SymDim = x && block ? symDivExact(x[1] ?? null, symProduct(block)) : null;
  return { outputs: [tensor(dtypeOf(ctx, 0), image ? [n, c, ...image.values] : null)] };
};

/**
 * NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss: scalar with reduction mean/sum, else the
 * target's shape ([N, d1, ...]); SoftmaxCrossEntropyLoss may also return log_prob like the scores.
 */
export const loss: Rule = (ctx) => {
  const reduction = attrString(ctx, 'reduction', 'mean');
  const dtype = dtypeOf(ctx, 0);
  const y = reduction === 'none' ? dimsOf(ctx, 1) : [];
  const scores = inp(ctx, 0);
  return { outputs: [tensor(dtype, y), tensor(dtype, scores ? scores.dims : null)] };
};

/** com.microsoft BiasSplitGelu(X [..., 2N], bias): [..., N]. */
export const biasSplitGelu: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  if (!x || x.length === 0) return { outputs: [tensor(dtypeOf(ctx, 0), null)] };
  return { outputs: [tensor(dtypeOf(ctx, 0), [...x.slice(0, -1), symDivExact(x[x.length - 1]!, 2)])] };
};
