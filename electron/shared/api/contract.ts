/**
 * The one API contract. Every call that crosses a process boundary is declared here, once: its
 * request schema (validated at every boundary), its reply type, whether it runs as a job in the
 * engine host (with progress and cancel), and the progress it reports. Transports (Electron IPC,
 * WebSocket) and the CLI only carry these calls; they add none of their own.
 */
import { z } from 'zod';
import { EngineViewSchema, TrtCheckSchema, TrtexecTuningSchema, TrtMajorSchema, TrtMinorSchema } from './tensorrt';
import { ThresholdsSchema } from '../compare/thresholds';
import { EditReportSchema, EditSchema } from './edits';
import { ModelDiffSchema } from './diff';
import { EngineDiffSchema } from './engine-diff';
import { BuildWarningsSchema, TrtInputProfileSchema } from './trt-build';

// ---- shared shapes -------------------------------------------------------------------------

/** A dimension: a fixed size, a symbolic name ("batch"), or unknown (null). */
export const DimSchema = z.union([z.number().int(), z.string(), z.null()]);
export type Dim = z.infer<typeof DimSchema>;

export const ValueInfoSchema = z.object({
  name: z.string(),
  dtype: z.string(), // ONNX element type name in lower case: "float32", "int64", "float16", ...
  dims: z.array(DimSchema).nullable(), // null when the rank is unknown
  /** An integer input read as indices into a table (token ids into an embedding): its rows. Seeded samples stay below. */
  indexRows: z.number().int().positive().optional(),
});
export type ValueInfo = z.infer<typeof ValueInfoSchema>;

export const OpsetSchema = z.object({ domain: z.string(), version: z.number().int() });

export const OpTypeStatsSchema = z.object({
  op: z.string(),
  count: z.number().int(),
  params: z.number(),
  flops: z.number(),
});

export const ModelSummarySchema = z.object({
  /** Display name of the file the model came from (never a server-side temp path). */
  fileName: z.string(),
  fileBytes: z.number(),
  sha256: z.string(),
  graphName: z.string(),
  producer: z.object({ name: z.string(), version: z.string() }),
  domain: z.string(),
  modelVersion: z.number(),
  docString: z.string(),
  irVersion: z.number().int(),
  opsets: z.array(OpsetSchema),
  inputs: z.array(ValueInfoSchema),
  outputs: z.array(ValueInfoSchema),
  /** Node count including the nodes of every subgraph (If/Loop/Scan bodies) and local functions. */
  nodes: z.number().int(),
  subgraphs: z.number().int(),
  functions: z.number().int(),
  opHistogram: z.record(z.string(), z.number().int()),
  initializers: z.number().int(),
  parameterCount: z.number(),
  parameterBytes: z.number(),
  externalDataBytes: z.number(),
  /** The parameters by data type, most elements first: says a model's weights are FP16, INT8 or mixed. */
  weights: z.array(z.object({ dtype: z.string(), tensors: z.number().int(), elements: z.number(), bytes: z.number() })),
  metadata: z.record(z.string(), z.string()),
  /** Filled by the statistics pass; 0 and [] until shapes are known. */
  flops: z.number(),
  macs: z.number().optional(),
  /** Sum of every intermediate tensor's size: an upper bound on activation memory. */
  activationBytes: z.number().optional(),
  /** False when a dim was dynamic or unknown: figures then count each such dim as 1. */
  statsExact: z.boolean().optional(),
  perOpType: z.array(OpTypeStatsSchema),
  warnings: z.array(z.string()),
});
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

/** Where a model comes from: a path (Electron, CLI) or an upload id handed out by browser mode. */
export const ModelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('upload'), uploadId: z.string().regex(/^[a-f0-9]{32}$/) }),
  /** A precision variant Kiln made (see variant.make): its id, never a path. */
  z.object({ kind: z.literal('variant'), variantId: z.string().regex(/^[a-f0-9]{16}-[a-f0-9]{16}$/) }),
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

/** Concrete dims per input name, as trtexec's --shapes gives them. */
export const ShapesSchema = z.record(z.string(), z.array(z.number().int().min(0).max(1_000_000_000)).max(16));

