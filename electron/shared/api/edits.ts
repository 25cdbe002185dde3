/**
 * Model surgery as the API carries it: the edits a user can ask for (fold constants, fix input
 * shapes, INT64 → INT32, dequantize, upcast, opset conversion, remove / extract / mark outputs /
 * rename / replace with a plugin op), and what an edit reports back (each edit's effect, how far the
 * outputs moved, the readiness check after, the new version and its parent). Kept apart from
 * contract.ts, which names these in its calls (model.edit, model.fix), so each file stays one
 * readable size. An edit never overwrites: it makes a new version of the model.
 */
import { z } from 'zod';
import { TrtCheckSchema } from './tensorrt';

const NameSchema = z.string().min(1).max(4096);
const NamesSchema = z.array(NameSchema).min(1).max(10_000);

/** One input's dims: a fixed size, or a symbolic name (a dynamic dim, e.g. "batch"). */
export const EditDimsSchema = z.array(
  z.union([z.number().int().min(0).max(1_000_000_000), z.string().min(1).max(200)]),
);

/**
 * Integer quantization ops (onnxruntime's quantize_dynamic and QOperator formats) that TensorRT does
 * not take and the dequantize edit rewrites to float: a finding on one of these calls for dequantize.
 * Shared so the readiness panel's Apply and `kiln fix` choose the same edit.
 */
export const INTEGER_QUANTIZED_OPS: ReadonlySet<string> = new Set([
  'ConvInteger',
  'MatMulInteger',
  'DynamicQuantizeLinear',
  'QLinearConv',
  'QLinearMatMul',
  'QLinearAdd',
  'QLinearMul',
  'QLinearAveragePool',
  'QLinearGlobalAveragePool',
  'QLinearConcat',
  'QLinearSigmoid',
  'QLinearLeakyRelu',
  'QGemm',
  'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat',
  'MatMulNBits',
]);

/** Whether `op` (a plain op type, or a finding's `domain:Op` key) is one the dequantize edit rewrites. */
export function isIntegerQuantizedOp(op: string): boolean {
  return INTEGER_QUANTIZED_OPS.has(op.slice(op.indexOf(':') + 1));
}

export const EditSchema = z.discriminatedUnion('kind', [
  /** Fold every all-constant subgraph (shape arithmetic too, once shapes are fixed), drop dead nodes
   * and initializers, Identity and Dropout, and merge duplicate initializers. Exact. */
  z.object({ kind: z.literal('fold') }).strict(),
  /** Set inputs' dims: numbers fix a dim, names make it dynamic or rename it. Exact. */
  z.object({ kind: z.literal('shapes'), shapes: z.record(NameSchema, EditDimsSchema.max(16)) }).strict(),
  /** Make the first dim of every input (and the outputs that follow it) dynamic again, under this name. */
  z.object({ kind: z.literal('dynamicBatch'), name: z.string().min(1).max(200).default('batch') }).strict(),
  /** INT64 initializers, Cast targets and shape paths to INT32 where every value fits. Exact. */
  z.object({ kind: z.literal('int64ToInt32') }).strict(),
  /**
   * ConvInteger / MatMulInteger / DynamicQuantizeLinear / QLinearConv / QLinearMatMul / MatMulNBits
   * back to float ops. Lossy. `keepInt4`: a symmetric 4-bit MatMulNBits becomes a blocked INT4
   * DequantizeLinear + MatMul instead (what TensorRT runs as an INT4 weight-only GEMM; opset ≥ 21).
   */
  z.object({ kind: z.literal('dequantize'), keepInt4: z.boolean().optional() }).strict(),
  /** An FP16-stored model to FP32: weights, and the Casts at its edges. Exact. */
  z.object({ kind: z.literal('upcast') }).strict(),
  /** Convert to this opset of the default domain. */
  z.object({ kind: z.literal('opset'), version: z.number().int().min(7).max(30) }).strict(),
  /** Remove a node, bypassing it (its first input takes the place of its first output; shapes must match). */
  z.object({ kind: z.literal('remove'), nodes: NamesSchema }).strict(),
  /** Keep only the subgraph between these tensors (they become the graph's inputs and outputs). */
  z.object({ kind: z.literal('extract'), inputs: NamesSchema, outputs: NamesSchema }).strict(),
  /** Mark these tensors as graph outputs too. */
  z.object({ kind: z.literal('addOutputs'), tensors: NamesSchema }).strict(),
  /** Rename a tensor or a node. */
  z.object({ kind: z.literal('rename'), what: z.enum(['tensor', 'node']), from: NameSchema, to: NameSchema }).strict(),
  /** Replace these nodes (one node, or a connected group) with one custom-domain op for a TensorRT plugin. */
  z
    .object({
      kind: z.literal('plugin'),
      nodes: NamesSchema,
      op: z.string().min(1).max(200),
      domain: z.string().max(200).default('trt.plugins'),
      /** Attributes of the new op; absent: the replaced node's own (a single node). */
      attributes: z
        .record(z.string().min(1).max(200), z.union([z.number(), z.string(), z.array(z.number())]))
        .optional(),
    })
    .strict(),
]);
export type Edit = z.infer<typeof EditSchema>;
export type EditKind = Edit['kind'];

/** What one edit did. */
export const AppliedEditSchema = z.object({
  kind: z.string(),
  /** One plain sentence: "folded 212 nodes into 38 constants", "fixed x to 1×3×224×224". */
  summary: z.string(),
  nodesBefore: z.number().int(),
  nodesAfter: z.number().int(),
  /** Whether this edit is meant to leave every output unchanged (fold, shapes, int64ToInt32, upcast, ...). */
  exact: z.boolean(),
});
export type AppliedEdit = z.infer<typeof AppliedEditSchema>;

/** The edited model run beside its parent on the same inputs. */
export const EditExactnessSchema = z.object({
  inputs: z.enum(['seeded', 'real']),
  samples: z.number().int(),
  outputs: z.array(z.object({ name: z.string(), maxAbs: z.number(), cosine: z.number() })),
  /** Every output within float rounding of the parent's. */
  exact: z.boolean(),
  /** Not measured (the model cannot run on ONNX Runtime here, or is over the node limit it opens in reasonable time) and why; the edit still stands. */
  skipped: z.string().optional(),
});

export const EditReportSchema = z.object({
  /** The new version, to open, profile, diff or edit again (never the parent's file). */
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('path'), path: z.string() }),
    z.object({ kind: z.literal('upload'), uploadId: z.string() }),
    z.object({ kind: z.literal('variant'), variantId: z.string() }),
  ]),
  /** Its display file name, bytes, and its parent's display name. */
  fileName: z.string(),
  bytes: z.number(),
  parent: z.string(),
  applied: z.array(AppliedEditSchema),
  /** Node names added, removed and changed against the parent, for the graph's difference paint. */
  changes: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
  exactness: EditExactnessSchema,
  /** The readiness check of the new version (null when none was asked for). */
  check: TrtCheckSchema.nullable(),
  notes: z.array(z.string()),
});
export type EditReport = z.infer<typeof EditReportSchema>;
