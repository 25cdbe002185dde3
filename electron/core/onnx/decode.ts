/**
 * ONNX decoder, written against onnx.proto (IR 3–11, ONNX 1.20 field numbers).
 *
 * Why hand-written rather than onnx-proto (protobufjs) or onnx-buf (protobuf-es): Kiln needs
 * (1) weights left in place as (file, offset, length) — neither library reports where a field's
 * bytes are; (2) unknown and newer fields kept for lossless writing — onnx-proto drops them;
 * (3) speed on 125k-node graphs. `npm run bench:open` measures all three decoders side by side;
 * the figures are in README.md.
 */
import { expect, keepUnknown, present, readDim, readDims, readFloats, readInt64s, tooManyDims } from './fields';
import { DecodeBudget, type DecodeLimits, MAX_GRAPH_DEPTH, MAX_RANK, MAX_TYPE_DEPTH, ModelLimitError } from './limits';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader, StringTable } from './wire';
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

export interface DecodeOptions {
  /** Lower limits than limits.ts sets (tests reach them without gigabytes of input). */
  limits?: Partial<DecodeLimits>;
}

type Reader = WireReader;

/** Length-delimited fields decoded by graph() and func(), as bit masks over field numbers. */
const GRAPH_FIELDS = [1, 2, 5, 10, 11, 12, 13, 15].reduce((m, f) => m | (1 << f), 0);
const FUNCTION_FIELDS = [1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].reduce((m, f) => m | (1 << f), 0);

/** Exported for graph-scan.ts, which walks the nodes itself and decodes value infos with it. */
export class Decoder {
  /** Interned strings of the whole buffer (ids shared by everything this decoder reads). */
  readonly strings: StringTable;
  /** String ids of node input and output names, in decode order (see ModelProto.names). */
  private readonly inIds: number[] = [];
  private readonly outIds: number[] = [];
  readonly budget: DecodeBudget;

  constructor(
    readonly buf: Uint8Array,
    limits: Partial<DecodeLimits>,
  ) {
    this.strings = new StringTable(buf);
    this.budget = new DecodeBudget(limits);
  }

  private str(r: Reader): string {
    const s = r.span();
    return this.strings.get(s, r.spanEnd);
  }

  run(): ModelProto {
    const m = this.model();
    m.names = { values: this.strings.values, inIds: Int32Array.from(this.inIds), outIds: Int32Array.from(this.outIds) };
    return m;
  }

