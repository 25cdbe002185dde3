/**
 * One side of a diff as a message between threads. A worker that opened a model sends what the
 * diff reads of it (diff-model.ts) and no more: the IR's typed arrays and the file's bytes are
 * transferred (moved, not copied), names go as two string arrays, and initializers and attributes
 * as columns of numbers (side-columns.ts). Posting the whole decoded model instead
 * would structured-clone every node object, which costs about as much as decoding the file again.
 */
import type { ValueInfoProto } from '../onnx/model';
import type { ModelIR } from '../onnx/ir';
import type { OpenedModel } from '../onnx/open';
import type { DiffHeader, DiffIR, DiffModel } from './diff-model';
import {
  packAttributes,
  packTensors,
  unpackAttributes,
  unpackTensors,
  type AttributeColumns,
  type TensorColumns,
} from './side-columns';

type Arrays = Pick<
  ModelIR,
  | 'nodeOp'
  | 'nodeInputStart'
  | 'nodeInputs'
  | 'nodeOutputStart'
  | 'nodeOutputs'
  | 'tensorGraph'
  | 'tensorFlags'
  | 'tensorProducer'
  | 'tensorInitializer'
  | 'tensorDeclared'
  | 'consumerStart'
  | 'consumers'
  | 'topo'
>;

const ARRAY_KEYS = [
  'nodeOp',
  'nodeInputStart',
  'nodeInputs',
  'nodeOutputStart',
  'nodeOutputs',
  'tensorGraph',
  'tensorFlags',
  'tensorProducer',
  'tensorInitializer',
  'tensorDeclared',
  'consumerStart',
  'consumers',
  'topo',
] as const satisfies readonly (keyof Arrays)[];

/** What a worker posts: structured-clonable, its big arrays listed in `transfer`. */
export interface SidePacket {
  path: string;
  displayName: string;
  sha256: string;
  bytes: Uint8Array;
  header: DiffHeader;
  arrays: Arrays;
  nodeCount: number;
  tensorCount: number;
  ops: string[];
  nodeName: string[];
  tensorName: string[];
  graphs: DiffIR['graphs'];
  attributes: AttributeColumns;
  initializers: TensorColumns;
  declared: ValueInfoProto[];
}

/** An array's own buffer when it spans all of it (moved), else a copy that does (a view into a pool). */
function own<T extends Int32Array | Uint8Array>(x: T): T {
  if (x.byteOffset === 0 && x.byteLength === x.buffer.byteLength && x.buffer instanceof ArrayBuffer) return x;
  return x.slice() as T;
}

/** The model-level fields and the graph's inputs and outputs (initializers: only those also inputs). */
function headerOf(opened: OpenedModel): DiffHeader {
  const m = opened.model;
  const g = m.graph;
  const inputs = new Set(g?.input.map((v) => v.name));
  return {
    irVersion: m.irVersion,
    opsetImport: m.opsetImport,
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    domain: m.domain,
    modelVersion: m.modelVersion,
    docString: m.docString,
    metadataProps: m.metadataProps,
    graph: g && {
      name: g.name,
      input: g.input,
      output: g.output,
      initializer: g.initializer.filter((t) => inputs.has(t.name)).map((t) => ({ name: t.name })),
    },
  };
}

/** Packs an opened model and its IR; `transfer` lists the buffers to move with the message. */
export function packSide(opened: OpenedModel, ir: ModelIR): { packet: SidePacket; transfer: ArrayBuffer[] } {
  const arrays = {} as Record<keyof Arrays, Int32Array | Uint8Array>;
  for (const k of ARRAY_KEYS) arrays[k] = own(ir[k]);
  const bytes = own(opened.bytes);
  const packet: SidePacket = {
    path: opened.path,
    displayName: opened.displayName,
    sha256: opened.sha256,
    bytes,
    header: headerOf(opened),
    arrays: arrays as Arrays,
    nodeCount: ir.nodeCount,
    tensorCount: ir.tensorCount,
    ops: ir.ops,
    nodeName: ir.nodeName,
    tensorName: ir.tensorName,
    graphs: ir.graphs.map((g) => ({
      nodeStart: g.nodeStart,
      nodeEnd: g.nodeEnd,
      inputs: g.inputs,
      outputs: g.outputs,
    })),
    attributes: packAttributes(ir.nodes, ir.nodeCount),
    initializers: packTensors(ir.initializers),
    declared: ir.declared,
  };
  const transfer = new Set<ArrayBuffer>();
  const { attributes: at, initializers: it } = packet;
  const columns = [at.nodes, at.start, at.type, at.scalar, at.listStart, at.values];
  columns.push(it.dataType, it.dimStart, it.dims, it.kind, it.offset, it.length);
  for (const x of [...Object.values(arrays), ...columns, bytes]) transfer.add(x.buffer as ArrayBuffer);
  return { packet, transfer: [...transfer] };
}

/** The side a packet carries, as the diff reads it. */
export function unpackSide(p: SidePacket): DiffModel {
  return {
    opened: {
      path: p.path,
      displayName: p.displayName,
      sha256: p.sha256,
      // A Buffer over the moved bytes (no copy), as a file read on this thread gives: weights compare in place.
      bytes: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength),
      model: p.header,
    },
    ir: {
      ...p.arrays,
      nodeCount: p.nodeCount,
      tensorCount: p.tensorCount,
      ops: p.ops,
      nodeName: p.nodeName,
      tensorName: p.tensorName,
      graphs: p.graphs,
      nodes: unpackAttributes(p.attributes, p.nodeCount),
      initializers: unpackTensors(p.initializers),
      declared: p.declared,
    },
  };
}
