/**
 * INT8 as an ONNX rewrite with QuantizeLinear/DequantizeLinear pairs — what TensorRT 11 takes
 * instead of builder precision flags and calibrators (NVIDIA's ModelOpt does it in Python), and
 * what ONNX Runtime's CPU provider fuses into integer kernels.
 *
 * The pipeline:
 * 1. Prepare: raise the ai.onnx opset to 13 when it is lower (DequantizeLinear's per-channel `axis`
 *    needs 13), converting the nodes whose schema changed on the way and refusing ops whose
 *    meaning Kiln cannot carry over; turn Constant nodes into initializers; fold BatchNormalization
 *    into the Conv before it (weights are quantized after folding, as TensorRT and onnxruntime's
 *    pre-processing do).
 * 2. Place Q/DQ (per flavour, below) and calibrate the activations that get them.
 * 3. Rewrite: weights become INT8 initializers + DequantizeLinear (symmetric, per output channel),
 *    activations get QuantizeLinear → DequantizeLinear with per-tensor scales.
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
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KilnError } from '../../shared/api/errors';
import { analyzeModel, type ModelAnalysis } from '../onnx/analyze';
import type { IRGraph } from '../onnx/ir';
import { TENSOR_INITIALIZER, TENSOR_OUTPUT } from '../onnx/ir';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from '../onnx/model';
import { ATTR, elementCount } from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import { writeModelFile } from '../onnx/write';
import { equalizationCandidates, equalizeChannels } from './equalize';
import { foldAffineIntoConvs, foldAffineIntoNextConvs, foldBatchNorms, fuseHardSigmoids } from './folds';
import { attrOf, bytesOf, dropUnusedInitializers, f32Tensor, isDefaultDomain, Names, node, tensor } from './graph-edit';
import { RECIPE_KEY, SOURCE_KEY } from './recipe-meta';
import { sampleCount as calibrationSampleCount, type InputData as CalibrationData } from '../inputs/feeds';
import { calibratedThreshold, collectActivationStats, type ActivationStats, type CalibratorKind } from './calibrate';

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;

export interface Int8Options {
  /** What metadata_props names as the source (`name sha256:…`); the input file by default. */
  source?: string;
  data: CalibrationData;
  calibrator: CalibratorKind;
  /** For the percentile calibrator (default 99.99). */
  percentile?: number;
  flavour: 'tensorrt' | 'onnxruntime';
  /** Per-channel weight scales (default true); false = one scale per weight tensor. */
  perChannel?: boolean;
  /**
   * Added to what is quantized by default (Conv, ConvTranspose, MatMul, Gemm): op types (e.g.
   * MaxPool, AveragePool, GlobalAveragePool, Add, Mul, Concat) and node names. Exclusions win.
   */
  include?: { ops?: string[]; nodes?: string[] };
  /** Op types and node names left in float. Excluding 'Add' turns off TensorRT's residual-Add rule. */
  exclude?: { ops?: string[]; nodes?: string[] };
  signal?: AbortSignal;
  onProgress?: (fraction: number, stage: string) => void;
  /** Also write a TensorRT calibration cache (text, TRT-<version>-EntropyCalibration2) for the source model. */
  calibrationCachePath?: string;
  /** Version number in the cache header (default 8601, TensorRT 8.6.1). */
  trtVersion?: number;
  /** Tensors exposed per calibration pass (default 200). */
  maxTensorsPerPass?: number;
  /** Equalize Conv inputs per channel before quantizing (default: for TensorRT only, as measured; see equalize.ts). */
  equalize?: boolean;
  /**
   * Statistics kept across calls that differ only in the nodes left float (the speed check, the
   * mixed search): a call whose tensors were all measured before does not run the data again.
   * Leaving a node float changes no other tensor's values, so the statistics stay valid.
   */
  reuse?: CalibrationReuse;
}

/** Per-tensor statistics already measured on one model, data and calibrator. */
export interface CalibrationReuse {
  /** Per-channel ranges before equalization. */
  channels: Map<string, ActivationStats>;
  /** Ranges (and histograms) of the tensors that get Q/DQ, after equalization. */
  ranges: Map<string, ActivationStats>;
  /** `ranges` holds every float activation (measured for a TensorRT calibration cache). */
  complete?: boolean;
}

/** Statistics for `names`: from `cache` when it has them all, else measured (and cached). */
async function measured(
  cache: Map<string, ActivationStats> | undefined,
  names: string[],
  collect: () => Promise<Map<string, ActivationStats>>,
  needHistograms = false,
): Promise<Map<string, ActivationStats>> {
  const have = (n: string) => {
    const s = cache?.get(n);
    return s !== undefined && (!needHistograms || s.histogram !== undefined);
  };
  if (cache && names.length > 0 && names.every(have)) return cache;
  const stats = await collect();
  if (cache) for (const [k, v] of stats) cache.set(k, v);
  return stats;
}

export interface ActivationScale {
  type: 'int8' | 'uint8';
  scale: number;
  zeroPoint: number;
  /** Clipping threshold on |x| the calibrator chose. */
  threshold: number;
  min: number;
  max: number;
  /** Scale and zero point taken over from this tensor (an op that passes values through). */
  sharedWith?: string;
}

export interface Int8Result {
  outPath: string;
  bytes: number;
  flavour: Int8Options['flavour'];
  calibrator: CalibratorKind;
  /** Nodes running on quantized inputs (weighted ops and included ops). */
  quantizedNodes: string[];
  /** Residual Adds whose second input was quantized so TensorRT fuses them with the Conv before. */
  residualAdds: string[];
  skipped: { node: string; op: string; reason: string }[];
  /** Per activation tensor with a Q/DQ pair. */
  activations: Record<string, ActivationScale>;
  /** Per quantized weight: its scales (one per channel along `axis`, or one). */
  weights: Record<string, { axis: number | null; scales: number[] }>;
  /** Biases stored as INT32 (onnxruntime flavour). */
  int32Biases: string[];
  qdqPairs: number;
  opset: { from: number; to: number; converted: { node: string; op: string; change: string }[] };
  prepared: {
    constantsToInitializers: number;
    batchNormsFolded: number;
    affineFolded: number;
    hardSigmoidsFused: number;
    /** Conv inputs whose channels were equalized (their scale moved into the ops before). */
    channelsEqualized: string[];
  };
  calibrationCachePath: string | null;
  /** Samples calibrated on (null when counted from files). */
  calibrationSamples: number | null;
  notes: string[];
  ms: number;
}

