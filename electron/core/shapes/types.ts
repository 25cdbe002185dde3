/**
 * The interface between the graph traverser (electron/core/onnx) and Kiln's per-op shape rules.
 *
 * The traverser walks nodes in topological order, fills a NodeContext for each node and calls
 * `inferNode(ctx)` (electron/core/shapes/infer.ts), then `nodeCost(ctx, outputs)` for statistics.
 * Rules never throw on odd models: what they cannot infer comes back as `undefined` with a reason.
 */

/**
 * One dimension: a number when known, a string when symbolic ("batch", or a derived expression in
 * canonical form such as "8*batch" or "seq+1"; see sym.ts), null when unknown.
 */
export type SymDim = number | string | null;

/**
 * Element type names, as Kiln spells them everywhere (see dtypes.ts for the TensorProto.DataType
 * mapping): 'float32', 'float16', 'bfloat16', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8',
 * 'uint16', 'uint32', 'uint64', 'bool', 'string', 'complex64', 'complex128', 'float8e4m3fn',
 * 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1'.
 * An empty string means "element type unknown".
 */
export type DType = string;

/** A tensor's type. `dims === null` means the rank is unknown. */
export interface TensorType {
  dtype: DType;
  dims: SymDim[] | null;
}

/**
 * A small constant tensor whose values are known (at most MAX_CONST_ELEMENTS elements).
 * Integer and float values are plain numbers (int64 beyond 2^53 loses precision, which is harmless
 * for shape arithmetic); Shape outputs may hold symbolic (string) or unknown (null) elements, so
 * `Shape -> Gather -> Concat -> Reshape` chains keep their symbols. `dims` is always fully known.
 */
export interface ConstValue {
  dtype: DType;
  dims: number[];
  values: SymDim[];
}

/** Constants larger than this are not folded or carried (keeps memory bounded on giant models). */
export const MAX_CONST_ELEMENTS = 4096;

/**
 * A tensor-valued attribute (Constant's `value`, ConstantOfShape's `value`, ...). `dims`/`dtype` are
 * always given; `value` only when the traverser decoded the data (it should for tensors of at most
 * MAX_CONST_ELEMENTS elements).
 */
export interface TensorAttr {
  dtype: DType;
  dims: number[];
  value?: ConstValue;
}

/** An ONNX attribute. Graph handles are opaque here: only `ctx.inferSubgraph` looks inside them. */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorAttr }
  | { kind: 'tensors'; value: TensorAttr[] }
  | { kind: 'sparse_tensor'; value: TensorAttr }
  | { kind: 'graph'; value: GraphHandle }
  | { kind: 'graphs'; value: GraphHandle[] }
  | { kind: 'type_proto'; value: TensorType | undefined }
  | { kind: 'unknown' };

/** Whatever the traverser uses to name a subgraph; rules only hand it back to `inferSubgraph`. */
export type GraphHandle = unknown;

/** Attributes by name. Built once per node by the traverser; rules only read it. */
export type Attrs = Readonly<Record<string, AttrValue | undefined>>;

/** The result of inferring a subgraph (If branch, Loop/Scan body) with given input types. */
export interface SubgraphResult {
  /** One entry per graph output, in order. */
  outputs: (TensorType | undefined)[];
  /** Folded output values where the body produced constants (optional). */
  consts?: (ConstValue | undefined)[];
}

/**
 * Infers a subgraph given types (and known values) for its formal inputs, in order. Outer-scope
 * names the body reads are resolved by the traverser itself. Returns undefined if it cannot.
 * One function per traverser (not per call).
 */
export type SubgraphInferer = (
  graph: GraphHandle,
  inputs: readonly (TensorType | undefined)[],
  consts?: readonly (ConstValue | undefined)[],
) => SubgraphResult | undefined;

/**
 * Everything a rule sees about one node. The traverser may reuse one object across calls: rules
 * never keep a reference to it.
 *
 * Inputs: `inputs[i] === undefined` means the input exists but its type is unknown; `null` (or an
 * index at or past `inputs.length`) means the optional input is absent (empty name in ONNX).
 */
export interface NodeContext {
  op: string;
  /** '' for the default ONNX domain ('ai.onnx' is accepted too), e.g. 'com.microsoft'. */
  domain: string;
  /** The opset version imported for this node's domain. */
  opset: number;
  attrs: Attrs;
  inputs: readonly (TensorType | null | undefined)[];
  /** Known values of inputs (small initializers, Constant outputs, folded results); same indexing. */
  consts: readonly (ConstValue | undefined)[];
  /** How many outputs the node declares (including trailing optional ones with empty names). */
  outputCount: number;
  /** Present when the traverser can infer If/Loop/Scan bodies. */
  inferSubgraph?: SubgraphInferer;
}

/** What a rule returns: one entry per declared output (undefined = unknown). */
export interface InferResult {
  outputs: (TensorType | undefined)[];
  /** Values of outputs that could be folded (shape arithmetic, constants). */
  consts?: (ConstValue | undefined)[];
  /** Why some or all outputs are unknown (unsupported op, malformed attribute, ...). */
  reason?: string;
}

/**
 * Cost of one node, counted as described at the top of cost.ts: `macs` are multiply-accumulates of
 * the matmul/conv-like core, `flops` every arithmetic operation (2 per MAC plus elementwise work).
 * Symbolic or unknown dims count as 1 and clear `exact`.
 */
export interface NodeCost {
  macs: number;
  flops: number;
  /** False when some shape needed for counting was symbolic or unknown. */
  exact: boolean;
}
