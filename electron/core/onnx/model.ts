/**
 * Kiln's in-memory ONNX model: what the decoder produces and the encoder consumes. Field names
 * follow onnx.proto. Every message keeps any fields this schema does not know, and every node its
 * byte range in the file, so a model written back loses nothing — including fields newer than Kiln.
 */
import { onnxDtypeBits } from './dtypes';

/** Where a message came from in the original file, and fields Kiln does not know (raw wire bytes). */
export interface Provenance {
  /** Set when something changed the message after decoding, so its bytes in the source are stale. */
  dirty?: boolean;
  unknown?: Uint8Array[];
  /** Singular fields that were present with their default value ('' or 0): written back for byte-exact output. */
  empty?: number[];
}

export interface StringEntry {
  key: string;
  value: string;
}

export interface OpsetId extends Provenance {
  domain: string;
  version: number;
}

/** Where a tensor's values are: not read until something needs them. */
export type TensorData =
  | { kind: 'none' }
  /** raw_data bytes at [offset, offset+length) of the model file. */
  | { kind: 'raw'; offset: number; length: number }
  /**
   * A typed repeated field (float_data=4, int32_data=5, string_data=6, int64_data=7, double_data=10,
   * uint64_data=11): `runs` are [start, end) spans of the model file holding whole field encodings
   * (tag included), packed or not, in file order; `count` values in all.
   */
  | { kind: 'typed'; field: number; runs: [number, number][]; count: number }
  /** External data file, resolved and checked against the model folder. */
  | { kind: 'external'; location: string; path: string; offset: number; length: number | null }
  /** Values held in memory (a new or rewritten tensor), written as raw_data unless moved to external data. */
  | { kind: 'bytes'; bytes: Uint8Array };

export interface TensorProto extends Provenance {
  name: string;
  /** Decoder bookkeeping: id of `name` in ModelProto.names.values. */
  nameId?: number;
  dataType: number;
  dims: number[];
  data: TensorData;
  externalData: StringEntry[];
  docString: string;
}

export interface SparseTensorProto extends Provenance {
  values: TensorProto | undefined;
  indices: TensorProto | undefined;
  dims: number[];
}

export type TypeProto =
  | ({ kind: 'tensor' | 'sparse_tensor'; elemType: number; shape: Dimension[] | null; denotation: string } & Provenance)
  | ({ kind: 'sequence' | 'optional'; elem: TypeProto | undefined; denotation: string } & Provenance)
  | ({ kind: 'map'; keyType: number; value: TypeProto | undefined; denotation: string } & Provenance)
  | ({ kind: 'unknown'; denotation: string } & Provenance);

export interface Dimension {
  value?: number;
  param?: string;
  denotation?: string;
}

export interface ValueInfoProto extends Provenance {
  name: string;
  /** Decoder bookkeeping: id of `name` in ModelProto.names.values. */
  nameId?: number;
  type: TypeProto | undefined;
  docString: string;
}

/** AttributeProto.AttributeType */
export const ATTR = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface AttributeProto extends Provenance {
  name: string;
  type: number;
  refAttrName: string;
  docString: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparseTensor?: SparseTensorProto;
  tp?: TypeProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparseTensors?: SparseTensorProto[];
  typeProtos?: TypeProto[];
}

export interface NodeProto extends Provenance {
  /** Decoder bookkeeping: where this node's name ids start in ModelProto.names (stale ids are detected). */
  inAt?: number;
  outAt?: number;
  /**
   * [bytesAt, bytesEnd) of the node's bytes in the buffer it was decoded from: kept for every node
   * (two numbers, no allocation), so the encoder can copy a node an edit did not touch (encode.ts).
   */
  bytesAt?: number;
  bytesEnd?: number;
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  overload: string;
  attribute: AttributeProto[];
  docString: string;
}

export interface GraphProto extends Provenance {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  sparseInitializer: SparseTensorProto[];
  docString: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface FunctionProto extends Provenance {
  name: string;
  domain: string;
  overload: string;
  input: string[];
  output: string[];
  attribute: string[];
  attributeProto: AttributeProto[];
  node: NodeProto[];
  opsetImport: OpsetId[];
  valueInfo: ValueInfoProto[];
  docString: string;
}

/**
 * Every distinct string the decoder met gets an id; node input/output names are logged by id so
 * the IR can index arrays instead of hashing names. Ids are only trusted where
 * `values[id] === name` still holds (a modified model falls back to names).
 */
export interface NameIds {
  values: string[];
  inIds: Int32Array;
  outIds: Int32Array;
}

export interface ModelProto extends Provenance {
  names?: NameIds;
  irVersion: number;
  opsetImport: OpsetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: GraphProto | undefined;
  metadataProps: StringEntry[];
  functions: FunctionProto[];
}

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Bytes the tensor's values occupy (sub-byte types packed, as ONNX stores them). */
export function tensorBytes(t: TensorProto): number {
  if (t.data.kind === 'external' && t.data.length !== null) return t.data.length;
  if (t.data.kind === 'raw') return t.data.length;
  if (t.data.kind === 'bytes') return t.data.bytes.length;
  const bits = onnxDtypeBits(t.dataType);
  return Math.ceil((elementCount(t.dims) * bits) / 8);
}
