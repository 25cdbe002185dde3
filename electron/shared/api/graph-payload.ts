/**
 * The graph as the renderer draws it (model.graph) and one node's details read on demand
 * (model.node). The payload is flat typed arrays, never an object per node, so a 125k-node model
 * crosses a process boundary cheaply; graph-codec.ts turns it into bytes and back. Kept apart from
 * contract.ts, which names these in its calls.
 */
import { z } from 'zod';
import { DimSchema } from './model-summary';

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
