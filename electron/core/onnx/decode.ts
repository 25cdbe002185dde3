/**
 * ONNX decoder, written against onnx.proto (IR 3–11, ONNX 1.20 field numbers).
 *
 * Why hand-written rather than onnx-proto (protobufjs) or onnx-buf (protobuf-es): Kiln needs
 * (1) weights left in place as (file, offset, length) — neither library reports where a field's
 * bytes are; (2) unknown and newer fields kept for lossless writing — onnx-proto drops them;
 * (3) speed on 125k-node graphs. `npm run bench:open` measures all three decoders side by side;
 * the figures are in README.md.
 */
import { WIRE_I32, WIRE_LEN, WIRE_VARINT, WireError, WireReader, decodeString as decodeStr } from './wire';
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

/** Subgraphs nested deeper than this are refused: real models nest a handful of levels. */
export const MAX_GRAPH_DEPTH = 256;

export class ModelLimitError extends Error {}

export interface DecodeOptions {
  /** Keep each message's byte span so untouched messages re-encode byte for byte (costs memory). */
  keepSpans?: boolean;
}

type Reader = WireReader;

function keepUnknown(target: { unknown?: Uint8Array[] }, r: Reader, wire: number, tagStart: number): void {
  r.skip(wire);
  (target.unknown ??= []).push(r.buf.subarray(tagStart, r.pos));
}

function expect(r: Reader, wire: number, want: number, what: string): void {
  if (wire !== want) throw new WireError(r.pos, `field ${what} has wire type ${wire}, expected ${want}`);
}

/** Repeated int64: packed (one length-delimited run) or one varint per tag. */
function readInt64s(r: Reader, wire: number, into: number[]): void {
  if (wire === WIRE_LEN) {
    const [s, e] = r.span();
    const sub = new WireReader(r.buf, s, e);
    while (!sub.done) into.push(sub.int64());
  } else if (wire === WIRE_VARINT) into.push(r.int64());
  else throw new WireError(r.pos, `repeated int64 field has wire type ${wire}`);
}

function readFloats(r: Reader, wire: number, into: number[]): void {
  if (wire === WIRE_LEN) {
    const [s, e] = r.span();
    if ((e - s) % 4 !== 0) throw new WireError(s, 'packed float field length is not a multiple of 4');
    const sub = new WireReader(r.buf, s, e);
    while (!sub.done) into.push(sub.float());
  } else if (wire === WIRE_I32) into.push(r.float());
  else throw new WireError(r.pos, `repeated float field has wire type ${wire}`);
}

class Decoder {
  constructor(
    readonly buf: Uint8Array,
    readonly keepSpans: boolean,
  ) {}

