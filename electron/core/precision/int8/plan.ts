/**
 * Step 2 of INT8: which nodes run quantized and which tensors get a Q/DQ pair, by the rules of the
 * runtime that will fuse them (nothing is measured or written here).
 *
 * Flavours:
 * - 'tensorrt' (TensorRT's explicit-quantization rules): INT8 symmetric, zero point 0; Q/DQ on the
 *   activation inputs of Conv, ConvTranspose, MatMul and Gemm (and of included ops such as
 *   pooling); for a residual Add fed by a quantized Conv, the other (residual) input too so
 *   TensorRT fuses Conv+Add; nothing on outputs (TensorRT propagates scales); biases stay float.
 * - 'onnxruntime' (so ONNX Runtime on CPU runs integer kernels): activations UINT8 with a zero
 *   point (asymmetric, from the calibrated range), weights INT8 per channel, Conv/Gemm biases
 *   INT32 (scale = input scale × weight scale, as QLinearConv wants); Q/DQ on the inputs of
 *   quantized ops and on the outputs of quantized Conv/ConvTranspose (without an output Q ONNX
 *   Runtime cannot form QLinearConv) and of MatMul/Gemm whose consumer is quantized, placed after
 *   a Relu/Clip that follows directly (ONNX Runtime drops them as redundant with the Q range);
 *   every consumer of a quantized tensor reads its DequantizeLinear (a float reader beside it
 *   would stop the fusion); MaxPool/Reshape/Transpose-like ops pass their input's scale through,
 *   so ONNX Runtime runs them on UINT8 too; an Add whose inputs and output are all quantized
 *   becomes QLinearAdd. Convs on 1×1 feature maps (squeeze-excitation gates) stay float: their
 *   Q/DQ and layout transposes cost more on CPU than INT8 saves (include the node to force it).
 * Exclusions (ops, node names) win over inclusions; excluding 'Add' turns off the residual-Add rule.
 */
import type { ModelAnalysis } from '../../onnx/analyze';
import { attrOf, isDefaultDomain } from '../../onnx/graph-edit';
import { consumersOf, inputsOf, nodeLabel, outputsOf, producerOf } from '../../onnx/graph-index';
import type { IRGraph } from '../../onnx/ir';
import { TENSOR_INITIALIZER, TENSOR_OUTPUT } from '../../onnx/ir';
import type { NodeProto, TensorProto } from '../../onnx/model';
import { weightAxis } from './scales';
import type { Int8Options, Plan } from './types';

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
const CONVS = new Set(['Conv', 'ConvTranspose']);
/** Ops that move values without computing new ones: their output can share the input's scale. */
const PASS_THROUGH = new Set([
  'MaxPool',
  'GlobalMaxPool',
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Identity',
  'Slice',
  'Gather',
  'Expand',
  'Tile',
  'DepthToSpace',
  'SpaceToDepth',
  'Resize',
]);
/** Activations ONNX Runtime removes before a Q whose range already clips like them. */
const ABSORBED = new Set(['Relu', 'Clip']);

