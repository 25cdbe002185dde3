/**
 * inferNode: dispatches a node to its shape rule. It never throws: unsupported ops and malformed
 * attributes give undefined outputs with a reason, and every numeric dim it returns is a
 * non-negative safe integer (anything else becomes unknown).
 *
 * Returned dims arrays may be shared with the inputs' (pass-through ops do not copy): treat every
 * TensorType and ConstValue as immutable.
 */
import type { Rule } from './helpers';
import { embedLayerNorm, groupQueryAttention, msAttention, multiHeadAttention, onnxAttention } from './rules/attention';
import { ifOp, loop, scan } from './rules/control';
import { conv, convInteger, convTranspose, globalPool, maxUnpool, pool, qlinearConv } from './rules/conv';
import { broadcasting, cast, castLike, dropout, sameAsInput, sameShapeAs, where } from './rules/elementwise';
import { concat, pad, split } from './rules/join';
import { einsum, fusedMatmul, gemm, matmul, matmulInteger, matmulNBits, qlinearMatmul } from './rules/matmul';
import { affineGrid, biasSplitGelu, centerCropPad, col2im, det, loss, melWeightMatrix, window } from './rules/misc';
import { batchNorm, layerNorm, normLike, skipLayerNorm } from './rules/norm';
import { argReduce, compress, nonMaxSuppression, nonZero, oneHot, topK, unique } from './rules/pick';
import { dequantizeLinear, dynamicQuantizeLinear, qlinearBinary, qlinearUnary, quantizeLinear } from './rules/quant';
import { reduce } from './rules/reduce';
import { depthToSpace, expand, flatten, reshape, squeeze, tile, transpose, unsqueeze } from './rules/reshape';
import { gridSample, resize, roiAlign } from './rules/resize';
import { recurrent } from './rules/rnn';
import { dft, stft } from './rules/signal';
import { gather, gatherElements, gatherND, scatter, slice } from './rules/slice';
import {
  constant,
  constantOfShape,
  eyeLike,
  multinomial,
  randomFromShape,
  randomLike,
  range,
  shape,
  size,
} from './rules/sources';
import type { InferResult, NodeContext, TensorType } from './types';

const ONNX_RULES = new Map<string, Rule>();
const MS_RULES = new Map<string, Rule>();

function add(table: Map<string, Rule>, ops: string, rule: Rule): void {
  for (const op of ops.split(' ')) table.set(op, rule);
}

