/**
 * Kiln's graph IR: the model's nodes and tensors as flat arrays with integer ids, so a 125k-node
 * graph is a handful of typed arrays (cheap to traverse, cheap to send to the renderer) rather
 * than a million objects.
 *
 * - Graphs: the main graph is 0; every If/Loop/Scan body and every local function gets its own
 *   id. A graph's nodes have contiguous ids [nodeStart, nodeEnd).
 * - Tensors are scoped like ONNX names: a subgraph's reference to an outer-scope name resolves to
 *   the outer tensor's id. Names no one defines become tensors flagged UNDEFINED (and a warning).
 * - Node inputs/outputs and tensor consumers are CSR arrays; -1 marks an omitted optional input.
 * - `topo` holds each graph's nodes in a topological order (file order when the file is already
 *   sorted, as ONNX requires); nodes on a cycle are reported and appended in file order.
 * - Name scopes from exporter names (`/encoder/layer.3/attention/MatMul`, `features.0.1`) form a
 *   group tree, worked out when first read (opening a model does not need it).
 * - The main graph's names are looked up by the decoder's string ids (an array index) rather than
 *   hashed into a map: on a 125k-node graph that was most of the IR's time. In a model edited after
 *   decoding, the names whose ids no longer hold (rewired inputs, new tensors) are given theirs by
 *   name, the rest keep the array index.
 */
import type { FunctionProto, GraphProto, ModelProto, NameIds, NodeProto, TensorProto, ValueInfoProto } from './model';

export const TENSOR_INPUT = 1;
export const TENSOR_INITIALIZER = 2;
export const TENSOR_OUTPUT = 4;
/** Read by a node or listed as an output but defined by nothing in scope. */
export const TENSOR_UNDEFINED = 8;
export const TENSOR_SPARSE = 16;

export interface IRGraph {
  name: string;
  kind: 'main' | 'subgraph' | 'function';
  /** Enclosing graph (-1 for the main graph and functions). */
  parent: number;
  /** Node that owns this body (-1 for the main graph and functions) and the attribute holding it. */
  owner: number;
  attribute: string;
  nodeStart: number;
  nodeEnd: number;
  /** Formal inputs and outputs, in order (tensor ids). */
  inputs: number[];
  outputs: number[];
  proto: GraphProto | FunctionProto;
}

export interface ModelIR {
  graphs: IRGraph[];
  nodeCount: number;
  /** Op keys as users know them: 'Conv', 'com.microsoft:Attention'. */
  ops: string[];
  nodeOp: Int32Array;
  nodeName: string[];
  nodeGraph: Int32Array;
  nodeInputStart: Int32Array;
  nodeInputs: Int32Array;
  nodeOutputStart: Int32Array;
  nodeOutputs: Int32Array;
  /** The decoded node (attributes, domain) by id. */
  nodes: NodeProto[];
  tensorCount: number;
  tensorName: string[];
  tensorGraph: Int32Array;
  tensorFlags: Uint8Array;
  /** Producing node, -1 for graph inputs, initializers and undefined names. */
  tensorProducer: Int32Array;
  /** Index into `initializers`, -1 when the tensor is not an initializer. */
  tensorInitializer: Int32Array;
  initializers: TensorProto[];
  /** Index into `declared` (graph input/output or value_info type), -1 when none. */
  tensorDeclared: Int32Array;
  declared: ValueInfoProto[];
  consumerStart: Int32Array;
  consumers: Int32Array;
  /** Each graph's node ids in topological order, at [nodeStart, nodeEnd) of the graph. */
  topo: Int32Array;
  /** Nodes that sit on a dependency cycle. */
  cyclic: number[];
  groupName: string[];
  groupParent: Int32Array;
  /** Innermost name-scope group of each node, -1 for none. */
  nodeGroup: Int32Array;
  warnings: string[];
  /**
   * The main graph's tensors by the decoder's string ids, when the model has them: `tensorOf[id]`
   * is the tensor named `values[id]` (-1: none), `idOf[t]` tensor t's string id (-1: a name the
   * decoder never met, or not in the main graph). Two IRs of models that share one decoding (an
   * edit's result and its parent) pair their tensors through these without hashing a name.
   */
  nameIds?: { values: readonly string[]; tensorOf: Int32Array; idOf: Int32Array };
}

