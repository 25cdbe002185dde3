/**
 * Which edit a readiness finding calls for, when its way forward is mechanical: the readiness panel
 * puts an "Apply" beside those findings and beside what the summary alone shows (weights stored in
 * FP16, dynamic input dims). Pure, so the mapping is tested without a browser; the check's messages
 * are matched on what they say (its op, its reason), since the contract gives findings no edit kind.
 */
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import { isIntegerQuantizedOp, type Edit } from '../../../electron/shared/api/edits';
import type { TrtCheck } from '../../../electron/shared/api/tensorrt';
import { shapeFields } from '../profile/shapes';

export type FindingGroup = TrtCheck['groups'][number];

/**
 * The opset a readiness finding's "Apply" converts an older model to: 13, the one INT8 needs, which
 * every TensorRT Kiln knows reads (the opset control offers any other the parser reads).
 */
export const KILN_OPSET_TARGET = 13;
/** The highest opset Kiln's conversion reaches (core/onnx/opset-changes.ts's NEWEST_KNOWN_OPSET). */
export const KILN_OPSET_MAX = 25;

/** One mechanical fix: the button's label, what it does, and the edits it sends. */
export interface Fix {
  /** Stable while the model is open: errors of a refused edit are kept under it, beside its button. */
  key: string;
  label: string;
  /** What the edit does, in one sentence (the button's tooltip). */
  title: string;
  /** The edits, in order; shapes asked of the user go first when `askShapes`. */
  edits: Edit[];
  /** The model has inputs with dynamic dims: ask for their sizes and fix them before the edits. */
  askShapes: boolean;
}

const OPSET_REASON = /imports ai\.onnx opset (\d+); TensorRT \S+ reads opsets (\d+) to (\d+)/;

/** Whether any input has a dim that is not a number (the shapes fields ask for those). */
export function hasDynamicInputs(summary: Pick<ModelSummary, 'inputs'>): boolean {
  return shapeFields(summary.inputs).length > 0;
}

function fold(key: string, dynamic: boolean): Fix {
  return {
    key,
    label: dynamic ? 'Fix shapes and fold' : 'Fold constants',
    title: dynamic
      ? 'Fix the input shapes you give, then fold every all-constant subgraph (shape arithmetic included) into constants'
      : 'Fold every all-constant subgraph into constants, and drop dead nodes, Identity and Dropout',
    edits: [{ kind: 'fold' }],
    askShapes: dynamic,
  };
}

/**
 * The fix a group of findings calls for, or null when its way forward needs a person (a plugin, a
 * re-export, a new quantization). `key` is the group's place in the check, to keep errors beside it.
 */
export function fixForGroup(group: FindingGroup, key: string, dynamic: boolean): Fix | null {
  if (group.status === 'unsupported-op' && isIntegerQuantizedOp(group.op))
    return {
      key,
      label: 'Dequantize',
      title: `Turn ${group.op} (and the other integer ops of run-time quantization) back into float ops with dequantized weights`,
      edits: [{ kind: 'dequantize' }],
      askShapes: false,
    };
  if (
    group.status === 'restriction' &&
    (group.op === 'DequantizeLinear' || group.op === 'QuantizeLinear') &&
    group.reason.includes('scale is computed at run time')
  )
    return {
      key,
      label: 'Dequantize',
      title: 'Run-time quantization (DynamicQuantizeLinear and what reads it) back to float ops',
      edits: [{ kind: 'dequantize' }],
      askShapes: false,
    };
  if (group.status === 'warning' && /\bINT64\b/.test(group.reason) && group.reason.includes('INT32'))
    return {
      key,
      label: 'INT64 → INT32',
      title: 'Store INT64 initializers, Cast targets and shape paths as INT32 where every value fits (exact)',
      edits: [{ kind: 'int64ToInt32' }],
      askShapes: false,
    };
  if (group.status === 'restriction' && group.reason.includes('computed at run time')) return fold(key, dynamic);
  if (group.status === 'restriction' && group.op === '') {
    const m = OPSET_REASON.exec(group.reason);
    if (m) {
      const [from, min, max] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const target = Math.min(KILN_OPSET_TARGET, max);
      if (from < min && target >= min)
        return {
          key,
          label: `Convert to opset ${target}`,
          title: `Rewrite the model from opset ${from} to opset ${target}, which the parser reads (attributes that became inputs, replaced ops)`,
          edits: [{ kind: 'opset', version: target }],
          askShapes: false,
        };
    }
  }
  return null;
}