// ---- small builders ----------------------------------------------------------------------------

const intAttr = (name: string, i: number): AttributeProto => ({
  name,
  type: ATTR.INT,
  i,
  refAttrName: '',
  docString: '',
});
const strAttr = (name: string, s: string): AttributeProto => ({
  name,
  type: ATTR.STRING,
  s: new TextEncoder().encode(s),
  refAttrName: '',
  docString: '',
});

function setAttr(n: NodeProto, a: AttributeProto): void {
  n.attribute = [...n.attribute.filter((x) => x.name !== a.name), a];
}

function dropAttr(n: NodeProto, ...names: string[]): void {
  n.attribute = n.attribute.filter((x) => !names.includes(x.name));
}

const i64Tensor = (name: string, v: readonly number[]) =>
  tensor(name, INT64, [v.length], bytesOf(BigInt64Array.from(v.map((x) => BigInt(x)))));

/** Round half to even, as QuantizeLinear (and numpy) round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---- opset 13 ----------------------------------------------------------------------------------

/**
 * ai.onnx ops whose schema did not change meaning between opset 9 and 13 (new types, new optional
 * attributes with the old behaviour as default, negative axes): carried over as they are.
 */
const SAME_9_TO_13 = new Set(
  `Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization BitShift Cast Ceil Celu
  Compress Concat ConcatFromSequence Constant ConstantOfShape Conv ConvInteger ConvTranspose Cos Cosh CumSum DepthToSpace
  DequantizeLinear Det Div DynamicQuantizeLinear Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor GRU Gather
  GatherElements GatherND Gemm GlobalAveragePool GlobalLpPool GlobalMaxPool Greater GreaterOrEqual HardSigmoid Identity
  If InstanceNormalization IsInf IsNaN LRN LSTM LeakyRelu Less LessOrEqual Log Loop LpNormalization LpPool MatMul
  MatMulInteger Max MaxPool MaxRoiPool MaxUnpool Mean MeanVarianceNormalization Min Mod Mul Multinomial Neg
  NegativeLogLikelihoodLoss NonMaxSuppression NonZero Not OneHot Or PRelu Pow QLinearConv QLinearMatMul QuantizeLinear
  RNN RandomNormal RandomNormalLike RandomUniform RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum
  ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSumSquare Relu Reshape ReverseSequence RoiAlign Round
  Scan ScatterElements ScatterND Selu SequenceAt SequenceConstruct SequenceEmpty SequenceErase SequenceInsert
  SequenceLength Shape Shrink Sigmoid Sign Sin Sinh Size Softplus Softsign SoftmaxCrossEntropyLoss SpaceToDepth
  SplitToSequence Sqrt StringNormalizer Sub Sum Tan Tanh TfIdfVectorizer ThresholdedRelu Tile Transpose Unique Where Xor`
    .split(/\s+/)
    .filter(Boolean),
);

/** The opset where each converted op's schema changed (a node is rewritten when the model's opset is below it). */
const CHANGED_AT: Record<string, number> = {
  Clip: 11, // min/max attributes → inputs
  Slice: 10, // starts/ends/axes attributes → inputs
  Pad: 11, // pads/value attributes → inputs
  TopK: 10, // k attribute → input
  Dropout: 12, // ratio attribute → input (inference: identity either way)
  Scatter: 11, // deprecated: ScatterElements
  Upsample: 10, // deprecated: Resize
  Resize: 11, // v10 → v11: roi input, coordinate_transformation_mode
  Squeeze: 13, // axes attribute → input
  Unsqueeze: 13,
  ReduceSum: 13,
  Split: 13, // split attribute → input
  Softmax: 13, // coerced-to-2D over [axis:] → along one axis
  LogSoftmax: 13,
  Hardmax: 13,
};

export const MIN_SOURCE_OPSET = 9;

interface UpgradeContext {
  names: Names;
  /** Rank of main-graph tensors when known. */
  rank: (name: string) => number | null;
  dtype: (name: string) => string;
  file: string;
  from: number;
  converted: { node: string; op: string; change: string }[];
}

function ints(n: NodeProto, name: string): number[] | undefined {
  return attrOf(n, name)?.ints;
}

