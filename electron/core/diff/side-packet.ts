/**
 * One side of a diff as a message between threads. A worker that opened a model sends what the
 * diff reads of it (diff-model.ts) and no more: the IR's typed arrays and the file's bytes are
 * transferred (moved, not copied), node names and the tensor names the diff reads go as string
 * arrays, and initializers and attributes as columns of numbers (side-columns.ts). Posting the
 * whole decoded model instead would structured-clone every node object, which costs about as much
 * as decoding the file again.
 */
import type { ValueInfoProto } from '../onnx/model';
import { TENSOR_INITIALIZER, TENSOR_INPUT, TENSOR_OUTPUT, type ModelIR } from '../onnx/ir';
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
  /** Names of the tensors in `named` (the rest go as ''): see namedTensors. */
  tensorName: string[];
  named: Int32Array;
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

/**
 * The tensors whose names the diff reads: those no main-graph node makes (graph inputs,
 * initializers, names from outside), and graph inputs and outputs. An intermediate tensor is only
 * ever named through the node that makes it, and most of a graph's tensors are such: 125,000 of the
 * 165,000 names of the bench's model stay behind.
 */
function namedTensors(ir: ModelIR): { tensorName: string[]; named: Int32Array } {
  const main = ir.graphs[0];
  const ids: number[] = [];
  for (let t = 0; t < ir.tensorCount; t++) {
    const p = ir.tensorProducer[t] as number;
    const madeInMain = main !== undefined && p >= main.nodeStart && p < main.nodeEnd;
    if (!madeInMain || ((ir.tensorFlags[t] as number) & (TENSOR_INPUT | TENSOR_OUTPUT | TENSOR_INITIALIZER)) !== 0)
      ids.push(t);
  }
  return { tensorName: ids.map((t) => ir.tensorName[t] as string), named: Int32Array.from(ids) };
}

function tensorNames(p: SidePacket): string[] {
  const out = new Array<string>(p.tensorCount).fill('');
  for (let k = 0; k < p.named.length; k++) out[p.named[k]!] = p.tensorName[k]!;
  return out;
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
    ...namedTensors(ir),
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
  const columns = [packet.named, at.nodes, at.start, at.type, at.scalar, at.listStart, at.values];
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
      tensorName: tensorNames(p),
      graphs: p.graphs,
      nodes: unpackAttributes(p.attributes, p.nodeCount),
      initializers: unpackTensors(p.initializers),
      declared: p.declared,
    },
  };
}