export function plan(a: ModelAnalysis, opts: Int8Options): Plan {
  const { ir, shapes } = a;
  const main = ir.graphs[0] as IRGraph;
  const ort = opts.flavour === 'onnxruntime';
  const perChannel = opts.perChannel ?? true;
  const ops = new Set([...WEIGHTED, ...(opts.include?.ops ?? [])]);
  const includeNodes = new Set(opts.include?.nodes ?? []);
  const excludeOps = new Set(opts.exclude?.ops ?? []);
  const excludeNodes = new Set(opts.exclude?.nodes ?? []);
  const isConst = (t: number) => ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) !== 0;
  const isGraphOutput = (t: number) => ((ir.tensorFlags[t] as number) & TENSOR_OUTPUT) !== 0;
  const isFloatAct = (t: number) => t >= 0 && !isConst(t) && shapes.types[t]?.dtype === 'float32';
  const inMain = (id: number) => id >= main.nodeStart && id < main.nodeEnd;

  const p: Plan = {
    quantized: new Set(),
    residualAdds: [],
    skipped: [],
    qTensors: new Map(),
    shareFrom: new Map(),
    weights: [],
    biases: new Map(),
  };
  const markInput = (t: number, consumer: number) => {
    const cur = p.qTensors.get(t);
    if (cur === 'all') return;
    if (ort) p.qTensors.set(t, 'all');
    else if (cur) cur.add(consumer);
    else p.qTensors.set(t, new Set([consumer]));
  };

  // 1. Which nodes run quantized.
  for (let id = 0; id < ir.nodeCount; id++) {
    const n = ir.nodes[id] as NodeProto;
    const op = n.opType;
    if (!isDefaultDomain(n)) continue;
    const wanted = ops.has(op) || includeNodes.has(n.name);
    if (!wanted) continue;
    const skip = (reason: string) => p.skipped.push({ node: nodeLabel(ir, id), op, reason });
    if (!inMain(id)) {
      skip('inside an If/Loop/Scan body or a function: only the main graph is quantized');
      continue;
    }
    if (excludeOps.has(op) || excludeNodes.has(n.name)) {
      skip('excluded by the recipe');
      continue;
    }
    const ins = inputsOf(ir, id);
    if (WEIGHTED.has(op)) {
      const [x, w] = [ins[0] ?? -1, ins[1] ?? -1];
      if (x < 0 || w < 0) {
        skip('missing an input');
        continue;
      }
      const xType = shapes.types[x]?.dtype;
      const wType = shapes.types[w]?.dtype;
      if (xType !== 'float32' || wType !== 'float32') {
        skip(
          `computes in ${xType !== 'float32' ? xType || 'an unknown type' : wType || 'an unknown type'}, not float32`,
        );
        continue;
      }
      if ((op === 'Conv' || op === 'ConvTranspose') && isConst(x)) {
        skip('its input is a constant');
        continue;
      }
      if ((op === 'Conv' || op === 'ConvTranspose') && !isConst(w)) {
        skip(`its weight ${ir.tensorName[w]} is computed at run time`);
        continue;
      }
      if ((op === 'MatMul' || op === 'Gemm') && isConst(x) && isConst(w)) {
        skip('both operands are constants');
        continue;
      }
      const xDims = shapes.types[x]?.dims;
      if (
        ort &&
        op === 'Conv' &&
        !includeNodes.has(n.name) &&
        xDims &&
        xDims.length >= 3 &&
        xDims.slice(2).every((d) => d === 1)
      ) {
        skip(
          `runs on a ${xDims.slice(2).join('×')} feature map (one position, like a squeeze-excitation gate): on CPU its Q/DQ costs more than INT8 saves; include the node to force it`,
        );
        continue;
      }
      p.quantized.add(id);
      // Operands: activations get Q/DQ, constants become weights.
      const wrank = (t: number) => (ir.initializers[ir.tensorInitializer[t] as number] as TensorProto).dims.length;
      for (const index of [0, 1]) {
        const t = ins[index] as number;
        if (isConst(t)) p.weights.push({ node: id, index, axis: weightAxis(n, index, wrank(t), perChannel) });
        else markInput(t, id);
      }
      const bias = ins[2] ?? -1;
      if (ort && bias >= 0 && isConst(bias) && !isConst(x)) {
        const bDims = (ir.initializers[ir.tensorInitializer[bias] as number] as TensorProto).dims;
        const gemmPlain =
          op !== 'Gemm' ||
          ((attrOf(n, 'alpha')?.f ?? 1) === 1 && (attrOf(n, 'beta')?.f ?? 1) === 1 && bDims.length === 1 && isConst(w));
        const convPlain = op !== 'ConvTranspose' || (attrOf(n, 'group')?.i ?? 1) === 1;
        if (gemmPlain && convPlain && op !== 'MatMul') p.biases.set(id, 2);
      }
    } else {
      const acts = ins.filter(isFloatAct);
      if (acts.length === 0) {
        skip('has no float32 activation input');
        continue;
      }
      p.quantized.add(id);
      for (const t of acts) markInput(t, id);
    }
  }

  // 2. Residual Adds (TensorRT): quantize the branch that is not a fusible Conv output.
  const excludedAdd = excludeOps.has('Add');
  if (!ort && !excludedAdd) {
    for (let id = main.nodeStart; id < main.nodeEnd; id++) {
      const n = ir.nodes[id] as NodeProto;
      if (n.opType !== 'Add' || !isDefaultDomain(n) || excludeNodes.has(n.name) || p.quantized.has(id)) continue;
      const ins = inputsOf(ir, id);
      if (ins.length !== 2 || !ins.every(isFloatAct)) continue;
      const fusible = ins.map((t) => {
        const pr = producerOf(ir, t);
        return (
          pr >= 0 &&
          p.quantized.has(pr) &&
          CONVS.has((ir.nodes[pr] as NodeProto).opType) &&
          consumersOf(ir, t).length === 1 &&
          !isGraphOutput(t)
        );
      });
      if (!fusible[0] && !fusible[1]) continue;
      // Fuse with the Conv computed last; quantize the other input.
      const fused =
        fusible[0] && fusible[1]
          ? producerOf(ir, ins[0] as number) > producerOf(ir, ins[1] as number)
            ? 0
            : 1
          : fusible[0]
            ? 0
            : 1;
      const residual = ins[1 - fused] as number;
      markInput(residual, id);
      p.residualAdds.push(id);
    }
  }

  // 3. Outputs (onnxruntime): quantized Convs always (QLinearConv), MatMul/Gemm and included ops
  //    when their output feeds a quantized input; after a Relu/Clip that alone follows.
  if (ort) {
    const order = Array.from(ir.topo.subarray(main.nodeStart, main.nodeEnd));
    for (const id of order) {
      if (!p.quantized.has(id)) continue;
      const op = (ir.nodes[id] as NodeProto).opType;
      let t = outputsOf(ir, id)[0] ?? -1;
      if (t < 0 || shapes.types[t]?.dtype !== 'float32') continue;
      const cons = consumersOf(ir, t);
      if (cons.length === 1 && !isGraphOutput(t)) {
        const c = cons[0] as number;
        const cn = ir.nodes[c] as NodeProto;
        const absorbable =
          ABSORBED.has(cn.opType) &&
          isDefaultDomain(cn) &&
          inMain(c) &&
          (cn.opType === 'Relu' ||
            cn.input.slice(1).every((x, k) => x === '' || isConst(inputsOf(ir, c)[k + 1] ?? -1)));
        if (absorbable) t = outputsOf(ir, c)[0] ?? -1;
      }
      if (t < 0 || isGraphOutput(t)) continue;
      const always = op === 'Conv' || op === 'ConvTranspose';
      if (always || p.qTensors.has(t)) p.qTensors.set(t, 'all');
    }
    // An op that only moves values keeps its input's scale when both sides are quantized.
    for (const id of order) {
      const n = ir.nodes[id] as NodeProto;
      if (!PASS_THROUGH.has(n.opType) || !isDefaultDomain(n)) continue;
      const x = inputsOf(ir, id)[0] ?? -1;
      const y = outputsOf(ir, id)[0] ?? -1;
      // Their outputs lie within the input's range (Resize interpolates between input values).
      if (x >= 0 && y >= 0 && p.qTensors.has(x) && p.qTensors.has(y)) p.shareFrom.set(y, p.shareFrom.get(x) ?? x);
    }
  }
  return p;
}
