/**
 * Step 3 of INT8: the numbers the Q/DQ pairs carry. Activations get a scale (and, for ONNX Runtime,
 * a zero point) from their calibrated range; weights are quantized symmetrically, one scale per
 * output channel (on the axis each op keeps them: weightAxis), 7 bits where ONNX Runtime's kernels
 * would saturate; ONNX Runtime's INT32 biases take input scale × weight scale, raising a weight
 * channel's scale where the bias would not fit INT32. Nothing is written into the model here
 * (emit.ts does that).
 */
import * as fs from 'node:fs';
import { attrOf } from '../../onnx/graph-edit';
import { inputsOf, producerOf } from '../../onnx/graph-index';
import type { IRGraph, ModelIR } from '../../onnx/ir';
import type { NodeProto, TensorProto } from '../../onnx/model';
import { elementCount } from '../../onnx/model';
import { tensorValues, type TensorSource } from '../../onnx/values';
import { calibratedThreshold, type ActivationStats } from '../calibrate';
import type { ActivationScale, Int8Options, Int8Result, Plan, WeightUse } from './types';
import { DataType } from '../../onnx/dtypes';

/** Round half to even, as QuantizeLinear (and numpy) round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---- weights -----------------------------------------------------------------------------------

/**
 * ONNX Runtime's x86 int8 kernels without VNNI (AVX2, AVX-512 without VNNI) multiply u8×s8 pairs
 * with vpmaddubsw, which saturates at int16: full-range weights overflow and accuracy collapses
 * (the classifier's top-1 fell to 0.66 on an AVX2 EPYC). As onnxruntime's own reduce_range does,
 * weights get 7 bits there. With VNNI, or off x86, they keep 8.
 */
export function ortWeightMax(): number {
  if (weightMax === undefined) {
    const x86 = process.arch === 'x64' || process.arch === 'ia32';
    weightMax = !x86 || /\b(avx512_vnni|avx_vnni)\b/.test(readCpuinfo()) ? 127 : 63;
  }
  return weightMax;
}
/** Read once per process: the CPU does not change. */
let weightMax: number | undefined;

function readCpuinfo(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return ''; // not Linux: assume no VNNI, the safe side
  }
}

/** Symmetric DataType.INT8 quantization of `values` (shape `dims`) along `axis` (null: one scale). */
export function quantizeWeights(
  values: ArrayLike<number>,
  dims: readonly number[],
  axis: number | null,
  /** 127, or 63 where u8×s8 kernels saturate (reduce range: see ortWeightMax). */
  qmax = 127,
): { q: Int8Array; scales: Float32Array } {
  const channels = axis === null ? 1 : (dims[axis] as number);
  const inner = axis === null ? values.length : elementCount(dims.slice(axis + 1));
  const chanOf = (i: number) => (axis === null ? 0 : Math.floor(i / inner) % channels);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = chanOf(i);
    const v = Math.abs(values[i] as number);
    if (v > (absMax[c] as number)) absMax[c] = v;
  }
  const scales = Float32Array.from(absMax, (m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = scales[chanOf(i)] as number;
    q[i] = Math.max(-qmax, Math.min(qmax, roundHalfEven((values[i] as number) / s)));
  }
  return { q, scales };
}

/** Requantizes channel `c` (along `axis`; null = the whole tensor) of `q` at a new scale. */
function requantizeChannel(
  values: ArrayLike<number>,
  dims: readonly number[],
  axis: number | null,
  c: number,
  q: Int8Array,
  scale: number,
): void {
  const channels = axis === null ? 1 : (dims[axis] as number);
  const inner = axis === null ? values.length : elementCount(dims.slice(axis + 1));
  for (let i = 0; i < values.length; i++) {
    if (axis !== null && Math.floor(i / inner) % channels !== c) continue;
    q[i] = Math.max(-127, Math.min(127, roundHalfEven((values[i] as number) / scale)));
  }
}

/**
 * The axis along which weight input `index` of weighted node `n` gets one scale per output channel
 * (null: one scale for the tensor); `rank` is the weight's rank.
 */
export function weightAxis(n: NodeProto, index: number, rank: number, perChannel: boolean): number | null {
  const op = n.opType;
  if (!perChannel) return null;
  if (op === 'Conv') return 0;
  if (op === 'ConvTranspose') return (attrOf(n, 'group')?.i ?? 1) === 1 ? 1 : null;
  if (index === 0) return null; // a constant left operand: one scale
  if (op === 'Gemm') return (attrOf(n, 'transB')?.i ?? 0) === 1 ? 0 : 1;
  return rank === 2 ? 1 : null;
}

