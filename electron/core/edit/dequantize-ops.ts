/**
 * The quantized operators the dequantize edit turns back into float ones, as data: where each
 * reads its quantized inputs (value, scale, zero point), where its output's scale and zero point
 * are, and which float op computes the same thing. ConvInteger and MatMulInteger are not here: they
 * carry no scales of their own (onnxruntime's quantize_dynamic applies them in a Cast → Mul after),
 * so dequantize.ts matches that pattern instead. Also the arithmetic: a constant's values
 * dequantized per tensor or per channel.
 */
import { KilnError } from '../../shared/api/errors';

export interface QLinearSpec {
  /** The float op that computes the same thing. */
  floatOp: string;
  /** [value, scale, zero point] positions of each quantized input, in the float op's input order. */
  inputs: [number, number, number][];
  /** Positions of the output's scale and zero point. */
  output: [number, number];
  /** Attributes not carried over to the float op. */
  drop?: string[];
  /** The axis a constant second input (weights) is quantized along, when per channel: 0 for Conv's output channels, -1 for MatMul's columns. */
  weightAxis?: number;
  /** Position of an INT32 bias (scale: input scale × weight scale, zero point 0). */
  bias?: number;
  /** Inputs after the fixed ones repeat in triples (QLinearConcat). */
  variadicFrom?: number;
}

/** Keyed by `domain:op` ('' for the default domain). */
export const QLINEAR: Record<string, QLinearSpec> = {
  ':QLinearConv': {
    floatOp: 'Conv',
    inputs: [
      [0, 1, 2],
      [3, 4, 5],
    ],
    output: [6, 7],
    weightAxis: 0,
    bias: 8,
  },
  ':QLinearMatMul': {
    floatOp: 'MatMul',
    inputs: [
      [0, 1, 2],
      [3, 4, 5],
    ],
    output: [6, 7],
    weightAxis: -1,
  },
  'com.microsoft:QGemm': {
    floatOp: 'Gemm',
    inputs: [
      [0, 1, 2],
      [3, 4, 5],
    ],
    output: [7, 8],
    bias: 6,
  },
  'com.microsoft:QLinearAdd': {
    floatOp: 'Add',
    inputs: [
      [0, 1, 2],
      [3, 4, 5],
    ],
    output: [6, 7],
  },
  'com.microsoft:QLinearMul': {
    floatOp: 'Mul',
    inputs: [
      [0, 1, 2],
      [3, 4, 5],
    ],
    output: [6, 7],
  },
  'com.microsoft:QLinearSigmoid': { floatOp: 'Sigmoid', inputs: [[0, 1, 2]], output: [3, 4] },
  'com.microsoft:QLinearLeakyRelu': { floatOp: 'LeakyRelu', inputs: [[0, 1, 2]], output: [3, 4] },
  'com.microsoft:QLinearGlobalAveragePool': {
    floatOp: 'GlobalAveragePool',
    inputs: [[0, 1, 2]],
    output: [3, 4],
    drop: ['channels_last'],
  },
  'com.microsoft:QLinearAveragePool': {
    floatOp: 'AveragePool',
    inputs: [[0, 1, 2]],
    output: [3, 4],
    drop: ['channels_last'],
  },
  'com.microsoft:QLinearConcat': { floatOp: 'Concat', inputs: [], output: [0, 1], variadicFrom: 2 },
};

/** Ops that only exist in quantized models: what the edit counts before and after. */
export const QUANTIZED_OPS = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'ConvInteger',
  'MatMulInteger',
  'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat',
  'MatMulNBits',
  ...Object.keys(QLINEAR).map((k) => k.slice(k.indexOf(':') + 1)),
]);

/**
 * `(q - zp) * scale` over a constant of `dims`, the scale and zero point either one value or one
 * per index of `axis` (negative counts from the end). `what` names the tensor in errors.
 */
export function dequantizeValues(
  q: Float64Array,
  dims: readonly number[],
  scale: Float64Array,
  zp: Float64Array | null,
  axis: number,
  what: string,
): Float32Array {
  const rank = dims.length;
  const ax = axis < 0 ? axis + rank : axis;
  const channels = scale.length;
  if (zp && zp.length !== channels)
    throw new KilnError('UNSUPPORTED', `${what}: its scale has ${channels} values and its zero point ${zp.length}`);
  let inner = 1;
  if (channels > 1) {
    if (ax < 0 || ax >= rank || dims[ax] !== channels)
      throw new KilnError(
        'UNSUPPORTED',
        `${what}: ${channels} scales do not match axis ${axis} of its shape ${dims.join('×') || 'scalar'}`,
      );
    for (let i = ax + 1; i < rank; i++) inner *= dims[i] as number;
  }
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const c = channels > 1 ? Math.floor(i / inner) % channels : 0;
    out[i] = ((q[i] as number) - (zp ? (zp[c] as number) : 0)) * (scale[c] as number);
  }
  return out;
}
