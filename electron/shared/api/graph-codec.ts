/**
 * The graph payload in binary, columnar form: what `model.graph` sends instead of JSON. A 125k-node
 * payload is some 33 MB of JSON that takes longer to stringify, carry and parse than to build; as
 * columns it is one UTF-8 blob per list of names and one typed array per list of ids, which the
 * engine host writes once and the page reads back as typed-array views (the payload's ids are
 * typed arrays on both sides, so nothing is converted) and one text decode per list of names, made
 * when the list is first read.
 *
 * Layout (little-endian, as every platform Kiln runs on): the magic "KGP1", the header's byte
 * length (u32), the header (JSON: the small fields, each column's kind, offset and length), then
 * the columns, each starting on an 8-byte boundary. Names are stored joined, with each one's length
 * in UTF-16 code units, so the reader decodes the blob once and slices it. Tensor types are a table
 * of the distinct types plus one index per tensor (-1: unknown).
 *
 * A list of names may come already encoded (`EncodedNames`, the same lengths and blob the encoder
 * would make): the engine host copies a big graph's tensor names from the file's bytes instead of
 * making a string of each and encoding them again. The payload's own list is then never read.
 */
import type { GraphPayload } from './graph-payload';

type TensorType = GraphPayload['tensorType'][number];

/** A list of names as the encoder writes it: each name's length in UTF-16 code units, and their UTF-8, joined. */
export interface EncodedNames {
  lengths: Uint32Array;
  bytes: Uint8Array;
}

/** The payload's lists of names. */
export type NameColumn = 'nodeName' | 'tensorName' | 'groupName';
type Kind = 'names' | 'i32' | 'f64' | 'types';

/** Which payload fields travel as columns, and how; the rest ride in the header as JSON. */
const COLUMNS: Record<string, Kind> = {
  nodeName: 'names',
  tensorName: 'names',
  groupName: 'names',
  nodeOp: 'i32',
  nodeGroup: 'i32',
  edgeFrom: 'i32',
  edgeTo: 'i32',
  edgeTensor: 'i32',
  groupParent: 'i32',
  nodeInputStart: 'i32',
  nodeInputs: 'i32',
  nodeOutputStart: 'i32',
  nodeOutputs: 'i32',
  tensorKind: 'i32',
  nodeFlops: 'f64',
  nodeParams: 'f64',
  tensorType: 'types',
};

const MAGIC = 0x3150474b; // "KGP1" read as a little-endian u32

interface ColumnHeader {
  kind: Kind;
  /** Byte offset (from the start of the payload) and element count of the main column. */
  at: number;
  count: number;
  /** names: the blob's offset and byte length. types: the distinct types. */
  blobAt?: number;
  blobBytes?: number;
  table?: TensorType[];
}

interface Header {
  json: Record<string, unknown>;
  columns: Record<string, ColumnHeader>;
}

const align8 = (n: number) => (n + 7) & ~7;

/** A key that tells tensor types apart (dims may mix sizes, names and unknowns). */
function typeKey(t: NonNullable<TensorType>): string {
  if (t.dims === null) return `${t.dtype}\u0000-`;
  let key = `${t.dtype}\u0000`;
  for (const d of t.dims) key += d === null ? '\u0001' : typeof d === 'number' ? `\u0002${d}` : `\u0003${d}`;
  return key;
}