export const NativeProbeSchema = z.object({
  addon: z.object({ loaded: z.boolean(), path: z.string().nullable(), error: z.string().nullable() }),
  tensorrt: z.object({
    found: z.boolean(),
    version: z.string().nullable(),
    library: z.string().nullable(),
    parser: z.string().nullable(),
  }),
  cuda: z.object({
    found: z.boolean(),
    runtimeVersion: z.string().nullable(),
    driverVersion: z.string().nullable(),
    devices: z.array(z.object({ name: z.string(), computeCapability: z.string(), memoryBytes: z.number() })),
    library: z.string().nullable(),
  }),
  /** Every place searched and why nothing loaded there, in the order tried. */
  searched: z.array(z.object({ library: z.string(), path: z.string(), result: z.string() })),
  summary: z.string(),
});
export type NativeProbe = z.infer<typeof NativeProbeSchema>;

export const AppInfoSchema = z.object({
  name: z.literal('kiln'),
  version: z.string(),
  platform: z.string(),
  transport: z.enum(['ipc', 'websocket', 'cli']),
  maxUploadBytes: z.number().nullable(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const ProgressSchema = z.object({
  /** 0..1, or null while the amount of work is unknown. */
  fraction: z.number().min(0).max(1).nullable(),
  stage: z.string(),
});
export type Progress = z.infer<typeof ProgressSchema>;

/** The graph payload's ids and counts: typed arrays, never copied into plain ones. */
const Ids = z.instanceof(Int32Array);
const Numbers = z.instanceof(Float64Array);

/** A tensor's element type and dims (null when the rank is unknown). */
export const TensorTypeSchema = z.object({ dtype: z.string(), dims: z.array(DimSchema).nullable() });

/**
 * The graph as the renderer draws it: flat arrays indexed by integer ids (no object per node), so a
 * 125k-node model crosses a process boundary as a handful of typed arrays and name lists. Node i
 * has op `ops[nodeOp[i]]`, name `nodeName[i]` and sits in name-scope group `nodeGroup[i]` (-1 =
 * top level). Edge e runs from node `edgeFrom[e]` to node `edgeTo[e]` carrying tensor
 * `edgeTensor[e]`; graph inputs/initializers are not nodes (edges from them are omitted; the
 * inspector lists them).
 */
export const GraphPayloadSchema = z.object({
  ops: z.array(z.string()),
  nodeName: z.array(z.string()),
  nodeOp: Ids,
  nodeGroup: Ids,
  edgeFrom: Ids,
  edgeTo: Ids,
  edgeTensor: Ids,
  tensorName: z.array(z.string()),
  /** Per tensor: dtype name and dims, or null when unknown (as declared, or inferred: see model.graph). */
  tensorType: z.array(TensorTypeSchema.nullable()),
  /** Name-scope groups: a tree. `groupParent[g]` is -1 for a top-level group. */
  groupName: z.array(z.string()),
  groupParent: Ids,
  /** Nodes that own subgraphs (If/Loop/Scan): node id -> attribute name -> subgraph id. */
  subgraphs: z.array(z.object({ node: z.number().int(), attribute: z.string(), graph: z.number().int() })),
  /**
   * Inputs and outputs of every node in order, as CSR: node i's input tensors are
   * `nodeInputs[nodeInputStart[i] .. nodeInputStart[i+1])` (-1 = an omitted optional input); the same
   * for outputs. Includes graph inputs and initializers, which `edge*` leave out (for the inspector).
   */
  nodeInputStart: Ids.optional(),
  nodeInputs: Ids.optional(),
  nodeOutputStart: Ids.optional(),
  nodeOutputs: Ids.optional(),
  /** Per tensor: 0 intermediate, 1 graph input, 2 initializer, 3 graph output. */
  tensorKind: Ids.optional(),
  /** Per node: FLOPs and parameter count from Kiln's statistics (dynamic dims counted as 1); with shapes only. */
  nodeFlops: Numbers.optional(),
  nodeParams: Numbers.optional(),
  /** Why parts of the graph are not shown (e.g. edges to unknown tensors), for the view to say. */
  notes: z.array(z.string()).optional(),
});
export type GraphPayload = z.infer<typeof GraphPayloadSchema>;

/** The inspector's details of one node, read on demand (weights' values are read only here). */
export const NodeDetailsSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  op: z.string(),
  domain: z.string(),
  docString: z.string(),
  attributes: z.array(z.object({ name: z.string(), value: z.string() })),
  macs: z.number(),
  flops: z.number(),
  params: z.number(),
  /** Each input's and output's type as shape inference found it, in order (null: unknown, or omitted). */
  inputTypes: z.array(TensorTypeSchema.nullable()),
  outputTypes: z.array(TensorTypeSchema.nullable()),
  weights: z.array(
    z.object({
      name: z.string(),
      dtype: z.string(),
      dims: z.array(z.number()),
      stats: z
        .object({
          count: z.number(),
          min: z.number(),
          max: z.number(),
          mean: z.number(),
          std: z.number(),
          zeros: z.number(),
          nans: z.number(),
          infs: z.number(),
          histogram: z.array(z.number()),
        })
        .optional(),
      error: z.string().optional(),
    }),
  ),
});
export type NodeDetails = z.infer<typeof NodeDetailsSchema>;

// TensorRT readiness and engine views: ./tensorrt.ts

// ---- precision variants ----------------------------------------------------------------------

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

// ---- accuracy comparison ---------------------------------------------------------------------

const ErrorMetricsSchema = z.object({
  count: z.number().int(),
  maxAbs: z.number(),
  meanAbs: z.number(),
  medianAbs: z.number(),
  p99Abs: z.number(),
  maxRel: z.number(),
  meanRel: z.number(),
  l2: z.number(),
  cosine: z.number(),
  psnr: z.number(),
  snr: z.number(),
  /** null: atol/rtol were not asked for. */
  mismatched: z.number().int().nullable(),
  histogram: z.array(z.number()),
});

export const ComparisonSchema = z.object({
  reference: z.string(),
  samples: z.number().int(),
  shapes: z.record(z.string(), z.array(z.number())),
  thresholds: ThresholdsSchema,
  outputs: z.array(z.string()),
  /** The outputs whose verdict decides a variant's pass/fail (the others are measured, not judged). */
  judged: z.array(z.string()),
  variants: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      pass: z.boolean(),
      perOutput: z.array(
        z.object({
          output: z.string(),
          metrics: ErrorMetricsSchema,
          /** Cosine of the sample that agrees least (thresholds hold per sample, as in Polygraphy). */
          worstSample: z.object({ index: z.number().int(), cosine: z.number() }),
          top1: z.number().nullable(),
          top5: z.number().nullable(),
          /** Holds class scores (a Softmax's output, logits): its top-1 agreement is judged. */
          classScores: z.boolean(),
          pass: z.boolean(),
          failed: z.array(z.string()),
          judged: z.boolean(),
        }),
      ),
      /** Per exposed tensor in topological order (reference's main-graph node index), and the first past the thresholds. */
      layers: z
        .object({
          tensors: z.array(
            z.object({
              name: z.string(),
              node: z.number().int(),
              /** Over every sample pooled (loud samples weigh most). */
              cosine: z.number(),
              /** The mean of each sample's cosine (a quiet sample weighs as much as a loud one). */
              meanSampleCosine: z.number(),
              maxAbs: z.number(),
              meanAbs: z.number(),
              snr: z.number(),
            }),
          ),
          firstBad: z.object({ name: z.string(), node: z.number().int() }).nullable(),
          /** Samples the layerwise error is pooled over (all of the comparison's, within a memory budget). */
          samples: z.number().int(),
        })
        .nullable(),
    }),
  ),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

