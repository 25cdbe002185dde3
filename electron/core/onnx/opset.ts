/**
 * Raising a model's ai.onnx opset: the nodes whose schema changed on the way are rewritten
 * (attributes that became inputs, deprecated ops replaced, Softmax's 2-D coercion spelled out),
 * the ops known to mean the same are carried over, and anything else is refused — a wrong
 * conversion would change the model's outputs without a word. INT8 needs opset 13
 * (DequantizeLinear's per-channel `axis`); the rules here cover opsets 9 to 13, and a later target
 * goes on with opset-later.ts's rewrites of the changes after 13 (listed in opset-changes.ts), up
 * to the newest opset a TensorRT parser reads.
 */
import { KilnError } from '../../shared/api/errors';
import type { ModelAnalysis } from './analyze';
import {
  attrOf,
  dropAttr,
  f32Tensor,
  i64Tensor,
  intAttr,
  isDefaultDomain,
  Names,
  node,
  setAttr,
  strAttr,
} from './graph-edit';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from './model';
import { introducedAt, minIrVersion, NEWEST_KNOWN_OPSET, rewritesBetween } from './opset-changes';
import { upgradeAfter13, type LaterContext } from './opset-later';

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

/**
 * The opset where each converted op's schema changed (a node is rewritten when the model's opset is
 * below it and the target at or above it).
 */
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
/** The opset the rules in this file reach; opset-later.ts goes on from there. */
const LEGACY_TARGET = 13;
/** The highest target Kiln converts to (opset-changes.ts describes every change up to it). */
export const MAX_TARGET_OPSET = NEWEST_KNOWN_OPSET;

export interface OpsetConversion {
  from: number;
  to: number;
  converted: { node: string; op: string; change: string }[];
}

interface UpgradeContext extends LaterContext {
  names: Names;
  /** Rank of main-graph tensors when known. */
  rank: (name: string) => number | null;
  dtype: (name: string) => string;
  file: string;
  from: number;
  to: number;
  /** What needs the target opset, for messages ('INT8'). */
  purpose: string;
  converted: OpsetConversion['converted'];
}

function ints(n: NodeProto, name: string): number[] | undefined {
  return attrOf(n, name)?.ints;
}

