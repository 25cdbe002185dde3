/**
 * Kiln's shape inference and cost counting: the public face of electron/core/shapes.
 *
 * How a traverser uses it (one NodeContext object may be reused across nodes):
 *
 *   const ctx: NodeContext = { op, domain, opset, attrs, inputs, consts, outputCount, inferSubgraph };
 *   const r = inferNode(ctx);          // never throws; r.outputs[i] undefined = unknown, r.reason says why
 *   // store r.outputs[i] as the type of output i, r.consts?.[i] as its known value (feed it to consumers)
 *   const refined = refineType(r.outputs[i], declaredValueInfo);   // optional: merge the model's own value_info
 *   const cost = nodeCost(ctx, r.outputs);                          // { macs, flops, exact }
 *
 * - inputs[i]: TensorType, `undefined` when the type is unknown, `null` when the optional input is
 *   absent (empty name). consts[i]: values of small initializers (≤ MAX_CONST_ELEMENTS, decoded with
 *   constFromRaw / constFromNumbers) and
 *   of folded outputs (r.consts). Attributes: AttrValue by name; tensor attributes as TensorAttr with
 *   a decoded `value` when small; graph attributes as an opaque handle the traverser understands.
 * - inferSubgraph(graph, inputTypes, inputConsts) infers a body (If: no inputs; Loop: iter, cond,
 *   carried...; Scan: states then slices) resolving outer-scope names itself, and returns the body's
 *   output types. Loop may call it twice (once more when carried state changes shape).
 * - Element types are names ('float32', 'int64', ...): dtypeFromOnnx(TensorProto.DataType).
 * - Returned TensorTypes and ConstValues may share arrays with the inputs: treat them as immutable.
 */
export * from './types';
export { inferNode, hasRule, ruleFor } from './infer';
export { nodeCost, tensorBytes } from './cost';
export { StatsAccumulator, type ModelStats, type OpTypeStats } from './stats';
export { mergeTypes, refineType, sameType, type Refined } from './merge';
export { constFromRaw, constFromNumbers } from './consts';
export { dtypeFromOnnx, dtypeToOnnx, dtypeBits, isIntegerDtype, ONNX_DTYPE_NAMES } from '../onnx/dtypes';
export {
  symAdd,
  symSub,
  symMul,
  symDivExact,
  symFloorDiv,
  symCeilDiv,
  symProduct,
  symEqual,
  symEval,
  clearSymCache,
} from './sym';
