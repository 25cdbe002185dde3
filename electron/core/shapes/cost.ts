/**
 * Per-node arithmetic cost.
 *
 * Counting convention (what the numbers in `kiln inspect` mean):
 * - MACs count the multiply-accumulates of convolution- and matmul-like cores only:
 *     Conv:          out elements x (C_in / group) x prod(kernel)
 *     ConvTranspose: in elements x (C_out / group) x prod(kernel)
 *     MatMul/Gemm:   M x N x K per batch (Gemm: M x N x K)
 *     Einsum:        product of the sizes of every distinct label
 *     LSTM/GRU/RNN:  seq x batch x directions x gates x H x (input + H)
 *     Attention:     Q·Kᵀ and attention·V products (plus the input projections for com.microsoft Attention)
 * - FLOPs = 2 x MACs, plus 1 per output element for a bias, plus the elementwise work below.
 * - Elementwise arithmetic, comparisons, logic and activations: 1 FLOP per output element
 *   (variadic ops: inputs - 1 per element). Transcendental functions are not weighted.
 * - Softmax/LogSoftmax: 4 per element (max, subtract+exp, sum, divide). BatchNormalization: 2 per
 *   element (folded scale and shift). Layer/Instance/Group/RMS norm: 5 per element. LRN: size + 2.
 * - Pooling: kernel elements per output element; global pooling and reductions: 1 per input element.
 * - Resize: 1 per output element (nearest), 4 (linear), 16 (cubic). Quantize/Dequantize: 2 per element.
 * - Data movement, shape arithmetic, Cast, constants and control flow: 0 (an If/Loop body's nodes
 *   are counted as nodes of their own by the traverser).
 * Dims that are symbolic or unknown count as 1 and mark the result inexact (exact: false), so totals
 * are "per unit of each dynamic dim" until concrete input shapes are bound.
 */
import { attrInt, attrInts, attrString } from './helpers';
import type { NodeContext, NodeCost, SymDim, TensorType } from './types';

/** Mutable counter for one call (a module-level scratch object: no per-call allocation). */
let exactFlag = true;

function dim(d: SymDim | undefined): number {
  if (typeof d === 'number' && d >= 0 && Number.isSafeInteger(d)) return d;
  exactFlag = false;
  return 1;
}

function elems(t: TensorType | null | undefined): number {
  if (!t || !t.dims) {
    exactFlag = false;
    return t ? 1 : 0;
  }
  let n = 1;
  const d = t.dims;
  for (let i = 0; i < d.length; i++) n *= dim(d[i]);
  return n;
}

function prod(xs: readonly number[] | undefined): number {
  let n = 1;
  if (xs) for (const x of xs) n *= dim(x);
  return n;
}

const PER_ELEMENT = new Map<string, number>();
function per(ops: string, k: number): void {
  for (const op of ops.split(' ')) PER_ELEMENT.set(op, k);
}
per(
  'Relu LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Erf Gelu Elu Selu Celu Softplus Softsign ThresholdedRelu ' +
    'Mish Swish Exp Log Sqrt Reciprocal Neg Abs Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh ' +
    'Acosh Atanh Not Clip Shrink Where IsNaN IsInf BitwiseNot Add Sub Mul Div Pow Mod Max Min Sum Mean And Or Xor ' +
    'Equal Less Greater LessOrEqual GreaterOrEqual BitShift BitwiseAnd BitwiseOr BitwiseXor CumSum Hardmax ' +
    'BiasGelu FastGelu QuickGelu BiasAdd QLinearAdd QLinearMul QLinearSigmoid QLinearLeakyRelu',
  1,
);
per('Softmax LogSoftmax QLinearSoftmax BiasSoftmax', 4);
per('BatchNormalization', 2);
per(
  'LayerNormalization InstanceNormalization GroupNormalization RMSNormalization MeanVarianceNormalization ' +
    'LpNormalization SimplifiedLayerNormalization SkipLayerNormalization SkipSimplifiedLayerNormalization',
  5,
);
per('QuantizeLinear DequantizeLinear DynamicQuantizeLinear', 2);

const VARIADIC = new Set(['Sum', 'Mean', 'Max', 'Min']);

function input(ctx: NodeContext, i: number): TensorType | undefined {
  return ctx.inputs[i] ?? undefined;
}

