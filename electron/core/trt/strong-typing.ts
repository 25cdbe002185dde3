/**
 * What a strongly typed TensorRT builds, read from the ONNX types. TensorRT 11 has no --fp16, --int8
 * or --best: every layer computes in the type its inputs have in the model, and INT8/FP8 only where
 * DequantizeLinear feeds it. A user who ran `trtexec --fp16` on an FP32 export under 10.x and moves
 * to 11 silently gets an FP32 engine; a Q/DQ model whose DequantizeLinear feeds nothing TensorRT
 * can quantize gets float layers with extra dequantize layers in front. This module predicts the
 * compute type of each weighted layer (Conv, ConvTranspose, MatMul, Gemm, Attention, Einsum, the
 * recurrent ops) and says, by node, where a model will build in FP32 and where Q/DQ will not fuse.
 */
import type { ModelIR } from '../onnx/ir';
import type { ShapeResult } from '../onnx/shapes';

/** Layers whose compute type decides an engine's speed: what a precision variant converts. */
const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Attention', 'Einsum', 'LSTM', 'GRU', 'RNN']);

/**
 * Ops a DequantizeLinear output may pass through on its way to the layer it quantizes: TensorRT
 * propagates DQ across data-movement ops (and max-pooling, which commutes with quantization)
 * before fusing it (the TensorRT developer guide, "Q/DQ layer placement").
 */
const COMMUTING = new Set([
  'Reshape',
  'Transpose',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Slice',
  'Gather',
  'Concat',
  'Split',
  'Identity',
  'Pad',
  'MaxPool',
  'GlobalMaxPool',
]);

/**
 * Ops TensorRT runs in INT8/FP8 from a dequantized input: the weighted layers, pooling, and the
 * residual Add a convolution fuses (Conv + DQ + Add).
 */
const QUANTIZABLE = new Set([...WEIGHTED, 'AveragePool', 'GlobalAveragePool', 'Add']);

const TOKEN: Record<string, string> = {
  float32: 'FP32',
  float16: 'FP16',
  bfloat16: 'BF16',
  float64: 'FP32',
  int8: 'INT8',
  uint8: 'INT8',
  int4: 'INT4',
  uint4: 'INT4',
  float8e4m3fn: 'FP8',
  float8e5m2: 'FP8',
  float4e2m1: 'FP4',
};

export interface PrecisionNote {
  id: number;
  kind: 'fp32' | 'dq-unfused' | 'q-unpaired';
  reason: string;
  suggestion: string;
  detail?: string;
}

export interface PrecisionPrediction {
  /** Weighted layers per compute type ('FP32', 'FP16', 'INT8', …), as a strongly typed build makes them. */
  computes: Record<string, number>;
  /** Per IR node id of a weighted layer: its predicted compute type ('' for other nodes). */
  nodeCompute: string[];
  notes: PrecisionNote[];
}

function inputAt(ir: ModelIR, id: number, i: number): number {
  const s = ir.nodeInputStart[id] as number;
  return s + i < (ir.nodeInputStart[id + 1] as number) ? (ir.nodeInputs[s + i] as number) : -1;
}

const opOf = (ir: ModelIR, id: number) => ir.nodes[id]?.opType ?? '';

/** The DequantizeLinear behind tensor t, through data-movement ops; -1 when there is none. */
function dequantizedFrom(ir: ModelIR, t: number): number {
  for (let hops = 0; t >= 0 && hops < 16; hops++) {
    const p = ir.tensorProducer[t] as number;
    if (p < 0) return -1;
    const op = opOf(ir, p);
    if (op === 'DequantizeLinear') return p;
    if (!COMMUTING.has(op)) return -1;
    t = inputAt(ir, p, 0);
  }
  return -1;
}

/** Whether tensor t reaches an op TensorRT quantizes, through data-movement ops only. */
function reachesQuantizable(ir: ModelIR, t: number, depth = 0): boolean {
  if (depth > 16) return false;
  for (let k = ir.consumerStart[t] as number; k < (ir.consumerStart[t + 1] as number); k++) {
    const c = ir.consumers[k] as number;
    const op = opOf(ir, c);
    if (QUANTIZABLE.has(op)) return true;
    if (COMMUTING.has(op))
      for (let j = ir.nodeOutputStart[c] as number; j < (ir.nodeOutputStart[c + 1] as number); j++) {
        const o = ir.nodeOutputs[j] as number;
        if (o >= 0 && reachesQuantizable(ir, o, depth + 1)) return true;
      }
  }
  return false;
}

/**
 * Predicts the compute type of every weighted main-graph and subgraph layer under strong typing,
 * and notes where TensorRT 11 would build FP32 or leave Q/DQ unfused.
 */
