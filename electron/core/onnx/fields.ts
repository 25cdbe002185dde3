/**
 * Readers for the field shapes every message decoder meets: a singular field present with its
 * default, a wire-type check, an unknown field kept verbatim, repeated int64s and floats (packed or
 * one per tag) and tensor dims. Repeated values are counted against the decode's budget before they
 * are decoded, and dims against the rank limit, so a packed field cannot ask for more than it should.
 */
import { DecodeBudget, MAX_RANK, ModelLimitError } from './limits';
import { WIRE_I32, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire';

/** Records a singular field present with its default value ('' or 0), so it is written back. */
export function present<T extends string | number>(m: { empty?: number[] }, field: number, v: T): T {
  if (v === '' || v === 0) (m.empty ??= []).push(field);
  return v;
}

/** Skips a field Kiln does not know and keeps its bytes (tag included) for writing back. */
export function keepUnknown(
  target: { unknown?: Uint8Array[] },
  r: WireReader,
  wire: number,
  tagStart: number,
  budget: DecodeBudget,
): void {
  r.skip(wire);
  budget.message();
  (target.unknown ??= []).push(r.buf.subarray(tagStart, r.pos));
}

export function expect(r: WireReader, wire: number, want: number, what: string): void {
  if (wire !== want) throw new WireError(r.pos, `field ${what} has wire type ${wire}, expected ${want}`);
}

/** Varints in [s, e): one per byte without the continuation bit (a cut-off last one is found when read). */
function countVarints(buf: Uint8Array, s: number, e: number): number {
  let count = 0;
  for (let i = s; i < e; i++) if ((buf[i] as number) < 0x80) count++;
  return count;
}

/** Repeated int64: packed (one length-delimited run) or one varint per tag. */
export function readInt64s(r: WireReader, wire: number, into: number[], budget: DecodeBudget): void {
  if (wire === WIRE_LEN) {
    const s = r.span();
    const e = r.spanEnd;
    budget.repeated(countVarints(r.buf, s, e));
    const sub = new WireReader(r.buf, s, e);
    while (!sub.done) into.push(sub.int64());
  } else if (wire === WIRE_VARINT) {
    budget.repeated(1);
    into.push(r.int64());
  } else throw new WireError(r.pos, `repeated int64 field has wire type ${wire}`);
}

export function readFloats(r: WireReader, wire: number, into: number[], budget: DecodeBudget): void {
  if (wire === WIRE_LEN) {
    const s = r.span();
    const e = r.spanEnd;
    if ((e - s) % 4 !== 0) throw new WireError(s, 'packed float field length is not a multiple of 4');
    budget.repeated((e - s) / 4);
    const sub = new WireReader(r.buf, s, e);
    while (!sub.done) into.push(sub.float());
  } else if (wire === WIRE_I32) {
    budget.repeated(1);
    into.push(r.float());
  } else throw new WireError(r.pos, `repeated float field has wire type ${wire}`);
}

export const tooManyDims = (what: string) =>
  new ModelLimitError(`${what} has more than ${MAX_RANK} dimensions; Kiln reads at most ${MAX_RANK}`);

/** A dimension: an int64 that must be exact (beyond 2^53 a double cannot hold it). */
export function readDim(r: WireReader): number {
  const at = r.pos;
  const v = r.int64();
  if (!Number.isSafeInteger(v)) throw new WireError(at, `dimension ${v} is beyond 2^53`);
  return v;
}

/** Repeated int64 dims (TensorProto.dims, SparseTensorProto.dims): counted before they are decoded, at most MAX_RANK. */
export function readDims(r: WireReader, wire: number, into: number[], what: string): void {
  if (wire === WIRE_LEN) {
    const s = r.span();
    const e = r.spanEnd;
    if (into.length + countVarints(r.buf, s, e) > MAX_RANK) throw tooManyDims(what);
    const sub = new WireReader(r.buf, s, e);
    while (!sub.done) into.push(readDim(sub));
  } else if (wire === WIRE_VARINT) {
    if (into.length >= MAX_RANK) throw tooManyDims(what);
    into.push(readDim(r));
  } else throw new WireError(r.pos, `repeated int64 field has wire type ${wire}`);
}
