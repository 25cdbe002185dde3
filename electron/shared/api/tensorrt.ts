/**
 * TensorRT readiness and engine views as the API carries them: the readiness check of a model
 * against a TensorRT release's parser (findings, their groups, partitions, predicted fusions) and an
 * engine's trtexec files mapped onto the model (layers, times, how well they match it). Kept apart
 * from contract.ts, which names these in its calls, so each file stays one readable size.
 */
import { z } from 'zod';
import { EngineAuditSchema } from './engine-diff';
import { LatencySchema } from './latency';

export const TrtMajorSchema = z.union([z.literal(10), z.literal(11)]);
/**
 * A minor release to check for beside the major (3 with trt 10: TensorRT 10.3, JetPack 6's), where
 * ops newer than it must be flagged; absent, the check is for the major's newest release Kiln knows.
 */
export const TrtMinorSchema = z.number().int().min(0).max(99);

/**
 * TensorRT 11's trtexec build-route tuner and its accuracy check, for the exported trtexec command
 * only (Kiln's own build ignores it; TensorRT 10's trtexec has neither). Knob names in `routes`
 * come from `trtexec --helpBuildRoute`.
 */
export const TrtexecTuningSchema = z
  .object({
    /** --tuneBuildRoutes: space-separated `-knob=[a|b]` (swept) and `-knob=value` (pinned). */
    routes: z.string().min(1).max(4000),
    /** --tuningSearch: fast (one knob at a time), full (every combination), mixed. */
    search: z.enum(['fast', 'full', 'mixed']).default('fast'),
    /** --tuningCacheFile: the JSON-lines record of the sweep (and what --continue resumes). */
    cacheFile: z.string().min(1).max(1000).default('tuning.jsonl'),
    /** Keep only engines whose outputs stay within `threshold` of reference outputs. */
    accuracy: z
      .object({
        /** --loadInputs / --loadRefOutputs: tensor name to a raw binary file. */
        inputs: z.record(z.string(), z.string().min(1)),
        refOutputs: z.record(z.string(), z.string().min(1)).refine((r) => Object.keys(r).length > 0, {
          message: 'at least one reference output',
        }),
        /** --accuracyThreshold (required with --loadRefOutputs). */
        threshold: z.number().nonnegative(),
        /** --accuracyAlgorithm: l0 (share of elements beyond atol + rtol·|ref|), l1, l2, lInf, cos. */
        algorithm: z.enum(['l0', 'l1', 'l2', 'lInf', 'cos']).default('l0'),
        /** --atol / --rtol: l0's tolerances. */
        atol: z.number().nonnegative().optional(),
        rtol: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** 'precision': what a strongly typed build makes of a node (FP32 on TensorRT 11, Q/DQ that will not fuse); not a refusal. */
const FindingStatusSchema = z.enum(['unsupported-op', 'unsupported-type', 'restriction', 'warning', 'precision']);

export const TrtCheckSchema = z.object({
  trt: TrtMajorSchema,
  /** The minor release checked for, where the request named one. */
  minor: TrtMinorSchema.optional(),
  /** The TensorRT release checked for ('10.3', or the newest Kiln knows: '10.15', '11.5'), and where the table comes from. */
  tensorrt: z.string(),
  /** `commit` is empty where the table was read from a published copy rather than a fetched commit. */
  source: z.object({ repo: z.string(), branch: z.string(), commit: z.string(), path: z.string() }),
  /** The TensorRT release the operator table was written for ('10.15'; '11.5 (derived)' from release notes). */
  table: z.string(),
  /** Empty when the table is the checked release's own; else what that means for the results. */
  tableNote: z.string(),
  /** The ai.onnx opsets the checked release's parser reads: what an opset conversion for it may target. */
  opsets: z.object({ min: z.number().int(), max: z.number().int() }).optional(),
  nodes: z.number().int(),
  supported: z.number().int(),
  unsupported: z.number().int(),
  findings: z.array(
    z.object({
      node: z.string(),
      op: z.string(),
      /** Main-graph node index (the graph payload's), -1 inside a subgraph or for the whole model. */
      index: z.number().int(),
      graph: z.string(),
      status: FindingStatusSchema,
      reason: z.string(),
      suggestion: z.string(),
      /** What is particular to this node (a zero point's value, a tensor's name); the reason is shared. */
      detail: z.string().optional(),
    }),
  ),
  /** The findings grouped by status, op, reason and way forward: one row per message, nodes collapsed. */
  groups: z.array(
    z.object({
      status: FindingStatusSchema,
      op: z.string(),
      reason: z.string(),
      suggestion: z.string(),
      count: z.number().int(),
      nodes: z.array(
        z.object({ node: z.string(), index: z.number().int(), graph: z.string(), detail: z.string().optional() }),
      ),
    }),
  ),
  /**
   * Weighted layers (Conv, MatMul, Gemm, Attention, …) per type they compute in when built strongly
   * typed (always on TensorRT 11): { FP32: 40, INT8: 12 }. Absent from older hosts.
   */
  computes: z.record(z.string(), z.number().int()).optional(),
  /** Connected runs of supported main-graph nodes, largest first (Polygraphy's inspect capability). */
  partitions: z.array(z.object({ size: z.number().int(), first: z.string(), last: z.string() })),
  /** Per main-graph node: 0 supported, 1 warning, 2 unsupported. */
  nodeStatus: z.array(z.number().int()),
  /** Predicted fusions (TensorRT's documented fusion types): groups of main-graph node indices. */
  fusion: z.object({
    nodes: z.number().int(),
    kernels: z.number().int(),
    folded: z.number().int(),
    groups: z.array(
      z.object({ kind: z.string(), label: z.string(), rule: z.string(), nodes: z.array(z.number().int()) }),
    ),
  }),
});
export type TrtCheck = z.infer<typeof TrtCheckSchema>;

const StatsSchema = LatencySchema.extend({ count: z.number().int() });

/** An engine's layers (from trtexec / IEngineInspector files) mapped onto the open model. */
export const EngineViewSchema = z.object({
  files: z.array(
    z.object({ name: z.string(), kind: z.enum(['layer-info', 'profile', 'times']), schema: z.string().optional() }),
  ),
  /** Layer-info schema: '10' (Bindings), '11' (I/O Tensors), 'names-only', 'unknown'; null without layer info. */
  schema: z.string().nullable(),
  /** Which TensorRT wrote the files: the version they carry, else '11.x' or '8.x or 10.x' by schema; null unknown. */
  tensorrt: z.string().nullable(),
  /**
   * How well the files match the open model: the share of the names their layers mention that are
   * its nodes (null when they mention none), ok at 0.8 and above, and what to say when not.
   */
  match: z.object({ share: z.number().nullable(), ok: z.boolean(), warning: z.string().nullable() }),
  layers: z.array(
    z.object({
      index: z.number().int(),
      name: z.string(),
      type: z.string(),
      /** The precision the layer computes in, and where that was read (not simply its output's type). */
      precision: z.string().nullable(),
      precisionFrom: z.enum(['inputs', 'weights', 'tactic', 'name', 'output']).nullable(),
      tactic: z.string().nullable(),
      /** Average time per inference from the profile, and its share of the total. */
      ms: z.number().nullable(),
      share: z.number().nullable(),
      /** Main-graph node indices this layer came from. */
      nodes: z.array(z.number().int()),
      via: z.enum(['metadata', 'range', 'name', 'none']),
      isReformat: z.boolean(),
      isForeign: z.boolean(),
    }),
  ),
  totalMs: z.number().nullable(),
  iterations: z.number().nullable(),
  times: z
    .object({
      count: z.number().int(),
      latency: StatsSchema.nullable(),
      compute: StatsSchema.nullable(),
      throughputQps: z.number().nullable(),
      computeCov: z.number().nullable(),
    })
    .nullable(),
  /** Names the engine mentions that match no ONNX node: listed, never dropped. */
  unmapped: z.array(z.object({ layer: z.string(), name: z.string(), reason: z.string() })),
  uncoveredNodes: z.number().int(),
  /** The main-graph node indices no layer covers (folded constants, eliminated no-ops, unparseable names). */
  uncovered: z.array(z.number().int()),
  /** Nodes whose engine precision differs from what was asked (engine-audit), and the precision boundaries' cost. */
  audit: EngineAuditSchema,
  /** Engine layers that are not format conversions. */
  kernels: z.number().int(),
  warnings: z.array(z.string()),
});
export type EngineView = z.infer<typeof EngineViewSchema>;