// ---- backends ------------------------------------------------------------------------------

export const TrtBuildOptionsSchema = z.object({
  /** Builder optimization level 0-5 (trtexec --builderOptimizationLevel; 3 is TensorRT's default). */
  builderOptimizationLevel: z.number().int().min(0).max(5).default(3),
  workspaceMiB: z
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .optional(),
  /** Engines that run on Ampere and newer GPUs, not only the one they were built on. */
  hardwareCompatibility: z.enum(['none', 'ampere+']).default('none'),
  /** Version-compatible engines embed a lean runtime (and can carry code: Kiln asks before loading one it did not make). */
  versionCompatible: z.boolean().default(false),
  /** TensorRT 10: strongly typed network (precision from the model); 11.x is always strongly typed. */
  stronglyTyped: z.boolean().default(true),
  /** Optimization profile per input: min/opt/max dims and shape-tensor values; absent inputs use the profile's shapes. */
  profiles: z.record(z.string(), TrtInputProfileSchema).default({}),
  /** TensorRT 11's trtexec build-route tuner and accuracy check, for the exported trtexec command only. */
  tuning: TrtexecTuningSchema.optional(),
  /** Test hook for the fake plugin (steps, failures, crash); ignored by real plugins. */
  fake: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
});

export const BuildOptionsSchema = z.object({
  backend: z.enum(['onnxruntime', 'tensorrt']).default('onnxruntime'),
  optimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('extended'),
  trt: TrtBuildOptionsSchema.optional(),
});