/** Op key: plain for the default domain, `domain:Op` otherwise. */
export function opKey(domain: string, opType: string): string {
  return domain === '' || domain === 'ai.onnx' ? opType : `${domain}:${opType}`;
}

interface Pending {
  node: number;
  tensor: number;
}

class Builder {
  graphs: IRGraph[] = [];
  ops: string[] = [];
  opIds = new Map<string, number>();
  nodes: NodeProto[] = [];
  nodeOp: number[] = [];
  nodeGraph: number[] = [];
  nodeInputStart: number[] = [0];
  nodeInputs: number[] = [];
  nodeOutputStart: number[] = [0];
  nodeOutputs: number[] = [];
  tensorName: string[] = [];
  tensorGraph: number[] = [];
  tensorFlags: number[] = [];
  tensorProducer: number[] = [];
  tensorInitializer: number[] = [];
  tensorDeclared: number[] = [];
  /** Each tensor's key (keyOf): a decoder string id, past them for new names, -1 by name. */
  tensorKey: number[] = [];
  initializers: TensorProto[] = [];
  declared: ValueInfoProto[] = [];
  scopes: Map<string, number>[] = [];
  /** Outer-scope reads by subgraph nodes, as dependencies of the owner node in the outer graph. */
  captures: Pending[] = [];
  duplicates = 0;
  firstDuplicate = '';
  undefinedNames = 0;
  firstUndefined = '';

  /** The main graph's scope by decoder string id (-1: not defined yet), when the model has ids. */
  private mainIds: Int32Array | null;
  /** Every main-graph name's id, by name: built when the first name comes without a valid id. */
  private idOf: Map<string, number> | null = null;
  /** The next id for a name the decoder never met. */
  private nextId = 0;
  constructor(private readonly names: NameIds | null) {
    this.mainIds = names ? new Int32Array(names.values.length).fill(-1) : null;
  }

  /**
   * The id to key `name` by in graph `gid`'s scope: its string id in the main graph, else -1 (by
   * name). A name whose id no longer names it (the model was changed since it was decoded: a
   * rewired input, a new initializer) is given its id by name — the decoder's id when it met the
   * string, a new one past them when it did not — so an edited model is still keyed by ids, and a
   * few changed names cost a map lookup each rather than the whole graph built again by names.
   */
  private keyOf(gid: number, name: string, nameId: number | undefined): number {
    if (gid !== 0 || !this.mainIds || name === '') return -1;
    const values = (this.names as NameIds).values;
    if (nameId !== undefined && nameId >= 0 && values[nameId] === name) return nameId;
    if (!this.idOf) {
      this.idOf = new Map();
      this.nextId = values.length;
      for (let i = 0; i < values.length; i++)
        if (!this.idOf.has(values[i] as string)) this.idOf.set(values[i] as string, i);
    }
    let id = this.idOf.get(name);
    if (id === undefined) {
      id = this.nextId++;
      this.idOf.set(name, id);
      if (id >= this.mainIds.length) {
        const grown = new Int32Array(Math.max(16, this.mainIds.length * 2)).fill(-1);
        grown.set(this.mainIds);
        this.mainIds = grown;
      }
    }
    return id;
  }

  /** The main graph's tensors by decoder string id, and each tensor's id (see ModelIR.nameIds). */
  nameIds(): ModelIR['nameIds'] {
    if (!this.names || !this.mainIds) return undefined;
    const n = this.names.values.length;
    const tensorOf = this.mainIds.slice(0, n);
    const idOf = Int32Array.from(this.tensorKey);
    for (let t = 0; t < idOf.length; t++) if ((idOf[t] as number) >= n) idOf[t] = -1;
    return { values: this.names.values, tensorOf, idOf };
  }