function result(macs: number, flops: number): NodeCost {
  // Malformed models (negative attributes, overflow) must not produce negative or NaN totals.
  if (!(macs >= 0 && macs < Infinity && flops >= 0 && flops < Infinity)) return { macs: 0, flops: 0, exact: false };
  return { macs, flops, exact: exactFlag };
}

/** Cost of one node given its inferred outputs (see the convention above). */
export function nodeCost(ctx: NodeContext, outputs: readonly (TensorType | undefined)[]): NodeCost {
  exactFlag = true;
  const op = ctx.op;
  const out0 = outputs[0];
  const k = PER_ELEMENT.get(op);
  if (k !== undefined) {
    let f = elems(out0) * k;
    if (VARIADIC.has(op) && ctx.inputs.length > 2) f *= ctx.inputs.length - 1;
    return result(0, f);
  }
  switch (op) {
    case 'Conv':
    case 'ConvInteger':
    case 'QLinearConv':
    case 'FusedConv': {
      const wi = op === 'QLinearConv' ? 3 : 1;
      const w = input(ctx, wi);
      const wd = w?.dims;
      let perOut: number;
      if (wd && wd.length >= 3) {
        perOut = 1;
        for (let i = 1; i < wd.length; i++) perOut *= dim(wd[i]);
      } else {
        const x = input(ctx, 0)?.dims;
        const group = attrInt(ctx, 'group', 1);
        perOut = Math.floor(dim(x?.[1]) / Math.max(group, 1)) * prod(attrInts(ctx, 'kernel_shape'));
      }
      const n = elems(out0);
      const macs = n * perOut;
      const bias =
        ctx.inputs.length > (op === 'QLinearConv' ? 8 : 2) && ctx.inputs[op === 'QLinearConv' ? 8 : 2] ? n : 0;
      return result(macs, 2 * macs + bias);
    }
    case 'ConvTranspose': {
      const wd = input(ctx, 1)?.dims;
      let perIn = 1;
      if (wd && wd.length >= 3) for (let i = 1; i < wd.length; i++) perIn *= dim(wd[i]);
      else exactFlag = false;
      const macs = elems(input(ctx, 0)) * perIn;
      const bias = ctx.inputs[2] ? elems(out0) : 0;
      return result(macs, 2 * macs + bias);
    }
    case 'MatMul':
    case 'MatMulInteger':
    case 'QLinearMatMul':
    case 'FusedMatMul':
    case 'DynamicQuantizeMatMul':
    case 'MatMulIntegerToFloat':
    case 'MatMulNBits': {
      const a = input(ctx, 0)?.dims;
      let kk: number;
      if (op === 'MatMulNBits') kk = dim(attrInt(ctx, 'K', 1));
      else if (op === 'FusedMatMul' && attrInt(ctx, 'transA', 0) === 1) kk = dim(a?.[a.length - 2]);
      else kk = dim(a ? a[a.length - 1] : undefined);
      const macs = elems(out0) * kk;
      return result(macs, 2 * macs);
    }
    case 'Gemm':
    case 'FusedGemm': {
      const a = input(ctx, 0)?.dims;
      const kk = dim(a ? a[attrInt(ctx, 'transA', 0) === 1 ? 0 : 1] : undefined);
      const n = elems(out0);
      const macs = n * kk;
      return result(macs, 2 * macs + (ctx.inputs[2] ? n : 0));
    }
    case 'Einsum':
      return einsumCost(ctx);
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool':
      return result(0, elems(out0) * prod(attrInts(ctx, 'kernel_shape')));
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'GlobalLpPool':
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL1':
    case 'ReduceL2':
    case 'ReduceLogSum':
    case 'ReduceLogSumExp':
    case 'ReduceSumSquare':
    case 'ArgMax':
    case 'ArgMin':
    case 'TopK':
      return result(0, elems(input(ctx, 0)));
    case 'LRN':
      return result(0, elems(out0) * (dim(attrInt(ctx, 'size', 1)) + 2));
    case 'Resize':
    case 'Upsample': {
      const mode = attrString(ctx, 'mode', 'nearest');
      const f = mode === 'linear' || mode === 'bilinear' ? 4 : mode === 'cubic' ? 16 : 1;
      return result(0, elems(out0) * f);
    }
    case 'LSTM':
    case 'GRU':
    case 'RNN': {
      const gates = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
      const x = input(ctx, 0)?.dims;
      const layout = attrInt(ctx, 'layout', 0);
      const seq = dim(x?.[layout ? 1 : 0]);
      const batch = dim(x?.[layout ? 0 : 1]);
      const inSize = dim(x?.[2]);
      const dirs = attrString(ctx, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
      const y = outputs[1]?.dims ?? outputs[0]?.dims;
      const h = dim(y ? y[y.length - 1] : undefined);
      const macs = seq * batch * dirs * gates * h * (inSize + h);
      return result(macs, 2 * macs + seq * batch * dirs * h * gates * 3);
    }
    case 'Attention':
      return ctx.domain === 'com.microsoft' ? msAttentionCost(ctx, out0) : onnxAttentionCost(ctx, out0);
    case 'MultiHeadAttention':
    case 'GroupQueryAttention': {
      // Q·Kᵀ and attention·V over the hidden size: 2 x B x S x L x D MACs.
      const q = input(ctx, 0)?.dims;
      const kd = input(ctx, 1)?.dims;
      const l = kd && kd.length === 3 ? dim(kd[1]) : dim(q?.[1]);
      const macs = 2 * dim(q?.[0]) * dim(q?.[1]) * l * dim(out0?.dims?.[2]);
      return result(macs, 2 * macs);
    }
    default:
      return result(0, 0);
  }
}

function einsumCost(ctx: NodeContext): NodeCost {
  const eq = attrString(ctx, 'equation', '');
  const arrow = eq.indexOf('->');
  const terms = (arrow >= 0 ? eq.slice(0, arrow) : eq).split(',');
  const sizes = new Map<string, number>();
  for (let t = 0; t < terms.length; t++) {
    const d = input(ctx, t)?.dims;
    const labels = terms[t]!.trim();
    if (!d || labels.includes('...')) {
      exactFlag = false;
      continue;
    }
    for (let i = 0; i < labels.length && i < d.length; i++) sizes.set(labels[i]!, dim(d[i]));
  }
  let macs = 1;
  for (const s of sizes.values()) macs *= s;
  return result(macs, 2 * macs);
}

function onnxAttentionCost(ctx: NodeContext, out0: TensorType | undefined): NodeCost {
  const q = input(ctx, 0)?.dims;
  const k = input(ctx, 1)?.dims;
  let macs: number;
  if (q && q.length === 4 && k && k.length === 4) {
    // [B, H, S, hd] x [B, H, L, hd]: S*L*hd for Q·Kᵀ and S*L*hd_v for attention·V, per head.
    const hdv = dim(out0?.dims?.[3]);
    macs = dim(q[0]) * dim(q[1]) * dim(q[2]) * dim(k[2]) * (dim(q[3]) + hdv);
  } else if (q && q.length === 3 && k && k.length === 3) {
    macs = dim(q[0]) * dim(q[1]) * dim(k[1]) * (dim(q[2]) + dim(out0?.dims?.[2]));
  } else {
    exactFlag = false;
    macs = 0;
  }
  return result(macs, 2 * macs);
}

function msAttentionCost(ctx: NodeContext, out0: TensorType | undefined): NodeCost {
  const x = input(ctx, 0)?.dims;
  const w = input(ctx, 1)?.dims;
  const b = dim(x?.[0]);
  const s = dim(x?.[1]);
  const din = dim(x?.[2]);
  const dqkv = dim(w?.[1]);
  const dv = dim(out0?.dims?.[2]);
  const proj = b * s * din * dqkv;
  // Q·Kᵀ (B x S x S x Dq) and attention·V (B x S x S x Dv); Dq ≈ Dv for the common equal split.
  const attn = 2 * b * s * s * dv;
  const macs = proj + attn;
  return result(macs, 2 * macs + b * s * dqkv);
}

/** Bytes of one tensor (symbolic dims count as 1; exact=false then). */
export function tensorBytes(t: TensorType | undefined, bitsPerElement: number): { bytes: number; exact: boolean } {
  exactFlag = true;
  const n = elems(t);
  return { bytes: Math.ceil((n * bitsPerElement) / 8), exact: exactFlag && t !== undefined };
}
