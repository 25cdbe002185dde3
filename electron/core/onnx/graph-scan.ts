/**
 * The main graph's structure read straight from the file's bytes, for the graph view: what it
 * draws is node names, op types and the tensor names that link them, and decoding whole messages
 * for that (a NodeProto and its AttributeProtos per node, every tensor's data description, then
 * the IR over them) was most of the time a 125k-node model took to show. Here a node becomes a few
 * entries in typed columns of interned-name ids; attributes are skipped except their names, the
 * bodies they hold (counted, to number them as the IR does) and a Constant's value type; weights
 * are never looked at. Value infos are few and are decoded whole, by the full decoder's own code.
 *
 * The full decode (decode.ts) still runs for everything else, later. The scan checks what it walks
 * as strictly (lengths, truncation, wire types of the fields it reads, the decode limits), but it
 * skips what it does not need: a file it accepts may still fail the full decode, which then says
 * why in plain words. Its callers fall back to the full path when it throws.
 */
import { Decoder } from './decode';
import { readDims } from './fields';
import { opKey } from './ir';
import { type DecodeLimits, MAX_GRAPH_DEPTH, ModelLimitError } from './limits';
import type { ValueInfoProto } from './model';
import {
  decodeString,
  type StringTable,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
  type WireReader,
  WireReader as Reader,
} from './wire';

/** What a scanned tensor (an initializer, a Constant's value) says about its type. */
export interface ScannedTensor {
  nameId: number;
  dataType: number;
  dims: number[];
}

export interface GraphScan {
  /**
   * The file's interned names; the ids below index it (-1: the empty name). Tensor names are
   * interned as bytes and made strings only when asked for (`names.value(id)`): the payload sends
   * them on as the file's bytes (graph/from-wire.ts).
   */
  names: StringTable;
  nodeCount: number;
  nodeName: string[];
  nodeOpType: string[];
  /** Per node, its op's id in `opName` (op keys as the IR makes them: "domain:Op" off ai.onnx). */
  nodeOp: Int32Array;
  opName: string[];
  /** CSR lists of name ids. */
  nodeInputStart: Int32Array;
  nodeInputs: Int32Array;
  nodeOutputStart: Int32Array;
  nodeOutputs: Int32Array;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  initializers: ScannedTensor[];
  /** Name ids of the sparse initializers' values. */
  sparseInitializers: number[];
  /** Node index -> the tensor in the first attribute named "value" of a Constant node. */
  constantValues: Map<number, ScannedTensor>;
  /** Bodies held by the main graph's nodes, numbered as the IR numbers its graphs. */
  subgraphs: { node: number; attribute: string; graph: number }[];
}

/** A name the scan cannot intern (over 1,024 bytes): the caller takes the full path. */
export class ScanUnsupported extends Error {}

/** A growable Int32Array (no per-entry boxing, one copy per doubling). */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Wire types of ModelProto's fields, checked as the full decoder checks them. */
const MODEL_WIRE: Record<number, number> = {
  1: WIRE_VARINT,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_LEN,
  5: WIRE_VARINT,
  6: WIRE_LEN,
  7: WIRE_LEN,
  8: WIRE_LEN,
  14: WIRE_LEN,
  25: WIRE_LEN,
};

class Scanner {
  private readonly d: Decoder;
  private readonly inputs = new IntList();
  private readonly outputs = new IntList();
  private readonly inputStart = new IntList();
  private readonly outputStart = new IntList();
  private readonly nodeOp = new IntList();
  private readonly opIds = new Map<string, number>();
  private readonly scan: GraphScan;
  /** One reader for every node (a node's fields are read before the next node starts). */
  private readonly nodeReader: WireReader;
  /** Id the IR gives the next body of the main graph (0 is the main graph). */
  private nextGraph = 1;

