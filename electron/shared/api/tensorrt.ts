/**
 * TensorRT readiness and engine views as the API carries them: the readiness check of a model
 * against a TensorRT release's parser (findings, their groups, partitions, predicted fusions) and an
 * engine's trtexec files mapped onto the model (layers, times, how well they match it). Kept apart
 * from contract.ts, which names these in its calls, so each file stays one readable size.
 */
import { z } from 'zod';
import { EngineAuditSchema } from './engine-diff';

export const TrtMajorSchema = z.union([z.literal(10), z.literal(11)]);

const FindingStatusSchema = z.enum(['unsupported-op', 'unsupported-type', 'restriction', 'warning']);

export const TrtCheckSchema = z.object({
  trt: TrtMajorSchema,
  /** The TensorRT release checked for (its opset range), and where the operator table comes from. */
  tensorrt: z.string(),
  source: z.object({ repo: z.string(), branch: z.string(), commit: z.string(), path: z.string() }),
  /** The TensorRT release the operator table was written for ('10.1' for both 10 and 11 today). */
  table: z.string(),
  /** Empty when the table is the checked release's own; else what that means for the results. */
  tableNote: z.string(),
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

const StatsSchema = z.object({
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  median: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  count: z.number().int(),
});

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