add(
  ONNX_RULES,
  'Relu LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Erf Gelu Elu Selu Celu Softplus Softsign ThresholdedRelu ' +
    'Mish Swish Exp Log Sqrt Reciprocal Neg Abs Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh ' +
    'Acosh Atanh Not Identity Clip Shrink Softmax LogSoftmax Hardmax BitwiseNot LpNormalization ' +
    'MeanVarianceNormalization Trilu CumSum ReverseSequence',
  sameAsInput,
);
add(ONNX_RULES, 'IsNaN IsInf', sameShapeAs('bool'));
add(
  ONNX_RULES,
  'Add Sub Mul Div Pow Mod Max Min Sum Mean And Or Xor Equal Less Greater LessOrEqual GreaterOrEqual BitShift ' +
    'BitwiseAnd BitwiseOr BitwiseXor',
  broadcasting,
);
add(ONNX_RULES, 'Where', where);
add(ONNX_RULES, 'Cast', cast);
add(ONNX_RULES, 'CastLike', castLike);
add(ONNX_RULES, 'Dropout', dropout);
add(ONNX_RULES, 'Conv', conv);
add(ONNX_RULES, 'ConvInteger', convInteger);
add(ONNX_RULES, 'QLinearConv', qlinearConv);
add(ONNX_RULES, 'ConvTranspose', convTranspose);
add(ONNX_RULES, 'MaxPool AveragePool LpPool', pool);
add(ONNX_RULES, 'GlobalAveragePool GlobalMaxPool GlobalLpPool', globalPool);
add(ONNX_RULES, 'MaxUnpool', maxUnpool);
add(ONNX_RULES, 'BatchNormalization', batchNorm);
add(ONNX_RULES, 'LayerNormalization', layerNorm);
add(ONNX_RULES, 'InstanceNormalization GroupNormalization LRN RMSNormalization', normLike);
add(ONNX_RULES, 'MatMul', matmul);
add(ONNX_RULES, 'MatMulInteger', matmulInteger);
add(ONNX_RULES, 'QLinearMatMul', qlinearMatmul);
add(ONNX_RULES, 'Gemm', gemm);
add(ONNX_RULES, 'Einsum', einsum);
add(ONNX_RULES, 'Reshape', reshape);
add(ONNX_RULES, 'Transpose', transpose);
add(ONNX_RULES, 'Flatten', flatten);
add(ONNX_RULES, 'Squeeze', squeeze);
add(ONNX_RULES, 'Unsqueeze', unsqueeze);
add(ONNX_RULES, 'Expand', expand);
add(ONNX_RULES, 'Tile', tile);
add(ONNX_RULES, 'DepthToSpace SpaceToDepth', depthToSpace);
add(ONNX_RULES, 'Concat', concat);
add(ONNX_RULES, 'Split', split);
add(ONNX_RULES, 'Slice', slice);
add(ONNX_RULES, 'Gather', gather);
add(ONNX_RULES, 'GatherElements', gatherElements);
add(ONNX_RULES, 'GatherND', gatherND);
add(ONNX_RULES, 'Scatter ScatterND ScatterElements', scatter);
add(ONNX_RULES, 'Pad', pad);
add(ONNX_RULES, 'TopK', topK);
add(ONNX_RULES, 'ArgMax ArgMin', argReduce);
add(ONNX_RULES, 'OneHot', oneHot);
add(ONNX_RULES, 'NonZero', nonZero);
add(ONNX_RULES, 'Compress', compress);
add(ONNX_RULES, 'Unique', unique);
add(ONNX_RULES, 'Resize Upsample', resize);
add(ONNX_RULES, 'GridSample', gridSample);
add(ONNX_RULES, 'RoiAlign', roiAlign);
add(ONNX_RULES, 'NonMaxSuppression', nonMaxSuppression);
add(
  ONNX_RULES,
  'ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare',
  reduce,
);
add(ONNX_RULES, 'Shape', shape);
add(ONNX_RULES, 'Size', size);
add(ONNX_RULES, 'ConstantOfShape', constantOfShape);
add(ONNX_RULES, 'Constant', constant);
add(ONNX_RULES, 'Range', range);
add(ONNX_RULES, 'EyeLike', eyeLike);
add(ONNX_RULES, 'RandomNormal RandomUniform', randomFromShape);
add(ONNX_RULES, 'RandomNormalLike RandomUniformLike Bernoulli', randomLike);
add(ONNX_RULES, 'Multinomial', multinomial);
add(ONNX_RULES, 'QuantizeLinear', quantizeLinear);
add(ONNX_RULES, 'DequantizeLinear', dequantizeLinear);
add(ONNX_RULES, 'DynamicQuantizeLinear', dynamicQuantizeLinear);
add(ONNX_RULES, 'LSTM GRU RNN', recurrent);
add(ONNX_RULES, 'If', ifOp);
add(ONNX_RULES, 'Loop', loop);
add(ONNX_RULES, 'Scan', scan);
add(ONNX_RULES, 'Attention', onnxAttention);
add(ONNX_RULES, 'Det', det);
add(ONNX_RULES, 'HannWindow HammingWindow BlackmanWindow', window);
add(ONNX_RULES, 'MelWeightMatrix', melWeightMatrix);
add(ONNX_RULES, 'DFT', dft);
add(ONNX_RULES, 'STFT', stft);
// RotaryEmbedding (opset 23) rotates in place; TensorScatter (opset 24) writes updates into its cache.
add(ONNX_RULES, 'RotaryEmbedding TensorScatter', sameAsInput);
add(ONNX_RULES, 'AffineGrid', affineGrid);
add(ONNX_RULES, 'CenterCropPad', centerCropPad);
add(ONNX_RULES, 'Col2Im', col2im);
add(ONNX_RULES, 'NegativeLogLikelihoodLoss SoftmaxCrossEntropyLoss', loss);
add(ONNX_RULES, 'ImageScaler', sameAsInput);