  lookup(gid: number, name: string, nameId?: number): number | undefined {
    const key = this.keyOf(gid, name, nameId);
    if (key < 0) return this.scopes[gid]?.get(name);
    const t = this.mainIds![key]!;
    return t >= 0 ? t : undefined;
  }

  tensor(name: string, graph: number, flags: number, nameId?: number): number {
    const id = this.tensorName.length;
    this.tensorName.push(name);
    this.tensorGraph.push(graph);
    this.tensorFlags.push(flags);
    this.tensorProducer.push(-1);
    this.tensorInitializer.push(-1);
    this.tensorDeclared.push(-1);
    const key = this.keyOf(graph, name, nameId);
    this.tensorKey.push(key);
    if (key >= 0) this.mainIds![key] = id;
    else this.scopes[graph]?.set(name, id);
    return id;
  }

  declare(id: number, v: ValueInfoProto): void {
    if (v.type && this.tensorDeclared[id] === -1) {
      this.tensorDeclared[id] = this.declared.length;
      this.declared.push(v);
    }
  }

  /** Resolves a name read in `graph`, walking out through enclosing scopes. */
  resolve(name: string, graph: number, nameId?: number): number {
    for (let g = graph; g >= 0; g = this.graphs[g]?.parent ?? -1) {
      const id = this.lookup(g, name, nameId);
      if (id !== undefined) {
        if (g !== graph) this.capture(graph, g, id);
        return id;
      }
    }
    this.undefinedNames++;
    if (!this.firstUndefined) this.firstUndefined = name;
    return this.tensor(name, graph, TENSOR_UNDEFINED, nameId);
  }

  /** Records that the node owning `inner` (at the level of `outer`) reads tensor `id` of `outer`. */
  private capture(inner: number, outer: number, id: number): void {
    let g = inner;
    while (g >= 0 && this.graphs[g]?.parent !== outer) g = this.graphs[g]?.parent ?? -1;
    const owner = g >= 0 ? (this.graphs[g]?.owner ?? -1) : -1;
    if (owner >= 0) this.captures.push({ node: owner, tensor: id });
  }

  addGraph(proto: GraphProto, kind: IRGraph['kind'], parent: number, owner: number, attribute: string): number {
    const gid = this.graphs.length;
    const info: IRGraph = {
      name: proto.name,
      kind,
      parent,
      owner,
      attribute,
      nodeStart: 0,
      nodeEnd: 0,
      inputs: [],
      outputs: [],
      proto,
    };
    this.graphs.push(info);
    this.scopes.push(new Map());
    for (const v of proto.input) {
      const id = this.lookup(gid, v.name, v.nameId) ?? this.tensor(v.name, gid, TENSOR_INPUT, v.nameId);
      this.tensorFlags[id] = (this.tensorFlags[id] as number) | TENSOR_INPUT;
      this.declare(id, v);
      info.inputs.push(id);
    }
    const initializer = (t: TensorProto, flags: number): void => {
      let id = this.lookup(gid, t.name, t.nameId);
      if (id === undefined) id = this.tensor(t.name, gid, flags, t.nameId);
      else if ((this.tensorFlags[id] as number) & TENSOR_INITIALIZER) this.duplicate(t.name);
      this.tensorFlags[id] = (this.tensorFlags[id] as number) | flags;
      this.tensorInitializer[id] = this.initializers.length;
      this.initializers.push(t);
    };
    for (const t of proto.initializer) initializer(t, TENSOR_INITIALIZER);
    for (const sp of proto.sparseInitializer) if (sp.values) initializer(sp.values, TENSOR_INITIALIZER | TENSOR_SPARSE);
    this.defineNodes(gid, proto.node);
    for (const v of proto.valueInfo) {
      const id = this.lookup(gid, v.name, v.nameId);
      if (id !== undefined) this.declare(id, v);
    }
    for (const v of proto.output) {
      let id = this.lookup(gid, v.name, v.nameId);
      if (id === undefined) {
        id = this.resolve(v.name, gid, v.nameId);
      }
      this.tensorFlags[id] = (this.tensorFlags[id] as number) | TENSOR_OUTPUT;
      this.declare(id, v);
      info.outputs.push(id);
    }
    this.connectNodes(gid, proto.node, info);
    return gid;
  }