// ---- activations -------------------------------------------------------------------------------

/**
 * The scale (and zero point) of each tensor with a Q/DQ pair, from its calibrated range (a tensor
 * that passes values through takes its source's), and those tensors in the order of the nodes that
 * make them (the order their pairs are written in).
 */
export function activationScales(
  ir: ModelIR,
  pl: Plan,
  stats: ReadonlyMap<string, ActivationStats>,
  opts: Int8Options,
  notes: string[],
): { activations: Record<string, ActivationScale>; qList: number[] } {
  const ort = opts.flavour === 'onnxruntime';
  const activations: Record<string, ActivationScale> = {};
  const scaleOf = (name: string): ActivationScale => {
    const s = stats.get(name);
    if (!s || s.count === 0) {
      notes.push(`${name} had no finite values on the calibration data: scale 1`);
      return { type: ort ? 'uint8' : 'int8', scale: 1, zeroPoint: 0, threshold: 0, min: 0, max: 0 };
    }
    const unsigned = ort && s.min >= 0;
    const t = calibratedThreshold(s, opts.calibrator, {
      percentile: opts.percentile ?? 99.99,
      unsigned,
      onFallback: (why) => notes.push(`${name}: ${why}`),
    });
    if (!ort) return { type: 'int8', scale: t > 0 ? t / 127 : 1, zeroPoint: 0, threshold: t, min: s.min, max: s.max };
    const rmin = Math.min(0, Math.max(s.min, -t));
    const rmax = Math.max(0, Math.min(s.max, t));
    if (rmax - rmin <= 0) return { type: 'uint8', scale: 1, zeroPoint: 0, threshold: t, min: s.min, max: s.max };
    const scale = (rmax - rmin) / 255;
    const zeroPoint = Math.max(0, Math.min(255, roundHalfEven(-rmin / scale)));
    return { type: 'uint8', scale, zeroPoint, threshold: t, min: s.min, max: s.max };
  };
  const position = new Map<number, number>();
  ir.topo
    .subarray((ir.graphs[0] as IRGraph).nodeStart, (ir.graphs[0] as IRGraph).nodeEnd)
    .forEach((id, k) => position.set(id, k));
  const at = (t: number) => position.get(producerOf(ir, t)) ?? -1;
  const qList = [...pl.qTensors.keys()].sort((x, y) => at(x) - at(y) || x - y);
  for (const t of qList) {
    const name = ir.tensorName[t] as string;
    const from = pl.shareFrom.get(t);
    if (from !== undefined) {
      const src = activations[ir.tensorName[from] as string] ?? scaleOf(ir.tensorName[from] as string);
      activations[name] = { ...src, sharedWith: ir.tensorName[from] as string };
    } else activations[name] = scaleOf(name);
  }
  return { activations, qList };
}

// ---- weights and INT32 biases ------------------------------------------------------------------

/** A weight quantized to DataType.INT8 (shared weights with the same axis are quantized once). */
export interface QuantizedWeight {
  init: string;
  axis: number | null;
  dims: number[];
  values: Float64Array;
  q: Int8Array;
  /** Raised by int32Biases where a bias needs it; the scale initializer views it. */
  scales: Float32Array;
}

/** What a weight use is quantized under: its initializer and axis. */
export function weightKey(ir: ModelIR, w: WeightUse): string {
  const t = inputsOf(ir, w.node)[w.index] as number;
  const init = ir.initializers[ir.tensorInitializer[t] as number] as TensorProto;
  return `${init.name}|${w.axis}`;
}

/** The planned weights quantized, by weightKey, in the order of their first use. */
export function quantizedWeights(ir: ModelIR, pl: Plan, src: TensorSource, ort: boolean): Map<string, QuantizedWeight> {
  const weightDq = new Map<string, QuantizedWeight>();
  for (const w of pl.weights) {
    const key = weightKey(ir, w);
    if (weightDq.has(key)) continue;
    const t = inputsOf(ir, w.node)[w.index] as number;
    const init = ir.initializers[ir.tensorInitializer[t] as number] as TensorProto;
    const values = tensorValues(init, src);
    const { q, scales } = quantizeWeights(values, init.dims, w.axis, ort ? ortWeightMax() : 127);
    weightDq.set(key, { init: init.name, axis: w.axis, dims: init.dims.slice(), values, q, scales });
  }
  return weightDq;
}

