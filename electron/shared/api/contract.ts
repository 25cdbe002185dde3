/**
 * The one API contract. Every call that crosses a process boundary is declared here, once: its
 * request schema (validated at every boundary), its reply type, whether it runs as a job in the
 * engine host (with progress and cancel), and the progress it reports. Transports (Electron IPC,
 * WebSocket) and the CLI only carry these calls; they add none of their own.
 */
import { z } from 'zod';
import { EngineViewSchema, TrtCheckSchema, TrtMajorSchema, TrtMinorSchema } from './tensorrt';
import { ThresholdsSchema } from '../compare/thresholds';
import { EditReportSchema, EditSchema } from './edits';
import { ModelDiffSchema } from './diff';
import { EngineDiffSchema } from './engine-diff';
import { ModelSourceSchema, ShapesSchema, VariantIdSchema } from './sources';
import { ModelSummarySchema } from './model-summary';
import { AppInfoSchema, NativeProbeSchema } from './app-info';
import { GraphPayloadSchema, NodeDetailsSchema } from './graph-payload';
import { ImagePreprocessSchema, RecipeSchema, VariantNameSchema, VariantSchema } from './variants';
import { ComparisonSchema } from './comparison';
import { BuildInfoSchema, BuildOptionsSchema, ProfileOptionsSchema, ProfileReportSchema } from './backends';

// ---- the calls ------------------------------------------------------------------------------

/** What model.compare and variant.search judge by, and how a recurrent model runs as a stream. */
const JudgedOutputsFields = {
  /** Outputs whose verdict decides pass/fail (empty: all), e.g. a VAD's probability and not its recurrent state. */
  judge: z.array(z.string().min(1).max(4096)).max(1024).default([]),
  /** Run as a stream: each output fed back as the input on the next sample, per model (a VAD's stateN → state). */
  stream: z
    .array(z.object({ output: z.string().min(1).max(4096), input: z.string().min(1).max(4096) }).strict())
    .max(64)
    .default([]),
};

interface CallSpec<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  reply: Res;
  /** Runs as a job in the engine host (progress, cancel, survives a host crash as an error). */
  job: boolean;
  doc: string;
}
function call<Req extends z.ZodType, Res extends z.ZodType>(spec: CallSpec<Req, Res>): CallSpec<Req, Res> {
  return spec;
}

