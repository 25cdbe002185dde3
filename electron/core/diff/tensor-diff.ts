/**
 * How far one weight moved between two models: the largest absolute difference and the cosine of
 * the two as vectors. Bytes are compared first (most weights of two versions are the same bytes,
 * and then nothing is decoded); values are read in chunks of a million elements, from the model
 * file in memory or from external data on disk, so a weight of any size costs a few MiB. A weight
 * stored in FP16 on one side and FP32 on the other is compared by value, which is what a
 * precision variant's rounding looks like.
 */
import { DataType, onnxDtypeBits } from '../onnx/dtypes';
import { readFileRange } from '../onnx/file-range';
import { elementCount, type TensorProto } from '../onnx/model';
import { decodeElements, tensorStrings, tensorValues, type TensorSource } from '../onnx/values';

/** Elements per chunk (even: 4-bit types pack two to a byte). */
const CHUNK = 1 << 20;

export interface TensorDelta {
  equal: boolean;
  /** null when the two cannot be compared element by element (counts differ, strings, unreadable). */
  maxAbsDiff: number | null;
  cosine: number | null;
}

/** Reads elements [first, first + n) of a tensor as doubles, in chunks that never hold the whole tensor. */
type ElementReader = (first: number, n: number, out: Float64Array) => void;

function elementReader(t: TensorProto, src: TensorSource): ElementReader | null {
  const bits = onnxDtypeBits(t.dataType);
  if (bits === 0 || t.dataType === DataType.COMPLEX64 || t.dataType === DataType.COMPLEX128) return null;
  const d = t.data;
  if (d.kind === 'raw' || d.kind === 'external') {
    const file = d.kind === 'external' ? d.path : src.path;
    return (first, n, out) => {
      const offset = d.offset + (first * bits) / 8;
      const length = Math.ceil((n * bits) / 8);
      const bytes =
        d.kind === 'raw' && src.bytes
          ? src.bytes.subarray(offset, offset + length)
          : readFileRange(file, offset, length, `tensor ${t.name}`);
      decodeElements(t.dataType, bytes, out, n);
    };
  }
  // Typed fields and in-memory bytes: small enough to decode whole (tensorValues bounds it).
  let whole: Float64Array | null = null;
  return (first, n, out) => {
    whole ??= tensorValues(t, src);
    out.set(whole.subarray(first, first + n));
  };
}

/**
 * Bytes of a tensor when they are at hand without a read (raw data in the model file in memory, or
 * bytes made in memory); null otherwise, and for raw data outside the file (compared by value, which
 * says it cannot be read). Runs for every weight of both models: no name text made, no copy.
 */
function bytesAtHand(t: TensorProto, src: TensorSource): Uint8Array | null {
  const d = t.data;
  if (d.kind === 'bytes') return d.bytes;
  if (d.kind === 'raw' && src.bytes && d.offset + d.length <= src.bytes.length)
    return src.bytes.subarray(d.offset, d.offset + d.length);
  return null;
}

const asBuffer = (x: Uint8Array) => (Buffer.isBuffer(x) ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength));
const sameBytes = (x: Uint8Array, y: Uint8Array) => x.length === y.length && asBuffer(x).equals(y);

const sameDims = (a: TensorProto, b: TensorProto) =>
  a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i]);

/** The raw data of two tensors in their model files in memory, compared where it lies (null: not both at hand). */
function sameRawInPlace(a: TensorProto, srcA: TensorSource, b: TensorProto, srcB: TensorSource): boolean | null {
  const p = a.data;
  const q = b.data;
  const x = srcA.bytes;
  const y = srcB.bytes;
  if (p.kind !== 'raw' || q.kind !== 'raw' || !Buffer.isBuffer(x) || !y) return null;
  if (p.offset + p.length > x.length || q.offset + q.length > y.length) return null;
  return p.length === q.length && x.compare(y, q.offset, q.offset + q.length, p.offset, p.offset + p.length) === 0;
}

/** Compares two weights: same type, dims and bytes is equal without decoding; else by value, in chunks. */
export function tensorDelta(a: TensorProto, srcA: TensorSource, b: TensorProto, srcB: TensorSource): TensorDelta {
  const sameType = a.dataType === b.dataType && sameDims(a, b);
  if (sameType) {
    // Most weights of two versions are the same bytes, in both files: compared in place, no views made.
    const inPlace = sameRawInPlace(a, srcA, b, srcB);
    if (inPlace === true) return { equal: true, maxAbsDiff: 0, cosine: null };
    if (inPlace === null) {
      const x = bytesAtHand(a, srcA);
      const y = bytesAtHand(b, srcB);
      if (x && y && sameBytes(x, y)) return { equal: true, maxAbsDiff: 0, cosine: null };
    }
  }
  if (a.dataType === DataType.STRING || b.dataType === DataType.STRING) {
    if (!sameType || a.dataType !== b.dataType) return { equal: false, maxAbsDiff: null, cosine: null };
    try {
      const sa = tensorStrings(a, srcA);
      const sb = tensorStrings(b, srcB);
      const equal = sa.length === sb.length && sa.every((s, i) => sameBytes(s, sb[i]!));
      return { equal, maxAbsDiff: null, cosine: null };
    } catch {
      return { equal: false, maxAbsDiff: null, cosine: null };
    }
  }
  const count = elementCount(a.dims);
  const ra = elementReader(a, srcA);
  const rb = elementReader(b, srcB);
  if (!ra || !rb || count !== elementCount(b.dims) || !Number.isSafeInteger(count))
    return { equal: false, maxAbsDiff: null, cosine: null };
  const xa = new Float64Array(Math.min(CHUNK, Math.max(count, 1)));
  const xb = new Float64Array(xa.length);
  let max = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  let nanMismatch = false;
  try {
    for (let first = 0; first < count; first += CHUNK) {
      const n = Math.min(CHUNK, count - first);
      ra(first, n, xa);
      rb(first, n, xb);
      for (let i = 0; i < n; i++) {
        const u = xa[i] as number;
        const v = xb[i] as number;
        if (Number.isNaN(u) || Number.isNaN(v)) {
          if (Number.isNaN(u) !== Number.isNaN(v)) nanMismatch = true;
          continue;
        }
        const d = Math.abs(u - v);
        if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Infinity : d;
        dot += u * v;
        na += u * u;
        nb += v * v;
      }
    }
  } catch {
    return { equal: false, maxAbsDiff: null, cosine: null };
  }
  const cosine = na > 0 && nb > 0 ? Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb))) : null;
  const equal = sameType && max === 0 && !nanMismatch;
  return { equal, maxAbsDiff: nanMismatch || !Number.isFinite(max) ? null : max, cosine };
}