  model(): ModelProto {
    const r = new WireReader(this.buf, 0, this.buf.length);
    const m: ModelProto = {
      irVersion: 0,
      opsetImport: [],
      producerName: '',
      producerVersion: '',
      domain: '',
      modelVersion: 0,
      docString: '',
      graph: undefined,
      metadataProps: [],
      functions: [],
    };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) throw new WireError(at, 'field number 0 is invalid');
      switch (field) {
        case 1:
          expect(r, wire, WIRE_VARINT, 'ir_version');
          m.irVersion = present(m, 1, r.int64());
          break;
        case 2:
          expect(r, wire, WIRE_LEN, 'producer_name');
          m.producerName = present(m, 2, this.str(r));
          break;
        case 3:
          expect(r, wire, WIRE_LEN, 'producer_version');
          m.producerVersion = present(m, 3, this.str(r));
          break;
        case 4:
          expect(r, wire, WIRE_LEN, 'domain');
          m.domain = present(m, 4, this.str(r));
          break;
        case 5:
          expect(r, wire, WIRE_VARINT, 'model_version');
          m.modelVersion = present(m, 5, r.int64());
          break;
        case 6:
          expect(r, wire, WIRE_LEN, 'doc_string');
          m.docString = present(m, 6, this.str(r));
          break;
        case 7: {
          expect(r, wire, WIRE_LEN, 'graph');
          const s = r.span();
          const e = r.spanEnd;
          m.graph = this.graph(s, e, 0);
          break;
        }
        case 8: {
          expect(r, wire, WIRE_LEN, 'opset_import');
          const s = r.span();
          const e = r.spanEnd;
          m.opsetImport.push(this.opset(s, e));
          break;
        }
        case 14: {
          expect(r, wire, WIRE_LEN, 'metadata_props');
          const s = r.span();
          const e = r.spanEnd;
          m.metadataProps.push(this.entry(s, e));
          break;
        }
        case 25: {
          expect(r, wire, WIRE_LEN, 'functions');
          const s = r.span();
          const e = r.spanEnd;
          m.functions.push(this.func(s, e));
          break;
        }
        default:
          keepUnknown(m, r, wire, at, this.budget);
      }
    }
    return m;
  }

  opset(s: number, e: number): OpsetId {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const o: OpsetId = { domain: '', version: 0 };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const wire = tag & 7;
      if (tag >>> 3 === 1 && wire === WIRE_LEN) o.domain = present(o, 1, this.str(r));
      else if (tag >>> 3 === 2 && wire === WIRE_VARINT) o.version = present(o, 2, r.int64());
      else keepUnknown(o, r, wire, at, this.budget);
    }
    return o;
  }

  entry(s: number, e: number): StringEntry & { unknown?: Uint8Array[] } {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const o: StringEntry & { unknown?: Uint8Array[] } = { key: '', value: '' };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const wire = tag & 7;
      if (tag >>> 3 === 1 && wire === WIRE_LEN) o.key = this.str(r);
      else if (tag >>> 3 === 2 && wire === WIRE_LEN) o.value = this.str(r);
      else keepUnknown(o, r, wire, at, this.budget);
    }
    return o;
  }

  graph(s: number, e: number, depth: number): GraphProto {
    if (depth > MAX_GRAPH_DEPTH)
      throw new ModelLimitError(`subgraphs are nested more than ${MAX_GRAPH_DEPTH} levels deep`);
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const g: GraphProto = {
      name: '',
      node: [],
      initializer: [],
      sparseInitializer: [],
      docString: '',
      input: [],
      output: [],
      valueInfo: [],
    };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== WIRE_LEN || field > 15 || ((GRAPH_FIELDS >>> field) & 1) === 0) {
        if (field === 0) throw new WireError(at, 'field number 0 is invalid');
        keepUnknown(g, r, wire, at, this.budget);
        continue;
      }
      const ss = r.span();
      const se = r.spanEnd;
      switch (field) {
        case 1:
          g.node.push(this.node(ss, se, depth));
          break;
        case 2:
          g.name = present(g, 2, this.strings.get(ss, se));
          break;
        case 5:
          g.initializer.push(this.tensor(ss, se));
          break;
        case 10:
          g.docString = present(g, 10, this.strings.get(ss, se));
          break;
        case 11:
          g.input.push(this.valueInfo(ss, se));
          break;
        case 12:
          g.output.push(this.valueInfo(ss, se));
          break;
        case 13:
          g.valueInfo.push(this.valueInfo(ss, se));
          break;
        case 15:
          g.sparseInitializer.push(this.sparse(ss, se));
          break;
      }
    }
    return g;
  }

  node(s: number, e: number, depth: number): NodeProto {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const n: NodeProto = {
      input: [],
      output: [],
      name: '',
      opType: '',
      domain: '',
      overload: '',
      attribute: [],
      docString: '',
      inAt: this.inIds.length,
      outAt: this.outIds.length,
      bytesAt: s,
      bytesEnd: e,
    };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== WIRE_LEN || field > 8 || field === 0) {
        if (field === 0) throw new WireError(at, 'field number 0 is invalid');
        keepUnknown(n, r, wire, at, this.budget);
        continue;
      }
      switch (field) {
        case 1:
          this.budget.repeated(1);
          n.input.push(this.str(r));
          this.inIds.push(this.strings.lastId);
          break;
        case 2:
          this.budget.repeated(1);
          n.output.push(this.str(r));
          this.outIds.push(this.strings.lastId);
          break;
        case 3:
          n.name = present(n, 3, this.str(r));
          break;
        case 4:
          n.opType = present(n, 4, this.str(r));
          break;
        case 5: {
          const ss = r.span();
          const se = r.spanEnd;
          n.attribute.push(this.attribute(ss, se, depth));
          break;
        }
        case 6:
          n.docString = present(n, 6, this.str(r));
          break;
        case 7:
          n.domain = present(n, 7, this.str(r));
          break;
        case 8:
          n.overload = present(n, 8, this.str(r));
          break;
      }
    }
    return n;
  }

  attribute(s: number, e: number, depth: number): AttributeProto {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const a: AttributeProto = { name: '', type: 0, refAttrName: '', docString: '' };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      switch (field) {
        case 1:
          expect(r, wire, WIRE_LEN, 'attribute.name');
          a.name = present(a, 1, this.str(r));
          break;
        case 21:
          expect(r, wire, WIRE_LEN, 'attribute.ref_attr_name');
          a.refAttrName = present(a, 21, this.str(r));
          break;
        case 13:
          expect(r, wire, WIRE_LEN, 'attribute.doc_string');
          a.docString = present(a, 13, this.str(r));
          break;
        case 20:
          expect(r, wire, WIRE_VARINT, 'attribute.type');
          a.type = present(a, 20, r.uint32());
          break;
        case 2:
          expect(r, wire, WIRE_I32, 'attribute.f');
          a.f = r.float();
          break;
        case 3:
          expect(r, wire, WIRE_VARINT, 'attribute.i');
          a.i = r.int64();
          break;
        case 4:
          expect(r, wire, WIRE_LEN, 'attribute.s');
          a.s = r.bytes();
          break;
        case 5: {
          expect(r, wire, WIRE_LEN, 'attribute.t');
          const ss = r.span();
          const se = r.spanEnd;
          a.t = this.tensor(ss, se);
          break;
        }
        case 6: {
          expect(r, wire, WIRE_LEN, 'attribute.g');
          const ss = r.span();
          const se = r.spanEnd;
          a.g = this.graph(ss, se, depth + 1);
          break;
        }
        case 22: {
          expect(r, wire, WIRE_LEN, 'attribute.sparse_tensor');
          const ss = r.span();
          const se = r.spanEnd;
          a.sparseTensor = this.sparse(ss, se);
          break;
        }
        case 14: {
          expect(r, wire, WIRE_LEN, 'attribute.tp');
          const ss = r.span();
          const se = r.spanEnd;
          a.tp = this.type(ss, se, 0);
          break;
        }
        case 7:
          readFloats(r, wire, (a.floats ??= []), this.budget);
          break;
        case 8:
          readInt64s(r, wire, (a.ints ??= []), this.budget);
          break;
        case 9:
          expect(r, wire, WIRE_LEN, 'attribute.strings');
          this.budget.message();
          (a.strings ??= []).push(r.bytes());
          break;
        case 10: {
          expect(r, wire, WIRE_LEN, 'attribute.tensors');
          const ss = r.span();
          const se = r.spanEnd;
          (a.tensors ??= []).push(this.tensor(ss, se));
          break;
        }
        case 11: {
          expect(r, wire, WIRE_LEN, 'attribute.graphs');
          const ss = r.span();
          const se = r.spanEnd;
          (a.graphs ??= []).push(this.graph(ss, se, depth + 1));
          break;
        }
        case 23: {
          expect(r, wire, WIRE_LEN, 'attribute.sparse_tensors');
          const ss = r.span();
          const se = r.spanEnd;
          (a.sparseTensors ??= []).push(this.sparse(ss, se));
          break;
        }
        case 15: {
          expect(r, wire, WIRE_LEN, 'attribute.type_protos');
          const ss = r.span();
          const se = r.spanEnd;
          (a.typeProtos ??= []).push(this.type(ss, se, 0));
          break;
        }
        default:
          if (field === 0) throw new WireError(at, 'field number 0 is invalid');
          keepUnknown(a, r, wire, at, this.budget);
      }
    }
    return a;
  }

  tensor(s: number, e: number): TensorProto {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const t: TensorProto = { name: '', dataType: 0, dims: [], data: { kind: 'none' }, externalData: [], docString: '' };
    let location = 0;
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      switch (field) {
        case 1:
          readDims(r, wire, t.dims, 'a tensor');
          break;
        case 2:
          expect(r, wire, WIRE_VARINT, 'tensor.data_type');
          t.dataType = present(t, 2, r.uint32());
          break;
        case 8:
          expect(r, wire, WIRE_LEN, 'tensor.name');
          t.name = present(t, 8, this.str(r));
          t.nameId = this.strings.lastId;
          break;
        case 12:
          expect(r, wire, WIRE_LEN, 'tensor.doc_string');
          t.docString = present(t, 12, this.str(r));
          break;
        case 9: {
          expect(r, wire, WIRE_LEN, 'tensor.raw_data');
          const ss = r.span();
          const se = r.spanEnd;
          t.data = { kind: 'raw', offset: ss, length: se - ss };
          break;
        }
        case 13: {
          expect(r, wire, WIRE_LEN, 'tensor.external_data');
          const ss = r.span();
          const se = r.spanEnd;
          t.externalData.push(this.entry(ss, se));
          break;
        }
        case 14:
          expect(r, wire, WIRE_VARINT, 'tensor.data_location');
          location = r.uint32();
          break;
        case 4:
        case 5:
        case 6:
        case 7:
        case 10:
        case 11:
          this.typedData(t, r, field, wire, at);
          break;
        default:
          if (field === 0) throw new WireError(at, 'field number 0 is invalid');
          keepUnknown(t, r, wire, at, this.budget);
      }
    }
    if (location === 1 || (t.externalData.length > 0 && t.data.kind === 'none')) {
      const get = (k: string) => t.externalData.find((x) => x.key === k)?.value;
      const offset = Number(get('offset') ?? 0);
      const lengthText = get('length');
      const length = lengthText === undefined ? null : Number(lengthText);
      t.data = { kind: 'external', location: get('location') ?? '', path: '', offset, length };
    }
    return t;
  }

  /**
   * Typed data stays in the file: record the spans of its field encodings (tags included, so a
   * writer copies them verbatim) and how many values they hold.
   */
  private typedData(t: TensorProto, r: Reader, field: number, wire: number, tagStart: number): void {
    let count: number;
    if (wire === WIRE_LEN) {
      const ss = r.span();
      const se = r.spanEnd;
      if (field === 6) count = 1;
      else if (field === 4) count = (se - ss) / 4;
      else if (field === 10) count = (se - ss) / 8;
      else {
        count = 0;
        for (let i = ss; i < se; i++) if ((this.buf[i] as number) < 0x80) count++;
        if (se > ss && (this.buf[se - 1] as number) >= 0x80)
          throw new WireError(se, 'packed varint runs past its field');
      }
      if (!Number.isInteger(count))
        throw new WireError(ss, `packed data of ${t.name || 'a tensor'} has a length that does not fit its type`);
    } else {
      // Unpacked: one tag per value. Valid protobuf, rare in ONNX files.
      const want = field === 4 ? WIRE_I32 : field === 10 ? WIRE_I64 : field === 6 ? WIRE_LEN : WIRE_VARINT;
      expect(r, wire, want, `tensor data field ${field}`);
      r.skip(wire);
      count = 1;
    }
    const prev = t.data.kind === 'typed' && t.data.field === field ? t.data : undefined;
    if (prev) {
      const last = prev.runs[prev.runs.length - 1] as [number, number];
      if (last[1] === tagStart) last[1] = r.pos;
      else {
        this.budget.message();
        prev.runs.push([tagStart, r.pos]);
      }
      prev.count += count;
    } else t.data = { kind: 'typed', field, runs: [[tagStart, r.pos]], count };
  }

  sparse(s: number, e: number): SparseTensorProto {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const sp: SparseTensorProto = { values: undefined, indices: undefined, dims: [] };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_LEN) {
        const ss = r.span();
        const se = r.spanEnd;
        sp.values = this.tensor(ss, se);
      } else if (field === 2 && wire === WIRE_LEN) {
        const ss = r.span();
        const se = r.spanEnd;
        sp.indices = this.tensor(ss, se);
      } else if (field === 3) readDims(r, wire, sp.dims, 'a sparse tensor');
      else keepUnknown(sp, r, wire, at, this.budget);
    }
    return sp;
  }

  valueInfo(s: number, e: number): ValueInfoProto {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const v: ValueInfoProto = { name: '', type: undefined, docString: '' };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_LEN) {
        v.name = present(v, 1, this.str(r));
        v.nameId = this.strings.lastId;
      } else if (field === 2 && wire === WIRE_LEN) {
        const ss = r.span();
        const se = r.spanEnd;
        v.type = this.type(ss, se, 0);
      } else if (field === 3 && wire === WIRE_LEN) v.docString = present(v, 3, this.str(r));
      else keepUnknown(v, r, wire, at, this.budget);
    }
    return v;
  }

  type(s: number, e: number, depth: number): TypeProto {
    if (depth > MAX_TYPE_DEPTH) throw new ModelLimitError(`type nested more than ${MAX_TYPE_DEPTH} levels deep`);
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    let t: TypeProto = { kind: 'unknown', denotation: '' };
    const unknown: Uint8Array[] = [];
    let denotation = '';
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== WIRE_LEN) {
        r.skip(wire);
        this.budget.message();
        unknown.push(this.buf.subarray(at, r.pos));
        continue;
      }
      const ss = r.span();
      const se = r.spanEnd;
      if (field === 1 || field === 8) t = this.tensorType(ss, se, field === 1 ? 'tensor' : 'sparse_tensor');
      else if (field === 4 || field === 9)
        t = { kind: field === 4 ? 'sequence' : 'optional', elem: this.elemOf(ss, se, depth), denotation: '' };
      else if (field === 5) t = this.mapType(ss, se, depth);
      else if (field === 6) denotation = this.strings.get(ss, se);
      else {
        this.budget.message();
        unknown.push(this.buf.subarray(at, r.pos));
      }
    }
    t.denotation = denotation;
    if (unknown.length) t.unknown = unknown;
    return t;
  }

  private elemOf(s: number, e: number, depth: number): TypeProto | undefined {
    const r = new WireReader(this.buf, s, e);
    let elem: TypeProto | undefined;
    while (!r.done) {
      const tag = r.uint32();
      if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) {
        const ss = r.span();
        const se = r.spanEnd;
        elem = this.type(ss, se, depth + 1);
      } else r.skip(tag & 7);
    }
    return elem;
  }

  private mapType(s: number, e: number, depth: number): TypeProto {
    const r = new WireReader(this.buf, s, e);
    const m: TypeProto = { kind: 'map', keyType: 0, value: undefined, denotation: '' };
    while (!r.done) {
      const tag = r.uint32();
      if (tag >>> 3 === 1 && (tag & 7) === WIRE_VARINT) m.keyType = r.uint32();
      else if (tag >>> 3 === 2 && (tag & 7) === WIRE_LEN) {
        const ss = r.span();
        const se = r.spanEnd;
        m.value = this.type(ss, se, depth + 1);
      } else r.skip(tag & 7);
    }
    return m;
  }

  private tensorType(s: number, e: number, kind: 'tensor' | 'sparse_tensor'): TypeProto {
    const r = new WireReader(this.buf, s, e);
    const t: TypeProto = { kind, elemType: 0, shape: null, denotation: '' };
    while (!r.done) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_VARINT) t.elemType = r.uint32();
      else if (field === 2 && wire === WIRE_LEN) {
        const ss = r.span();
        const se = r.spanEnd;
        t.shape = this.shape(ss, se);
      } else r.skip(wire);
    }
    return t;
  }

  private shape(s: number, e: number): Dimension[] {
    const r = new WireReader(this.buf, s, e);
    const dims: Dimension[] = [];
    while (!r.done) {
      const tag = r.uint32();
      if (tag >>> 3 !== 1 || (tag & 7) !== WIRE_LEN) {
        r.skip(tag & 7);
        continue;
      }
      if (dims.length >= MAX_RANK) throw tooManyDims('a shape');
      const ss = r.span();
      const se = r.spanEnd;
      this.budget.message();
      const d: Dimension = {};
      const dr = new WireReader(this.buf, ss, se);
      while (!dr.done) {
        const dt = dr.uint32();
        const f = dt >>> 3;
        if (f === 1 && (dt & 7) === WIRE_VARINT) d.value = readDim(dr);
        else if (f === 2 && (dt & 7) === WIRE_LEN) d.param = this.str(dr);
        else if (f === 3 && (dt & 7) === WIRE_LEN) d.denotation = this.str(dr);
        else dr.skip(dt & 7);
      }
      dims.push(d);
    }
    return dims;
  }

  func(s: number, e: number): FunctionProto {
    this.budget.message();
    const r = new WireReader(this.buf, s, e);
    const f: FunctionProto = {
      name: '',
      domain: '',
      overload: '',
      input: [],
      output: [],
      attribute: [],
      attributeProto: [],
      node: [],
      opsetImport: [],
      valueInfo: [],
      docString: '',
    };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== WIRE_LEN || field > 13 || ((FUNCTION_FIELDS >>> field) & 1) === 0) {
        if (field === 0) throw new WireError(at, 'field number 0 is invalid');
        keepUnknown(f, r, wire, at, this.budget);
        continue;
      }
      const ss = r.span();
      const se = r.spanEnd;
      switch (field) {
        case 1:
          f.name = present(f, 1, this.strings.get(ss, se));
          break;
        case 4:
          this.budget.repeated(1);
          f.input.push(this.strings.get(ss, se));
          break;
        case 5:
          this.budget.repeated(1);
          f.output.push(this.strings.get(ss, se));
          break;
        case 6:
          this.budget.repeated(1);
          f.attribute.push(this.strings.get(ss, se));
          break;
        case 7:
          f.node.push(this.node(ss, se, 1));
          break;
        case 8:
          f.docString = present(f, 8, this.strings.get(ss, se));
          break;
        case 9:
          f.opsetImport.push(this.opset(ss, se));
          break;
        case 10:
          f.domain = present(f, 10, this.strings.get(ss, se));
          break;
        case 11:
          f.attributeProto.push(this.attribute(ss, se, 1));
          break;
        case 12:
          f.valueInfo.push(this.valueInfo(ss, se));
          break;
        case 13:
          f.overload = present(f, 13, this.strings.get(ss, se));
          break;
      }
    }
    return f;
  }
}

/** Decodes ModelProto bytes. Throws WireError (with a byte offset) or ModelLimitError. */
export function decodeModel(buf: Uint8Array, options: DecodeOptions = {}): ModelProto {
  return new Decoder(buf, options.limits ?? {}).run();
}
