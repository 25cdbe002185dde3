/**
 * The graph payload's node, tensor and edge columns from a graph whose tensors are already integer
 * keys: the IR's tensor ids (from-ir.ts) or the file's interned name ids (from-wire.ts). One loop
 * for both, so the two ways of building a payload cannot drift apart. Nothing here hashes a tensor
 * name; tensors are numbered in order of first appearance (graph inputs, initializers, node
 * outputs, node inputs, graph outputs), name-scope groups come from node names, and the notes say
 * what could not be drawn exactly.
 */
import type { GraphPayload } from '../../shared/api/graph-payload';
import { payloadNotes, scopeGroups } from './payload';

/** One graph with integer tensor keys in [0, keyCount); -1 in a node's list is an omitted input or output. */
export interface KeyedGraph {
  keyCount: number;
  nodeCount: number;
  /** Per node (index i = node i): its op's id in `opName`. */
  nodeOp: Int32Array;
  opName: readonly string[];
  /** Node i's name, a fallback already given to unnamed ones. */
  nodeName: (i: number) => string;
  /** CSR lists over all nodes of the source; node i is entry `nodeBase + i`. */
  nodeBase: number;
  nodeInputStart: Int32Array;
  nodeInputs: Int32Array;
  nodeOutputStart: Int32Array;
  nodeOutputs: Int32Array;
  /** Graph inputs that are not initializers, the initializers in file order, the graph outputs (all named). */
  graphInputs: readonly number[];
  initializers: readonly number[];
  graphOutputs: readonly number[];
  tensorName: (key: number) => string;
}

export type PayloadColumns = Omit<GraphPayload, 'tensorType' | 'subgraphs' | 'nodeFlops' | 'nodeParams'>;

/** The columns, and each payload tensor's key (`keys`) and each key's payload tensor (`payloadOf`, -1: none). */
export function payloadColumns(g: KeyedGraph): { columns: PayloadColumns; keys: Int32Array; payloadOf: Int32Array } {
  const payloadOf = new Int32Array(g.keyCount).fill(-1);
  const keyOf = new Int32Array(g.keyCount);
  const kindOf = new Int32Array(g.keyCount);
  let T = 0;
  const tensorOf = (t: number): number => {
    let p = payloadOf[t]!;
    if (p < 0) {
      p = T++;
      payloadOf[t] = p;
      keyOf[p] = t;
    }
    return p;
  };
  for (const t of g.graphInputs) kindOf[tensorOf(t)] = 1;
  for (const t of g.initializers) kindOf[tensorOf(t)] = 2;

  const N = g.nodeCount;
  const base = g.nodeBase;
  const inFrom = g.nodeInputStart[base]!;
  const inTo = g.nodeInputStart[base + N]!;
  const outFrom = g.nodeOutputStart[base]!;
  const outTo = g.nodeOutputStart[base + N]!;

  // Nodes: op ids in order of first use, names, scopes, outputs.
  const ops: string[] = [];
  const opRemap = new Int32Array(g.opName.length).fill(-1);
  const nodeName = new Array<string>(N);
  const nodeOp = new Int32Array(N);
  const nodeGroup = new Int32Array(N);
  const nodeOutputStart = new Int32Array(N + 1);
  const nodeOutputs = new Int32Array(outTo - outFrom);
  const producer = new Int32Array(g.keyCount).fill(-1);
  const { groupName, groupParent, groupOf } = scopeGroups();
  let lastScope = '';
  let lastGroup = -1;
  let duplicateProducers = 0;
  let outs = 0;
  for (let i = 0; i < N; i++) {
    const sourceOp = g.nodeOp[i]!;
    let op = opRemap[sourceOp]!;
    if (op < 0) {
      op = ops.push(g.opName[sourceOp] || '?') - 1;
      opRemap[sourceOp] = op;
    }
    nodeOp[i] = op;
    const name = g.nodeName(i);
    nodeName[i] = name;
    // Consecutive nodes mostly share a scope: check the last one before cutting the name.
    if (
      lastScope !== '' &&
      name.length > lastScope.length + 1 &&
      name.charCodeAt(lastScope.length) === 47 && // '/'
      name.indexOf('/', lastScope.length + 1) < 0 &&
      name.startsWith(lastScope)
    ) {
      nodeGroup[i] = lastGroup;
    } else {
      const at = name.lastIndexOf('/');
      lastScope = at > 0 ? name.slice(0, at) : '';
      lastGroup = groupOf(lastScope);
      nodeGroup[i] = lastGroup;
    }
    for (let k = g.nodeOutputStart[base + i]!; k < g.nodeOutputStart[base + i + 1]!; k++) {
      const t = g.nodeOutputs[k]!;
      if (t < 0) continue;
      const p = tensorOf(t);
      nodeOutputs[outs++] = p;
      if (producer[p]! >= 0 && producer[p] !== i) duplicateProducers++;
      producer[p] = i;
    }
    nodeOutputStart[i + 1] = outs;
  }

  // Node inputs and the edges they make (one per producer and tensor, however often it is read).
  const nodeInputStart = new Int32Array(N + 1);
  const nodeInputs = new Int32Array(inTo - inFrom);
  const edgeFrom = new Int32Array(inTo - inFrom);
  const edgeTo = new Int32Array(inTo - inFrom);
  const edgeTensor = new Int32Array(inTo - inFrom);
  let E = 0;
  let dangling = 0;
  for (let i = 0; i < N; i++) {
    const from = g.nodeInputStart[base + i]!;
    const to = g.nodeInputStart[base + i + 1]!;
    for (let k = from; k < to; k++) {
      const t = g.nodeInputs[k]!;
      if (t < 0) {
        nodeInputs[k - inFrom] = -1;
        continue;
      }
      const p = tensorOf(t);
      nodeInputs[k - inFrom] = p;
      const src = producer[p]!;
      if (src < 0) {
        if (kindOf[p] === 0) dangling++;
        continue;
      }
      let repeat = false;
      for (let j = from; j < k && !repeat; j++) repeat = g.nodeInputs[j] === t;
      if (repeat) continue; // x * x: one edge
      edgeFrom[E] = src;
      edgeTo[E] = i;
      edgeTensor[E] = p;
      E++;
    }
    nodeInputStart[i + 1] = to - inFrom;
  }
  for (const t of g.graphOutputs) {
    const p = tensorOf(t);
    if (kindOf[p] === 0) kindOf[p] = 3;
  }

  const keys = keyOf.subarray(0, T);
  const tensorName = new Array<string>(T);
  for (let p = 0; p < T; p++) tensorName[p] = g.tensorName(keys[p]!);
  return {
    columns: {
      ops,
      nodeName,
      nodeOp,
      nodeGroup,
      edgeFrom: edgeFrom.slice(0, E),
      edgeTo: edgeTo.slice(0, E),
      edgeTensor: edgeTensor.slice(0, E),
      tensorName,
      groupName,
      groupParent: Int32Array.from(groupParent),
      nodeInputStart,
      nodeInputs,
      nodeOutputStart,
      nodeOutputs: nodeOutputs.slice(0, outs),
      tensorKind: kindOf.slice(0, T),
      notes: payloadNotes(duplicateProducers, dangling),
    },
    keys,
    payloadOf,
  };
}
