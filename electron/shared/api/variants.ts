/**
 * Precision variants as the API carries them: the FP16 and INT8 recipes (with calibration image
 * preprocessing and calibrators), the variant a recipe makes, and the name a user may give it.
 * Kept apart from contract.ts, which names these in its calls (variant.make, variant.search,
 * model.compare), so each file stays one readable size.
 */
import { z } from 'zod';
import { ModelSourceSchema, ShapesSchema } from './sources';

/** Both recipes: the inputs and shapes a variant is made for (see precision/specialize.ts). */
const SpecializeFields = {
  /** Input values the variant is made for (silero VAD's sr=16000); they imply `specialize`. */
  fixedInputs: z.record(z.string().max(4096), z.number().finite()).default({}),
  /** Fix the shapes, freeze fixedInputs and replace each If they decide by the branch taken. */
  specialize: z.boolean().default(false),
};

export const Fp16RecipeSchema = z.object({
  precision: z.literal('fp16'),
  /** Keep a node FP32 when its activations exceed this on calibration data (ModelOpt's data_max). */
  dataMax: z.number().positive().max(65504).default(512),
  keepIOTypes: z.boolean().default(true),
  maxReductionDepth: z.number().int().positive().optional(),
  excludeOps: z.array(z.string().max(200)).max(500).default([]),
  excludeNodes: z.array(z.string().max(4096)).max(10_000).default([]),
  includeOps: z.array(z.string().max(200)).max(500).default([]),
  includeNodes: z.array(z.string().max(4096)).max(10_000).default([]),
  /** Seeded random calibration samples for the activation check (0: weights only). */
  calibrationSamples: z.number().int().min(0).max(10_000).default(8),
  shapes: ShapesSchema.default({}),
  ...SpecializeFields,
});

/** How calibration images become tensors: resize to the input's H×W, then (pixel·scale − mean)/std per channel. */
export const ImagePreprocessSchema = z.object({
  /** stretch: to H×W ignoring aspect; crop: cover H×W, centre crop; pad: fit inside H×W, pad with black. */
  resize: z.enum(['stretch', 'crop', 'pad']).default('stretch'),
  scale: z
    .number()
    .positive()
    .default(1 / 255),
  mean: z.array(z.number()).min(1).max(4).default([0, 0, 0]),
  std: z.array(z.number().positive()).min(1).max(4).default([1, 1, 1]),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  channels: z.enum(['RGB', 'BGR']).default('RGB'),
});
export type ImagePreprocess = z.infer<typeof ImagePreprocessSchema>;

/** INT8 calibrators: max, a percentile of |x|, entropy (TensorRT's KL divergence), MSE. */
export const CALIBRATORS = ['max', 'percentile', 'entropy', 'mse'] as const;
export const CalibratorSchema = z.enum(CALIBRATORS);
export type Calibrator = z.infer<typeof CalibratorSchema>;

export const Int8RecipeSchema = z.object({
  precision: z.literal('int8'),
  /** Q/DQ placement: TensorRT's explicit quantization (symmetric INT8), or ONNX Runtime's CPU flavour (UINT8 activations). */
  flavour: z.enum(['tensorrt', 'onnxruntime']).default('tensorrt'),
  /** Absent: MSE for TensorRT, max for ONNX Runtime (what measured best on each; see README). */
  calibrator: CalibratorSchema.optional(),
  percentile: z.number().min(50).max(100).default(99.99),
  perChannel: z.boolean().default(true),
  /** Seeded random calibration samples, used when no calibration files are given. */
  samples: z.number().int().min(1).max(100_000).default(32),
  seed: z.number().int().default(1),
  shapes: ShapesSchema.default({}),
  /** .npy/.npz files in ModelOpt's layout (input name -> array), or images (files or folders of them). */
  calibrationFiles: z.array(ModelSourceSchema).max(10_000).default([]),
  /** ONNX Runtime flavour: time INT8 against FP32 here and keep float the layers where int8 loses time. */
  speedGuard: z.boolean().default(true),
  /**
   * With real calibration data (images, .npy/.npz): keep float the INT8 layers that put the worst
   * calibration sample under cosine 0.99 to FP32 (checked with a margin, at 0.993). TensorRT flavour:
   * always; ONNX Runtime flavour: after its speed check, so only with speedGuard.
   */
  accuracyCheck: z.boolean().default(true),
  /**
   * TensorRT flavour: the precision of what is not INT8 (ModelOpt's high_precision_dtype). fp16 runs
   * the float layers in FP16 (autocast, with its FP32 fallbacks), the Q/DQ and the ops reading them in
   * FP32, Casts between; fp32Nodes stay FP32.
   */
  highPrecision: z.enum(['fp32', 'fp16']).default('fp32'),
  /** Nodes pinned to FP32: never INT8, and not FP16 under highPrecision fp16. */
  fp32Nodes: z.array(z.string().max(4096)).max(10_000).default([]),
  /** Equalize Conv input channels before quantizing (absent: on for TensorRT, off for ONNX Runtime, as measured). */
  equalize: z.boolean().optional(),
  /** How images among calibrationFiles are preprocessed. */
  preprocess: ImagePreprocessSchema.prefault({}),
  includeOps: z.array(z.string().max(200)).max(500).default([]),
  includeNodes: z.array(z.string().max(4096)).max(10_000).default([]),
  excludeOps: z.array(z.string().max(200)).max(500).default([]),
  excludeNodes: z.array(z.string().max(4096)).max(10_000).default([]),
  ...SpecializeFields,
});

export const RecipeSchema = z.discriminatedUnion('precision', [Fp16RecipeSchema, Int8RecipeSchema]);
export type Recipe = z.infer<typeof RecipeSchema>;

export const VariantSchema = z.object({
  id: z.string(),
  name: z.string(),
  recipe: RecipeSchema,
  bytes: z.number(),
  ms: z.number(),
  /** Nodes per precision after the rewrite, and every node kept out of the target precision with why. */
  nodesByPrecision: z.record(z.string(), z.number().int()),
  kept: z.array(z.object({ node: z.string(), op: z.string(), precision: z.string(), reason: z.string() })),
  /** Nodes converted, by precision (int8: Q/DQ on their inputs; fp16), for the diff on the graph. */
  converted: z.record(z.string(), z.array(z.string())).default({}),
  castsInserted: z.number().int(),
  weightsConverted: z.number().int(),
  /** Q/DQ pairs inserted (INT8). */
  qdqPairs: z.number().int().default(0),
  notes: z.array(z.string()),
});
export type Variant = z.infer<typeof VariantSchema>;

/** A name a user gives a variant: display metadata, usable as a file name (no path separators, no control characters). */
export const VariantNameSchema = z
  .string()
  .trim()
  .min(1, 'a variant name cannot be empty')
  .max(200, 'a variant name is at most 200 characters')
  .refine(
    (s) => ![...s].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127),
    'a variant name cannot hold / or \\ or control characters',
  );