/** Per quantized weight: its scales (one per channel along `axis`, or one). */
export function weightScales(weightDq: ReadonlyMap<string, QuantizedWeight>): Int8Result['weights'] {
  const weightResult: Int8Result['weights'] = {};
  for (const wq of weightDq.values()) weightResult[wq.init] = { axis: wq.axis, scales: Array.from(wq.scales) };
  return weightResult;
}

/** A Conv/Gemm bias stored as DataType.INT32: the node input it replaces, its name, codes and per-channel scales. */
export interface Int32Bias {
  id: number;
  index: number;
  name: string;
  q: Int32Array;
  scales: Float32Array;
}

/**
 * INT32 biases (onnxruntime): scale = input scale × weight scale per channel. A bias too large
 * for INT32 at that scale raises the weight channel's scale first (as onnxruntime's quantizer
 * does); weights are requantized, then every bias is computed from the final scales.
 */
export function int32Biases(
  ir: ModelIR,
  pl: Plan,
  activations: Readonly<Record<string, ActivationScale>>,
  weightDq: ReadonlyMap<string, QuantizedWeight>,
  src: TensorSource,
  notes: string[],
): Int32Bias[] {
  const INT32_MAX = 2 ** 31 - 1;
  const biasJobs: {
    id: number;
    index: number;
    xScale: number;
    wq: QuantizedWeight;
    bias: TensorProto;
    values: Float64Array;
  }[] = [];
  for (const [id, index] of pl.biases) {
    const ins = inputsOf(ir, id);
    const xs = activations[ir.tensorName[ins[0] as number] as string];
    const wUse = pl.weights.find((w) => w.node === id && w.index === 1);
    if (!xs || !wUse) continue;
    const wq = weightDq.get(weightKey(ir, wUse));
    const bias = ir.initializers[ir.tensorInitializer[ins[index] as number] as number] as TensorProto;
    if (!wq || bias.dataType !== DataType.FLOAT) continue;
    const values = tensorValues(bias, src);
    if (wq.axis !== null && wq.scales.length !== values.length) continue;
    biasJobs.push({ id, index, xScale: xs.scale, wq, bias, values });
  }
  for (const job of biasJobs) {
    const { wq, values, xScale } = job;
    // One note per weight, not per channel: a pruned layer can have hundreds of near-zero channels.
    const raisedChannels: number[] = [];
    let smallest = Infinity;
    for (let c = 0; c < values.length; c++) {
      const k = wq.axis === null ? 0 : c;
      const need = Math.abs(values[c] as number) / (xScale * INT32_MAX);
      if ((wq.scales[k] as number) >= need) continue;
      let raised = Math.fround(need * (1 + 1e-6));
      while (raised < need) raised = Math.fround(raised * (1 + 1e-6));
      wq.scales[k] = raised;
      requantizeChannel(wq.values, wq.dims, wq.axis, k, wq.q, raised);
      raisedChannels.push(k);
      smallest = Math.min(smallest, raised);
    }
    if (raisedChannels.length > 0) {
      const list = raisedChannels.slice(0, 8).join(', ') + (raisedChannels.length > 8 ? ', …' : '');
      notes.push(
        raisedChannels.length === 1
          ? `weight ${wq.init}: channel ${list}'s scale raised to ${smallest.toExponential(3)} so bias ${job.bias.name} fits INT32`
          : `weight ${wq.init}: ${raisedChannels.length} channels' scales (${list}) raised to ${smallest.toExponential(3)} or more so bias ${job.bias.name} fits INT32`,
      );
    }
  }
  return biasJobs.map(({ id, index, xScale, wq, bias, values }) => {
    const channels = values.length;
    const bScales = Float32Array.from(
      { length: channels },
      (_, c) => xScale * (wq.scales[wq.axis === null ? 0 : c] as number),
    );
    const q = Int32Array.from({ length: channels }, (_, c) =>
      Math.max(-INT32_MAX, Math.min(INT32_MAX, roundHalfEven((values[c] as number) / (bScales[c] as number)))),
    );
    return { id, index, name: bias.name, q, scales: bScales };
  });
}
