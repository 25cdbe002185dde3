/**
 * ONNX encoder: the model as decode.ts produced it (possibly modified) back to protobuf bytes.
 *
 * Fields are written in field-number order, as protobuf's own serializers do, and fields Kiln does
 * not know are written back where their field number puts them, so a model that nothing changed
 * re-encodes to the same bytes and one that something changed loses nothing. Weights are copied
 * from the source file's bytes (or kept in their external file) by reference, never decoded.
 */
import { KilnError } from '../../shared/api/errors';
import type {
  AttributeProto,
  Dimension,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  OpsetId,
  SparseTensorProto,
  StringEntry,
  TensorProto,
  TypeProto,
  ValueInfoProto,
} from './model';
import { WIRE_I32, WIRE_LEN, WIRE_VARINT, WireReader, WireWriter, type WireOut } from './wire';

export interface EncodeOptions {
  /** The bytes the model was decoded from: raw and typed tensor data are copied from here. */
  source?: Uint8Array;
  /**
   * The model as `source` decoded (the decoder keeps every node's byte range): the main-graph
   * nodes the model being written still holds — the same objects, which edits never change (they
   * copy a node to change it: model-copy.ts) — are copied as their bytes instead of encoded again.
   * On a 125k-node model most of a fix's encoding is nodes it did not touch.
   */
  decoded?: ModelProto;
}

/** The main-graph nodes of `decoded` whose bytes in the source can stand for them (no bodies). */
function copyableNodes(decoded: ModelProto | undefined): Set<NodeProto> | null {
  const nodes = decoded?.graph?.node;
  if (!nodes || nodes.length === 0 || nodes[0]?.bytesEnd === undefined) return null;
  const out = new Set<NodeProto>();
  for (const n of nodes)
    if (n.bytesEnd !== undefined && !n.dirty && !n.attribute.some((a) => a.g || a.graphs)) out.add(n);
  return out;
}

/** Field number of an unknown field's encoding (its first varint is the tag). */
function fieldOf(bytes: Uint8Array): number {
  return Math.floor(new WireReader(bytes, 0, bytes.length).uint32() / 8);
}

/** Writes unknown fields in file order, each before the first known field with a larger number. */
class Unknowns {
  private i = 0;
  constructor(private readonly list: Uint8Array[] | undefined) {}
  upTo(field: number, out: WireOut): void {
    const list = this.list;
    if (!list) return;
    while (this.i < list.length && fieldOf(list[this.i] as Uint8Array) < field) out.raw(list[this.i++] as Uint8Array);
  }
  rest(out: WireOut): void {
    this.upTo(Infinity, out);
  }
}

class Encoder {
  private readonly copyable: Set<NodeProto> | null;
  constructor(
    private readonly source: Uint8Array | undefined,
    decoded?: ModelProto,
  ) {
    this.copyable = source ? copyableNodes(decoded) : null;
  }

  /** A singular string: written when set, or when the source had it present but empty. */
  private str(out: WireOut, field: number, s: string, m: { empty?: number[] }): void {
    if (s || m.empty?.includes(field)) out.stringField(field, s);
  }

  /** A singular integer: written when non-zero, or when the source had it present as 0. */
  private opt(out: WireOut, field: number, v: number, m: { empty?: number[] }): void {
    if (v || m.empty?.includes(field)) this.int(out, field, v);
  }

  private int(out: WireOut, field: number, v: number): void {
    out.tag(field, WIRE_VARINT);
    out.varint(v);
  }

  private sourceBytes(t: TensorProto, start: number, end: number): Uint8Array {
    if (!this.source || end > this.source.length) {
      throw new KilnError('INTERNAL', `cannot write tensor ${t.name}: the bytes of its source model are not available`);
    }
    return this.source.subarray(start, end);
  }

  readonly model = (m: ModelProto, out: WireOut): void => {
    const u = new Unknowns(m.unknown);
    this.opt(out, 1, m.irVersion, m);
    u.upTo(2, out);
    this.str(out, 2, m.producerName, m);
    this.str(out, 3, m.producerVersion, m);
    u.upTo(4, out);
    this.str(out, 4, m.domain, m);
    u.upTo(5, out);
    this.opt(out, 5, m.modelVersion, m);
    u.upTo(6, out);
    this.str(out, 6, m.docString, m);
    u.upTo(7, out);
    if (m.graph) out.message(7, m.graph, this.graph);
    u.upTo(8, out);
    for (const o of m.opsetImport) out.message(8, o, this.opset);
    u.upTo(14, out);
    for (const p of m.metadataProps) out.message(14, p, this.entry);
    u.upTo(25, out);
    for (const f of m.functions) out.message(25, f, this.func);
    u.rest(out);
  };

  readonly opset = (o: OpsetId, out: WireOut): void => {
    const u = new Unknowns(o.unknown);
    this.str(out, 1, o.domain, o);
    u.upTo(2, out);
    this.opt(out, 2, o.version, o);
    u.rest(out);
  };