  addFunction(f: FunctionProto): void {
    const gid = this.graphs.length;
    const info: IRGraph = {
      name: f.domain ? `${f.domain}:${f.name}` : f.name,
      kind: 'function',
      parent: -1,
      owner: -1,
      attribute: '',
      nodeStart: 0,
      nodeEnd: 0,
      inputs: [],
      outputs: [],
      proto: f,
    };
    this.graphs.push(info);
    this.scopes.push(new Map());
    for (const name of f.input) info.inputs.push(this.tensor(name, gid, TENSOR_INPUT));
    this.defineNodes(gid, f.node);
    for (const v of f.valueInfo) {
      const id = this.lookup(gid, v.name);
      if (id !== undefined) this.declare(id, v);
    }
    for (const name of f.output) {
      const id = this.lookup(gid, name) ?? this.resolve(name, gid);
      this.tensorFlags[id] = (this.tensorFlags[id] as number) | TENSOR_OUTPUT;
      info.outputs.push(id);
    }
    this.connectNodes(gid, f.node, info);
  }

  private duplicate(name: string): void {
    this.duplicates++;
    if (!this.firstDuplicate) this.firstDuplicate = name;
  }

  /** Gives the graph's nodes contiguous ids and defines their outputs in the graph's scope. */
  private defineNodes(gid: number, nodes: NodeProto[]): void {
    const info = this.graphs[gid] as IRGraph;
    const outIds = this.names?.outIds;
    info.nodeStart = this.nodes.length;
    for (const n of nodes) {
      const id = this.nodes.length;
      this.nodes.push(n);
      const key = opKey(n.domain, n.opType);
      let op = this.opIds.get(key);
      if (op === undefined) {
        op = this.ops.length;
        this.ops.push(key);
        this.opIds.set(key, op);
      }
      this.nodeOp.push(op);
      this.nodeGraph.push(gid);
      for (let k = 0; k < n.output.length; k++) {
        const name = n.output[k] as string;
        if (name === '') {
          this.nodeOutputs.push(-1);
          continue;
        }
        const nameId = outIds && n.outAt !== undefined ? outIds[n.outAt + k] : undefined;
        let t = this.lookup(gid, name, nameId);
        if (t === undefined) t = this.tensor(name, gid, 0, nameId);
        else this.duplicate(name);
        if (this.tensorProducer[t] === -1 && !((this.tensorFlags[t] as number) & (TENSOR_INPUT | TENSOR_INITIALIZER)))
          this.tensorProducer[t] = id;
        this.nodeOutputs.push(t);
      }
      this.nodeOutputStart.push(this.nodeOutputs.length);
    }
    info.nodeEnd = this.nodes.length;
  }

  /**
   * Resolves node inputs and then descends into bodies. A graph's inputs are resolved right after
   * its nodes got their ids and before any body defines nodes, so appending keeps the inputs CSR
   * in node id order.
   */
  private connectNodes(gid: number, nodes: NodeProto[], info: IRGraph): void {
    const inIds = this.names?.inIds;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as NodeProto;
      for (let k = 0; k < n.input.length; k++) {
        const name = n.input[k] as string;
        if (name === '') {
          this.nodeInputs.push(-1);
          continue;
        }
        const nameId = inIds && n.inAt !== undefined ? inIds[n.inAt + k] : undefined;
        this.nodeInputs.push(this.lookup(gid, name, nameId) ?? this.resolve(name, gid, nameId));
      }
      this.nodeInputStart.push(this.nodeInputs.length);
    }
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as NodeProto;
      for (const a of n.attribute) {
        if (a.g) this.addGraph(a.g, 'subgraph', gid, info.nodeStart + i, a.name);
        for (const sg of a.graphs ?? []) this.addGraph(sg, 'subgraph', gid, info.nodeStart + i, a.name);
      }
    }
  }
}