/** Rewrites one graph's nodes (and their bodies) from opset `from` to 13. */
function upgradeGraph(g: GraphProto, ctx: UpgradeContext, isMain: boolean): void {
  const out: NodeProto[] = [];
  const label = (n: NodeProto) => n.name || `${n.opType}(${n.output[0] ?? ''})`;
  const note = (n: NodeProto, change: string) => ctx.converted.push({ node: label(n), op: n.opType, change });
  const addInit = (t: TensorProto) => g.initializer.push(t);
  const intsInput = (n: NodeProto, attr: string, suffix: string): string => {
    const v = ints(n, attr);
    if (!v) return '';
    const name = ctx.names.fresh(`${n.output[0] || n.name}_${suffix}`);
    addInit(i64Tensor(name, v));
    return name;
  };
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.g) upgradeGraph(a.g, ctx, false);
      for (const sg of a.graphs ?? []) upgradeGraph(sg, ctx, false);
    }
    if (!isDefaultDomain(n)) {
      out.push(n);
      continue;
    }
    const op = n.opType;
    const changedAt = CHANGED_AT[op];
    if (changedAt === undefined) {
      if (!SAME_9_TO_13.has(op)) {
        throw new KilnError(
          'UNSUPPORTED',
          `${ctx.file} is ai.onnx opset ${ctx.from}; INT8 needs opset 13 and Kiln does not know whether ${op} (node ${label(n)}) means the same there — convert the model to opset 13 first (onnx.version_converter)`,
          { file: ctx.file, details: { node: label(n), op } },
        );
      }
      out.push(n);
      continue;
    }
    if (ctx.from >= changedAt) {
      if (op === 'Resize') {
        const mode = attrOf(n, 'coordinate_transformation_mode')?.s;
        if (mode && new TextDecoder().decode(mode) === 'tf_half_pixel_for_nn') {
          throw new KilnError(
            'UNSUPPORTED',
            `${ctx.file}: Resize node ${label(n)} uses coordinate_transformation_mode tf_half_pixel_for_nn, which opset 13 removed`,
            { file: ctx.file },
          );
        }
      }
      out.push(n);
      continue;
    }
    switch (op) {
      case 'Clip': {
        const min = attrOf(n, 'min')?.f;
        const max = attrOf(n, 'max')?.f;
        const x = n.input[0] ?? '';
        const dt = isMain ? ctx.dtype(x) : 'float32';
        if (dt !== 'float32' && dt !== '') {
          throw new KilnError(
            'UNSUPPORTED',
            `${ctx.file}: Clip node ${label(n)} on ${dt} cannot be converted to opset 13 yet`,
            {
              file: ctx.file,
            },
          );
        }
        const bound = (v: number | undefined, s: string) => {
          if (v === undefined) return '';
          const name = ctx.names.fresh(`${n.output[0] || n.name}_${s}`);
          addInit(f32Tensor(name, [], [v]));
          return name;
        };
        const lo = bound(min, 'min');
        const hi = bound(max, 'max');
        n.input = hi ? [x, lo, hi] : lo ? [x, lo] : [x];
        dropAttr(n, 'min', 'max');
        note(n, 'min/max attributes → inputs');
        break;
      }
      case 'Slice': {
        const starts = intsInput(n, 'starts', 'starts');
        const ends = intsInput(n, 'ends', 'ends');
        const axes = intsInput(n, 'axes', 'axes');
        n.input = axes ? [n.input[0] ?? '', starts, ends, axes] : [n.input[0] ?? '', starts, ends];
        dropAttr(n, 'starts', 'ends', 'axes');
        note(n, 'starts/ends/axes attributes → inputs');
        break;
      }
      case 'Squeeze':
      case 'Unsqueeze':
      case 'ReduceSum': {
        const axes = intsInput(n, 'axes', 'axes');
        if (axes) n.input = [n.input[0] ?? '', axes];
        else if (op === 'Unsqueeze')
          throw new KilnError('NOT_ONNX', `${ctx.file}: Unsqueeze node ${label(n)} has no axes`, { file: ctx.file });
        dropAttr(n, 'axes');
        note(n, 'axes attribute → input');
        break;
      }
      case 'Split': {
        const split = intsInput(n, 'split', 'split');
        if (split) n.input = [n.input[0] ?? '', split];
        dropAttr(n, 'split');
        note(n, 'split attribute → input');
        break;
      }
      case 'TopK': {
        const k = attrOf(n, 'k')?.i;
        if (k === undefined)
          throw new KilnError('NOT_ONNX', `${ctx.file}: TopK node ${label(n)} has no k`, { file: ctx.file });
        const name = ctx.names.fresh(`${n.output[0] || n.name}_k`);
        addInit(i64Tensor(name, [k]));
        n.input = [n.input[0] ?? '', name];
        dropAttr(n, 'k');
        note(n, 'k attribute → input');
        break;
      }
      case 'Pad': {
        const pads = intsInput(n, 'pads', 'pads');
        const value = attrOf(n, 'value')?.f;
        const x = n.input[0] ?? '';
        const inputs = [x, pads];
        if (value !== undefined && value !== 0) {
          const dt = isMain ? ctx.dtype(x) : 'float32';
          if (dt !== 'float32' && dt !== '') {
            throw new KilnError(
              'UNSUPPORTED',
              `${ctx.file}: Pad node ${label(n)} on ${dt} cannot be converted to opset 13 yet`,
              {
                file: ctx.file,
              },
            );
          }
          const name = ctx.names.fresh(`${n.output[0] || n.name}_value`);
          addInit(f32Tensor(name, [], [value]));
          inputs.push(name);
        }
        n.input = inputs;
        dropAttr(n, 'pads', 'value');
        note(n, 'pads/value attributes → inputs');
        break;
      }
      case 'Dropout':
        dropAttr(n, 'ratio');
        note(n, 'ratio attribute dropped (an input since opset 12; inference ignores it)');
        break;
      case 'Scatter':
        n.opType = 'ScatterElements';
        note(n, 'Scatter → ScatterElements');
        break;
      case 'Upsample':
      case 'Resize': {
        // Upsample-9 and Resize-10 scale with asymmetric coordinates, nearest rounding down.
        const mode = attrOf(n, 'mode')?.s;
        const modeName = mode ? new TextDecoder().decode(mode) : 'nearest';
        if (op === 'Upsample' && ctx.from < 9) {
          throw new KilnError(
            'UNSUPPORTED',
            `${ctx.file}: Upsample node ${label(n)} of opset ${ctx.from} cannot be converted`,
            {
              file: ctx.file,
            },
          );
        }
        n.input = [n.input[0] ?? '', '', n.input[1] ?? ''];
        n.opType = 'Resize';
        setAttr(n, strAttr('mode', modeName === 'bilinear' ? 'linear' : modeName));
        setAttr(n, strAttr('coordinate_transformation_mode', 'asymmetric'));
        if (modeName === 'nearest') setAttr(n, strAttr('nearest_mode', 'floor'));
        note(n, `${op} → Resize-13 (asymmetric coordinates${modeName === 'nearest' ? ', nearest rounds down' : ''})`);
        break;
      }
      case 'Softmax':
      case 'LogSoftmax':
      case 'Hardmax': {
        const x = n.input[0] ?? '';
        const axis = attrOf(n, 'axis')?.i ?? 1;
        const rank = isMain ? ctx.rank(x) : null;
        const a = rank !== null && axis < 0 ? axis + rank : axis;
        if (rank !== null && a === rank - 1) {
          setAttr(n, intAttr('axis', -1));
          note(n, `axis ${axis} is the last axis: same result along one axis`);
          break;
        }
        // Coerce to 2-D as opset < 13 did, apply along the last axis, restore the shape.
        const y = n.output[0] ?? '';
        const base = y || n.name;
        const shape = ctx.names.fresh(`${base}_kiln_shape`);
        const flat = ctx.names.fresh(`${base}_kiln_2d`);
        const res = ctx.names.fresh(`${base}_kiln_${op.toLowerCase()}`);
        out.push(node('Shape', [x], [shape], ctx.names.fresh(`${base}_kiln_Shape`)));
        out.push(node('Flatten', [x], [flat], ctx.names.fresh(`${base}_kiln_Flatten`), [intAttr('axis', axis)]));
        n.input = [flat];
        n.output = [res];
        setAttr(n, intAttr('axis', 1));
        out.push(n);
        out.push(node('Reshape', [res, shape], [y], ctx.names.fresh(`${base}_kiln_Reshape`)));
        note(
          n,
          `axis ${axis} over ${rank === null ? 'an input of unknown rank' : `rank ${rank}`}: Flatten → ${op} → Reshape`,
        );
        continue;
      }
    }
    out.push(n);
  }
  g.node = out;
}