  private mark<T extends { span?: [number, number] }>(m: T, s: number, e: number): T {
    if (this.keepSpans) m.span = [s, e];
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
          m.irVersion = r.int64();
          break;
        case 2:
          expect(r, wire, WIRE_LEN, 'producer_name');
          m.producerName = r.string();
          break;
        case 3:
          expect(r, wire, WIRE_LEN, 'producer_version');
          m.producerVersion = r.string();
          break;
        case 4:
          expect(r, wire, WIRE_LEN, 'domain');
          m.domain = r.string();
          break;
        case 5:
          expect(r, wire, WIRE_VARINT, 'model_version');
          m.modelVersion = r.int64();
          break;
        case 6:
          expect(r, wire, WIRE_LEN, 'doc_string');
          m.docString = r.string();
          break;
        case 7: {
          expect(r, wire, WIRE_LEN, 'graph');
          const [s, e] = r.span();
          m.graph = this.graph(s, e, 0);
          break;
        }
        case 8: {
          expect(r, wire, WIRE_LEN, 'opset_import');
          const [s, e] = r.span();
          m.opsetImport.push(this.opset(s, e));
          break;
        }
        case 14: {
          expect(r, wire, WIRE_LEN, 'metadata_props');
          const [s, e] = r.span();
          m.metadataProps.push(this.entry(s, e));
          break;
        }
        case 25: {
          expect(r, wire, WIRE_LEN, 'functions');
          const [s, e] = r.span();
          m.functions.push(this.func(s, e));
          break;
        }
        default:
          keepUnknown(m, r, wire, at);
      }
    }
    return this.mark(m, 0, this.buf.length);
  }

  opset(s: number, e: number): OpsetId {
    const r = new WireReader(this.buf, s, e);
    const o: OpsetId = { domain: '', version: 0 };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const wire = tag & 7;
      if (tag >>> 3 === 1 && wire === WIRE_LEN) o.domain = r.string();
      else if (tag >>> 3 === 2 && wire === WIRE_VARINT) o.version = r.int64();
      else keepUnknown(o, r, wire, at);
    }
    return this.mark(o, s, e);
  }

  entry(s: number, e: number): StringEntry & { unknown?: Uint8Array[] } {
    const r = new WireReader(this.buf, s, e);
    const o: StringEntry & { unknown?: Uint8Array[] } = { key: '', value: '' };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const wire = tag & 7;
      if (tag >>> 3 === 1 && wire === WIRE_LEN) o.key = r.string();
      else if (tag >>> 3 === 2 && wire === WIRE_LEN) o.value = r.string();
      else keepUnknown(o, r, wire, at);
    }
    return o;
  }

  graph(s: number, e: number, depth: number): GraphProto {
    if (depth > MAX_GRAPH_DEPTH) throw new ModelLimitError(`subgraphs are nested more than ${MAX_GRAPH_DEPTH} levels deep`);
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
      if (wire !== WIRE_LEN || ![1, 2, 5, 10, 11, 12, 13, 15].includes(field)) {
        if (field === 0) throw new WireError(at, 'field number 0 is invalid');
        keepUnknown(g, r, wire, at);
        continue;
      }
      const [ss, se] = r.span();
      switch (field) {
        case 1:
          g.node.push(this.node(ss, se, depth));
          break;
        case 2:
          g.name = decodeStr(this.buf, ss, se);
          break;
        case 5:
          g.initializer.push(this.tensor(ss, se));
          break;
        case 10:
          g.docString = decodeStr(this.buf, ss, se);
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
    return this.mark(g, s, e);
  }

  node(s: number, e: number, depth: number): NodeProto {
    const r = new WireReader(this.buf, s, e);
    const n: NodeProto = { input: [], output: [], name: '', opType: '', domain: '', overload: '', attribute: [], docString: '' };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== WIRE_LEN || field > 8 || field === 0) {
        if (field === 0) throw new WireError(at, 'field number 0 is invalid');
        keepUnknown(n, r, wire, at);
        continue;
      }
      switch (field) {
        case 1:
          n.input.push(r.string());
          break;
        case 2:
          n.output.push(r.string());
          break;
        case 3:
          n.name = r.string();
          break;
        case 4:
          n.opType = r.string();
          break;
        case 5: {
          const [ss, se] = r.span();
          n.attribute.push(this.attribute(ss, se, depth));
          break;
        }
        case 6:
          n.docString = r.string();
          break;
        case 7:
          n.domain = r.string();
          break;
        case 8:
          n.overload = r.string();
          break;
      }
    }
    return this.mark(n, s, e);
  }

  attribute(s: number, e: number, depth: number): AttributeProto {
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
          a.name = r.string();
          break;
        case 21:
          expect(r, wire, WIRE_LEN, 'attribute.ref_attr_name');
          a.refAttrName = r.string();
          break;
        case 13:
          expect(r, wire, WIRE_LEN, 'attribute.doc_string');
          a.docString = r.string();
          break;
        case 20:
          expect(r, wire, WIRE_VARINT, 'attribute.type');
          a.type = r.uint32();
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
          const [ss, se] = r.span();
          a.t = this.tensor(ss, se);
          break;
        }
        case 6: {
          expect(r, wire, WIRE_LEN, 'attribute.g');
          const [ss, se] = r.span();
          a.g = this.graph(ss, se, depth + 1);
          break;
        }
        case 22: {
          expect(r, wire, WIRE_LEN, 'attribute.sparse_tensor');
          const [ss, se] = r.span();
          a.sparseTensor = this.sparse(ss, se);
          break;
        }
        case 14: {
          expect(r, wire, WIRE_LEN, 'attribute.tp');
          const [ss, se] = r.span();
          a.tp = this.type(ss, se, 0);
          break;
        }
        case 7:
          readFloats(r, wire, (a.floats ??= []));
          break;
        case 8:
          readInt64s(r, wire, (a.ints ??= []));
          break;
        case 9:
          expect(r, wire, WIRE_LEN, 'attribute.strings');
          (a.strings ??= []).push(r.bytes());
          break;
        case 10: {
          expect(r, wire, WIRE_LEN, 'attribute.tensors');
          const [ss, se] = r.span();
          (a.tensors ??= []).push(this.tensor(ss, se));
          break;
        }
        case 11: {
          expect(r, wire, WIRE_LEN, 'attribute.graphs');
          const [ss, se] = r.span();
          (a.graphs ??= []).push(this.graph(ss, se, depth + 1));
          break;
        }
        case 23: {
          expect(r, wire, WIRE_LEN, 'attribute.sparse_tensors');
          const [ss, se] = r.span();
          (a.sparseTensors ??= []).push(this.sparse(ss, se));
          break;
        }
        case 15: {
          expect(r, wire, WIRE_LEN, 'attribute.type_protos');
          const [ss, se] = r.span();
          (a.typeProtos ??= []).push(this.type(ss, se, 0));
          break;
        }
        default:
          if (field === 0) throw new WireError(at, 'field number 0 is invalid');
          keepUnknown(a, r, wire, at);
      }
    }
    return this.mark(a, s, e);
  }

  tensor(s: number, e: number): TensorProto {
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
          readInt64s(r, wire, t.dims);
          break;
        case 2:
          expect(r, wire, WIRE_VARINT, 'tensor.data_type');
          t.dataType = r.uint32();
          break;
        case 8:
          expect(r, wire, WIRE_LEN, 'tensor.name');
          t.name = r.string();
          break;
        case 12:
          expect(r, wire, WIRE_LEN, 'tensor.doc_string');
          t.docString = r.string();
          break;
        case 9: {
          expect(r, wire, WIRE_LEN, 'tensor.raw_data');
          const [ss, se] = r.span();
          t.data = { kind: 'raw', offset: ss, length: se - ss };
          break;
        }
        case 13: {
          expect(r, wire, WIRE_LEN, 'tensor.external_data');
          const [ss, se] = r.span();
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
          this.typedData(t, r, field, wire);
          break;
        default:
          if (field === 0) throw new WireError(at, 'field number 0 is invalid');
          keepUnknown(t, r, wire, at);
      }
    }
    if (location === 1 || (t.externalData.length > 0 && t.data.kind === 'none')) {
      const get = (k: string) => t.externalData.find((x) => x.key === k)?.value;
      const offset = Number(get('offset') ?? 0);
      const lengthText = get('length');
      const length = lengthText === undefined ? null : Number(lengthText);
      t.data = { kind: 'external', location: get('location') ?? '', path: '', offset, length };
    }
    return this.mark(t, s, e);
  }

  /** Typed data stays in the file: record where it is and how many values it holds. */
  private typedData(t: TensorProto, r: Reader, field: number, wire: number): void {
    const prev = t.data.kind === 'typed' && t.data.field === field ? t.data : undefined;
    if (field === 6) {
      expect(r, wire, WIRE_LEN, 'tensor.string_data');
      const startTag = r.pos;
      r.span();
      t.data = prev ? { ...prev, length: r.pos - prev.offset, count: prev.count + 1 } : { kind: 'typed', field, offset: startTag, length: r.pos - startTag, packed: false, count: 1 };
      return;
    }
    if (wire === WIRE_LEN) {
      const [ss, se] = r.span();
      let count: number;
      if (field === 4) count = (se - ss) / 4;
      else if (field === 10 || field === 11) count = (se - ss) / 8;
      else {
        count = 0;
        for (let i = ss; i < se; i++) if ((this.buf[i] as number) < 0x80) count++;
      }
      if (!Number.isInteger(count)) throw new WireError(ss, `packed data of ${t.name || 'a tensor'} has a length that does not fit its type`);
      t.data = { kind: 'typed', field, offset: ss, length: se - ss, packed: true, count: (prev?.count ?? 0) + count };
      return;
    }
    // Unpacked: one tag per value. Valid protobuf, rare in ONNX files; values are read later by re-scanning.
    const start = r.pos;
    r.skip(wire);
    t.data = prev && !prev.packed ? { ...prev, length: r.pos - prev.offset, count: prev.count + 1 } : { kind: 'typed', field, offset: start, length: r.pos - start, packed: false, count: 1 };
  }

  sparse(s: number, e: number): SparseTensorProto {
    const r = new WireReader(this.buf, s, e);
    const sp: SparseTensorProto = { values: undefined, indices: undefined, dims: [] };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_LEN) {
        const [ss, se] = r.span();
        sp.values = this.tensor(ss, se);
      } else if (field === 2 && wire === WIRE_LEN) {
        const [ss, se] = r.span();
        sp.indices = this.tensor(ss, se);
      } else if (field === 3) readInt64s(r, wire, sp.dims);
      else keepUnknown(sp, r, wire, at);
    }
    return this.mark(sp, s, e);
  }

  valueInfo(s: number, e: number): ValueInfoProto {
    const r = new WireReader(this.buf, s, e);
    const v: ValueInfoProto = { name: '', type: undefined, docString: '' };
    while (!r.done) {
      const at = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_LEN) v.name = r.string();
      else if (field === 2 && wire === WIRE_LEN) {
        const [ss, se] = r.span();
        v.type = this.type(ss, se, 0);
      } else if (field === 3 && wire === WIRE_LEN) v.docString = r.string();
      else keepUnknown(v, r, wire, at);
    }
    return this.mark(v, s, e);
  }

  type(s: number, e: number, depth: number): TypeProto {
    if (depth > 64) throw new ModelLimitError('type nested more than 64 levels deep');
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
        unknown.push(this.buf.subarray(at, r.pos));
        continue;
      }
      const [ss, se] = r.span();
      if (field === 1 || field === 8) t = this.tensorType(ss, se, field === 1 ? 'tensor' : 'sparse_tensor');
      else if (field === 4 || field === 9) t = { kind: field === 4 ? 'sequence' : 'optional', elem: this.elemOf(ss, se, depth), denotation: '' };
      else if (field === 5) t = this.mapType(ss, se, depth);
      else if (field === 6) denotation = decodeStr(this.buf, ss, se);
      else unknown.push(this.buf.subarray(at, r.pos));
    }
    t.denotation = denotation;
    if (unknown.length) t.unknown = unknown;
    return this.mark(t, s, e);
  }

  private elemOf(s: number, e: number, depth: number): TypeProto | undefined {
    const r = new WireReader(this.buf, s, e);
    let elem: TypeProto | undefined;
    while (!r.done) {
      const tag = r.uint32();
      if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) {
        const [ss, se] = r.span();
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
        const [ss, se] = r.span();
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
        const [ss, se] = r.span();
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
      const [ss, se] = r.span();
      const d: Dimension = {};
      const dr = new WireReader(this.buf, ss, se);
      while (!dr.done) {
        const dt = dr.uint32();
        const f = dt >>> 3;
        if (f === 1 && (dt & 7) === WIRE_VARINT) d.value = dr.int64();
        else if (f === 2 && (dt & 7) === WIRE_LEN) d.param = dr.string();
        else if (f === 3 && (dt & 7) === WIRE_LEN) d.denotation = dr.string();
        else dr.skip(dt & 7);
      }
      dims.push(d);
    }
    return dims;
  }

  func(s: number, e: number): FunctionProto {
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
      if (wire !== WIRE_LEN || ![1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].includes(field)) {
        if (field === 0) throw new WireError(at, 'field number 0 is invalid');
        keepUnknown(f, r, wire, at);
        continue;
      }
      const [ss, se] = r.span();
      switch (field) {
        case 1:
          f.name = decodeStr(this.buf, ss, se);
          break;
        case 4:
          f.input.push(decodeStr(this.buf, ss, se));
          break;
        case 5:
          f.output.push(decodeStr(this.buf, ss, se));
          break;
        case 6:
          f.attribute.push(decodeStr(this.buf, ss, se));
          break;
        case 7:
          f.node.push(this.node(ss, se, 1));
          break;
        case 8:
          f.docString = decodeStr(this.buf, ss, se);
          break;
        case 9:
          f.opsetImport.push(this.opset(ss, se));
          break;
        case 10:
          f.domain = decodeStr(this.buf, ss, se);
          break;
        case 11:
          f.attributeProto.push(this.attribute(ss, se, 1));
          break;
        case 12:
          f.valueInfo.push(this.valueInfo(ss, se));
          break;
        case 13:
          f.overload = decodeStr(this.buf, ss, se);
          break;
      }
    }
    return this.mark(f, s, e);
  }
}


/** Decodes ModelProto bytes. Throws WireError (with a byte offset) or ModelLimitError. */
export function decodeModel(buf: Uint8Array, options: DecodeOptions = {}): ModelProto {
  return new Decoder(buf, options.keepSpans ?? false).model();
}