/** Builds the IR of a decoded model. Never throws on odd graphs: problems become warnings. */
export function buildIR(model: ModelProto): ModelIR {
  const b = build(model, model.graph ? (model.names ?? null) : null);
  const nodeCount = b.nodes.length;
  const tensorCount = b.tensorName.length;

  const nodeInputStart = Int32Array.from(b.nodeInputStart);
  const nodeInputs = Int32Array.from(b.nodeInputs);

  // Consumers CSR (a node reading a tensor twice is listed once).
  const consumerCount = new Int32Array(tensorCount + 1);
  for (let i = 0; i < nodeCount; i++) {
    for (let k = nodeInputStart[i] as number; k < (nodeInputStart[i + 1] as number); k++) {
      const t = nodeInputs[k] as number;
      if (t >= 0 && !alreadyListed(nodeInputs, nodeInputStart[i] as number, k, t))
        consumerCount[t + 1] = (consumerCount[t + 1] as number) + 1;
    }
  }
  const consumerStart = new Int32Array(tensorCount + 1);
  for (let t = 0; t < tensorCount; t++)
    consumerStart[t + 1] = (consumerStart[t] as number) + (consumerCount[t + 1] as number);
  const consumers = new Int32Array(consumerStart[tensorCount] as number);
  const fill = consumerStart.slice(0, tensorCount);
  for (let i = 0; i < nodeCount; i++) {
    for (let k = nodeInputStart[i] as number; k < (nodeInputStart[i + 1] as number); k++) {
      const t = nodeInputs[k] as number;
      if (t >= 0 && !alreadyListed(nodeInputs, nodeInputStart[i] as number, k, t)) {
        consumers[fill[t] as number] = i;
        fill[t] = (fill[t] as number) + 1;
      }
    }
  }

  const ir: Omit<ModelIR, keyof NameScopes> = {
    graphs: b.graphs,
    nodeCount,
    ops: b.ops,
    nodeOp: Int32Array.from(b.nodeOp),
    nodeName: b.nodes.map((n) => n.name),
    nodeGraph: Int32Array.from(b.nodeGraph),
    nodeInputStart,
    nodeInputs,
    nodeOutputStart: Int32Array.from(b.nodeOutputStart),
    nodeOutputs: Int32Array.from(b.nodeOutputs),
    nodes: b.nodes,
    tensorCount,
    tensorName: b.tensorName,
    tensorGraph: Int32Array.from(b.tensorGraph),
    tensorFlags: Uint8Array.from(b.tensorFlags),
    tensorProducer: Int32Array.from(b.tensorProducer),
    tensorInitializer: Int32Array.from(b.tensorInitializer),
    initializers: b.initializers,
    tensorDeclared: Int32Array.from(b.tensorDeclared),
    declared: b.declared,
    consumerStart,
    consumers,
    topo: new Int32Array(nodeCount),
    cyclic: [],
    warnings: [],
    nameIds: b.nameIds(),
  };
  nameScopesWhenRead(ir);
  topologicalOrder(ir, b.captures);
  if (b.duplicates > 0) {
    ir.warnings.push(
      `${b.duplicates} tensor name${b.duplicates === 1 ? ' is' : 's are'} defined more than once (first: "${b.firstDuplicate}"); the first definition is used`,
    );
  }
  if (b.undefinedNames > 0) {
    ir.warnings.push(
      `${b.undefinedNames} tensor name${b.undefinedNames === 1 ? ' is' : 's are'} read but never defined (first: "${b.firstUndefined}")`,
    );
  }
  return ir;
}

/** The graphs and functions of a model, looked up by the decoder's string ids where given. */
function build(model: ModelProto, names: NameIds | null): Builder {
  const b = new Builder(names);
  if (model.graph) b.addGraph(model.graph, 'main', -1, -1, '');
  for (const f of model.functions) b.addFunction(f);
  return b;
}

function alreadyListed(arr: Int32Array, from: number, k: number, t: number): boolean {
  for (let j = from; j < k; j++) if (arr[j] === t) return true;
  return false;
}

