/**
 * Protobuf wire-format trees, for structure-aware fuzzing: a message's bytes parsed into fields
 * (length-delimited payloads that parse as messages become subtrees), one length prefix or varint
 * rewritten, and the bytes written back with every enclosing length recomputed — so exactly one
 * number in the file lies, the way a hostile file lies, instead of the random damage byte flips do.
 * Independent of Kiln's reader: what is being tested must not also parse the test's input.
 */

export type WireField =
  /** A varint (wire 0): `value` as an unsigned 64-bit number. */
  | { kind: 'varint'; tag: number; value: bigint }
  /** A fixed 32- or 64-bit field (wire 5 or 1): its bytes. */
  | { kind: 'fixed'; tag: number; bytes: Uint8Array }
  /** A length-delimited field (wire 2): a submessage when its payload parses as one, else bytes. */
  | { kind: 'len'; tag: number; bytes: Uint8Array; children: WireField[] | null };

/** Rewrites of one field's number, as bytes written in place of the canonical varint. */
export type VarintRewrite = (canonical: bigint) => Uint8Array;

/** Canonical varint of an unsigned 64-bit value. */
export function varintBytes(value: bigint): Uint8Array {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** `value`'s varint padded with continuation bytes to `size` bytes (valid protobuf up to 10; 11+ is not). */
export function paddedVarint(value: bigint, size: number): Uint8Array {
  const b = Array.from(varintBytes(value));
  while (b.length < size) {
    b[b.length - 1]! |= 0x80;
    b.push(0);
  }
  return Uint8Array.from(b);
}

function readVarint(buf: Uint8Array, at: number, end: number): [bigint, number] | null {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (at >= end) return null;
    const b = buf[at++]!;
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return [BigInt.asUintN(64, v), at];
  }
  return null;
}

/** Parses [start, end) as a message; null when it is not one (then a payload is kept as bytes). */
export function parseWire(buf: Uint8Array, start = 0, end = buf.length, depth = 0): WireField[] | null {
  const out: WireField[] = [];
  let at = start;
  while (at < end) {
    const t = readVarint(buf, at, end);
    if (!t || t[0] === 0n || t[0] > 0xffffffffn) return null;
    const tag = Number(t[0]);
    at = t[1];
    const wire = tag & 7;
    if (wire === 0) {
      const v = readVarint(buf, at, end);
      if (!v) return null;
      out.push({ kind: 'varint', tag, value: v[0] });
      at = v[1];
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > end) return null;
      out.push({ kind: 'fixed', tag, bytes: buf.slice(at, at + n) });
      at += n;
    } else if (wire === 2) {
      const l = readVarint(buf, at, end);
      if (!l || l[0] > BigInt(end - l[1])) return null;
      const s = l[1];
      const e = s + Number(l[0]);
      const children = depth < 64 && e > s ? parseWire(buf, s, e, depth + 1) : null;
      out.push({ kind: 'len', tag, bytes: buf.slice(s, e), children });
      at = e;
    } else return null;
  }
  return out;
}

/** Every field of the tree, depth first, with the path of indices that reaches it. */
export function allFields(tree: WireField[], path: number[] = []): { field: WireField; path: number[] }[] {
  const out: { field: WireField; path: number[] }[] = [];
  tree.forEach((f, i) => {
    out.push({ field: f, path: [...path, i] });
    if (f.kind === 'len' && f.children) out.push(...allFields(f.children, [...path, i]));
  });
  return out;
}

/**
 * Writes the tree back. At `target` (a path from allFields), the field's length prefix (len) or
 * value (varint) is written as `rewrite` returns instead of canonically; every other length is right.
 */
export function writeWire(tree: WireField[], target: number[] = [], rewrite?: VarintRewrite): Uint8Array {
  const parts: Uint8Array[] = [];
  tree.forEach((f, i) => {
    const here = target.length === 1 && target[0] === i;
    const below = target.length > 1 && target[0] === i ? target.slice(1) : [];
    parts.push(varintBytes(BigInt(f.tag)));
    if (f.kind === 'varint') parts.push(here && rewrite ? rewrite(f.value) : varintBytes(f.value));
    else if (f.kind === 'fixed') parts.push(f.bytes);
    else {
      const body = f.children ? writeWire(f.children, below, rewrite) : f.bytes;
      const len = BigInt(body.length);
      parts.push(here && rewrite ? rewrite(len) : varintBytes(len), body);
    }
  });
  return Buffer.concat(parts);
}
