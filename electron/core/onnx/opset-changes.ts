/**
 * What changed in the ai.onnx operator set after opset 13, op by op, as data: the table the opset
 * conversion (opset.ts, opset-later.ts) reads to know, for each node, whether it means the same at
 * the target, must be rewritten, or cannot be converted. Taken from the ONNX operator changelog and
 * the adapters onnx's own version converter registers (onnx/version_converter/convert.h): an op is
 * listed at every opset where its schema got a new version. Anything not listed is either unchanged
 * there or unknown to Kiln; unknown ops are refused, never carried over by guess.
 */

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/**
 * Ops whose schema got a new version at this opset that keeps the old meaning: new types, new
 * optional attributes or inputs whose default is the old behaviour (Reshape's allowzero, Shape's
 * start/end, the recurrent ops' layout, Cast's saturate, Resize's antialias, Pad's axes).
 */
const SAME_AT: Record<number, string> = {
  14: 'Add CumSum Div GRU Identity LSTM Mul RNN Relu Reshape Sub',
  15: 'BatchNormalization Pow Shape',
  16: 'GreaterOrEqual Identity If LeakyRelu LessOrEqual Loop PRelu Scan ScatterElements ScatterND Where',
  18: 'LpPool OptionalGetElement OptionalHasElement Pad Resize ScatterElements ScatterND',
  19: `AveragePool Cast CastLike Constant DequantizeLinear Equal Identity If Loop Pad QuantizeLinear Reshape Resize Scan
    Shape Size`,
  20: 'ConstantOfShape IsInf IsNaN ReduceMax ReduceMin',
  21: `Cast CastLike Constant ConstantOfShape DequantizeLinear Flatten Identity If Loop Pad QLinearMatMul QuantizeLinear
    Reshape Scan Shape Size Squeeze Transpose Unsqueeze`,
  22: `Acos Acosh Asin Asinh Atan Atanh AveragePool Bernoulli ConvTranspose Conv Cos Cosh DeformConv Det Dropout Elu
    EyeLike GRU GlobalAveragePool GlobalLpPool GlobalMaxPool GridSample HardSigmoid HardSwish InstanceNormalization LSTM
    LpNormalization LpPool MaxPool MaxRoiPool MaxUnpool Mish Multinomial NegativeLogLikelihoodLoss RNN RandomNormal
    RandomNormalLike RandomUniform RandomUniformLike RoiAlign Round Selu Sin Sinh Softplus Softsign Tan ThresholdedRelu`,
  23: `Cast CastLike Constant ConstantOfShape DequantizeLinear Flatten Identity If Loop Pad QuantizeLinear Reshape Scan
    Shape Size Squeeze Transpose Unsqueeze`,
  24: `Attention Cast CastLike Constant ConstantOfShape DequantizeLinear Flatten Identity If Loop Pad QuantizeLinear
    Reshape Scan Shape Size SplitToSequence Squeeze TopK Transpose Unsqueeze`,
  25: `Cast CastLike Constant ConstantOfShape DequantizeLinear Flatten Identity If Loop Pad QuantizeLinear Reshape Scan
    Shape Size Squeeze Transpose Unsqueeze`,
};

/**
 * Ops whose new version at this opset changes what an old node means, so the node is rewritten
 * (opset-later.ts has one rule for each), or refused where it cannot be.
 */
const REWRITTEN_AT: Record<number, string> = {
  14: 'BatchNormalization', // training_mode: only the inference form (one output) carries over
  16: 'RoiAlign', // coordinate_transformation_mode's default became half_pixel
  18: 'ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSumSquare Split',
  20: 'DFT GridSample', // DFT's axis became an input (default -2, was 1); GridSample's modes were renamed
  21: 'GroupNormalization', // scale and bias per channel, not per group
  25: 'Attention', // not known to mean the same: refused
};

/** Ops first defined at this opset (a model of an older opset cannot hold them). */
const INTRODUCED_AT: Record<number, string> = {
  14: 'HardSwish Trilu',
  15: 'Bernoulli CastLike Optional OptionalGetElement OptionalHasElement',
  16: 'GridSample',
  17: 'BlackmanWindow DFT HammingWindow HannWindow LayerNormalization MelWeightMatrix STFT SequenceMap',
  18: 'BitwiseAnd BitwiseNot BitwiseOr BitwiseXor CenterCropPad Col2Im GroupNormalization Mish',
  19: 'DeformConv',
  20: 'AffineGrid Gelu ImageDecoder RegexFullMatch StringConcat StringSplit',
  23: 'Attention RMSNormalization RotaryEmbedding',
  24: 'Swish TensorScatter',
};

/** The newest opset this table describes: the highest target the conversion reaches. */
export const NEWEST_KNOWN_OPSET = 25;

function byOp(table: Record<number, string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [v, ops] of Object.entries(table))
    for (const op of words(ops))
      out.set(
        op,
        [...(out.get(op) ?? []), Number(v)].sort((a, b) => a - b),
      );
  return out;
}

const SAME = byOp(SAME_AT);
const REWRITTEN = byOp(REWRITTEN_AT);
const INTRODUCED = new Map([...byOp(INTRODUCED_AT)].map(([op, v]) => [op, v[0] as number]));

/** The opset after 13 where `op` was first defined, or undefined for an op as old as opset 13. */
export function introducedAt(op: string): number | undefined {
  return INTRODUCED.get(op);
}

/** The opsets in (from, to] where `op` must be rewritten, ascending. */
export function rewritesBetween(op: string, from: number, to: number): number[] {
  return (REWRITTEN.get(op) ?? []).filter((v) => v > from && v <= to);
}

/** Whether the table lists `op` at all after 13 (changed, rewritten or introduced). */
export function listedAfter13(op: string): boolean {
  return SAME.has(op) || REWRITTEN.has(op) || INTRODUCED.has(op);
}

/**
 * The lowest IR version that carries each opset (onnx's helper VERSION_TABLE), so a converted model
 * declares one its readers accept; 24 and 25 need no IR feature a converted model uses beyond 11's.
 */
export function minIrVersion(opset: number): number {
  if (opset >= 23) return 11;
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  if (opset >= 15) return 8;
  return 7;
}
