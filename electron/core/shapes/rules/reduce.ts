/**
 * Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare. Axes come from the
 * attribute, or from input 1 from opset 13 (ReduceSum) and 18 (the others). keepdims=1 keeps
 * reduced dims as 1; no axes reduces everything unless noop_with_empty_axes=1.
 */
import {
  attrInt,
  attrInts,
  constInts,
  dimsOf,
  dtypeOf,
  has,
  normAxes,
  tensor,
  unknownDims,
  vectorLength,
  type Rule,
} from '../helpers';
import type { SymDim } from '../types';

export const reduce: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const keep = attrInt(ctx, 'keepdims', 1) === 1;
  const inputForm = ctx.opset >= (ctx.op === 'ReduceSum' ? 13 : 18);
  let axes: number[] | undefined;
  if (inputForm) {
    if (has(ctx, 1)) {
      axes = constInts(ctx, 1);
      if (!axes) {
        // Axes unknown: with keepdims the rank stays; without, it drops by the number of axes.
        const k = vectorLength(ctx, 1);
        if (keep || !x) return { outputs: [tensor(dtype, keep && x ? x.map(() => null) : null)] };
        return { outputs: [tensor(dtype, k > 0 ? unknownDims(x.length - k) : null)] };
      }
    }
  } else axes = attrInts(ctx, 'axes');
  if (!x) return { outputs: [tensor(dtype, null)] };
  if (!axes || axes.length === 0) {
    if (inputForm && attrInt(ctx, 'noop_with_empty_axes', 0) === 1) return { outputs: [tensor(dtype, x)] };
    return { outputs: [tensor(dtype, keep ? x.map(() => 1) : [])] };
  }
  const a = normAxes(axes, x.length);
  if (!a) return { outputs: [], reason: `${ctx.op}: axes ${JSON.stringify(axes)} out of range for rank ${x.length}` };
  const out: SymDim[] = [];
  for (let i = 0; i < x.length; i++) {
    if (!a.includes(i)) out.push(x[i]!);
    else if (keep) out.push(1);
  }
  return { outputs: [tensor(dtype, out)] };
};
