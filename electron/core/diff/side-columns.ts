/**
 * Initializers and node attributes as columns of typed arrays, for a side of a diff posted from a
 * worker (side-packet.ts). Structured-cloning 40,000 TensorProto objects and 30,000 attribute
 * lists costs a few hundred milliseconds on each thread; the same facts as a dozen arrays cost a
 * few. Only what the diff reads survives the trip: a tensor's name, type, dims and where its bytes
 * are; an attribute's name, type and value (a number or a list of numbers). Anything else (tensors
 * with external, typed or in-memory data; string, tensor and graph attributes) goes as it is.
 */
import { ATTR, type AttributeProto, type TensorProto } from '../onnx/model';

export interface TensorColumns {
  name: string[];
  dataType: Int32Array;
  /** dims of tensor k: dims[dimStart[k] .. dimStart[k + 1]). */
  dimStart: Int32Array;
  dims: Float64Array;
  /** 0: raw bytes at [offset, offset + length) of the file; 1: no data; 2: odd[offset], sent whole. */
  kind: Uint8Array;
  offset: Float64Array;
  length: Float64Array;
  odd: TensorProto[];
}

const RAW = 0;
const NONE = 1;
const ODD = 2;

export function packTensors(ts: readonly TensorProto[]): TensorColumns {
  const n = ts.length;
  const c: TensorColumns = {
    name: new Array<string>(n),
    dataType: new Int32Array(n),
    dimStart: new Int32Array(n + 1),
    dims: new Float64Array(ts.reduce((s, t) => s + t.dims.length, 0)),
    kind: new Uint8Array(n),
    offset: new Float64Array(n),
    length: new Float64Array(n),
    odd: [],
  };
  let d = 0;
  for (let k = 0; k < n; k++) {
    const t = ts[k]!;
    c.name[k] = t.name;
    c.dataType[k] = t.dataType;
    for (const x of t.dims) c.dims[d++] = x;
    c.dimStart[k + 1] = d;
    const data = t.data;
    if (data.kind === 'raw' && t.externalData.length === 0) {
      c.offset[k] = data.offset;
      c.length[k] = data.length;
    } else if (data.kind === 'none' && t.externalData.length === 0) c.kind[k] = NONE;
    else {
      c.kind[k] = ODD;
      c.offset[k] = c.odd.length;
      c.odd.push(t);
    }
  }
  return c;
}

export function unpackTensors(c: TensorColumns): TensorProto[] {
  const out = new Array<TensorProto>(c.name.length);
  for (let k = 0; k < out.length; k++) {
    const kind = c.kind[k];
    if (kind === ODD) {
      out[k] = c.odd[c.offset[k]!]!;
      continue;
    }
    const first = c.dimStart[k]!;
    const dims = new Array<number>(c.dimStart[k + 1]! - first);
    for (let i = 0; i < dims.length; i++) dims[i] = c.dims[first + i]!;
    out[k] = {
      name: c.name[k]!,
      dataType: c.dataType[k]!,
      dims,
      data: kind === RAW ? { kind: 'raw', offset: c.offset[k]!, length: c.length[k]! } : { kind: 'none' },
      externalData: [],
      docString: '',
    };
  }
  return out;
}

export interface AttributeColumns {
  /** Ids of the nodes with attributes; node k's are attributes [start[k], start[k + 1]). */
  nodes: Int32Array;
  start: Int32Array;
  name: string[];
  /** ATTR type; ODD_ATTR: odd[scalar], sent whole. */
  type: Uint8Array;
  /** INT's i, FLOAT's f. */
  scalar: Float64Array;
  /** INTS' and FLOATS' values: values[listStart[j] .. listStart[j + 1]). */
  listStart: Int32Array;
  values: Float64Array;
  odd: AttributeProto[];
}

const ODD_ATTR = 255;

const isNumeric = (a: AttributeProto) =>
  (a.type === ATTR.INT || a.type === ATTR.FLOAT || a.type === ATTR.INTS || a.type === ATTR.FLOATS) &&
  a.refAttrName === '';

/** The attributes of nodes [0, count) of `nodes`, those with any. */
export function packAttributes(nodes: readonly { attribute: AttributeProto[] }[], count: number): AttributeColumns {
  const ids: number[] = [];
  let attrs = 0;
  let listed = 0;
  for (let id = 0; id < count; id++) {
    const list = nodes[id]!.attribute;
    if (list.length === 0) continue;
    ids.push(id);
    attrs += list.length;
    for (const a of list) listed += a.type === ATTR.INTS ? (a.ints?.length ?? 0) : (a.floats?.length ?? 0);
  }
  const c: AttributeColumns = {
    nodes: Int32Array.from(ids),
    start: new Int32Array(ids.length + 1),
    name: new Array<string>(attrs),
    type: new Uint8Array(attrs),
    scalar: new Float64Array(attrs),
    listStart: new Int32Array(attrs + 1),
    values: new Float64Array(listed),
    odd: [],
  };
  let j = 0;
  let v = 0;
  ids.forEach((id, k) => {
    for (const a of nodes[id]!.attribute) {
      c.name[j] = a.name;
      if (!isNumeric(a)) {
        c.type[j] = ODD_ATTR;
        c.scalar[j] = c.odd.length;
        c.odd.push(a);
      } else {
        c.type[j] = a.type;
        if (a.type === ATTR.INT) c.scalar[j] = a.i ?? 0;
        else if (a.type === ATTR.FLOAT) c.scalar[j] = a.f ?? 0;
        else for (const x of (a.type === ATTR.INTS ? a.ints : a.floats) ?? []) c.values[v++] = x;
      }
      c.listStart[++j] = v;
    }
    c.start[k + 1] = j;
  });
  return c;
}

/** The one node object every node without attributes shares (most nodes of a large graph). */
const PLAIN_NODE: { attribute: AttributeProto[] } = Object.freeze({ attribute: [] });

/** Every node's attribute list, by node id, for `count` nodes. */
export function unpackAttributes(c: AttributeColumns, count: number): { attribute: AttributeProto[] }[] {
  const out = new Array<{ attribute: AttributeProto[] }>(count).fill(PLAIN_NODE);
  for (let k = 0; k < c.nodes.length; k++) {
    const list: AttributeProto[] = [];
    for (let j = c.start[k]!; j < c.start[k + 1]!; j++) {
      const type = c.type[j]!;
      if (type === ODD_ATTR) {
        list.push(c.odd[c.scalar[j]!]!);
        continue;
      }
      const a: AttributeProto = { name: c.name[j]!, type, refAttrName: '', docString: '' };
      if (type === ATTR.INT) a.i = c.scalar[j]!;
      else if (type === ATTR.FLOAT) a.f = c.scalar[j]!;
      else {
        const xs = Array.from(c.values.subarray(c.listStart[j], c.listStart[j + 1]));
        if (type === ATTR.INTS) a.ints = xs;
        else a.floats = xs;
      }
      list.push(a);
    }
    out[c.nodes[k]!] = { attribute: list };
  }
  return out;
}
