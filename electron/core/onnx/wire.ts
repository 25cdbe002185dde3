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

  /** A varint that fits 32 bits (tags, enums, lengths). Larger values are an error. */
  uint32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      if (shift === 28) {
        if ((b & 0x70) !== 0 && b !== 0xff) {
          // Negative int32 enums are sign-extended to 10 bytes; anything else is out of range.
          throw new WireError(this.pos - 1, 'varint too large for a 32-bit field');
        }
        result += (b & 0x0f) * 2 ** 28;
        if (b < 0x80) return result;
        // Skip the remaining sign-extension bytes of a negative int32.
        for (let i = 0; i < 5; i++) if (this.byte() < 0x80) return result | 0;
        throw new WireError(this.pos, 'varint longer than 10 bytes');
      }
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    throw new WireError(this.pos, 'varint too long');
  }

  /** A 64-bit varint as a JS number (exact to 2^53; int64 fields here are sizes, dims and attributes). */
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
        hi |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
      }
      if (b >= 0x80) throw new WireError(this.pos, 'varint longer than 10 bytes');
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

  /** Reads a length prefix and returns [start, end) of the payload, checked against the message end. */
  span(): [number, number] {
    const at = this.pos;
    const len = this.uint32();
    const start = this.pos;
    if (len < 0 || len > this.end - start) throw new WireError(at, `length ${len} runs past the end of its message (${this.end - start} bytes left)`);
    this.pos = start + len;
    return [start, start + len];
  }

  string(): string {
    const [s, e] = this.span();
    return decodeString(this.buf, s, e);
  }

  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
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

/** Short ASCII strings (nearly every ONNX name) decode faster by hand than through TextDecoder. */
export function decodeString(buf: Uint8Array, start: number, end: number): string {
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if ((buf[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] as number);
      return s;
    }
  }
  return utf8.decode(buf.subarray(start, end));
}

// ---- writing ---------------------------------------------------------------------------------

/** A growable byte sink for encoding. */
export class WireWriter {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(64 * 1024);
  private pos = 0;
  private flushed = 0;

  get length(): number {
    return this.flushed + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.flushed += this.pos;
    this.cur = new Uint8Array(Math.max(64 * 1024, n));
    this.pos = 0;
  }

  varint(value: number): void {
    this.ensure(10);
    if (value < 0) {
      // Two's complement over 64 bits, as int64 fields are encoded.
      let lo = value % 4294967296;
      let hi = Math.floor(value / 4294967296);
      lo = lo >>> 0;
      hi = hi >>> 0;
      for (let i = 0; i < 9; i++) {
        this.cur[this.pos++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      this.cur[this.pos++] = 1;
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.cur[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.cur[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length > 4096) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.flushed += this.pos;
      this.chunks.push(bytes);
      this.flushed += bytes.length;
      this.cur = new Uint8Array(64 * 1024);
      this.pos = 0;
      return;
    }
    this.ensure(bytes.length);
    this.cur.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  float(v: number): void {
    this.ensure(4);
    new DataView(this.cur.buffer, this.cur.byteOffset + this.pos, 4).setFloat32(0, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    new DataView(this.cur.buffer, this.cur.byteOffset + this.pos, 8).setFloat64(0, v, true);
    this.pos += 8;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(this.cur.subarray(0, this.pos), at);
    return out;
  }
}

const encoder = new TextEncoder();
export const encodeString = (s: string): Uint8Array => encoder.encode(s);