  readonly entry = (p: StringEntry & { unknown?: Uint8Array[] }, out: WireOut): void => {
    const u = new Unknowns(p.unknown);
    out.stringField(1, p.key);
    u.upTo(2, out);
    out.stringField(2, p.value);
    u.rest(out);
  };

  readonly graph = (g: GraphProto, out: WireOut): void => {
    const u = new Unknowns(g.unknown);
    const copyable = this.copyable;
    const source = this.source as Uint8Array;
    for (const n of g.node) {
      if (copyable?.has(n)) out.rangeField(1, source, n.bytesAt as number, n.bytesEnd as number);
      else out.message(1, n, this.node);
    }
    u.upTo(2, out);
    this.str(out, 2, g.name, g);
    u.upTo(5, out);
    for (const t of g.initializer) out.message(5, t, this.tensor);
    u.upTo(10, out);
    this.str(out, 10, g.docString, g);
    u.upTo(11, out);
    for (const v of g.input) out.message(11, v, this.valueInfo);
    u.upTo(12, out);
    for (const v of g.output) out.message(12, v, this.valueInfo);
    u.upTo(13, out);
    for (const v of g.valueInfo) out.message(13, v, this.valueInfo);
    u.upTo(15, out);
    for (const s of g.sparseInitializer) out.message(15, s, this.sparse);
    u.rest(out);
  };

  readonly node = (n: NodeProto, out: WireOut): void => {
    const u = new Unknowns(n.unknown);
    for (const s of n.input) out.stringField(1, s);
    u.upTo(2, out);
    for (const s of n.output) out.stringField(2, s);
    u.upTo(3, out);
    this.str(out, 3, n.name, n);
    u.upTo(4, out);
    this.str(out, 4, n.opType, n);
    u.upTo(5, out);
    for (const a of n.attribute) out.message(5, a, this.attribute);
    u.upTo(6, out);
    this.str(out, 6, n.docString, n);
    u.upTo(7, out);
    this.str(out, 7, n.domain, n);
    u.upTo(8, out);
    this.str(out, 8, n.overload, n);
    u.rest(out);
  };

  readonly attribute = (a: AttributeProto, out: WireOut): void => {
    const u = new Unknowns(a.unknown);
    this.str(out, 1, a.name, a);
    u.upTo(2, out);
    if (a.f !== undefined) {
      out.tag(2, WIRE_I32);
      out.float(a.f);
    }
    u.upTo(3, out);
    if (a.i !== undefined) this.int(out, 3, a.i);
    u.upTo(4, out);
    if (a.s !== undefined) out.bytesField(4, a.s);
    u.upTo(5, out);
    if (a.t) out.message(5, a.t, this.tensor);
    u.upTo(6, out);
    if (a.g) out.message(6, a.g, this.graph);
    u.upTo(7, out);
    for (const f of a.floats ?? []) {
      out.tag(7, WIRE_I32);
      out.float(f);
    }
    u.upTo(8, out);
    for (const i of a.ints ?? []) this.int(out, 8, i);
    u.upTo(9, out);
    for (const s of a.strings ?? []) out.bytesField(9, s);
    u.upTo(10, out);
    for (const t of a.tensors ?? []) out.message(10, t, this.tensor);
    u.upTo(11, out);
    for (const g of a.graphs ?? []) out.message(11, g, this.graph);
    u.upTo(13, out);
    this.str(out, 13, a.docString, a);
    u.upTo(14, out);
    if (a.tp) out.message(14, a.tp, this.type);
    u.upTo(15, out);
    for (const t of a.typeProtos ?? []) out.message(15, t, this.type);
    u.upTo(20, out);
    this.opt(out, 20, a.type, a);
    u.upTo(21, out);
    this.str(out, 21, a.refAttrName, a);
    u.upTo(22, out);
    if (a.sparseTensor) out.message(22, a.sparseTensor, this.sparse);
    u.upTo(23, out);
    for (const s of a.sparseTensors ?? []) out.message(23, s, this.sparse);
    u.rest(out);
  };

  readonly tensor = (t: TensorProto, out: WireOut): void => {
    const u = new Unknowns(t.unknown);
    const d = t.data;
    for (const dim of t.dims) this.int(out, 1, dim);
    u.upTo(2, out);
    this.opt(out, 2, t.dataType, t);
    for (let f = 3; f <= 8; f++) {
      u.upTo(f, out);
      if (d.kind === 'typed' && d.field === f) for (const [s, e] of d.runs) out.raw(this.sourceBytes(t, s, e));
    }
    this.str(out, 8, t.name, t);
    u.upTo(9, out);
    if (d.kind === 'raw') out.bytesField(9, this.sourceBytes(t, d.offset, d.offset + d.length));
    else if (d.kind === 'bytes') out.bytesField(9, d.bytes);
    for (let f = 10; f <= 11; f++) {
      u.upTo(f, out);
      if (d.kind === 'typed' && d.field === f) for (const [s, e] of d.runs) out.raw(this.sourceBytes(t, s, e));
    }
    u.upTo(12, out);
    this.str(out, 12, t.docString, t);
    u.upTo(13, out);
    for (const p of t.externalData) out.message(13, p, this.entry);
    u.upTo(14, out);
    if (d.kind === 'external') this.int(out, 14, 1);
    u.rest(out);
  };