export function encodeGraphPayload(
  payload: GraphPayload,
  encoded: Partial<Record<NameColumn, EncodedNames>> = {},
): Uint8Array {
  const encoder = new TextEncoder();
  const json: Record<string, unknown> = {};
  const columns: Record<string, ColumnHeader> = {};
  /** Each column's bytes, in order, with where it goes. */
  const parts: { at: number; bytes: Uint8Array }[] = [];
  let size = 0;
  const place = (bytes: Uint8Array): number => {
    const at = align8(size);
    parts.push({ at, bytes });
    size = at + bytes.byteLength;
    return at;
  };
  const typed = (a: Int32Array | Float64Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

  // keys, not entries: a list given encoded is not read (the host's may be made only when read)
  for (const key of Object.keys(payload)) {
    const kind = COLUMNS[key];
    const given = kind === 'names' ? encoded[key as NameColumn] : undefined;
    if (given) {
      const at = place(typed(given.lengths));
      const blobAt = place(given.bytes);
      columns[key] = { kind: 'names', at, count: given.lengths.length, blobAt, blobBytes: given.bytes.byteLength };
      continue;
    }
    const value = (payload as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (!kind) {
      json[key] = value;
      continue;
    }
    if (kind === 'names') {
      const names = value as string[];
      const lengths = new Uint32Array(names.length);
      for (let i = 0; i < names.length; i++) lengths[i] = names[i]!.length;
      const blob = encoder.encode(names.join(''));
      const at = place(typed(lengths));
      columns[key] = { kind, at, count: names.length, blobAt: place(blob), blobBytes: blob.byteLength };
    } else if (kind === 'i32' || kind === 'f64') {
      const column = value as Int32Array | Float64Array;
      columns[key] = { kind, at: place(typed(column)), count: column.length };
    } else {
      const types = value as TensorType[];
      const table: TensorType[] = [];
      const seen = new Map<string, number>();
      // a type object met before needs no key made (the engine host shares one per type and shape)
      const byObject = new Map<object, number>();
      const index = new Int32Array(types.length);
      for (let i = 0; i < types.length; i++) {
        const t = types[i];
        if (!t) {
          index[i] = -1;
          continue;
        }
        let id = byObject.get(t);
        if (id === undefined) {
          const k = typeKey(t);
          id = seen.get(k);
          if (id === undefined) {
            id = table.push(t) - 1;
            seen.set(k, id);
          }
          byObject.set(t, id);
        }
        index[i] = id;
      }
      columns[key] = { kind, at: place(typed(index)), count: types.length, table };
    }
  }

  const header = encoder.encode(JSON.stringify({ json, columns } satisfies Header));
  const start = align8(8 + header.byteLength);
  const out = new Uint8Array(start + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.byteLength, true);
  out.set(header, 8);
  for (const p of parts) out.set(p.bytes, start + p.at);
  return out;
}

/**
 * Where an object keeps the makers of its lazy fields (`lazily`): a non-enumerable data property of
 * its own, so that a copy of its descriptors, a proxy of it or an object made from it as prototype
 * finds them too, and nothing enumerates, spreads, clones or serialises them.
 */
const MAKERS = Symbol('kiln.lazily');
type WithMakers = { [MAKERS]?: Record<string, () => unknown> };

/** One accessor per field name, shared by every object (see `lazily`). */
const lazyAccessors = new Map<string, PropertyDescriptor>();

function lazyAccessor(key: string): PropertyDescriptor {
  let accessor = lazyAccessors.get(key);
  if (!accessor) {
    const settle = (self: object, value: unknown) =>
      Object.defineProperty(self, key, { value, writable: true, enumerable: true, configurable: true });
    accessor = {
      enumerable: true,
      configurable: true,
      get(this: WithMakers) {
        const make = this[MAKERS]?.[key];
        if (!make) throw new Error(`${key} is read through an object that lazily() did not set up`);
        const value = make();
        settle(this, value);
        return value;
      },
      set(this: object, value: unknown) {
        settle(this, value);
      },
    };
    lazyAccessors.set(key, accessor);
  }
  return accessor;
}

/**
 * `out[key]` made by `make` the first time it is read (then an ordinary property): a 125k-node
 * graph's node and tensor names are some 290k strings that its first view never shows, decoded
 * (or, in the engine host, made from the file's bytes) only once something reads them.
 *
 * The accessor finds its object through `this`, and the maker in a data property of the object,
 * never through a closure: V8 keeps an object's accessor functions in its hidden class, and keeps
 * hidden classes alive for several collections after their objects die, so a getter made per
 * object would hold the object (a whole graph payload) that long after the last reference to it.
 */
export function lazily<T extends object>(out: T, key: keyof T & string, make: () => unknown): void {
  const holder = out as WithMakers;
  if (!Object.prototype.hasOwnProperty.call(holder, MAKERS))
    Object.defineProperty(holder, MAKERS, { value: {}, enumerable: false, writable: false, configurable: true });
  holder[MAKERS]![key] = make;
  Object.defineProperty(out, key, lazyAccessor(key));
}

export function decodeGraphPayload(bytes: Uint8Array): GraphPayload {
  // Typed-array views need their alignment: a payload read at an odd offset is copied once (into a
  // new Uint8Array: a Node Buffer's slice() would share the memory).
  const data = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 8 || view.getUint32(0, true) !== MAGIC)
    throw new Error('not a graph payload (bad magic: wrong format or byte order)');
  const headerBytes = view.getUint32(4, true);
  if (8 + headerBytes > data.byteLength) throw new Error('graph payload cut short (header)');
  const decoder = new TextDecoder();
  const header = JSON.parse(decoder.decode(data.subarray(8, 8 + headerBytes))) as Header;
  const start = data.byteOffset + align8(8 + headerBytes);
  const end = data.byteOffset + data.byteLength;
  const within = (at: number, bytesLong: number) => {
    if (start + at + bytesLong > end) throw new Error('graph payload cut short (a column runs past its end)');
    return start + at;
  };
  const out: Record<string, unknown> = { ...header.json };
  for (const [key, c] of Object.entries(header.columns)) {
    if (c.kind === 'names') {
      const lengths = new Uint32Array(data.buffer, within(c.at, c.count * 4), c.count);
      const blob = new Uint8Array(data.buffer, within(c.blobAt ?? 0, c.blobBytes ?? 0), c.blobBytes ?? 0);
      const names = () => {
        const text = decoder.decode(blob);
        const list = new Array<string>(c.count);
        let pos = 0;
        for (let i = 0; i < c.count; i++) {
          const next = pos + lengths[i]!;
          list[i] = text.slice(pos, next);
          pos = next;
        }
        return list;
      };
      lazily(out, key, names);
    } else if (c.kind === 'i32') {
      out[key] = new Int32Array(data.buffer, within(c.at, c.count * 4), c.count);
    } else if (c.kind === 'f64') {
      out[key] = new Float64Array(data.buffer, within(c.at, c.count * 8), c.count);
    } else {
      const table = c.table ?? [];
      const index = new Int32Array(data.buffer, within(c.at, c.count * 4), c.count);
      const types = new Array<TensorType>(c.count);
      for (let i = 0; i < c.count; i++) types[i] = table[index[i]!] ?? null;
      out[key] = types;
    }
  }
  return out as GraphPayload;
}
