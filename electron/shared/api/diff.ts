/**
 * Model diff as the API carries it (issue 23, item 4): what changed between two ONNX models —
 * nodes added, removed, changed or renamed, initializers whose values moved, inputs and outputs,
 * opsets, IR version and metadata. Only changes are listed, never what stayed the same, so a
 * model against itself is an empty diff. Node ids are main-graph node ids, the same ids the graph
 * payload (model.graph) numbers nodes by, so the view can colour both graphs from this reply.
 * Kept apart from contract.ts, which names it in the model.diff call.
 */
import { z } from 'zod';
import { ValueInfoSchema } from './model-summary';

const Id = z.number().int().min(0);

/** A graph input's or output's type, as the summary gives it. */
const IoTypeSchema = ValueInfoSchema.pick({ name: true, dtype: true, dims: true });

/** One difference inside a paired node: its op, an attribute, or where an input comes from. */
export const NodeFieldChangeSchema = z.object({
  what: z.enum(['op', 'attribute', 'input', 'output-count']),
  /** The attribute's name, or `input 2` for an input slot; '' for op and output-count. */
  name: z.string(),
  /** Readable value in A and B; null where one side has none (an attribute added or removed). */
  a: z.string().nullable(),
  b: z.string().nullable(),
});
export type NodeFieldChange = z.infer<typeof NodeFieldChangeSchema>;

export const NodeRefSchema = z.object({ node: Id, name: z.string(), op: z.string() });
export type NodeRef = z.infer<typeof NodeRefSchema>;

export const NodePairSchema = z.object({ a: NodeRefSchema, b: NodeRefSchema });
export type NodePair = z.infer<typeof NodePairSchema>;

export const ChangedNodeSchema = NodePairSchema.extend({ changes: z.array(NodeFieldChangeSchema).min(1) });
export type ChangedNode = z.infer<typeof ChangedNodeSchema>;

export const TensorTypeTextSchema = z.object({ dtype: z.string(), dims: z.array(z.number()) });

/** An initializer present on one side only, on both with different shape, type or values, or the same under a new name. */
export const InitializerChangeSchema = z.object({
  change: z.enum(['added', 'removed', 'changed', 'renamed']),
  /** Its name in A (removed, changed) or in B (added). */
  name: z.string(),
  /** Its name in B when it was paired by structure under another name. */
  nameB: z.string().optional(),
  a: TensorTypeTextSchema.nullable(),
  b: TensorTypeTextSchema.nullable(),
  /** Largest |a - b| over the elements (same element count only; null when not comparable). */
  maxAbsDiff: z.number().nullable(),
  /** Cosine similarity of the two as vectors (null when not comparable or a side is all zeros). */
  cosine: z.number().nullable(),
  /** Main-graph nodes of B (else A) that read it, for the view. */
  readers: z.array(Id),
});
export type InitializerChange = z.infer<typeof InitializerChangeSchema>;

export const IoChangeSchema = z.object({
  change: z.enum(['added', 'removed', 'changed']),
  name: z.string(),
  a: IoTypeSchema.nullable(),
  b: IoTypeSchema.nullable(),
});
export type IoChange = z.infer<typeof IoChangeSchema>;

/** A model-level field (IR version, an opset, a metadata key, producer): its text in A and B. */
export const FieldChangeSchema = z.object({
  field: z.string(),
  a: z.string().nullable(),
  b: z.string().nullable(),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

export const DiffSideSchema = z.object({ file: z.string(), nodes: z.number().int(), sha256: z.string() });

export const ModelDiffSchema = z.object({
  a: DiffSideSchema,
  b: DiffSideSchema,
  /** Nothing differs but, perhaps, the bytes (the same model). */
  identical: z.boolean(),
  /** False when the two share too little to be versions of one model: node lists are then left empty. */
  related: z.boolean(),
  /** The result in plain words, one line (what the CLI prints first and the view shows on top). */
  verdict: z.string(),
  match: z.object({
    /** Main-graph nodes whose name is in both models, over the larger node count. */
    nameShare: z.number(),
    /** Nodes paired (by name or structure), over the larger node count. */
    pairedShare: z.number(),
    byName: z.number().int(),
    byStructure: z.number().int(),
    /**
     * Share of weight elements with the same type, shape and bytes in both models (the smaller
     * direction), asked only when names and pairs fall short of relating the two; null when not
     * asked, or when the weights' types and shapes alone could not reach the share that relates.
     */
    sharedWeights: z.number().nullable(),
  }),
  header: z.array(FieldChangeSchema),
  inputs: z.array(IoChangeSchema),
  outputs: z.array(IoChangeSchema),
  nodes: z.object({
    added: z.array(NodeRefSchema),
    removed: z.array(NodeRefSchema),
    changed: z.array(ChangedNodeSchema),
    /** Paired nodes whose only difference is their name. */
    renamed: z.array(NodePairSchema),
  }),
  initializers: z.array(InitializerChangeSchema),
  /** The diff covers main graphs; bodies and functions are compared as attributes (a count of what differs). */
  notes: z.array(z.string()),
  ms: z.number(),
});
export type ModelDiff = z.infer<typeof ModelDiffSchema>;
