/**
 * What the model diff reads of one model, and nothing more: the IR's flat arrays, the main graph's
 * bounds and inputs, each node's attributes, the initializers' descriptions, the declared types,
 * the model-level fields, and the file's bytes (raw weights are compared in place). A model opened
 * in full (OpenedModel and ModelIR) is one of these as it is; a model opened on a worker thread
 * (side-packet.ts) is one too, carried over as a handful of transferred arrays instead of the
 * decoder's hundreds of thousands of objects.
 */
import type { IRGraph, ModelIR } from '../onnx/ir';
import type { GraphProto, ModelProto, NodeProto } from '../onnx/model';
import type { OpenedModel } from '../onnx/open';

/**
 * The IR as the pairing and the diff read it. The diff names a tensor that a main-graph node makes
 * by that node, never by the tensor's own name: a side from a worker leaves those names empty.
 */
export type DiffIR = Pick<
  ModelIR,
  | 'nodeCount'
  | 'ops'
  | 'nodeOp'
  | 'nodeName'
  | 'nodeInputStart'
  | 'nodeInputs'
  | 'nodeOutputStart'
  | 'nodeOutputs'
  | 'tensorCount'
  | 'tensorName'
  | 'tensorGraph'
  | 'tensorFlags'
  | 'tensorProducer'
  | 'tensorInitializer'
  | 'initializers'
  | 'tensorDeclared'
  | 'declared'
  | 'consumerStart'
  | 'consumers'
  | 'topo'
> & {
  graphs: readonly Pick<IRGraph, 'nodeStart' | 'nodeEnd' | 'inputs' | 'outputs'>[];
  /** Per node id, its attributes (the rest of the decoded node is in the arrays above). */
  nodes: readonly Pick<NodeProto, 'attribute'>[];
};

/** The model-level fields the diff compares (header.ts), and the main graph's inputs and outputs. */
export type DiffHeader = Pick<
  ModelProto,
  | 'irVersion'
  | 'opsetImport'
  | 'producerName'
  | 'producerVersion'
  | 'domain'
  | 'modelVersion'
  | 'docString'
  | 'metadataProps'
> & {
  /** `initializer` may list only those also listed as graph inputs: all the diff asks of them. */
  graph: (Pick<GraphProto, 'name' | 'input' | 'output'> & { initializer: readonly { name: string }[] }) | undefined;
};

/** One side of a diff. */
export interface DiffModel {
  opened: Pick<OpenedModel, 'path' | 'displayName' | 'sha256' | 'bytes'> & { model: DiffHeader };
  ir: DiffIR;
}
