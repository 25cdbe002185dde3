/**
 * A model as model.open describes it: its inputs and outputs, opsets, producer, weights by data
 * type, op histogram and the statistics pass's FLOPs and activation memory. Kept apart from
 * contract.ts (which names it in the model.open call) so each file stays one readable size; diff.ts
 * and graph-payload.ts read the dimension type from here.
 */
import { z } from 'zod';

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
