/**
 * Quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, and the com.microsoft
 * QLinear* elementwise ops. Shapes pass through; only element types change.
 */
import { dtypeFromOnnx } from '../../onnx/dtypes';
import { attrInt, broadcastShapes, dimsOf, dtypeOf, has, inp, tensor, type Rule } from '../helpers';

/** QuantizeLinear(x, y_scale, y_zero_point?): the zero point's type, `output_dtype` (opset 21), else uint8. */
export const quantizeLinear: Rule = (ctx) => {
  const code = attrInt(ctx, 'output_dtype', 0);
  const dtype = has(ctx, 2) && dtypeOf(ctx, 2) ? dtypeOf(ctx, 2) : code ? dtypeFromOnnx(code) : 'uint8';
  return { outputs: [tensor(dtype, dimsOf(ctx, 0))] };
};

/** DequantizeLinear(x, x_scale, x_zero_point?): the scale's type (float32 before opset 19). */
export const dequantizeLinear: Rule = (ctx) => {
  const code = attrInt(ctx, 'output_dtype', 0);
  const dtype = code ? dtypeFromOnnx(code) : dtypeOf(ctx, 1) || 'float32';
  return { outputs: [tensor(dtype, dimsOf(ctx, 0))] };
};

/** DynamicQuantizeLinear(x): y uint8 like x, y_scale float32 scalar, y_zero_point uint8 scalar. */
export const dynamicQuantizeLinear: Rule = (ctx) => ({
  outputs: [tensor('uint8', dimsOf(ctx, 0)), tensor('float32', []), tensor('uint8', [])],
});

/** QLinearAdd/QLinearMul(A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp): broadcast, type of A. */
export const qlinearBinary: Rule = (ctx) => {
  const dims = broadcastShapes([dimsOf(ctx, 0), dimsOf(ctx, 3)]);
  return { outputs: [tensor(dtypeOf(ctx, 0), dims ?? null)] };
};

/** QLinear unary ops (QLinearSigmoid, QLinearLeakyRelu, ...) and QLinearGlobalAveragePool keep x's type. */
export const qlinearUnary: Rule = (ctx) => {
  const t = inp(ctx, 0);
  return { outputs: [t ? tensor(t.dtype, t.dims) : undefined] };
};