/** Kahn's algorithm per graph, smallest node id first, so a sorted file keeps its order. */
function topologicalOrder(ir: ModelIR, captures: Pending[]): void {
  const { nodeInputStart, nodeInputs, tensorProducer, nodeGraph } = ir;
  // Extra dependencies from captures: owner node depends on the captured tensor's producer.
  const extra = new Map<number, number[]>();
  for (const c of captures) {
    const p = tensorProducer[c.tensor] as number;
    if (p < 0 || nodeGraph[p] !== nodeGraph[c.node] || p === c.node) continue;
    const list = extra.get(c.node);
    if (list) list.push(p);
    else extra.set(c.node, [p]);
  }
  const depsOf = (n: number, fn: (p: number) => void): void => {
    for (let k = nodeInputStart[n] as number; k < (nodeInputStart[n + 1] as number); k++) {
      const t = nodeInputs[k] as number;
      if (t < 0) continue;
      const p = tensorProducer[t] as number;
      if (p >= 0 && nodeGraph[p] === nodeGraph[n]) fn(p);
    }
    for (const p of extra.get(n) ?? []) fn(p);
  };
  for (const g of ir.graphs) {
    // Fast path: the file order is already topological (as ONNX requires).
    let sorted = true;
    for (let n = g.nodeStart; n < g.nodeEnd && sorted; n++) {
      depsOf(n, (p) => {
        if (p >= n) sorted = false;
      });
    }
    if (sorted) {
      for (let n = g.nodeStart; n < g.nodeEnd; n++) ir.topo[n] = n;
      continue;
    }
    const size = g.nodeEnd - g.nodeStart;
    const indegree = new Int32Array(size);
    const dependents: number[][] = Array.from({ length: size }, () => []);
    for (let n = g.nodeStart; n < g.nodeEnd; n++) {
      depsOf(n, (p) => {
        indegree[n - g.nodeStart] = (indegree[n - g.nodeStart] as number) + 1;
        (dependents[p - g.nodeStart] as number[]).push(n);
      });
    }
    const heap = new MinHeap();
    for (let i = 0; i < size; i++) if (indegree[i] === 0) heap.push(g.nodeStart + i);
    let at = g.nodeStart;
    const placed = new Uint8Array(size);
    while (heap.size > 0) {
      const n = heap.pop();
      ir.topo[at++] = n;
      placed[n - g.nodeStart] = 1;
      for (const m of dependents[n - g.nodeStart] as number[]) {
        const left = (indegree[m - g.nodeStart] as number) - 1;
        indegree[m - g.nodeStart] = left;
        if (left === 0) heap.push(m);
      }
    }
    if (at < g.nodeEnd) {
      const stuck: number[] = [];
      for (let i = 0; i < size; i++) if (!placed[i]) stuck.push(g.nodeStart + i);
      for (const n of stuck) ir.topo[at++] = n;
      ir.cyclic.push(...stuck);
      const example = stuck
        .slice(0, 3)
        .map((n) => ir.nodeName[n] || `${ir.ops[ir.nodeOp[n] as number]} #${n - g.nodeStart}`)
        .join(', ');
      ir.warnings.push(
        `${g.kind === 'main' ? 'the graph' : `graph "${g.name}"`} has a cycle: ${stuck.length} node${stuck.length === 1 ? '' : 's'} depend on their own outputs (${example}${stuck.length > 3 ? ', ...' : ''})`,
      );
    }
  }
}

class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[c] as number) >= last) break;
        a[i] = a[c] as number;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * The scope a node name places it in: `/encoder/layer.3/attention/MatMul` → `/encoder/layer.3/attention`;
 * `features.0.1` → `features.0` (a PyTorch module path); counters such as `p2o.Add.12` or
 * `Conv_3` have none. Returns the scope key and the separator it uses, or null.
 */
export function scopeOf(name: string, opType: string): { key: string; sep: '/' | '.' } | null {
  const slash = name.lastIndexOf('/');
  if (slash > 0) return { key: name.slice(0, slash), sep: '/' };
  if (slash === 0) return null;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return null;
  // A dotted counter name mentions its op (`p2o.Add.12`, `Conv.3`): not a module path.
  const parts = name.split('.');
  if (parts.includes(opType) || parts.some((p) => p === '')) return null;
  return { key: name.slice(0, dot), sep: '.' };
}