export const ProfileOptionsSchema = z.object({
  warmupMs: z.number().int().min(0).max(600_000).default(200),
  iterations: z.number().int().min(1).max(1_000_000).optional(),
  durationS: z.number().min(0.05).max(3600).optional(),
  shapes: ShapesSchema.default({}),
  seed: z.number().int().default(1),
  intraOpThreads: z.number().int().min(1).max(256).optional(),
  layerRuns: z.number().int().min(0).max(1000).default(10),
  /** Inputs from a .npy/.npz file (input name -> array, the first sample is used) instead of seeded data. */
  inputs: ModelSourceSchema.optional(),
});

const LatencySchema = z.object({
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  median: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
});

export const BuildInfoSchema = z.object({
  backend: z.string(),
  backendVersion: z.string(),
  device: z.string(),
  modelSha256: z.string(),
  artifactBytes: z.number(),
  buildMs: z.number(),
  cached: z.boolean(),
  optimizationLevel: z.string(),
  nodes: z.number().int(),
  fusedNodes: z.array(z.object({ node: z.string(), op: z.string(), originals: z.array(z.string()) })),
  warnings: BuildWarningsSchema,
});
export type BuildInfo = z.infer<typeof BuildInfoSchema>;

export const ProfileReportSchema = z.object({
  backend: z.string(),
  backendVersion: z.string(),
  device: z.string(),
  model: z.string(),
  shapes: z.record(z.string(), z.array(z.number())),
  iterations: z.number().int(),
  totalMs: z.number(),
  throughput: z.number(),
  latencyMs: LatencySchema,
  samplesMs: z.array(z.number()).max(2000),
  cov: z.number(),
  warnings: z.array(z.string()),
  coldStartMs: z.number(),
  /** The engine host's resident-memory high-water mark since it started: every run so far, not this one alone. */
  peakRssBytes: z.number(),
  /** This run's memory: the host's RSS before the run's session opened and the highest sampled while it ran. */
  memory: z.object({ rssBeforeBytes: z.number(), rssPeakBytes: z.number() }),
  /** Runs the per-layer times are the median of (the profiler's first, allocating run left out). */
  layerRuns: z.number().int(),
  /** Median wall time of one profiled run (profiler on); null when the backend does not say. */
  profiledRunMs: z.number().nullable(),
  layers: z.array(
    z.object({ node: z.string(), op: z.string(), ms: z.number(), share: z.number(), originals: z.array(z.string()) }),
  ),
  byOpType: z.array(z.object({ op: z.string(), ms: z.number(), share: z.number(), count: z.number().int() })),
  perNodeMs: z.record(z.string(), z.number()),
  build: BuildInfoSchema,
});
export type ProfileReport = z.infer<typeof ProfileReportSchema>;

// ---- the calls ------------------------------------------------------------------------------

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
    request: z.object({ variantId: z.string().regex(/^[a-f0-9]{16}-[a-f0-9]{16}$/), name: VariantNameSchema }).strict(),
    reply: z.object({ id: z.string(), name: z.string() }),
    job: false,
    doc: 'Give a variant a name of your own: display metadata, kept beside its file (its id and file stay as they are).',
  }),
  'model.compare': call({
    request: z
      .object({
        source: ModelSourceSchema,
        variants: z
          .array(z.string().regex(/^[a-f0-9]{16}-[a-f0-9]{16}$/))
          .min(1)
          .max(16),
        samples: z.number().int().min(1).max(10_000).default(8),
        seed: z.number().int().default(1),
        shapes: ShapesSchema.default({}),
        thresholds: ThresholdsSchema.prefault({}),
        layerwise: z.boolean().default(true),
        /** Real inputs (images, or .npy/.npz in ModelOpt's layout) instead of seeded random ones. */
        /** Outputs whose verdict decides pass/fail (empty: all), e.g. a VAD's probability and not its recurrent state. */
        judge: z.array(z.string().min(1).max(4096)).max(1024).default([]),
        /** Run as a stream: each output fed back as the input on the next sample, per model (a VAD's stateN → state). */
        stream: z
          .array(z.object({ output: z.string().min(1).max(4096), input: z.string().min(1).max(4096) }).strict())
          .max(64)
          .default([]),
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
        /** Outputs whose verdict decides pass/fail (empty: all), e.g. a VAD's probability and not its recurrent state. */
        judge: z.array(z.string().min(1).max(4096)).max(1024).default([]),
        /** Run as a stream: each output fed back as the input on the next sample, per model (a VAD's stateN → state). */
        stream: z
          .array(z.object({ output: z.string().min(1).max(4096), input: z.string().min(1).max(4096) }).strict())
          .max(64)
          .default([]),
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
