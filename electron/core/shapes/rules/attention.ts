/**
 * Attention ops: ONNX Attention (opset 23) and the com.microsoft fused forms exporters and
 * optimizers emit (Attention, MultiHeadAttention, GroupQueryAttention, EmbedLayerNormalization).
 * Unfused attention (MatMul/Softmax/Transpose) needs nothing special.
 */
import { attrInt, attrInts, dimsOf, dtypeOf, tensor, type Rule } from '../helpers';
import { symAdd, symDivExact, symMul } from '../sym';
import type { SymDim } from '../types';

/**
 * ONNX Attention(Q, K, V, mask?, past_key?, past_value?). 4-D Q [B, Hq, S, hd] gives
 * Y [B, Hq, S, hd_v]; 3-D Q [B, S, Hq*hd] gives Y [B, S, Hq*hd_v]. present_key/value are
 * [B, Hkv, past + L, hd].
 */
export const onnxAttention: Rule = (ctx) => {
  const q = dimsOf(ctx, 0);
  const k = dimsOf(ctx, 1);
  const v = dimsOf(ctx, 2);
  const dtype = dtypeOf(ctx, 0);
  let y: SymDim[] | null = null;
  let pk: SymDim[] | null = null;
  let pv: SymDim[] | null = null;
  const qh = attrInt(ctx, 'q_num_heads', 0);
  const kvh = attrInt(ctx, 'kv_num_heads', 0);
  const past = dimsOf(ctx, 4);
  const pastLen: SymDim = past && past.length === 4 ? past[2]! : ctx.inputs.length > 4 && ctx.inputs[4] ? null : 0;
  if (q && q.length === 4) {
    y = [q[0]!, q[1]!, q[2]!, v && v.length === 4 ? v[3]! : null];
    if (k && k.length === 4) pk = [k[0]!, k[1]!, symAdd(pastLen, k[2]!), k[3]!];
    if (v && v.length === 4) pv = [v[0]!, v[1]!, symAdd(pastLen, v[2]!), v[3]!];
  } else if (q && q.length === 3) {
    const vHidden = v && v.length === 3 && kvh > 0 ? symMul(symDivExact(v[2]!, kvh), qh) : null;
    y = [q[0]!, q[1]!, vHidden];
    if (k && k.length === 3 && kvh > 0) pk = [k[0]!, kvh, symAdd(pastLen, k[1]!), symDivExact(k[2]!, kvh)];
    if (v && v.length === 3 && kvh > 0) pv = [v[0]!, kvh, symAdd(pastLen, v[1]!), symDivExact(v[2]!, kvh)];
  }
  return { outputs: [tensor(dtype, y), tensor(dtype, pk), tensor(dtype, pv), tensor(dtype, null)] };
};

/**
 * com.microsoft Attention(input [B, S, Din], weights [Din, Dq+Dk+Dv], bias, mask?, past?):
 * output [B, S, Dv]; present [2, B, heads, past + S, Dv/heads].
 */
export const msAttention: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const w = dimsOf(ctx, 1);
  const dtype = dtypeOf(ctx, 0);
  const sizes = attrInts(ctx, 'qkv_hidden_sizes');
  const heads = attrInt(ctx, 'num_heads', 0);
  let dv: SymDim = null;
  if (sizes && sizes.length === 3) dv = sizes[2]!;
  else if (w && w.length === 2) dv = symDivExact(w[1]!, 3);
  const b: SymDim = x ? (x[0] ?? null) : null;
  const s: SymDim = x ? (x[1] ?? null) : null;
  const past = dimsOf(ctx, 4);
  const pastLen: SymDim = past && past.length === 5 ? past[3]! : ctx.inputs.length > 4 && ctx.inputs[4] ? null : 0;
  const present = [2, b, heads > 0 ? heads : null, symAdd(pastLen, s), heads > 0 ? symDivExact(dv, heads) : null];
  return { outputs: [tensor(dtype, x && x.length === 3 ? [b, s, dv] : null), tensor(dtype, present)] };
};

/** com.microsoft MultiHeadAttention(query [B, S, D], key, value, ...): output [B, S, Dv]. */
export const multiHeadAttention: Rule = (ctx) => {
  const q = dimsOf(ctx, 0);
  const v = dimsOf(ctx, 2);
  const dtype = dtypeOf(ctx, 0);
  if (!q || q.length !== 3) return { outputs: [tensor(dtype, q && q.length === 5 ? [q[0]!, q[1]!, null] : null)] };
  let dv: SymDim = q[2]!;
  if (v && v.length === 3) dv = v[2]!;
  else if (v && v.length === 4) dv = symMul(v[1]!, v[3]!);
  return { outputs: [tensor(dtype, [q[0]!, q[1]!, dv])] };
};

/**
 * com.microsoft GroupQueryAttention(query, key?, value?, past_key, past_value, ...): output
 * [B, S, num_heads * head_size]; with packed QKV (no key) head_size = D / (heads + 2*kv_heads).
 */
export const groupQueryAttention: Rule = (ctx) => {
  const q = dimsOf(ctx, 0);
  const dtype = dtypeOf(ctx, 0);
  const heads = attrInt(ctx, 'num_heads', 0);
  const kvh = attrInt(ctx, 'kv_num_heads', 0);
  if (!q || q.length !== 3 || heads <= 0) return { outputs: [tensor(dtype, null)] };
  const packed = !(ctx.inputs.length > 1 && ctx.inputs[1]);
  const hidden = packed ? symMul(symDivExact(q[2]!, heads + 2 * kvh), heads) : q[2]!;
  return { outputs: [tensor(dtype, [q[0]!, q[1]!, hidden])] };
};

/**
 * com.microsoft EmbedLayerNormalization(input_ids [B, S], segment_ids, word_embedding [V, H], ...):
 * output [B, S, H], mask_index [B] int32, embedding_sum [B, S, H].
 */
export const embedLayerNorm: Rule = (ctx) => {
  const ids = dimsOf(ctx, 0);
  const emb = dimsOf(ctx, 2);
  const dtype = dtypeOf(ctx, 2);
  const b: SymDim = ids ? (ids[0] ?? null) : null;
  const s: SymDim = ids ? (ids[1] ?? null) : null;
  const h: SymDim = emb && emb.length === 2 ? emb[1]! : null;
  return { outputs: [tensor(dtype, [b, s, h]), tensor('int32', [b]), tensor(dtype, [b, s, h])] };
};