  readonly sparse = (s: SparseTensorProto, out: WireOut): void => {
    const u = new Unknowns(s.unknown);
    if (s.values) out.message(1, s.values, this.tensor);
    u.upTo(2, out);
    if (s.indices) out.message(2, s.indices, this.tensor);
    u.upTo(3, out);
    for (const d of s.dims) this.int(out, 3, d);
    u.rest(out);
  };

  readonly valueInfo = (v: ValueInfoProto, out: WireOut): void => {
    const u = new Unknowns(v.unknown);
    this.str(out, 1, v.name, v);
    u.upTo(2, out);
    if (v.type) out.message(2, v.type, this.type);
    u.upTo(3, out);
    this.str(out, 3, v.docString, v);
    u.rest(out);
  };

  readonly type = (t: TypeProto, out: WireOut): void => {
    const u = new Unknowns(t.unknown);
    const field =
      t.kind === 'tensor'
        ? 1
        : t.kind === 'sequence'
          ? 4
          : t.kind === 'map'
            ? 5
            : t.kind === 'sparse_tensor'
              ? 8
              : t.kind === 'optional'
                ? 9
                : 0;
    const value = (): void => {
      if (t.kind === 'tensor' || t.kind === 'sparse_tensor') out.message(field, t, this.tensorType);
      else if (t.kind === 'sequence' || t.kind === 'optional') out.message(field, t, this.elemType);
      else if (t.kind === 'map') out.message(field, t, this.mapType);
    };
    if (field !== 0 && field < 6) {
      u.upTo(field, out);
      value();
    }
    u.upTo(6, out);
    this.str(out, 6, t.denotation, t);
    if (field > 6) {
      u.upTo(field, out);
      value();
    }
    u.rest(out);
  };

  private readonly tensorType = (t: TypeProto, out: WireOut): void => {
    if (t.kind !== 'tensor' && t.kind !== 'sparse_tensor') return;
    if (t.elemType) this.int(out, 1, t.elemType);
    if (t.shape) out.message(2, t.shape, this.shape);
  };

  private readonly elemType = (t: TypeProto, out: WireOut): void => {
    if ((t.kind === 'sequence' || t.kind === 'optional') && t.elem) out.message(1, t.elem, this.type);
  };

  private readonly mapType = (t: TypeProto, out: WireOut): void => {
    if (t.kind !== 'map') return;
    if (t.keyType) this.int(out, 1, t.keyType);
    if (t.value) out.message(2, t.value, this.type);
  };

  private readonly shape = (dims: Dimension[], out: WireOut): void => {
    for (const d of dims) out.message(1, d, this.dim);
  };

  private readonly dim = (d: Dimension, out: WireOut): void => {
    if (d.value !== undefined) this.int(out, 1, d.value);
    if (d.param !== undefined) out.stringField(2, d.param);
    if (d.denotation !== undefined) out.stringField(3, d.denotation);
  };

  readonly func = (f: FunctionProto, out: WireOut): void => {
    const u = new Unknowns(f.unknown);
    this.str(out, 1, f.name, f);
    u.upTo(4, out);
    for (const s of f.input) out.stringField(4, s);
    u.upTo(5, out);
    for (const s of f.output) out.stringField(5, s);
    u.upTo(6, out);
    for (const s of f.attribute) out.stringField(6, s);
    u.upTo(7, out);
    for (const n of f.node) out.message(7, n, this.node);
    u.upTo(8, out);
    this.str(out, 8, f.docString, f);
    u.upTo(9, out);
    for (const o of f.opsetImport) out.message(9, o, this.opset);
    u.upTo(10, out);
    this.str(out, 10, f.domain, f);
    u.upTo(11, out);
    for (const a of f.attributeProto) out.message(11, a, this.attribute);
    u.upTo(12, out);
    for (const v of f.valueInfo) out.message(12, v, this.valueInfo);
    u.upTo(13, out);
    this.str(out, 13, f.overload, f);
    u.rest(out);
  };
}

/** Encodes a model to chunks (write them in order; large weights are views, not copies). */
export function encodeModelChunks(model: ModelProto, options: EncodeOptions = {}): Uint8Array[] {
  const w = new WireWriter();
  new Encoder(options.source, options.decoded).model(model, w);
  return w.finishChunks();
}

/** Encodes a model to one buffer (protobuf limits a model file to 2 GiB). */
export function encodeModel(model: ModelProto, options: EncodeOptions = {}): Uint8Array {
  const w = new WireWriter();
  new Encoder(options.source, options.decoded).model(model, w);
  return w.finish();
}

export { WIRE_LEN };