/**
 * Fixes the summary alone calls for, which the check has no finding for: weights stored in FP16
 * (upcast, so INT8 can quantize its Convs) and dynamic input dims with shape arithmetic to fold.
 */
export function modelFixes(summary: Pick<ModelSummary, 'inputs' | 'weights' | 'opHistogram'>): Fix[] {
  const fixes: Fix[] = [];
  // `weights` lists dtypes most elements first: the first is how the model is stored.
  if (summary.weights[0]?.dtype === 'float16')
    fixes.push({
      key: 'model:upcast',
      label: 'Upcast to FP32',
      title:
        'The weights are stored in FP16: store them in FP32 and drop the Casts at the edges (exact), so an INT8 variant can quantize the Convs',
      edits: [{ kind: 'upcast' }],
      askShapes: false,
    });
  const dynamic = hasDynamicInputs(summary);
  const shapeOps = ['Shape', 'Size', 'ConstantOfShape'].some((op) => (summary.opHistogram[op] ?? 0) > 0);
  if (dynamic || shapeOps) fixes.push(fold('model:fold', dynamic));
  return fixes;
}

/** The model's ai.onnx opset (1 when it imports none, as ONNX reads it). */
export function onnxOpset(summary: Pick<ModelSummary, 'opsets'>): number {
  return summary.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
}

/**
 * The opsets the model can be converted to for a parser that reads `parser` (the check's opsets;
 * absent: up to Kiln's newest): each above the model's, up to the lower of the parser's newest and
 * Kiln's, newest first. Empty when the model is already there (or past it: Kiln does not lower).
 */
export function opsetTargets(
  summary: Pick<ModelSummary, 'opsets'>,
  parser: { min: number; max: number } | undefined,
): number[] {
  const from = onnxOpset(summary);
  const max = Math.min(parser?.max ?? KILN_OPSET_MAX, KILN_OPSET_MAX);
  const out: number[] = [];
  for (let v = max; v > from; v--) out.push(v);
  return out;
}

/**
 * "Make batch dynamic": offered while some input's first dim is a fixed number (an export with a
 * baked-in batch), to give it back a symbolic one, "batch", and the outputs that follow it.
 */
export function dynamicBatchFix(summary: Pick<ModelSummary, 'inputs'>): Fix | null {
  const fixed = summary.inputs.filter((v) => typeof v.dims?.[0] === 'number');
  if (fixed.length === 0) return null;
  return {
    key: 'model:dynamic-batch',
    label: 'Make batch dynamic',
    title: `Give ${fixed.map((v) => v.name).join(', ')} a symbolic first dim ("batch") in place of ${fixed.map((v) => v.dims?.[0]).join(', ')}, and the outputs that follow it (exact)`,
    edits: [{ kind: 'dynamicBatch', name: 'batch' }],
    askShapes: false,
  };
}

/** Fixes for every group of a check, by the group's index; null where none is mechanical. */
export function groupFixes(check: TrtCheck, dynamic: boolean): (Fix | null)[] {
  return check.groups.map((g, i) => fixForGroup(g, `group:${check.trt}:${i}:${g.op}`, dynamic));
}

/** The edits to send: the user's shapes first (when the fix asks for them), then the fix's own. */
export function editsWithShapes(fix: Fix, shapes: Record<string, number[]> | null): Edit[] {
  if (!fix.askShapes || !shapes || Object.keys(shapes).length === 0) return fix.edits;
  return [{ kind: 'shapes', shapes }, ...fix.edits];
}
