/**
 * Matrix products: MatMul (numpy matmul: 1-D operands promoted, batch dims broadcast), Gemm,
 * MatMulInteger, QLinearMatMul, com.microsoft FusedMatMul / MatMulNBits, and Einsum.
 */
import {
  attrInt,
  attrString,
  broadcastDim,
  broadcastShapes,
  dimsOf,
  dtypeOf,
  fail,
  tensor,
  type Rule,
} from '../helpers';
import type { InferResult, NodeContext, SymDim } from '../types';

function fmt(d: SymDim[]): string {
  return '[' + d.map((x) => (x === null ? '?' : String(x))).join(',') + ']';
}

/** matmul(A, B) dims, optionally transposing the last two dims of each first. */
export function matmulDims(
  a: SymDim[] | null,
  b: SymDim[] | null,
  transA = false,
  transB = false,
): SymDim[] | null | string {
  if (!a || !b) {
    // Rank is still known when both ranks are >= 2.
    return null;
  }
  if (a.length === 0 || b.length === 0) return 'MatMul operands must not be scalars';
  let aa = a;
  let bb = b;
  if (transA && aa.length >= 2) aa = [...aa.slice(0, -2), aa[aa.length - 1]!, aa[aa.length - 2]!];
  if (transB && bb.length >= 2) bb = [...bb.slice(0, -2), bb[bb.length - 1]!, bb[bb.length - 2]!];
  const a1 = aa.length === 1;
  const b1 = bb.length === 1;
  const A = a1 ? [1, aa[0]!] : aa;
  const B = b1 ? [bb[0]!, 1] : bb;
  const ka = A[A.length - 1]!;
  const kb = B[B.length - 2]!;
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) return `inner dims differ: ${fmt(a)} x ${fmt(b)}`;
  const batch = broadcastShapes([A.slice(0, -2), B.slice(0, -2)]);
  if (batch === undefined) return `batch dims do not broadcast: ${fmt(a)} x ${fmt(b)}`;
  const out = batch ?? [];
  if (!a1) out.push(A[A.length - 2]!);
  if (!b1) out.push(B[B.length - 1]!);
  return out;
}

function matmulResult(ctx: NodeContext, dtype: string, ai: number, bi: number, tA = false, tB = false): InferResult {
  const r = matmulDims(dimsOf(ctx, ai), dimsOf(ctx, bi), tA, tB);
  if (typeof r === 'string') return fail(`${ctx.op}: ${r}`);
  return { outputs: [tensor(dtype, r)] };
}

export const matmul: Rule = (ctx) => matmulResult(ctx, dtypeOf(ctx, 0) || dtypeOf(ctx, 1), 0, 1);

export const matmulInteger: Rule = (ctx) => matmulResult(ctx, 'int32', 0, 1);

/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp). */
export const qlinearMatmul: Rule = (ctx) => matmulResult(ctx, dtypeOf(ctx, 7) || dtypeOf(ctx, 0), 0, 3);

/** com.microsoft FusedMatMul: MatMul with transA/transB. */
export const fusedMatmul: Rule = (ctx) =>
  matmulResult(ctx, dtypeOf(ctx, 0), 0, 1, attrInt(ctx, 'transA', 0) === 1, attrInt(ctx, 'transB', 0) === 1);

/** com.microsoft MatMulNBits(A [..., K], B packed): [..., N] with N from the attribute. */
export const matmulNBits: Rule = (ctx) => {
  const a = dimsOf(ctx, 0);
  const n = attrInt(ctx, 'N', -1);
  return { outputs: [tensor(dtypeOf(ctx, 0), a ? [...a.slice(0, -1), n >= 0 ? n : null] : null)] };
};