add(MS_RULES, 'Attention', msAttention);
add(MS_RULES, 'MultiHeadAttention', multiHeadAttention);
add(MS_RULES, 'GroupQueryAttention', groupQueryAttention);
add(MS_RULES, 'EmbedLayerNormalization', embedLayerNorm);
add(MS_RULES, 'SkipLayerNormalization SkipSimplifiedLayerNormalization', skipLayerNorm);
add(MS_RULES, 'LayerNormalization SimplifiedLayerNormalization', layerNorm);
add(MS_RULES, 'FusedConv', conv);
add(MS_RULES, 'FusedGemm', gemm);
add(MS_RULES, 'FusedMatMul', fusedMatmul);
add(MS_RULES, 'MatMulNBits', matmulNBits);
add(MS_RULES, 'BiasGelu FastGelu Gelu QuickGelu BiasAdd RotaryEmbedding BiasSoftmax Inverse', sameAsInput);
add(MS_RULES, 'QLinearAdd QLinearMul', qlinearBinary);
add(MS_RULES, 'QLinearSigmoid QLinearLeakyRelu QLinearSoftmax', qlinearUnary);
add(MS_RULES, 'QuantizeLinear', quantizeLinear);
add(MS_RULES, 'DequantizeLinear', dequantizeLinear);
add(MS_RULES, 'DynamicQuantizeMatMul GemmFastGelu', matmul);
add(MS_RULES, 'BiasSplitGelu', biasSplitGelu);
add(MS_RULES, 'GroupNorm SkipGroupNorm', sameAsInput);
add(MS_RULES, 'MatMulIntegerToFloat', (ctx) => {
  const r = matmul(ctx);
  const t = r.outputs[0];
  return t ? { outputs: [{ dtype: 'float32', dims: t.dims }] } : r;
});

/** The rule for an op, or undefined when Kiln has none. */
export function ruleFor(domain: string, op: string): Rule | undefined {
  if (domain === '' || domain === 'ai.onnx') return ONNX_RULES.get(op);
  if (domain === 'com.microsoft') return MS_RULES.get(op) ?? ONNX_RULES.get(op);
  return undefined;
}

/** Whether Kiln has a shape rule for this op. */
export function hasRule(domain: string, op: string): boolean {
  return ruleFor(domain, op) !== undefined;
}

/** Replaces invalid numeric dims (negative, fractional, unsafe) with null, copying only if needed. */
function sanitize(t: TensorType | undefined): TensorType | undefined {
  if (!t || !t.dims) return t;
  const d = t.dims;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (typeof v === 'number' && !(Number.isSafeInteger(v) && v >= 0)) {
      const fixed = d.map((x) => (typeof x === 'number' && !(Number.isSafeInteger(x) && x >= 0) ? null : x));
      return { dtype: t.dtype, dims: fixed };
    }
    if (v === undefined) return { dtype: t.dtype, dims: null };
  }
  return t;
}

/** Infers the output types (and folded values) of one node. Never throws. */
export function inferNode(ctx: NodeContext): InferResult {
  const rule = ruleFor(ctx.domain, ctx.op);
  const n = ctx.outputCount;
  let r: InferResult;
  if (!rule) {
    r = { outputs: [], reason: `no shape rule for ${ctx.domain ? ctx.domain + '::' : ''}${ctx.op}` };
  } else {
    try {
      r = rule(ctx);
    } catch (err) {
      r = { outputs: [], reason: `${ctx.op}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const outs = r.outputs;
  if (outs.length !== n) {
    outs.length = n;
    for (let i = 0; i < n; i++) if (outs[i] === undefined) outs[i] = undefined;
  }
  for (let i = 0; i < n; i++) outs[i] = sanitize(outs[i]);
  if (r.consts && r.consts.length > n) r.consts.length = n;
  return r;
}
