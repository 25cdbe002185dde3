/**
 * Control flow: If, Loop, Scan. Bodies are inferred by the traverser through ctx.inferSubgraph;
 * these rules choose what goes in and combine what comes out.
 */
import { attrInt, attrInts, dimsOf, has, inp, normAxis, tensor, type Rule } from '../helpers';
import { mergeTypes, sameType } from '../merge';
import type { GraphHandle, InferResult, NodeContext, SymDim, TensorType } from '../types';

function graphAttr(ctx: NodeContext, name: string): GraphHandle | undefined {
  const a = ctx.attrs[name];
  return a && a.kind === 'graph' ? a.value : undefined;
}

function unknownOutputs(ctx: NodeContext, reason: string): InferResult {
  return { outputs: new Array<TensorType | undefined>(ctx.outputCount).fill(undefined), reason };
}

/** If: the taken branch when the condition is constant, else both branches merged. */
export const ifOp: Rule = (ctx) => {
  const infer = ctx.inferSubgraph;
  if (!infer) return unknownOutputs(ctx, 'If: subgraph inference unavailable');
  const thenG = graphAttr(ctx, 'then_branch');
  const elseG = graphAttr(ctx, 'else_branch');
  const cond = ctx.consts[0];
  const c = cond && cond.values.length === 1 ? cond.values[0] : null;
  if (typeof c === 'number') {
    const g = c ? thenG : elseG;
    const r = g === undefined ? undefined : infer(g, []);
    if (!r) return unknownOutputs(ctx, 'If: branch could not be inferred');
    return r.consts ? { outputs: r.outputs.slice(), consts: r.consts.slice() } : { outputs: r.outputs.slice() };
  }
  const a = thenG === undefined ? undefined : infer(thenG, []);
  const b = elseG === undefined ? undefined : infer(elseG, []);
  if (!a && !b) return unknownOutputs(ctx, 'If: branches could not be inferred');
  const outputs: (TensorType | undefined)[] = new Array<TensorType | undefined>(ctx.outputCount);
  for (let i = 0; i < ctx.outputCount; i++) outputs[i] = mergeTypes(a?.outputs[i], b?.outputs[i]);
  return { outputs };
};

/**
 * Loop(M?, cond?, v_initial...): body(iter, cond, v...) -> (cond, v..., scan...). Outputs are the
 * final loop-carried values and the scan outputs stacked on a new leading axis (length M when the
 * trip count is constant and there is no condition, else unknown).
 */
export const loop: Rule = (ctx) => {
  const infer = ctx.inferSubgraph;
  const body = graphAttr(ctx, 'body');
  const nCarried = Math.max(ctx.inputs.length - 2, 0);
  const carried: (TensorType | undefined)[] = [];
  for (let i = 0; i < nCarried; i++) carried.push(inp(ctx, i + 2));
  const outputs: (TensorType | undefined)[] = new Array<TensorType | undefined>(ctx.outputCount).fill(undefined);
  if (!infer || body === undefined) {
    for (let i = 0; i < nCarried && i < ctx.outputCount; i++) outputs[i] = mergeTypes(carried[i], undefined);
    return { outputs, reason: 'Loop: body inference unavailable' };
  }
  const iterTypes = [tensor('int64', []), tensor('bool', [])];
  let r = infer(body, [...iterTypes, ...carried]);
  if (!r) return unknownOutputs(ctx, 'Loop: body could not be inferred');
  // State that changes shape across iterations: infer the body once more with the merged types.
  const merged = carried.map((c, i) => mergeTypes(c, r!.outputs[i + 1]));
  if (merged.some((m, i) => !sameType(m, carried[i]))) {
    r = infer(body, [...iterTypes, ...merged]) ?? r;
    for (let i = 0; i < nCarried; i++) merged[i] = mergeTypes(merged[i], r.outputs[i + 1]);
  }
  for (let i = 0; i < nCarried && i < ctx.outputCount; i++) outputs[i] = merged[i];
  const m = ctx.consts[0];
  const trip: SymDim = m && m.values.length === 1 && !has(ctx, 1) ? m.values[0]! : null;
  for (let i = nCarried; i < ctx.outputCount; i++) {
    const s = r.outputs[i + 1];
    outputs[i] = s ? tensor(s.dtype, s.dims ? [trip, ...s.dims] : null) : undefined;
  }
  return { outputs };
};

/**
 * Scan (opset 9+): N state inputs then M scan inputs (num_scan_inputs). The body sees each scan
 * input with its scan axis removed; scan outputs gain the sequence axis at scan_output_axes.
 */
export const scan: Rule = (ctx) => {
  const infer = ctx.inferSubgraph;
  const body = graphAttr(ctx, 'body');
  if (ctx.opset < 9) return unknownOutputs(ctx, 'Scan: opset 8 form is not inferred');
  if (!infer || body === undefined) return unknownOutputs(ctx, 'Scan: body inference unavailable');
  const m = attrInt(ctx, 'num_scan_inputs', 0);
  const n = ctx.inputs.length - m;
  if (m < 1 || n < 0) return unknownOutputs(ctx, `Scan: num_scan_inputs ${m} does not fit ${ctx.inputs.length} inputs`);
  const inAxes = attrInts(ctx, 'scan_input_axes');
  const outAxes = attrInts(ctx, 'scan_output_axes');
  const bodyIn: (TensorType | undefined)[] = [];
  for (let i = 0; i < n; i++) bodyIn.push(inp(ctx, i));
  let seq: SymDim = null;
  for (let j = 0; j < m; j++) {
    const t = inp(ctx, n + j);
    const d = dimsOf(ctx, n + j);
    if (!t || !d) {
      bodyIn.push(t ? tensor(t.dtype, null) : undefined);
      continue;
    }
    const axis = normAxis(inAxes?.[j] ?? 0, d.length);
    if (axis === undefined) return unknownOutputs(ctx, `Scan: scan_input_axes out of range for input ${n + j}`);
    if (j === 0) seq = d[axis]!;
    bodyIn.push(
      tensor(
        t.dtype,
        d.filter((_, i) => i !== axis),
      ),
    );
  }
  const r = infer(body, bodyIn);
  if (!r) return unknownOutputs(ctx, 'Scan: body could not be inferred');
  const outputs: (TensorType | undefined)[] = new Array<TensorType | undefined>(ctx.outputCount).fill(undefined);
  for (let i = 0; i < ctx.outputCount; i++) {
    const s = r.outputs[i];
    if (i < n) {
      outputs[i] = mergeTypes(bodyIn[i], s);
      continue;
    }
    if (!s) continue;
    if (!s.dims) {
      outputs[i] = tensor(s.dtype, null);
      continue;
    }
    const axis = normAxis(outAxes?.[i - n] ?? 0, s.dims.length + 1);
    if (axis === undefined) continue;
    const dims = s.dims.slice();
    dims.splice(axis, 0, seq);
    outputs[i] = tensor(s.dtype, dims);
  }
  return { outputs };
};
