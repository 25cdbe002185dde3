/**
 * A bounds-checked protobuf wire-format reader. Every read checks the end of the current message,
 * so a truncated or corrupted file fails with the byte offset where it went wrong instead of
 * reading garbage, looping, or allocating a length it was lied to about.
 */

export class WireError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`protobuf decode failed at byte ${offset}: ${reason}`);
  }
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new WireError(this.pos, 'unexpected end of message (truncated file?)');
    return this.buf[this.pos++] as number;
  }

  /**
   * A varint that fits 32 bits (tags, enums, lengths). Larger values are an error, never truncated;
   * a negative int32 (an enum) is sign-extended to 10 bytes and read back as negative.
   */
  uint32(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    const at = this.pos;
    const b = this.byte();
    result += (b & 0x0f) * 2 ** 28;
    if (b < 0x10) return result;
    // Bits 32–63 must all be clear (a zero-padded varint) or all set with bit 31 (a negative int32
    // sign-extended to 10 bytes); anything else does not fit 32 bits.
    let zeros = (b & 0x70) === 0;
    let ones = (b & 0x78) === 0x78;
    let more = b >= 0x80;
    let n = 5;
    for (; more && n < 10; n++) {
      const c = this.byte();
      if (n === 9 && c > 1) {
        throw new WireError(this.pos - 1, c >= 0x80 ? 'varint longer than 10 bytes' : 'varint overflows 64 bits');
      }
      more = c >= 0x80;
      const bits = c & 0x7f;
      if (bits !== 0) zeros = false;
      if (bits !== (n === 9 ? 1 : 0x7f)) ones = false;
    }
    if (zeros) return result;
    if (ones && n === 10) return result | 0;
    throw new WireError(at, 'varint too large for a 32-bit field');
  }

  /**
   * A 64-bit varint as a JS number: exact to 2^53, the nearest double beyond (INT64_MAX, a common
   * "to the end" sentinel, reads as 2^63). Callers that need exact values (dims) refuse unsafe ones.
   * Longer than 10 bytes, or bits past 64, is an error.
   */
  int64(): number {
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 4; i++) {
      b = this.byte();
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return lo >>> 0;
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let shift = 3;
      for (i = 0; i < 5; i++) {
        b = this.byte();
        if (shift === 31 && b > 1) {
          throw new WireError(this.pos - 1, b >= 0x80 ? 'varint longer than 10 bytes' : 'varint overflows 64 bits');
        }
        hi |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
      }
    }
    lo >>>= 0;
    hi >>>= 0;
    if (hi & 0x80000000) {
      lo = (~lo + 1) >>> 0;
      hi = ~hi >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
      return -(hi * 4294967296 + lo);
    }
    return hi * 4294967296 + lo;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new WireError(this.pos, 'unexpected end of message in a float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError(this.pos, 'unexpected end of message in a double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** End of the payload the last span() call returned. */
  spanEnd = 0;

  /**
   * Reads a length prefix and returns where the payload starts (its end in `spanEnd`), checked to
   * be non-negative (a negative length would send the reader backwards onto its own tag) and within
   * the message.
   */
  span(): number {
    const at = this.pos;
    const len = this.uint32();
    const start = this.pos;
    if (len < 0) throw new WireError(at, `length ${len} is negative`);
    if (len > this.end - start)
      throw new WireError(at, `length ${len} runs past the end of its message (${this.end - start} bytes left)`);
    this.pos = this.spanEnd = start + len;
    return start;
  }

  string(): string {
    const s = this.span();
    return decodeString(this.buf, s, this.spanEnd);
  }

  bytes(): Uint8Array {
    const s = this.span();
    return this.buf.subarray(s, this.spanEnd);
  }

  /** Skips a field of the given wire type; groups (deprecated) are refused. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) throw new WireError(this.pos, 'unexpected end of message');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.end) throw new WireError(this.pos, 'unexpected end of message');
        this.pos += 4;
        return;
      default:
        throw new WireError(this.pos, `invalid wire type ${wire}`);
    }
  }
}

/**
 * Decodes UTF-8. Nearly every ONNX string is a short ASCII name: those are built with one
 * String.fromCharCode call (flat strings; `+=` per character would build rope nodes that cost ~30
 * bytes per character on 125k-node graphs); the rest go through Buffer's or TextDecoder's UTF-8.
 */
export function decodeString(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n <= 128) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if ((buf[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      if (Buffer.isBuffer(buf)) return buf.toString('latin1', start, end);
      return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
    }
  }
  if (Buffer.isBuffer(buf)) return buf.toString('utf8', start, end);
  return utf8.decode(buf.subarray(start, end));
}

/**
 * Interns the strings of one buffer: every tensor name appears two or three times in a graph (as a
 * node output, node inputs, value_info) and op types thousands of times, so decoding each once
 * and sharing the string saves most of the allocation on large graphs.
 */
/** Murmur3's finaliser: FNV's low bits alone cluster badly in an open-addressing table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class StringTable {
  private readonly view: Buffer;
  private mask = 4095;
  /** Open-addressing slots holding entry index + 1 (0 = empty). */
  private slots = new Int32Array(4096);
  /** Per entry (typed, grown by doubling): where its bytes are, their length, their hash. */
  private starts = new Int32Array(2048);
  private lens = new Int32Array(2048);
  private hashes = new Int32Array(2048);
  /** Per entry: 1 when its bytes are all ASCII (its UTF-8 is its text, byte for byte). */
  private ascii = new Uint8Array(2048);
  /**
   * Every distinct string, by id. An entry interned by `idOf` has no string until `value` makes it:
   * a table filled by `get` alone is complete; one that `idOf` filled is read through `value`.
   */
  readonly values: string[] = [];
  /** Id of the string the last get() returned; -1 for '' and strings too long to intern. */
  lastId = -1;

  private readonly dv: DataView;

  constructor(readonly buf: Uint8Array) {
    this.view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get(start: number, end: number): string {
    const n = end - start;
    this.lastId = -1;
    if (n === 0) return '';
    if (n > 1024) return decodeString(this.view, start, end);
    const e = this.intern(start, end, true);
    this.lastId = e;
    return this.values[e] ?? this.value(e);
  }

  /**
   * The id of bytes [start, end), interned as get() interns them, without making their string: a
   * big graph's 165k tensor names are only copied on as bytes (graph-scan.ts), and making a string
   * of each was a fifth of the scan. -1 for '', -2 for a name over 1,024 bytes (never interned).
   */
  idOf(start: number, end: number): number {
    const n = end - start;
    if (n === 0) return -1;
    if (n > 1024) return -2;
    return this.intern(start, end, false);
  }

  /** Entries interned so far (ids 0 .. size - 1). */
  get size(): number {
    return this.values.length;
  }

  /** The string of an interned id, made the first time it is asked for. */
  value(id: number): string {
    let str = this.values[id];
    if (str === undefined) {
      const start = this.starts[id]!;
      const end = start + this.lens[id]!;
      str = this.ascii[id] ? this.view.toString('latin1', start, end) : this.view.toString('utf8', start, end);
      this.values[id] = str;
    }
    return str;
  }

  /** How many bytes an id has. */
  byteLength(id: number): number {
    return this.lens[id]!;
  }

  /** Whether an id's bytes are all ASCII (its UTF-8 is its text, byte for byte). */
  isAscii(id: number): boolean {
    return this.ascii[id] === 1;
  }

  /** Copies an id's bytes into `target` at `at` (names are short: a loop beats a native call each). */
  copyBytes(id: number, target: Uint8Array, at: number): void {
    const start = this.starts[id]!;
    const n = this.lens[id]!;
    const buf = this.view;
    for (let i = 0; i < n; i++) target[at + i] = buf[start + i]!;
  }

  /** The entry of bytes [start, end) (1 to 1,024 of them), added if new; its string made now when `make`. */
  private intern(start: number, end: number, make: boolean): number {
    const n = end - start;
    const buf = this.view;
    const dv = this.dv;
    // Hash four bytes at a time (names are long and share prefixes); OR-ing them finds non-ASCII.
    let h = 0x811c9dc5 ^ n;
    let ascii = 0;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const w = dv.getInt32(i, true);
      ascii |= w;
      h = Math.imul(h ^ w, 0x01000193);
    }
    for (; i < end; i++) {
      const b = buf[i] as number;
      ascii |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    h = mix(h);
    let slot = h & this.mask;
    for (;;) {
      const e = (this.slots[slot] as number) - 1;
      if (e < 0) break;
      if (this.hashes[e] === h && this.lens[e] === n && this.same(this.starts[e] as number, start, n)) return e;
      slot = (slot + 1) & this.mask;
    }
    const isAscii = (ascii & 0x80808080) === 0;
    const e = this.values.length;
    this.slots[slot] = e + 1;
    if (e === this.starts.length) {
      const grown = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grown(this.starts);
      this.lens = grown(this.lens);
      this.hashes = grown(this.hashes);
      const flags = new Uint8Array(this.ascii.length * 2);
      flags.set(this.ascii);
      this.ascii = flags;
    }
    this.starts[e] = start;
    this.lens[e] = n;
    this.hashes[e] = h;
    this.ascii[e] = isAscii ? 1 : 0;
    if (make) this.values.push(isAscii ? buf.toString('latin1', start, end) : buf.toString('utf8', start, end));
    else (this.values as (string | undefined)[]).push(undefined); // made by value() when asked for
    if (this.values.length * 2 > this.mask) this.grow();
    return e;
  }

  private same(a: number, b: number, n: number): boolean {
    const dv = this.dv;
    let i = 0;
    for (; i + 4 <= n; i += 4) if (dv.getInt32(a + i, true) !== dv.getInt32(b + i, true)) return false;
    for (; i < n; i++) if (this.view[a + i] !== this.view[b + i]) return false;
    return true;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    for (let e = 0; e < this.values.length; e++) {
      let slot = (this.hashes[e] as number) & this.mask;
      while ((this.slots[slot] as number) !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = e + 1;
    }
  }
}

// ---- writing ---------------------------------------------------------------------------------

/**
 * int64 fields hold −2^63 … 2^63 − 1. The reader returns INT64_MAX (a common "to the end" value) as
 * the nearest double, 2^63, which as a plain varint would set bit 63 and read back as INT64_MIN: a
 * double at or past either end is written as that end.
 */
const TWO_63 = 2 ** 63;
const INT64_MAX_VARINT = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);

/** Bytes a varint of this value takes (negative values are 64-bit two's complement: 10 bytes). */
export function varintSize(value: number): number {
  if (value < 0) return 10;
  if (value >= TWO_63) return 9;
  let n = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/**
 * Where an encoder writes: a size counter or a byte sink, so one encode function per message serves
 * both passes. A nested message's length is counted once (memoised per message object) and then
 * written, so encoding is linear in the output size.
 */
export interface WireOut {
  varint(value: number): void;
  tag(field: number, wire: number): void;
  /** Appends bytes verbatim (large ones by reference, never copied until the file is written). */
  raw(bytes: Uint8Array): void;
  /** A length-delimited field holding `bytes[start, end)`, copied without a view made of them. */
  rangeField(field: number, bytes: Uint8Array, start: number, end: number): void;
  float(v: number): void;
  double(v: number): void;
  /** A length-delimited field holding the message `key` as `encode` writes it. */
  message<T extends object>(field: number, key: T, encode: (m: T, out: WireOut) => void): void;
  /** A length-delimited field holding these bytes. */
  bytesField(field: number, bytes: Uint8Array): void;
  stringField(field: number, s: string): void;
}

const encoder = new TextEncoder();
export const encodeString = (s: string): Uint8Array => encoder.encode(s);

/** UTF-8 length without allocating (strings are counted once and written once). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

class SizeCounter implements WireOut {
  n = 0;
  constructor(private readonly sizes: SizeMemo) {}
  varint(value: number): void {
    this.n += varintSize(value);
  }
  tag(field: number, wire: number): void {
    this.n += varintSize(field * 8 + wire);
  }
  raw(bytes: Uint8Array): void {
    this.n += bytes.length;
  }
  float(): void {
    this.n += 4;
  }
  double(): void {
    this.n += 8;
  }
  message<T extends object>(field: number, key: T, encode: (m: T, out: WireOut) => void): void {
    const len = messageSize(this.sizes, key, encode);
    this.n += varintSize(field * 8 + 2) + varintSize(len) + len;
  }
  bytesField(field: number, bytes: Uint8Array): void {
    this.n += varintSize(field * 8 + 2) + varintSize(bytes.length) + bytes.length;
  }
  rangeField(field: number, _bytes: Uint8Array, start: number, end: number): void {
    this.n += varintSize(field * 8 + 2) + varintSize(end - start) + end - start;
  }
  stringField(field: number, s: string): void {
    const len = utf8Length(s);
    this.n += varintSize(field * 8 + 2) + varintSize(len) + len;
  }
}

/** Sizes memoised per (encode function, message object): one object can be encoded two ways. */
type SizeMemo = Map<unknown, WeakMap<object, number>>;

function messageSize<T extends object>(sizes: SizeMemo, key: T, encode: (m: T, out: WireOut) => void): number {
  let byKey = sizes.get(encode);
  if (!byKey) sizes.set(encode, (byKey = new WeakMap()));
  const known = byKey.get(key);
  if (known !== undefined) return known;
  const c = new SizeCounter(sizes);
  encode(key, c);
  byKey.set(key, c.n);
  return c.n;
}

/** The byte sink: small writes go to a 1 MiB block, large byte runs are kept by reference. */
export class WireWriter implements WireOut {
  readonly chunks: Uint8Array[] = [];
  private cur = new Uint8Array(1 << 20);
  private pos = 0;
  private flushed = 0;
  private readonly sizes: SizeMemo = new Map();
  private readonly view = new DataView(new ArrayBuffer(8));

  get length(): number {
    return this.flushed + this.pos;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.flushed += this.pos;
    this.cur = new Uint8Array(1 << 20);
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n > this.cur.length) this.flush();
  }

  varint(value: number): void {
    this.ensure(10);
    const cur = this.cur;
    if (value >= TWO_63) {
      cur.set(INT64_MAX_VARINT, this.pos);
      this.pos += INT64_MAX_VARINT.length;
      return;
    }
    if (value < 0) {
      if (value < -TWO_63) value = -TWO_63;
      // Two's complement over 64 bits, as int64 fields are encoded.
      let lo = value % 4294967296;
      let hi = Math.floor(value / 4294967296);
      lo = lo >>> 0;
      hi = hi >>> 0;
      for (let i = 0; i < 9; i++) {
        cur[this.pos++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      cur[this.pos++] = 1;
      return;
    }
    let v = value;
    while (v >= 0x80) {
      cur[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    cur[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length > 64 * 1024) {
      this.flush();
      this.chunks.push(bytes);
      this.flushed += bytes.length;
      return;
    }
    this.ensure(bytes.length);
    this.cur.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  float(v: number): void {
    this.view.setFloat32(0, v, true);
    this.raw(new Uint8Array(this.view.buffer, 0, 4));
  }

  double(v: number): void {
    this.view.setFloat64(0, v, true);
    this.raw(new Uint8Array(this.view.buffer, 0, 8));
  }

  message<T extends object>(field: number, key: T, encode: (m: T, out: WireOut) => void): void {
    this.tag(field, 2);
    this.varint(messageSize(this.sizes, key, encode));
    encode(key, this);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  rangeField(field: number, bytes: Uint8Array, start: number, end: number): void {
    this.tag(field, 2);
    const n = end - start;
    this.varint(n);
    if (n > 256) return this.raw(bytes.subarray(start, end));
    // A node's worth of bytes: a loop costs less than the view `subarray` would make.
    this.ensure(n);
    const cur = this.cur;
    let at = this.pos;
    for (let i = start; i < end; i++) cur[at++] = bytes[i] as number;
    this.pos = at;
  }

  stringField(field: number, s: string): void {
    this.tag(field, 2);
    if (s.length < 128) {
      let ascii = true;
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) ascii = false;
      if (ascii) {
        this.varint(s.length);
        this.ensure(s.length);
        for (let i = 0; i < s.length; i++) this.cur[this.pos++] = s.charCodeAt(i);
        return;
      }
    }
    const b = encoder.encode(s);
    this.varint(b.length);
    this.raw(b);
  }

  /** All chunks in order (the last block included); write them one by one to avoid a giant copy. */
  finishChunks(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  /** One contiguous buffer (for models well under 2 GiB). */
  finish(): Uint8Array {
    const chunks = this.finishChunks();
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    const out = new Uint8Array(this.flushed);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