  constructor(
    private readonly buf: Uint8Array,
    limits: Partial<DecodeLimits>,
  ) {
    this.d = new Decoder(buf, limits);
    this.available = buf.length;
    this.nodeReader = new Reader(buf, 0, 0);
    this.scan = {
      names: this.d.strings,
      nodeCount: 0,
      nodeName: [],
      nodeOpType: [],
      nodeOp: new Int32Array(0),
      opName: [],
      nodeInputStart: new Int32Array(0),
      nodeInputs: new Int32Array(0),
      nodeOutputStart: new Int32Array(0),
      nodeOutputs: new Int32Array(0),
      inputs: [],
      outputs: [],
      valueInfo: [],
      initializers: [],
      sparseInitializers: [],
      constantValues: new Map(),
      subgraphs: [],
    };
  }

  /**
   * Bytes [0, available) of the buffer are there; the rest is still arriving (a browser-mode upload
   * the engine host reads as it is written). The whole buffer unless told otherwise.
   */
  available: number;

  /**
   * The scan, as steps: it yields whenever it needs bytes past `available` (raise it, then step
   * again) and returns the scan. Fields are read once their bytes are all there, so a scan fed in
   * pieces reads exactly what a scan of the whole buffer reads.
   */
  *steps(): Generator<void, GraphScan, void> {
    const total = this.buf.length;
    const r = new Reader(this.buf, 0, total);
    let graphs = 0;
    this.inputStart.push(0);
    this.outputStart.push(0);
    while (!r.done) {
      // a tag and a varint (or a length) take at most 15 bytes
      if (this.available < Math.min(r.pos + 20, total)) yield* this.until(Math.min(r.pos + 20, total));
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new WireError(at, 'field number 0 is invalid');
      const want = MODEL_WIRE[field];
      if (want !== undefined && wire !== want)
        throw new WireError(r.pos, `field ${field} of the model has wire type ${wire}, expected ${want}`);
      if (field === 7) {
        // Protobuf merges repeated message fields; a file that repeats its graph takes the full path.
        if (++graphs > 1) throw new ScanUnsupported('the file holds its graph field twice');
        const graph = r.span();
        yield* this.graph(graph, r.spanEnd);
      } else r.skip(wire);
    }
    if (graphs === 0) throw new ScanUnsupported('the file holds no graph');
    const s = this.scan;
    s.nodeCount = s.nodeName.length;
    s.nodeOp = this.nodeOp.done();
    s.nodeInputStart = this.inputStart.done();
    s.nodeInputs = this.inputs.done();
    s.nodeOutputStart = this.outputStart.done();
    s.nodeOutputs = this.outputs.done();
    return s;
  }

  /** Yields until bytes [0, end) are available. */
  private *until(end: number): Generator<void, void, void> {
    while (this.available < end) yield;
  }

  /** The id of the name in the next length-delimited field; -1 for ''. Its string is not made. */
  private nameId(r: WireReader): number {
    const s = r.span();
    const id = this.d.strings.idOf(s, r.spanEnd);
    if (id === -2) throw new ScanUnsupported('a tensor name is over 1,024 bytes');
    return id;
  }

  private str(r: WireReader): string {
    const s = r.span();
    return this.d.strings.get(s, r.spanEnd);
  }

  private valueInfo(s: number, e: number): ValueInfoProto {
    const v = this.d.valueInfo(s, e);
    if ((v.nameId ?? -1) < 0 && v.name !== '') throw new ScanUnsupported('a tensor name is over 1,024 bytes');
    return v;
  }

  private *graph(s: number, e: number): Generator<void, void, void> {
    this.d.budget.message();
    const r = new Reader(this.buf, s, e);
    const g = this.scan;
    while (!r.done) {
      if (this.available < Math.min(r.pos + 20, e)) yield* this.until(Math.min(r.pos + 20, e));
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new WireError(at, 'field number 0 is invalid');
      if (wire !== WIRE_LEN) {
        r.skip(wire);
        this.d.budget.message();
        continue;
      }
      const ss = r.span();
      const se = r.spanEnd;
      const read = field === 1 || field === 5 || field === 11 || field === 12 || field === 13 || field === 15;
      if (read && this.available < se) yield* this.until(se);
      if (field === 1) this.node(ss, se);
      else if (field === 5) g.initializers.push(this.tensor(ss, se));
      else if (field === 11) g.inputs.push(this.valueInfo(ss, se));
      else if (field === 12) g.outputs.push(this.valueInfo(ss, se));
      else if (field === 13) g.valueInfo.push(this.valueInfo(ss, se));
      else if (field === 15) {
        const values = this.d.sparse(ss, se).values;
        if (values) g.sparseInitializers.push(values.nameId ?? -1);
      } else this.d.budget.message();
    }
  }