/**
 * Raises the model's ai.onnx opset to 13 (no change at 13 or above), converting nodes whose schema
 * changed; refuses (UNSUPPORTED) when an op's meaning at 13 is not known to be the same.
 */
export function upgradeToOpset13(a: ModelAnalysis): {
  from: number;
  to: number;
  converted: UpgradeContext['converted'];
} {
  const model = a.opened.model;
  const file = a.opened.displayName;
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const from = entry?.version ?? 0;
  if (entry && from >= 13) return { from, to: from, converted: [] };
  if (entry && from < MIN_SOURCE_OPSET) {
    throw new KilnError(
      'UNSUPPORTED',
      `${file} is ai.onnx opset ${from}; Kiln converts opset ${MIN_SOURCE_OPSET}–12 to 13 for INT8 — convert older models with onnx.version_converter first`,
      { file },
    );
  }
  const { ir, shapes } = a;
  const byName = new Map<string, number>();
  for (let t = 0; t < ir.tensorCount; t++) if (ir.tensorGraph[t] === 0) byName.set(ir.tensorName[t] as string, t);
  const typeOf = (name: string) => {
    const t = byName.get(name);
    return t === undefined ? undefined : shapes.types[t];
  };
  const ctx: UpgradeContext = {
    names: new Names(model),
    rank: (name) => typeOf(name)?.dims?.length ?? null,
    dtype: (name) => typeOf(name)?.dtype ?? '',
    file,
    from,
    converted: [],
  };
  if (model.graph && entry) upgradeGraph(model.graph, ctx, true);
  if (entry) entry.version = 13;
  else model.opsetImport.push({ domain: '', version: 13 });
  if (model.irVersion < 7) model.irVersion = 7;
  return { from, to: 13, converted: ctx.converted };
}

// ---- preparation: constants and BatchNormalization ---------------------------------------------

/** Main-graph Constant nodes holding a tensor (or a float/int list) become initializers. */
export function constantsToInitializers(model: ModelProto): number {
  const g = model.graph;
  if (!g) return 0;
  let n = 0;
  const kept: NodeProto[] = [];
  const outputs = new Set(g.output.map((v) => v.name));
  for (const node of g.node) {
    const out = node.output[0];
    if (
      node.opType !== 'Constant' ||
      !isDefaultDomain(node) ||
      !out ||
      outputs.has(out) ||
      node.attribute.length !== 1
    ) {
      kept.push(node);
      continue;
    }
    const a = node.attribute[0] as AttributeProto;
    let t: TensorProto | undefined;
    if (a.name === 'value' && a.t) t = { ...a.t, name: out };
    else if (a.name === 'value_float' && a.f !== undefined) t = f32Tensor(out, [], [a.f]);
    else if (a.name === 'value_floats' && a.floats) t = f32Tensor(out, [a.floats.length], a.floats);
    else if (a.name === 'value_int' && a.i !== undefined) t = { ...i64Tensor(out, [a.i]), dims: [] };
    else if (a.name === 'value_ints' && a.ints) t = i64Tensor(out, a.ints);
    if (!t) {
      kept.push(node);
      continue;
    }
    delete t.nameId;
    g.initializer.push(t);
    n++;
  }
  g.node = kept;
  return n;
}

// ---- placement ----------------------------------------------------------------------------------

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

interface WeightUse {
  node: number;
  /** Input position of the weight. */
  index: number;
  axis: number | null;
}

interface Plan {
  quantized: Set<number>;
  residualAdds: number[];
  skipped: Int8Result['skipped'];
  /** Tensor id → consumers (node id → input positions) that read the dequantized tensor; -1 key = all. */
  qTensors: Map<number, Set<number> | 'all'>;
  /** Tensor id → tensor whose scale it shares. */
  shareFrom: Map<number, number>;
  weights: WeightUse[];
  /** Conv/Gemm bias inputs to store as INT32: node id → input position. */
  biases: Map<number, number>;
}