export function predictPrecision(ir: ModelIR, shapes: Pick<ShapeResult, 'types'>): PrecisionPrediction {
  const nodeCompute = new Array<string>(ir.nodeCount).fill('');
  const computes: Record<string, number> = {};
  let quantized = false;
  let lowFloat = false;
  const live = (id: number) => ir.graphs[ir.nodeGraph[id] as number]?.kind !== 'function';
  for (let id = 0; id < ir.nodeCount; id++) {
    if (!live(id)) continue;
    const op = opOf(ir, id);
    if (op === 'DequantizeLinear' || op === 'QuantizeLinear') quantized = true;
    if (!WEIGHTED.has(op)) continue;
    const x = inputAt(ir, id, 0);
    const w = inputAt(ir, id, 1);
    const dqX = x >= 0 ? dequantizedFrom(ir, x) : -1;
    const dqW = w >= 0 ? dequantizedFrom(ir, w) : -1;
    const floatType = TOKEN[shapes.types[x]?.dtype ?? ''] ?? '';
    let compute = floatType;
    if (dqX >= 0 && (dqW >= 0 || w < 0 || op === 'Attention')) {
      const q = shapes.types[inputAt(ir, dqX, 0)]?.dtype ?? '';
      compute = TOKEN[q] ?? compute;
    }
    if (!compute) continue;
    nodeCompute[id] = compute;
    computes[compute] = (computes[compute] ?? 0) + 1;
    if (compute === 'FP16' || compute === 'BF16') lowFloat = true;
  }

  const notes: PrecisionNote[] = [];
  for (let id = 0; id < ir.nodeCount; id++) {
    if (nodeCompute[id] !== 'FP32') continue;
    if (quantized)
      notes.push({
        id,
        kind: 'fp32',
        reason:
          'TensorRT 11 builds this FP32: no DequantizeLinear feeds it, and a strongly typed build never picks INT8 or FP16 itself',
        suggestion:
          'quantize it too (Q/DQ on its input and weights), or make the rest FP16 (kiln convert --precision int8 --fp16)',
      });
    else if (lowFloat)
      notes.push({
        id,
        kind: 'fp32',
        reason:
          'TensorRT 11 builds this FP32: its inputs are FP32 in a model that computes in FP16 elsewhere (a strongly typed build keeps the ONNX types)',
        suggestion: 'if it is not kept in FP32 on purpose, make the FP16 variant without excluding it',
      });
    else
      notes.push({
        id,
        kind: 'fp32',
        reason:
          'TensorRT 11 builds this FP32: it is strongly typed (no --fp16 or --int8), so a layer computes in its ONNX inputs’ type',
        suggestion:
          "make an FP16 variant (Kiln's precision panel, or kiln convert --precision fp16), or an INT8 Q/DQ one for TensorRT",
      });
  }

  for (let id = 0; id < ir.nodeCount; id++) {
    if (!live(id)) continue;
    const op = opOf(ir, id);
    const out = ir.nodeOutputs[ir.nodeOutputStart[id] as number] ?? -1;
    if (out < 0) continue;
    if (op === 'DequantizeLinear' && !reachesQuantizable(ir, out))
      notes.push({
        id,
        kind: 'dq-unfused',
        reason:
          'DequantizeLinear does not feed an op TensorRT quantizes (Conv, ConvTranspose, MatMul, Gemm, pooling, a residual Add): it stays a separate layer and what follows runs in float',
        suggestion:
          'remove this Q/DQ pair, or move it to the input of the next Conv/MatMul/Gemm (where ModelOpt places them)',
        detail: `feeds ${consumersOf(ir, out) || 'a graph output'}`,
      });
    if (op === 'QuantizeLinear') {
      const consumers = consumerIds(ir, out);
      const bad = consumers.filter((c) => opOf(ir, c) !== 'DequantizeLinear');
      if (bad.length > 0 || consumers.length === 0)
        notes.push({
          id,
          kind: 'q-unpaired',
          reason:
            'QuantizeLinear is not followed by DequantizeLinear: TensorRT fuses Q/DQ pairs, and an INT8 tensor leaving a QuantizeLinear alone cannot feed a float layer',
          suggestion: 'follow it with DequantizeLinear (same scale), as a Q/DQ pair',
          detail: `feeds ${bad.map((c) => ir.nodeName[c] || opOf(ir, c)).join(', ') || 'a graph output'}`,
        });
    }
  }
  return { computes, nodeCompute, notes };
}

function consumerIds(ir: ModelIR, t: number): number[] {
  const out: number[] = [];
  for (let k = ir.consumerStart[t] as number; k < (ir.consumerStart[t + 1] as number); k++)
    out.push(ir.consumers[k] as number);
  return out;
}

function consumersOf(ir: ModelIR, t: number): string {
  return consumerIds(ir, t)
    .slice(0, 4)
    .map((c) => `${ir.nodeName[c] || opOf(ir, c)} (${opOf(ir, c)})`)
    .join(', ');
}