/** Gemm: A [M, K] (or [K, M] with transA), B [K, N] (or [N, K]) -> [M, N]. Before opset 9 C could be of any rank. */
export const gemm: Rule = (ctx) => {
  const a = dimsOf(ctx, 0);
  const b = dimsOf(ctx, 1);
  const dtype = dtypeOf(ctx, 0) || dtypeOf(ctx, 1);
  if (a && a.length !== 2) return fail(`Gemm: A has rank ${a.length}, expected 2`);
  if (b && b.length !== 2) return fail(`Gemm: B has rank ${b.length}, expected 2`);
  const tA = attrInt(ctx, 'transA', 0) === 1;
  const tB = attrInt(ctx, 'transB', 0) === 1;
  let m: SymDim = a ? a[tA ? 1 : 0]! : null;
  let n: SymDim = b ? b[tB ? 0 : 1]! : null;
  if (a && b) {
    const ka = a[tA ? 0 : 1]!;
    const kb = b[tB ? 1 : 0]!;
    if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb)
      return fail(`Gemm: inner dims differ: A ${fmt(a)}${tA ? 'ᵀ' : ''} x B ${fmt(b)}${tB ? 'ᵀ' : ''}`);
  }
  // A known C can fill in M or N when A or B is unknown.
  const c = dimsOf(ctx, 2);
  if (c && c.length === 2) {
    if (m === null && c[0] !== 1) m = c[0]!;
    if (n === null && c[1] !== 1) n = c[1]!;
  }
  return { outputs: [tensor(dtype, [m, n])] };
};

/**
 * Einsum with explicit ("ij,jk->ik") or implicit ("ij,jk") output, ellipses broadcast.
 * Implicit output = ellipsis dims, then letters used once, in alphabetical order.
 */
export const einsum: Rule = (ctx) => {
  const eq = attrString(ctx, 'equation', '').replace(/\s+/g, '');
  const dtype = dtypeOf(ctx, 0);
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const terms = lhs.split(',');
  if (!eq || terms.length !== ctx.inputs.length) return fail(`Einsum: equation '${eq}' does not match the inputs`);
  const letters = new Map<string, SymDim>();
  const counts = new Map<string, number>();
  let ellipsis: SymDim[] | null = [];
  let ellipsisRank = -1;
  for (let t = 0; t < terms.length; t++) {
    const term = terms[t]!;
    const dims = dimsOf(ctx, t);
    const e = term.indexOf('...');
    const labels = term.replace('...', '');
    if (!/^[a-zA-Z]*$/.test(labels)) return fail(`Einsum: bad term '${term}'`);
    if (dims) {
      const eRank = dims.length - labels.length;
      if (eRank < 0 || (e < 0 && eRank !== 0)) return fail(`Einsum: term '${term}' does not match rank ${dims.length}`);
      const before = e < 0 ? labels.length : e;
      for (let i = 0; i < labels.length; i++) {
        const d = dims[i < before ? i : i + eRank]!;
        const prev = letters.get(labels[i]!);
        if (prev === undefined) letters.set(labels[i]!, d);
        else {
          const m = prev === null ? d : d === null ? prev : broadcastDim(prev, d);
          if (m === undefined) return fail(`Einsum: label '${labels[i]}' has sizes ${prev} and ${d}`);
          letters.set(labels[i]!, m);
        }
      }
      if (e >= 0 && ellipsis) {
        const sub = dims.slice(before, before + eRank);
        const b = broadcastShapes([ellipsis, sub]);
        if (b === undefined) return fail(`Einsum: ellipsis dims do not broadcast`);
        ellipsis = b;
      }
      if (e >= 0) ellipsisRank = Math.max(ellipsisRank, eRank);
    } else {
      for (const ch of labels) if (!letters.has(ch)) letters.set(ch, null);
      if (e >= 0) ellipsis = null;
    }
    for (const ch of labels) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let outTerm: string;
  if (arrow >= 0) outTerm = eq.slice(arrow + 2);
  else {
    const once = [...counts.entries()].filter(([, c]) => c === 1).map(([ch]) => ch);
    once.sort();
    outTerm = (ellipsisRank >= 0 ? '...' : '') + once.join('');
  }
  const out: SymDim[] = [];
  const eo = outTerm.indexOf('...');
  const outLabels = outTerm.replace('...', '');
  if (!/^[a-zA-Z]*$/.test(outLabels)) return fail(`Einsum: bad output term '${outTerm}'`);
  for (let i = 0; i <= outLabels.length; i++) {
    if (i === (eo < 0 ? -1 : eo)) {
      if (ellipsis === null) return { outputs: [tensor(dtype, null)] };
      out.push(...ellipsis);
    }
    if (i < outLabels.length) {
      const d = letters.get(outLabels[i]!);
      if (d === undefined) return fail(`Einsum: output label '${outLabels[i]}' is not in any input`);
      out.push(d);
    }
  }
  return { outputs: [tensor(dtype, out)] };
};