function plan(a: ModelAnalysis, opts: Int8Options): Plan {
  const { ir, shapes } = a;
  const main = ir.graphs[0] as IRGraph;
  const ort = opts.flavour === 'onnxruntime';
  const perChannel = opts.perChannel ?? true;
  const ops = new Set([...WEIGHTED, ...(opts.include?.ops ?? [])]);
  const includeNodes = new Set(opts.include?.nodes ?? []);
  const excludeOps = new Set(opts.exclude?.ops ?? []);
  const excludeNodes = new Set(opts.exclude?.nodes ?? []);
  const inputs = (id: number) => Array.from(ir.nodeInputs.subarray(ir.nodeInputStart[id], ir.nodeInputStart[id + 1]));
  const outputs = (id: number) =>
    Array.from(ir.nodeOutputs.subarray(ir.nodeOutputStart[id], ir.nodeOutputStart[id + 1]));
  const consumers = (t: number) => Array.from(ir.consumers.subarray(ir.consumerStart[t], ir.consumerStart[t + 1]));
  const isConst = (t: number) => ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) !== 0;
  const isGraphOutput = (t: number) => ((ir.tensorFlags[t] as number) & TENSOR_OUTPUT) !== 0;
  const isFloatAct = (t: number) => t >= 0 && !isConst(t) && shapes.types[t]?.dtype === 'float32';
  const inMain = (id: number) => id >= main.nodeStart && id < main.nodeEnd;
  const label = (id: number) => (ir.nodes[id] as NodeProto).name || `${(ir.nodes[id] as NodeProto).opType}_${id}`;

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
    const skip = (reason: string) => p.skipped.push({ node: label(id), op, reason });
    if (!inMain(id)) {
      skip('inside an If/Loop/Scan body or a function: only the main graph is quantized');
      continue;
    }
    if (excludeOps.has(op) || excludeNodes.has(n.name)) {
      skip('excluded by the recipe');
      continue;
    }
    const ins = inputs(id);
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
      const axisFor = (index: number, t: number): number | null => {
        if (!perChannel) return null;
        if (op === 'Conv') return 0;
        if (op === 'ConvTranspose') return (attrOf(n, 'group')?.i ?? 1) === 1 ? 1 : null;
        if (index === 0) return null; // a constant left operand: one scale
        if (op === 'Gemm') return (attrOf(n, 'transB')?.i ?? 0) === 1 ? 0 : 1;
        return wrank(t) === 2 ? 1 : null;
      };
      for (const index of [0, 1]) {
        const t = ins[index] as number;
        if (isConst(t)) p.weights.push({ node: id, index, axis: axisFor(index, t) });
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
      const ins = inputs(id);
      if (ins.length !== 2 || !ins.every(isFloatAct)) continue;
      const fusible = ins.map((t) => {
        const pr = ir.tensorProducer[t] as number;
        return (
          pr >= 0 &&
          p.quantized.has(pr) &&
          CONVS.has((ir.nodes[pr] as NodeProto).opType) &&
          consumers(t).length === 1 &&
          !isGraphOutput(t)
        );
      });
      if (!fusible[0] && !fusible[1]) continue;
      // Fuse with the Conv computed last; quantize the other input.
      const fused =
        fusible[0] && fusible[1]
          ? (ir.tensorProducer[ins[0] as number] as number) > (ir.tensorProducer[ins[1] as number] as number)
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
      let t = outputs(id)[0] ?? -1;
      if (t < 0 || shapes.types[t]?.dtype !== 'float32') continue;
      const cons = consumers(t);
      if (cons.length === 1 && !isGraphOutput(t)) {
        const c = cons[0] as number;
        const cn = ir.nodes[c] as NodeProto;
        const absorbable =
          ABSORBED.has(cn.opType) &&
          isDefaultDomain(cn) &&
          inMain(c) &&
          (cn.opType === 'Relu' || cn.input.slice(1).every((x, k) => x === '' || isConst(inputs(c)[k + 1] ?? -1)));
        if (absorbable) t = outputs(c)[0] ?? -1;
      }
      if (t < 0 || isGraphOutput(t)) continue;
      const always = op === 'Conv' || op === 'ConvTranspose';
      if (always || p.qTensors.has(t)) p.qTensors.set(t, 'all');
    }
    // An op that only moves values keeps its input's scale when both sides are quantized.
    for (const id of order) {
      const n = ir.nodes[id] as NodeProto;
      if (!PASS_THROUGH.has(n.opType) || !isDefaultDomain(n)) continue;
      const x = inputs(id)[0] ?? -1;
      const y = outputs(id)[0] ?? -1;
      // Their outputs lie within the input's range (Resize interpolates between input values).
      if (x >= 0 && y >= 0 && p.qTensors.has(x) && p.qTensors.has(y)) p.shareFrom.set(y, p.shareFrom.get(x) ?? x);
    }
  }
  return p;
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

/** Symmetric INT8 quantization of `values` (shape `dims`) along `axis` (null: one scale). */
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

// ---- the rewrite -------------------------------------------------------------------------------

function hexScale(scale: number): string {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, scale);
  return b.getUint32(0).toString(16).padStart(8, '0');
}

/** TensorRT's calibration cache text: a header, then `name: <float32 scale bits as hex>` per tensor. */
export function calibrationCacheText(scales: ReadonlyMap<string, number>, trtVersion = 8601): string {
  const lines = [`TRT-${trtVersion}-EntropyCalibration2`];
  for (const [name, scale] of scales) lines.push(`${name}: ${hexScale(scale)}`);
  return `${lines.join('\n')}\n`;
}

function recipeOf(opts: Int8Options): Record<string, unknown> {
  const data =
    opts.data.kind === 'random'
      ? { kind: 'random', samples: opts.data.samples, seed: opts.data.seed, shapes: opts.data.shapes }
      : opts.data.kind === 'images'
        ? {
            kind: 'images',
            images: opts.data.paths.length,
            first: path.basename(opts.data.paths[0] ?? ''),
            preprocess: opts.data.preprocess,
            shapes: opts.data.shapes,
          }
        : { kind: 'npz', files: opts.data.paths.map((p) => path.basename(p)) };
  return {
    precision: 'int8',
    flavour: opts.flavour,
    calibrator: opts.calibrator,
    ...(opts.calibrator === 'percentile' ? { percentile: opts.percentile ?? 99.99 } : {}),
    perChannel: opts.perChannel ?? true,
    equalize: opts.equalize ?? opts.flavour === 'tensorrt',
    include: opts.include ?? {},
    exclude: opts.exclude ?? {},
    data,
  };
}

