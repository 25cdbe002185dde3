/**
 * Normalisations. Y keeps X's type; the optional statistics outputs have their documented shapes.
 */
import { attrInt, dtypeOf, inp, normAxis, tensor, type Rule } from '../helpers';
import { dtypeFromOnnx } from '../../onnx/dtypes';
import type { SymDim, TensorType } from '../types';

/**
 * BatchNormalization: Y like X; in training mode (opset 14+ `training_mode`, or older models
 * declaring more outputs) running_mean/var (and saved mean/var before opset 14) are [C].
 */
export const batchNorm: Rule = (ctx) => {
  const t = inp(ctx, 0);
  const x = t ? t.dims : null;
  const c: SymDim = x && x.length >= 2 ? x[1]! : null;
  const stat = tensor(dtypeOf(ctx, 3) || (t?.dtype ?? ''), [c]);
  const outputs: (TensorType | undefined)[] = [t ? tensor(t.dtype, x) : undefined];
  for (let i = 1; i < ctx.outputCount; i++) outputs.push(stat);
  return { outputs };
};

/**
 * LayerNormalization(X, Scale, B?, axis=-1, stash_type=1): Y like X; Mean and InvStdDev keep the
 * leading dims and set dims from `axis` on to 1, in stash_type (float32 by default).
 */
export const layerNorm: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [undefined] };
  const x = t.dims;
  const statType = ctx.domain === 'com.microsoft' ? 'float32' : dtypeFromOnnx(attrInt(ctx, 'stash_type', 1));
  let statDims: SymDim[] | null = null;
  if (x) {
    const axis = normAxis(attrInt(ctx, 'axis', -1), x.length);
    if (axis !== undefined) statDims = x.map((d, i) => (i < axis ? d : 1));
  }
  return { outputs: [tensor(t.dtype, x), tensor(statType, statDims), tensor(statType, statDims)] };
};

/** Ops whose single output is shaped like input 0: Y only (InstanceNorm, GroupNorm, LRN, ...). */
export const normLike: Rule = (ctx) => {
  const t = inp(ctx, 0);
  return { outputs: [t ? tensor(t.dtype, t.dims) : undefined] };
};

/**
 * com.microsoft SkipLayerNormalization(input, skip, gamma, beta?, bias?): output like input,
 * mean and inv_std_var [..., 1] (float32), input_skip_bias_sum like input.
 */
export const skipLayerNorm: Rule = (ctx) => {
  const t = inp(ctx, 0);
  if (!t) return { outputs: [undefined] };
  const x = t.dims;
  const stat = tensor('float32', x ? x.map((d, i) => (i < x.length - 1 ? d : 1)) : null);
  const y = tensor(t.dtype, x);
  return { outputs: [y, stat, stat, y] };
};