/** Rewrites one graph's nodes (and their bodies) from opset `from` to `to`. */
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
  const later: NodeProto[] = [];
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
    const introduced = introducedAt(op);
    const known = SAME_9_TO_13.has(op) || CHANGED_AT[op] !== undefined || introduced !== undefined;
    if (!known || (introduced !== undefined && introduced > ctx.from)) {
      throw new KilnError(
        'UNSUPPORTED',
        known
          ? `${ctx.file} is ai.onnx opset ${ctx.from}, but node ${label(n)} is ${op}, which opset ${introduced} introduced: the model does not hold together, so it is not converted`
          : `${ctx.file} is ai.onnx opset ${ctx.from}; ${ctx.purpose} needs opset ${ctx.to} and Kiln does not know whether ${op} (node ${label(n)}) means the same there — convert the model to opset ${ctx.to} first (onnx.version_converter)`,
        { file: ctx.file, details: { node: label(n), op } },
      );
    }
    // The changes after 13 apply to the node as the rules up to 13 leave it (below, in place).
    if (ctx.to > LEGACY_TARGET) later.push(n);
    const changedAt = CHANGED_AT[op];
    if (changedAt === undefined) {
      out.push(n);
      continue;
    }
    if (ctx.from >= changedAt || ctx.to < changedAt) {
      if (op === 'Resize' && ctx.to >= 13) {
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
            `${ctx.file}: Clip node ${label(n)} on ${dt} cannot be converted to opset ${ctx.to} yet`,
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
              `${ctx.file}: Pad node ${label(n)} on ${dt} cannot be converted to opset ${ctx.to} yet`,
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
        note(
          n,
          `${op} → Resize-${ctx.to} (asymmetric coordinates${modeName === 'nearest' ? ', nearest rounds down' : ''})`,
        );
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
  for (const n of later) upgradeAfter13(n, g, ctx, isMain);
}

/**
 * Local functions importing ai.onnx below the target go up with the model. Their bodies have no
 * initializers to turn attributes into, so a function is carried over only when none of its nodes
 * needs a rewrite on the way; one that would is refused, naming the function and the node.
 */
function upgradeFunctions(model: ModelProto, ctx: UpgradeContext): void {
  for (const f of model.functions) {
    const imp = f.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    if (!imp || imp.version >= ctx.to) continue;
    const from = imp.version;
    for (const n of f.node) {
      if (!isDefaultDomain(n)) continue;
      const op = n.opType;
      const introduced = introducedAt(op);
      const changedAt = CHANGED_AT[op];
      const known = SAME_9_TO_13.has(op) || changedAt !== undefined || introduced !== undefined;
      const rewrite =
        (changedAt !== undefined && from < changedAt && ctx.to >= changedAt) ||
        rewritesBetween(op, Math.max(from, LEGACY_TARGET), ctx.to).length > 0;
      if (from < MIN_SOURCE_OPSET || !known || (introduced ?? 0) > from || rewrite)
        throw new KilnError(
          'UNSUPPORTED',
          `${ctx.file}: node ${n.name || op} (${op}) of local function ${f.name} (ai.onnx opset ${from}) ${rewrite ? `would need rewriting for opset ${ctx.to}, which Kiln does not do inside functions` : `is not known to mean the same at opset ${ctx.to}`}; nothing was converted`,
          { file: ctx.file, details: { node: n.name, op, function: f.name } },
        );
    }
    f.opsetImport = f.opsetImport.map((o) => (o === imp ? { ...o, version: ctx.to } : o));
  }
}

/**
 * Raises the model's ai.onnx opset to `target` (no change at `target` or above), converting nodes
 * whose schema changed; refuses (UNSUPPORTED) when an op's meaning at `target` is not known to be
 * the same. `purpose` names what needs the target in messages.
 */
export function convertToOpset(a: ModelAnalysis, target: number, purpose: string): OpsetConversion {
  const model = a.opened.model;
  const file = a.opened.displayName;
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const from = entry?.version ?? 0;
  if (entry && from >= target) return { from, to: from, converted: [] };
  if (target > MAX_TARGET_OPSET) {
    throw new KilnError(
      'UNSUPPORTED',
      `${file}: Kiln converts models up to ai.onnx opset ${MAX_TARGET_OPSET} (the newest a TensorRT parser reads), not ${target}`,
      { file },
    );
  }
  if (entry && from < MIN_SOURCE_OPSET) {
    throw new KilnError(
      'UNSUPPORTED',
      `${file} is ai.onnx opset ${from}; Kiln converts opset ${MIN_SOURCE_OPSET}–${target - 1} to ${target} for ${purpose} — convert older models with onnx.version_converter first`,
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
    dims: (name) => typeOf(name)?.dims ?? null,
    src: { path: a.opened.path, bytes: a.opened.bytes },
    dtype: (name) => typeOf(name)?.dtype ?? '',
    file,
    from,
    to: target,
    purpose,
    converted: [],
  };
  upgradeFunctions(model, ctx);
  if (model.graph && entry) upgradeGraph(model.graph, ctx, true);
  if (entry) entry.version = target;
  else model.opsetImport.push({ domain: '', version: target });
  if (model.irVersion < minIrVersion(target)) model.irVersion = minIrVersion(target);
  return { from, to: target, converted: ctx.converted };
}

/** INT8's conversion: opset 13, where DequantizeLinear takes a per-channel `axis`. */
export function upgradeToOpset13(a: ModelAnalysis): OpsetConversion {
  return convertToOpset(a, 13, 'INT8');
}