export const api = {
  'app.info': call({
    request: z.object({}).strict(),
    reply: AppInfoSchema,
    job: false,
    doc: 'Version, platform and which transport carries the API.',
  }),
  'model.open': call({
    request: z.object({ source: ModelSourceSchema }).strict(),
    reply: ModelSummarySchema,
    job: true,
    doc: 'Read a model and return its summary.',
  }),
  'model.graph': call({
    request: z
      .object({
        source: ModelSourceSchema,
        /** 0 or absent: the main graph; else an If/Loop/Scan body's id from a payload's `subgraphs`. */
        graph: z.number().int().min(0).max(10_000_000).optional(),
        /** true: inferred types and per-node FLOPs (waits for shape inference); else declared types, at once. */
        shapes: z.boolean().optional(),
      })
      .strict(),
    reply: GraphPayloadSchema,
    job: true,
    doc: 'The main graph of a model as flat arrays for the graph view (nodes, edges, tensors, name-scope groups); sent as bytes (graph-codec.ts), read back by the client.',
  }),
  'model.node': call({
    request: z
      .object({
        source: ModelSourceSchema,
        node: z.number().int().min(0).max(100_000_000),
        graph: z.number().int().min(0).max(10_000_000).optional(),
      })
      .strict(),
    reply: NodeDetailsSchema,
    job: true,
    doc: "One main-graph node's attributes, cost and weight statistics (weights read now, in chunks).",
  }),
  'model.check': call({
    request: z.object({ source: ModelSourceSchema, trt: TrtMajorSchema, minor: TrtMinorSchema.optional() }).strict(),
    reply: TrtCheckSchema,
    job: true,
    doc: "Which nodes TensorRT 10 or 11's ONNX parser (or one minor release's, e.g. 10.3) cannot take, why, and a way forward for each; for 11, which layers would build in FP32 and which Q/DQ will not fuse.",
  }),
  'model.edit': call({
    request: z
      .object({
        source: ModelSourceSchema,
        edits: z.array(EditSchema).min(1).max(64),
        /** Re-check the result for this TensorRT major (absent: no check). */
        trt: TrtMajorSchema.optional(),
        /** Real inputs to measure how far the outputs moved (absent: seeded ones). */
        inputs: z.array(ModelSourceSchema).max(1000).default([]),
      })
      .strict(),
    reply: EditReportSchema,
    job: true,
    doc: 'Apply edits in order (fold, shapes, INT64 → INT32, dequantize, upcast, opset, remove, extract, add outputs, rename, plugin op) and write a new version of the model; an edit that should be exact and is not is refused, naming the node; nothing is written unless every edit succeeds.',
  }),
  'model.fix': call({
    request: z
      .object({
        source: ModelSourceSchema,
        trt: TrtMajorSchema,
        shapes: ShapesSchema.default({}),
        inputs: z.array(ModelSourceSchema).max(1000).default([]),
      })
      .strict(),
    reply: EditReportSchema,
    job: true,
    doc: "Apply every safe edit the readiness check's findings call for (the edits kiln fix applies), re-check, and write a new version of the model.",
  }),
  'model.diff': call({
    request: z.object({ a: ModelSourceSchema, b: ModelSourceSchema }).strict(),
    reply: ModelDiffSchema,
    job: true,
    doc: 'What changed from model a to model b (any two sources: another file, a variant against its source, an edited version against its parent): nodes paired by name then structure; added, removed, changed and renamed nodes, initializers that moved (max abs difference, cosine), inputs and outputs, opsets, IR version, metadata. Changes only; unrelated models are said to be so.',
  }),
  'engine.import': call({
    request: z.object({ source: ModelSourceSchema, files: z.array(ModelSourceSchema).min(1).max(8) }).strict(),
    reply: EngineViewSchema,
    job: true,
    doc: 'Read trtexec --exportLayerInfo / --exportProfile / --exportTimes files (TensorRT 10 or 11) and map the engine onto the open model.',
  }),
  'engine.diff': call({
    request: z
      .object({
        source: ModelSourceSchema,
        /** Two to four imports, each one engine's trtexec files (layer info, profile, times). */
        imports: z.array(z.array(ModelSourceSchema).min(1).max(8)).min(2).max(4),
      })
      .strict(),
    reply: z.object({ views: z.array(EngineViewSchema), diff: EngineDiffSchema }),
    job: true,
    doc: "Import 2 to 4 engines' trtexec files against the open model and line them up through the ONNX nodes their layers cover: per group each engine's layers, precision, tactics and time, the difference, whether fusion differs; reformat time and totals per engine; groups sorted by what changed most.",
  }),
  'engine.trust': call({
    request: z
      .object({
        engine: ModelSourceSchema.refine((s) => s.kind !== 'variant', 'an engine file'),
        confirm: z.literal(true),
      })
      .strict(),
    reply: z.object({
      file: z.string(),
      sha256: z.string(),
      origin: z.enum(['built', 'trusted']),
      recordedAt: z.string(),
      sidecar: z.enum(['matches', 'differs', 'missing']),
      versionCompatible: z.boolean().nullable(),
    }),
    job: true,
    doc: "Record the user's explicit yes (confirm: true; nothing is recorded without it) to an engine file (a path or an upload) Kiln did not build: its bytes' sha256 joins Kiln's registry, kept in its cache folder across restarts, and Kiln opens an engine only when it built those bytes or a user trusted them (a version-compatible engine embeds a TensorRT runtime that runs code). Reply: origin built (Kiln built these very bytes) or trusted; sidecar: whether one beside the engine describes these bytes; versionCompatible: what it claims (null without one), never what decides.",
  }),
  'variant.make': call({
    request: z.object({ source: ModelSourceSchema, recipe: RecipeSchema }).strict(),
    reply: VariantSchema,
    job: true,
    doc: 'Make a precision variant of a model (an ONNX rewrite with its recipe in metadata_props); profile it with source {kind: "variant"}.',
  }),
  'variant.rename': call({
    request: z.object({ variantId: VariantIdSchema, name: VariantNameSchema }).strict(),
    reply: z.object({ id: z.string(), name: z.string() }),
    job: false,
    doc: 'Give a variant a name of your own: display metadata, kept beside its file (its id and file stay as they are).',
  }),
  'model.compare': call({
    request: z
      .object({
        source: ModelSourceSchema,
        variants: z.array(VariantIdSchema).min(1).max(16),
        samples: z.number().int().min(1).max(10_000).default(8),
        seed: z.number().int().default(1),
        shapes: ShapesSchema.default({}),
        thresholds: ThresholdsSchema.prefault({}),
        layerwise: z.boolean().default(true),
        ...JudgedOutputsFields,
        /** Real inputs (images, or .npy/.npz in ModelOpt's layout) instead of seeded random ones. */
        inputs: z.array(ModelSourceSchema).max(10_000).default([]),
        preprocess: ImagePreprocessSchema.prefault({}),
      })
      .strict(),
    reply: ComparisonSchema,
    job: true,
    doc: 'Run variants and the FP32 reference on the same inputs, seeded or real (ONNX Runtime): output error metrics, pass/fail, and layerwise error in topological order.',
  }),
  'model.export': call({
    request: z
      .object({
        source: ModelSourceSchema,
        build: BuildOptionsSchema.default({ backend: 'onnxruntime', optimizationLevel: 'extended' }),
        target: z.enum(['triton', 'engine']),
        /** Triton model name (also the engine file's base name). */
        name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
        maxBatchSize: z.number().int().min(0).max(65536).default(0),
        dynamicBatching: z.boolean().default(false),
        instances: z.number().int().min(1).max(64).default(1),
        kind: z.enum(['gpu', 'cpu']).default('gpu'),
      })
      .strict(),
    reply: z.object({
      folder: z.string(),
      files: z.array(z.string()),
      config: z.string().nullable(),
      /** The equivalent trtexec command (TensorRT builds), ready to copy. */
      trtexec: z.string().nullable(),
    }),
    job: true,
    doc: "Export a Triton model repository (model.plan or model.onnx + config.pbtxt) or an .engine with its sidecar, into Kiln's export folder.",
  }),
  'variant.search': call({
    request: z
      .object({
        source: ModelSourceSchema,
        /** FP16 or INT8: layers are pinned to FP32 from this recipe (INT8 calibrates on its calibrationFiles). */
        base: RecipeSchema,
        thresholds: ThresholdsSchema.prefault({}),
        samples: z.number().int().min(1).max(1000).default(4),
        seed: z.number().int().default(1),
        shapes: ShapesSchema.default({}),
        ...JudgedOutputsFields,
        /** Real inputs to judge accuracy on (images or .npy/.npz); keep them apart from the calibration data. */
        inputs: z.array(ModelSourceSchema).max(10_000).default([]),
        preprocess: ImagePreprocessSchema.prefault({}),
      })
      .strict(),
    reply: z.object({
      variant: VariantSchema,
      met: z.boolean(),
      pinnedNodes: z.array(z.string()),
      /** Cancelled: `variant` is the best found before that (met or closest to the target). */
      cancelled: z.boolean(),
      steps: z.array(
        z.object({ pinned: z.number().int(), cosine: z.number(), pass: z.boolean(), variant: z.string() }),
      ),
    }),
    job: true,
    doc: 'Find the fewest layers to keep in FP32 so a variant meets the accuracy target; the result is a new mixed variant.',
  }),
  'native.probe': call({
    request: z.object({}).strict(),
    reply: NativeProbeSchema,
    job: true,
    doc: 'Look for TensorRT and CUDA on this machine through the native addon.',
  }),
  'model.build': call({
    request: z
      .object({
        source: ModelSourceSchema,
        options: BuildOptionsSchema.default({ backend: 'onnxruntime', optimizationLevel: 'extended' }),
      })
      .strict(),
    reply: BuildInfoSchema,
    job: true,
    doc: 'Build the model with a backend (ONNX Runtime: an optimized model), cached by model, backend, version, device and options.',
  }),
  'model.profile': call({
    request: z
      .object({
        source: ModelSourceSchema,
        build: BuildOptionsSchema.default({ backend: 'onnxruntime', optimizationLevel: 'extended' }),
        profile: ProfileOptionsSchema.default({ warmupMs: 200, shapes: {}, seed: 1, layerRuns: 10 }),
      })
      .strict(),
    reply: ProfileReportSchema,
    job: true,
    doc: 'Build (or reuse) and profile like trtexec: throughput, latency percentiles, per-layer time mapped to ONNX nodes.',
  }),
  'host.diagnose': call({
    request: z
      .object({
        ms: z.number().int().min(0).max(600_000),
        crash: z.enum(['none', 'exit', 'throw', 'hang', 'slow-cancel']).default('none'),
      })
      .strict(),
    reply: z.object({ pid: z.number().int(), ranMs: z.number() }),
    job: true,
    doc: 'Engine-host self-test: reports progress for `ms` milliseconds (and can simulate a crash, a hang that ignores cancel, or work that hears a cancel only when it ends while its host keeps listening).',
  }),
} as const;

export type Api = typeof api;
export type Method = keyof Api;
export type RequestOf<M extends Method> = z.input<Api[M]['request']>;
export type ParsedRequestOf<M extends Method> = z.output<Api[M]['request']>;
export type ReplyOf<M extends Method> = z.output<Api[M]['reply']>;

export const METHODS = Object.keys(api) as Method[];

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(api, name);
}