  private node(s: number, e: number): void {
    const budget = this.d.budget;
    budget.message();
    const index = this.scan.nodeName.length;
    const r = this.nodeReader;
    r.pos = s;
    r.end = e;
    let name = '';
    let opType = '';
    let domain = '';
    /** The first "value" attribute's tensor span, [-1, -1] when there is none. */
    let valueAt = -2;
    let valueEnd = -1;
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new WireError(at, 'field number 0 is invalid');
      if (wire !== WIRE_LEN || field > 8) {
        r.skip(wire);
        budget.message();
        continue;
      }
      switch (field) {
        case 1:
          budget.repeated(1);
          this.inputs.push(this.nameId(r));
          break;
        case 2:
          budget.repeated(1);
          this.outputs.push(this.nameId(r));
          break;
        case 3: {
          // names are mostly unique: decoded, not interned
          const ss = r.span();
          name = decodeString(this.buf, ss, r.spanEnd);
          break;
        }
        case 4:
          opType = this.str(r);
          break;
        case 5: {
          const ss = r.span();
          if (this.attribute(ss, r.spanEnd, index) && valueAt === -2) {
            valueAt = this.partT;
            valueEnd = this.partTEnd;
          }
          break;
        }
        case 7:
          domain = this.str(r);
          break;
        default:
          r.span();
      }
    }
    this.scan.nodeName.push(name);
    this.scan.nodeOpType.push(opType);
    const key = opKey(domain, opType);
    let op = this.opIds.get(key);
    if (op === undefined) {
      op = this.scan.opName.push(key) - 1;
      this.opIds.set(key, op);
    }
    this.nodeOp.push(op);
    this.inputStart.push(this.inputs.length);
    this.outputStart.push(this.outputs.length);
    if (opType === 'Constant' && valueAt >= 0) this.scan.constantValues.set(index, this.tensor(valueAt, valueEnd));
  }

  /**
   * One attribute of main-graph node `node`: its bodies are numbered (and listed). True when it is
   * named "value" (its tensor's span is then in partT/partTEnd, -1 when it has none).
   */
  private attribute(s: number, e: number, node: number): boolean {
    this.d.budget.message();
    const name = this.attributeParts(s, e);
    if (this.partBodies.length > 0) {
      const bodies = this.partBodies;
      this.partBodies = [];
      const graph = this.nextGraph;
      for (let b = 0; b < bodies.length; b += 2) this.nextGraph += 1 + this.countBodies(bodies[b]!, bodies[b + 1]!, 1);
      const last = this.scan.subgraphs[this.scan.subgraphs.length - 1];
      if (!last || last.node !== node || last.attribute !== name)
        this.scan.subgraphs.push({ node, attribute: name, graph });
    }
    return name === 'value';
  }

  /** Where attributeParts leaves an attribute's (last) tensor and its bodies (start, end pairs). */
  private partT = -1;
  private partTEnd = -1;
  private partBodies: number[] = [];

  /**
   * An attribute's name; its (last) tensor's span and its bodies in the IR's order (the last g,
   * then graphs) are left in the part* fields. Allocates nothing for an attribute without bodies.
   */
  private attributeParts(s: number, e: number): string {
    const r = new Reader(this.buf, s, e);
    let name = '';
    this.partT = this.partTEnd = -1;
    let g = -1;
    let gEnd = -1;
    const bodies = this.partBodies;
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new WireError(at, 'field number 0 is invalid');
      const len = field === 1 || field === 5 || field === 6 || field === 11;
      if (!len) {
        r.skip(wire);
        continue;
      }
      if (wire !== WIRE_LEN)
        throw new WireError(r.pos, `field ${field} of an attribute has wire type ${wire}, expected 2`);
      const ss = r.span();
      if (field === 1) name = this.d.strings.get(ss, r.spanEnd);
      else if (field === 5) {
        this.partT = ss;
        this.partTEnd = r.spanEnd;
      } else if (field === 6) {
        g = ss;
        gEnd = r.spanEnd;
      } else bodies.push(ss, r.spanEnd);
    }
    if (g >= 0) bodies.unshift(g, gEnd);
    return name;
  }

  /** How many graphs the IR makes inside the body at [s, e), which sits `depth` levels down. */
  private countBodies(s: number, e: number, depth: number): number {
    if (depth > MAX_GRAPH_DEPTH)
      throw new ModelLimitError(`subgraphs are nested more than ${MAX_GRAPH_DEPTH} levels deep`);
    this.d.budget.message();
    let count = 0;
    const r = new Reader(this.buf, s, e);
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      if (tag >>> 3 === 0) throw new WireError(at, 'field number 0 is invalid');
      if (tag >>> 3 !== 1 || (tag & 7) !== WIRE_LEN) {
        r.skip(tag & 7);
        continue;
      }
      const node = new Reader(this.buf, r.span(), r.spanEnd);
      while (!node.done) {
        const nt = node.uint32();
        if (nt >>> 3 !== 5 || (nt & 7) !== WIRE_LEN) {
          node.skip(nt & 7);
          continue;
        }
        const as = node.span();
        this.attributeParts(as, node.spanEnd);
        const bodies = this.partBodies;
        this.partBodies = [];
        for (let b = 0; b < bodies.length; b += 2) count += 1 + this.countBodies(bodies[b]!, bodies[b + 1]!, depth + 1);
      }
    }
    return count;
  }

  /** A tensor's name, data type and dims; its data is never looked at. */
  private tensor(s: number, e: number): ScannedTensor {
    this.d.budget.message();
    const r = new Reader(this.buf, s, e);
    const t: ScannedTensor = { nameId: -1, dataType: 0, dims: [] };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1) readDims(r, wire, t.dims, 'a tensor');
      else if (field === 2) {
        if (wire !== WIRE_VARINT)
          throw new WireError(r.pos, `field tensor.data_type has wire type ${wire}, expected 0`);
        t.dataType = r.uint32();
      } else if (field === 8) {
        if (wire !== WIRE_LEN) throw new WireError(r.pos, `field tensor.name has wire type ${wire}, expected 2`);
        t.nameId = this.nameId(r);
      } else if (field === 0) throw new WireError(at, 'field number 0 is invalid');
      else r.skip(wire);
    }
    return t;
  }
}

/** Scans the main graph of ModelProto bytes. Throws WireError, ModelLimitError or ScanUnsupported. */
export function scanMainGraph(buf: Uint8Array, limits: Partial<DecodeLimits> = {}): GraphScan {
  const steps = new Scanner(buf, limits).steps();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * A scan of a buffer whose bytes are still arriving, in order: `more(available)` scans as far as
 * bytes [0, available) allow and returns the scan once it is complete (null until then). It
 * throws what scanMainGraph throws, as soon as the bytes that show it are there.
 */
export function scanArrivingGraph(
  buf: Uint8Array,
  limits: Partial<DecodeLimits> = {},
): { more(available: number): GraphScan | null } {
  const scanner = new Scanner(buf, limits);
  scanner.available = 0;
  const steps = scanner.steps();
  let result: GraphScan | null = null;
  return {
    more(available: number): GraphScan | null {
      if (result) return result;
      scanner.available = Math.min(available, buf.length);
      const step = steps.next();
      if (step.done) result = step.value;
      return result;
    },
  };
}