function validate(opts: Int8Options): void {
  if (opts.flavour !== 'tensorrt' && opts.flavour !== 'onnxruntime')
    throw new KilnError(
      'INVALID_ARGUMENT',
      `flavour must be 'tensorrt' or 'onnxruntime', not '${String(opts.flavour)}'`,
    );
  if (!['max', 'percentile', 'entropy', 'mse'].includes(opts.calibrator))
    throw new KilnError(
      'INVALID_ARGUMENT',
      `calibrator must be max, percentile, entropy or mse, not '${String(opts.calibrator)}'`,
    );
  const p = opts.percentile ?? 99.99;
  if (!(p > 0 && p <= 100)) throw new KilnError('INVALID_ARGUMENT', `percentile must be in (0, 100], not ${p}`);
}

/**
 * Quantizes the model at `modelPath` to INT8 Q/DQ form and writes it to `outPath` (atomically),
 * with the recipe in metadata_props (`kiln.recipe`).
 */
export async function quantizeInt8(modelPath: string, outPath: string, opts: Int8Options): Promise<Int8Result> {
  const t0 = performance.now();
  validate(opts);
  const progress = (f: number, stage: string) => opts.onProgress?.(f, stage);
  const check = () => {
    if (opts.signal?.aborted)
      throw new KilnError('CANCELLED', `INT8 quantization of ${path.basename(modelPath)} was cancelled`);
  };
  progress(0, `Reading ${path.basename(modelPath)}`);
  const a = await analyzeModel(modelPath);
  const file = a.opened.displayName;
  if (!a.opened.model.graph) throw new KilnError('NOT_ONNX', `${file} has no graph`, { file });
  const notes: string[] = [];
  check();

  // 1. Prepare.
  progress(0.02, 'Preparing the graph');
  const opset = upgradeToOpset13(a);
  if (opset.from < 13)
    notes.push(
      `opset raised from ${opset.from} to 13 (${opset.converted.length} node${opset.converted.length === 1 ? '' : 's'} converted)`,
    );
  const model = a.opened.model;
  const constants = constantsToInitializers(model);
  const source = { path: a.opened.path, bytes: a.opened.bytes };
  const folded = foldBatchNorms(model, source);
  // Hard-sigmoids first: folding their "+3" into a Conv's bias would hide the pattern.
  const hardSigmoids = fuseHardSigmoids(model, source);
  const affine = foldAffineIntoConvs(model, source);
  // A transposed convolution's bias written as an Add hid the BatchNormalization after it.
  const foldedAfter = foldBatchNorms(model, source);
  // For ONNX Runtime only. TensorRT fuses the affine into the Conv before by itself, and its
  // symmetric INT8 reads s·h + t better than h: a hard-swish's output is lopsided (≥ −0.375), the
  // shift centres it (measured: PP-OCRv4 det held-back cosine 0.985 with it, 0.968 folded).
  const forward =
    opts.flavour === 'onnxruntime'
      ? foldAffineIntoNextConvs(model, source, { asBatchNorm: true })
      : { folded: 0, batchNorms: 0 };
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const rewrites = [
    affine && `${plural(affine, 'Mul/Add')} folded into the Conv before`,
    forward.folded && `${plural(forward.folded, 'affine')} after an activation folded into the Convs after`,
    forward.batchNorms &&
      `${plural(forward.batchNorms, 'Mul→Add pair')} before padded Convs made one BatchNormalization`,
    foldedAfter && `${plural(foldedAfter, 'more BatchNormalization', 'more BatchNormalizations')} folded`,
    hardSigmoids && `${plural(hardSigmoids, 'Add→Clip→Div hard-sigmoid')} fused into HardSigmoid`,
  ].filter((x): x is string => typeof x === 'string');
  if (rewrites.length > 0) notes.push(`exact rewrites before quantizing: ${rewrites.join(', ')}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-int8-'));
  try {
    const prepPath = path.join(tmp, 'prepared.onnx');
    let equalized: string[] = [];
    if (opts.equalize ?? opts.flavour === 'tensorrt') {
      const excludedOps = new Set(opts.exclude?.ops ?? []);
      const excludedNodes = new Set(opts.exclude?.nodes ?? []);
      const candidates = equalizationCandidates(model, (c) => !excludedOps.has(c.opType) && !excludedNodes.has(c.name));
      if (candidates.length > 0) {
        // One max-only pass for the per-channel ranges, on the folded model (written only when measured).
        const names = candidates.map((c) => c.tensor);
        const channelStats = await measured(opts.reuse?.channels, names, () => {
          writeModelFile(model, prepPath, { source: a.opened.bytes });
          return collectActivationStats(prepPath, opts.data, {
            tensors: names,
            channels: names,
            ...(opts.signal ? { signal: opts.signal } : {}),
            onProgress: (f) => progress(0.05 * f, 'Measuring channel ranges'),
          });
        });
        equalized = equalizeChannels(model, source, candidates, channelStats);
        if (equalized.length > 0)
          notes.push(
            `${equalized.length} Conv input${equalized.length === 1 ? '' : 's'} equalized per channel before quantizing (the scale moved into the ops before, exact in float)`,
          );
      }
    }
    writeModelFile(model, prepPath, { source: a.opened.bytes });
    const p = await analyzeModel(prepPath, file);
    check();

    // 2. Placement and calibration.
    const pl = plan(p, opts);
    const { ir } = p;
    if (pl.quantized.size === 0)
      notes.push('no node was quantized: the model has no float32 Conv, ConvTranspose, MatMul or Gemm to quantize');
    const ort = opts.flavour === 'onnxruntime';
    const toMeasure = new Set<string>();
    for (const t of pl.qTensors.keys()) if (!pl.shareFrom.has(t)) toMeasure.add(ir.tensorName[t] as string);
    const wantCache = opts.calibrationCachePath !== undefined;
    const collect = () =>
      collectActivationStats(prepPath, opts.data, {
        ...(wantCache ? {} : { tensors: [...toMeasure] }),
        histogram: opts.calibrator !== 'max',
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (f, stage) => progress(0.05 + 0.85 * f, stage),
        ...(opts.maxTensorsPerPass ? { maxTensorsPerPass: opts.maxTensorsPerPass } : {}),
      });
    let stats = new Map<string, ActivationStats>();
    if (wantCache) {
      // The calibration cache covers every float activation: measured once, then reused whole.
      stats = opts.reuse?.complete ? opts.reuse.ranges : await measured(opts.reuse?.ranges, [], collect);
      if (opts.reuse) opts.reuse.complete = true;
    } else if (toMeasure.size > 0)
      stats = await measured(opts.reuse?.ranges, [...toMeasure], collect, opts.calibrator !== 'max');
    check();
    progress(0.9, 'Inserting Q/DQ');

    // 3. Scales.
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
    const at = (t: number) => position.get(ir.tensorProducer[t] as number) ?? -1;
    const qList = [...pl.qTensors.keys()].sort((x, y) => at(x) - at(y) || x - y);
    for (const t of qList) {
      const name = ir.tensorName[t] as string;
      const from = pl.shareFrom.get(t);
      if (from !== undefined) {
        const src = activations[ir.tensorName[from] as string] ?? scaleOf(ir.tensorName[from] as string);
        activations[name] = { ...src, sharedWith: ir.tensorName[from] as string };
      } else activations[name] = scaleOf(name);
    }

    // 4. Rewrite the prepared model.
    const pm = p.opened.model;
    const g = pm.graph as GraphProto;
    const src: TensorSource = { path: p.opened.path, bytes: p.opened.bytes };
    const fresh = new Names(pm);
    const head: NodeProto[] = [];
    const newInits: TensorProto[] = [];
    const qType = ort ? UINT8 : INT8;
    const scalar = (name: string, dataType: number, v: number): TensorProto => {
      if (dataType === FLOAT) return f32Tensor(name, [], [v]);
      return tensor(name, dataType, [], dataType === INT8 ? bytesOf(Int8Array.of(v)) : Uint8Array.of(v));
    };

    // Weights (shared weights with the same axis are quantized once).
    interface QuantizedWeight {
      name: string;
      init: string;
      axis: number | null;
      dims: number[];
      values: Float64Array;
      q: Int8Array;
      /** Viewed by the scale initializer: changing it changes the model. */
      scales: Float32Array;
    }
    const weightDq = new Map<string, QuantizedWeight>();
    const replace = new Map<number, Map<number, string>>(); // node id → input position → new name
    const setInput = (id: number, index: number, name: string) => {
      let m = replace.get(id);
      if (!m) replace.set(id, (m = new Map()));
      m.set(index, name);
    };
    for (const w of pl.weights) {
      const t = ir.nodeInputs[(ir.nodeInputStart[w.node] as number) + w.index] as number;
      const init = ir.initializers[ir.tensorInitializer[t] as number] as TensorProto;
      const key = `${init.name}|${w.axis}`;
      let done = weightDq.get(key);
      if (!done) {
        const values = tensorValues(init, src);
        const { q, scales } = quantizeWeights(values, init.dims, w.axis, ort ? ortWeightMax() : 127);
        const base = init.name;
        const qName = fresh.fresh(`${base}_quantized`);
        const sName = fresh.fresh(`${base}_scale`);
        const zName = fresh.fresh(`${base}_zero_point`);
        const dqOut = fresh.fresh(`${base}_dequantized`);
        newInits.push(tensor(qName, INT8, init.dims.slice(), bytesOf(q)));
        const perAxis = w.axis !== null;
        newInits.push(tensor(sName, FLOAT, perAxis ? [scales.length] : [], bytesOf(scales)));
        newInits.push(
          perAxis ? tensor(zName, INT8, [scales.length], new Uint8Array(scales.length)) : scalar(zName, INT8, 0),
        );
        head.push(
          node(
            'DequantizeLinear',
            [qName, sName, zName],
            [dqOut],
            fresh.fresh(`${base}_DequantizeLinear`),
            perAxis ? [intAttr('axis', w.axis as number)] : [],
          ),
        );
        done = { name: dqOut, init: init.name, axis: w.axis, dims: init.dims.slice(), values, q, scales };
        weightDq.set(key, done);
      }
      setInput(w.node, w.index, done.name);
    }

    // INT32 biases (onnxruntime): scale = input scale × weight scale per channel. A bias too large
    // for INT32 at that scale raises the weight channel's scale first (as onnxruntime's quantizer
    // does); weights are requantized, then every bias is computed from the final scales.
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
      const ins = Array.from(ir.nodeInputs.subarray(ir.nodeInputStart[id], ir.nodeInputStart[id + 1]));
      const xs = activations[ir.tensorName[ins[0] as number] as string];
      const wUse = pl.weights.find((w) => w.node === id && w.index === 1);
      if (!xs || !wUse) continue;
      const wInit = ir.initializers[ir.tensorInitializer[ins[1] as number] as number] as TensorProto;
      const wq = weightDq.get(`${wInit.name}|${wUse.axis}`);
      const bias = ir.initializers[ir.tensorInitializer[ins[index] as number] as number] as TensorProto;
      if (!wq || bias.dataType !== FLOAT) continue;
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
    const int32Biases: string[] = [];
    for (const { id, index, xScale, wq, bias, values } of biasJobs) {
      const channels = values.length;
      const bScales = Float32Array.from(
        { length: channels },
        (_, c) => xScale * (wq.scales[wq.axis === null ? 0 : c] as number),
      );
      const q = Int32Array.from({ length: channels }, (_, c) =>
        Math.max(-INT32_MAX, Math.min(INT32_MAX, roundHalfEven((values[c] as number) / (bScales[c] as number)))),
      );
      const base = bias.name;
      const qName = fresh.fresh(`${base}_quantized`);
      const sName = fresh.fresh(`${base}_scale`);
      const zName = fresh.fresh(`${base}_zero_point`);
      const dqOut = fresh.fresh(`${base}_dequantized`);
      newInits.push(tensor(qName, INT32, [channels], bytesOf(q)));
      newInits.push(f32Tensor(sName, [channels], bScales));
      newInits.push(tensor(zName, INT32, [channels], new Uint8Array(4 * channels)));
      head.push(
        node('DequantizeLinear', [qName, sName, zName], [dqOut], fresh.fresh(`${base}_DequantizeLinear`), [
          intAttr('axis', 0),
        ]),
      );
      setInput(id, index, dqOut);
      int32Biases.push(base);
    }
    const weightResult: Int8Result['weights'] = {};
    for (const wq of weightDq.values()) weightResult[wq.init] = { axis: wq.axis, scales: Array.from(wq.scales) };

    // Activation Q/DQ pairs.
    const dqName = new Map<number, string>();
    const pairAfter = new Map<number, NodeProto[]>(); // producer node id (-1: graph input) → Q, DQ
    for (const t of qList) {
      const name = ir.tensorName[t] as string;
      const s = activations[name] as ActivationScale;
      const sName = fresh.fresh(`${name}_scale`);
      const zName = fresh.fresh(`${name}_zero_point`);
      const qOut = fresh.fresh(`${name}_quantized`);
      const dqOut = fresh.fresh(`${name}_dequantized`);
      newInits.push(scalar(sName, FLOAT, s.scale), scalar(zName, qType, s.zeroPoint));
      const pair = [
        node('QuantizeLinear', [name, sName, zName], [qOut], fresh.fresh(`${name}_QuantizeLinear`)),
        node('DequantizeLinear', [qOut, sName, zName], [dqOut], fresh.fresh(`${name}_DequantizeLinear`)),
      ];
      const producer = ir.tensorProducer[t] as number;
      const list = pairAfter.get(producer) ?? [];
      list.push(...pair);
      pairAfter.set(producer, list);
      dqName.set(t, dqOut);
      const readers = pl.qTensors.get(t) as Set<number> | 'all';
      for (let k = ir.consumerStart[t] as number; k < (ir.consumerStart[t + 1] as number); k++) {
        const c = ir.consumers[k] as number;
        if (readers !== 'all' && !readers.has(c)) continue;
        if ((ir.nodeGraph[c] as number) !== 0) continue; // bodies read the float tensor by name
        const ins = Array.from(ir.nodeInputs.subarray(ir.nodeInputStart[c], ir.nodeInputStart[c + 1]));
        ins.forEach((x, index) => {
          if (x === t && !replace.get(c)?.has(index)) setInput(c, index, dqOut);
        });
      }
    }

    const main = ir.graphs[0] as IRGraph;
    const out: NodeProto[] = [...head, ...(pairAfter.get(-1) ?? [])];
    for (let i = 0; i < g.node.length; i++) {
      const id = main.nodeStart + i;
      const n = g.node[i] as NodeProto;
      const r = replace.get(id);
      if (r) for (const [index, name] of r) n.input[index] = name;
      out.push(n);
      out.push(...(pairAfter.get(id) ?? []));
    }
    g.node = out;
    g.initializer.push(...newInits);
    // Weights only the quantized nodes read are replaced by their INT8 copies.
    dropUnusedInitializers(g);

    const recipe = JSON.stringify(recipeOf(opts));
    pm.metadataProps = [
      ...pm.metadataProps.filter((e) => e.key !== RECIPE_KEY && e.key !== SOURCE_KEY),
      { key: RECIPE_KEY, value: recipe },
      { key: SOURCE_KEY, value: opts.source ?? `${file} sha256:${a.opened.sha256}` },
    ];
    check();
    progress(0.95, `Writing ${path.basename(outPath)}`);
    const written = writeModelFile(pm, outPath, { source: p.opened.bytes });

    // 5. TensorRT calibration cache (symmetric scales, for the source model's tensor names).
    let cachePath: string | null = null;
    if (opts.calibrationCachePath) {
      const scales = new Map<string, number>();
      for (const [name, s] of stats) {
        if (s.count === 0) continue;
        const t = calibratedThreshold(s, opts.calibrator, { percentile: opts.percentile ?? 99.99 });
        scales.set(name, t > 0 ? t / 127 : 0);
      }
      cachePath = path.resolve(opts.calibrationCachePath);
      const tmpCache = `${cachePath}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmpCache, calibrationCacheText(scales, opts.trtVersion));
        fs.renameSync(tmpCache, cachePath);
      } catch (err) {
        fs.rmSync(tmpCache, { force: true });
        throw new KilnError('FILE_UNREADABLE', `cannot write ${path.basename(cachePath)}: ${(err as Error).message}`, {
          file: path.basename(cachePath),
        });
      }
    }

    const label = (id: number) => ir.nodeName[id] || `${(ir.nodes[id] as NodeProto).opType}_${id}`;
    const sampleCount = opts.data.kind === 'npz' ? null : calibrationSampleCount(opts.data);
    progress(1, 'Done');
    return {
      outPath: written.path,
      bytes: written.bytes,
      flavour: opts.flavour,
      calibrator: opts.calibrator,
      quantizedNodes: [...pl.quantized].sort((x, y) => x - y).map(label),
      residualAdds: pl.residualAdds.map(label),
      skipped: pl.skipped,
      activations,
      weights: weightResult,
      int32Biases,
      qdqPairs: qList.length,
      opset,
      prepared: {
        constantsToInitializers: constants,
        batchNormsFolded: folded + foldedAfter,
        affineFolded: affine,
        hardSigmoidsFused: hardSigmoids,
        channelsEqualized: equalized,
      },
      calibrationCachePath: cachePath,
      calibrationSamples: sampleCount,
      notes,
      ms: performance.now() - t0,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
