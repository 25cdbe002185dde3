/**
 * Who makes and who reads each tensor, and what to call a node in a message: the lookups every
 * graph rewrite needs, written once instead of redeclared in each. Two forms, for the two ways a
 * rewrite holds a graph: the IR's integer ids (read from its CSR arrays, see ir.ts), and a
 * GraphProto's nodes by tensor name (maps built from the node list as it is now, so a rewrite
 * that changed the nodes builds them again).
 */
import type { ModelIR } from './ir';
import type { GraphProto, NodeProto } from './model';

// ---- IR ids ------------------------------------------------------------------------------------

/** The tensor ids node `id` reads, in input order (-1: an omitted optional input). */
export function inputsOf(ir: ModelIR, id: number): number[] {
  return Array.from(ir.nodeInputs.subarray(ir.nodeInputStart[id], ir.nodeInputStart[id + 1]));
}

/** The tensor ids node `id` makes, in output order (-1: an omitted optional output). */
export function outputsOf(ir: ModelIR, id: number): number[] {
  return Array.from(ir.nodeOutputs.subarray(ir.nodeOutputStart[id], ir.nodeOutputStart[id + 1]));
}

/** The node that makes tensor `t`: -1 for graph inputs, initializers, undefined names and t = -1. */
export function producerOf(ir: ModelIR, t: number): number {
  return t >= 0 ? (ir.tensorProducer[t] as number) : -1;
}

/** The nodes that read tensor `t`, in id order (a node reading it twice is listed once; bodies included). */
export function consumersOf(ir: ModelIR, t: number): number[] {
  return Array.from(ir.consumers.subarray(ir.consumerStart[t], ir.consumerStart[t + 1]));
}

/** What messages call node `id`: its name, or `Op_id` when it has none. */
export function nodeLabel(ir: ModelIR, id: number): string {
  return ir.nodeName[id] || `${(ir.nodes[id] as NodeProto).opType}_${id}`;
}

// ---- GraphProto names --------------------------------------------------------------------------

/** The node of `g` that makes each tensor (a name made twice: the later node). Bodies are not searched. */
export function producersOf(g: GraphProto): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) if (o) m.set(o, n);
  return m;
}

/** The nodes of `g` that read each tensor (a node reading it twice is listed twice, as readCounts counts it). */
export function readersOf(g: GraphProto): Map<string, NodeProto[]> {
  const m = new Map<string, NodeProto[]>();
  for (const n of g.node) for (const x of n.input) if (x) (m.get(x) ?? m.set(x, []).get(x)!).push(n);
  return m;
}