type NameScopes = Pick<ModelIR, 'groupName' | 'groupParent' | 'nodeGroup'>;

/** An IR's name-scope groups, worked out from `ir` once read; IRs rebased from one share its cell. */
interface ScopesCell {
  ir: ModelIR;
  scopes: NameScopes | null;
}
const scopeCells = new WeakMap<object, ScopesCell>();

function cellOf(ir: ModelIR): ScopesCell {
  let cell = scopeCells.get(ir);
  if (!cell) {
    cell = { ir, scopes: null };
    scopeCells.set(ir, cell);
  }
  return cell;
}

function scopesOfIR(ir: ModelIR): NameScopes {
  const cell = cellOf(ir);
  return (cell.scopes ??= nameScopes(cell.ir));
}

/**
 * `copy` (an IR rebased onto an edited model with the same nodes, edit/reuse-ir.ts) reads the
 * name-scope groups of `ir`, worked out once for both.
 */
export function shareNameScopes(ir: ModelIR, copy: ModelIR): void {
  scopeCells.set(copy, cellOf(ir));
}

/**
 * The accessors every IR shares. They find their IR through `this`, never through a closure: V8
 * keeps an object's accessor functions in its hidden class, and keeps hidden classes alive for
 * several collections after their objects die. A getter made per IR held that IR, and through it
 * the whole decoded model, for as long: at 125k nodes, 120 MB still live when the next model was
 * opened, and marking them cost 85-230 ms in the middle of that open.
 */
const NAME_SCOPE_ACCESSORS: PropertyDescriptorMap = {
  groupName: {
    get(this: ModelIR) {
      return scopesOfIR(this).groupName;
    },
    enumerable: true,
  },
  groupParent: {
    get(this: ModelIR) {
      return scopesOfIR(this).groupParent;
    },
    enumerable: true,
  },
  nodeGroup: {
    get(this: ModelIR) {
      return scopesOfIR(this).nodeGroup;
    },
    enumerable: true,
  },
};

/**
 * The name-scope groups take a pass over every node's name that opening a model does not need
 * (the graph view groups by its own rule): they are worked out when one of them is first read.
 */
function nameScopesWhenRead(ir: Omit<ModelIR, keyof NameScopes>): asserts ir is ModelIR {
  Object.defineProperties(ir, NAME_SCOPE_ACCESSORS);
}

function nameScopes(ir: ModelIR): NameScopes {
  const nodeGroup = new Int32Array(ir.nodeCount);
  const ids = new Map<string, number>();
  const names: string[] = [];
  const parents: number[] = [];
  const group = (key: string, sep: '/' | '.'): number => {
    const known = ids.get(key);
    if (known !== undefined) return known;
    const cut = key.lastIndexOf(sep);
    const parentKey = cut > 0 ? key.slice(0, cut) : '';
    const parent = parentKey === '' ? -1 : group(parentKey, sep);
    const id = names.length;
    names.push(key.slice(cut + 1));
    parents.push(parent);
    ids.set(key, id);
    return id;
  };
  // Consecutive nodes mostly share a scope: check the previous one before slicing and hashing.
  let lastKey = '';
  let lastGroup = -1;
  for (let n = 0; n < ir.nodeCount; n++) {
    const name = (ir.nodes[n] as NodeProto).name;
    if (
      lastKey !== '' &&
      name.length > lastKey.length + 1 &&
      name.startsWith(lastKey) &&
      name.indexOf('/', lastKey.length + 1) < 0 &&
      name.charCodeAt(lastKey.length) === 47 // '/'
    ) {
      nodeGroup[n] = lastGroup;
      continue;
    }
    const s = name ? scopeOf(name, (ir.nodes[n] as NodeProto).opType) : null;
    nodeGroup[n] = s ? group(s.key, s.sep) : -1;
    if (s && s.sep === '/') {
      lastKey = s.key;
      lastGroup = nodeGroup[n] as number;
    } else lastKey = '';
  }
  return { groupName: names, groupParent: Int32Array.from(parents), nodeGroup };
}
