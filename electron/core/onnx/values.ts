/**
 * Reading a tensor's values when something needs them (the inspector's statistics, constant
 * folding in shape inference, precision rewrites). Decoding leaves weights where they are — raw
 * or typed fields of the model file, or an external data file — and only these functions read them,
 * in bounded chunks, so a 3 GiB weight file is never loaded whole.
 */
import { KilnError } from '../../shared/api/errors';
import type { TensorProto } from './model';
import { dtypeName, onnxDtypeBits } from './dtypes';
import { readFileRange } from './file-range';
import { elementCount } from './model';
import { WIRE_LEN, WireError, WireReader } from './wire';

/** Where a decoded tensor's offsets point: the model file and, if still in memory, its bytes. */
export interface TensorSource {
  /** Absolute path of the .onnx file. */
  path: string;
  /** The model file's bytes, when the caller still holds them (saves a read). */
  bytes?: Uint8Array;
}

/** Tensors with more elements than this are not decoded whole (use tensorStats, which streams). */
export const MAX_DECODED_ELEMENTS = 64 * 2 ** 20;
const CHUNK = 4 << 20;

function fromSource(src: TensorSource, offset: number, length: number, what: string): Uint8Array {
  if (src.bytes) {
    if (offset + length > src.bytes.length) throw new KilnError('NOT_ONNX', `${what} lies outside the model file`);
    return src.bytes.subarray(offset, offset + length);
  }
  return readFileRange(src.path, offset, length, what);
}

/** Bytes per element as stored little-endian in raw_data (sub-byte types: 0, packed two per byte). */
function storedBits(dataType: number): number {
  return onnxDtypeBits(dataType);
}

/** Bytes an external tensor's data takes: its stated length, or what its dims need when none is given. */
function externalLength(t: TensorProto): number {
  const d = t.data;
  if (d.kind !== 'external') return 0;
  return d.length ?? Math.ceil((elementCount(t.dims) * storedBits(t.dataType)) / 8);
}

/**
 * The tensor's values as raw little-endian bytes, exactly as raw_data would hold them (typed fields
 * are converted). Strings have no raw form: use tensorStrings.
 */
export function tensorRawBytes(t: TensorProto, src: TensorSource): Uint8Array {
  const what = `tensor ${t.name || '(unnamed)'}`;
  const d = t.data;
  if (d.kind === 'bytes') return d.bytes;
  if (d.kind === 'raw') return fromSource(src, d.offset, d.length, what);
  if (d.kind === 'external') {
    if (!d.path) throw new KilnError('UNSAFE_PATH', `${what}: its external data file was not resolved`);
    return readFileRange(d.path, d.offset, externalLength(t), what);
  }
  if (d.kind === 'none') {
    if (elementCount(t.dims) === 0) return new Uint8Array(0);
    throw new KilnError('NOT_ONNX', `${what} has no data`);
  }
  if (d.field === 6) throw new KilnError('UNSUPPORTED', `${what} holds strings, not numbers`);
  const bits = storedBits(t.dataType);
  const values: number[] = [];
  const bigs: bigint[] = [];
  // The runs were checked when the model was decoded; a file changed since fails by name.
  try {
    for (const [s, e] of d.runs) {
      const buf = fromSource(src, s, e - s, what);
      const r = new WireReader(buf, 0, buf.length);
      while (!r.done) {
        const tag = r.uint32();
        const wire = tag & 7;
        let end = r.end;
        let packed = false;
        if (wire === WIRE_LEN) {
          const ps = r.span();
          end = r.spanEnd;
          r.pos = ps;
          packed = true;
        }
        const readOne = () => {
          if (d.field === 4) values.push(r.float());
          else if (d.field === 10) values.push(r.double());
          else if (d.field === 7 || d.field === 11) bigs.push(readVarint64(r, d.field === 7));
          else values.push(r.int64());
        };
        // A packed run may be empty: it holds no values (reading one would take the next field's bytes).
        if (!packed) readOne();
        else {
          while (r.pos < end) readOne();
          r.pos = end;
        }
      }
    }
  } catch (err) {
    if (err instanceof WireError) throw new KilnError('NOT_ONNX', `${what} cannot be read: ${err.message}`);
    throw err;
  }
  const count = d.field === 7 || d.field === 11 ? bigs.length : values.length;
  // int32_data packs every type narrower than 32 bits one value (or one byte of 4-bit pairs) per entry.
  if (d.field === 5 && bits < 32) {
    const per = bits === 4 ? 1 : bits / 8;
    const out = new Uint8Array(count * per);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < count; i++) {
      const v = values[i] as number;
      if (per === 1) out[i] = v & 0xff;
      else dv.setUint16(i * 2, v & 0xffff, true);
    }
    return out;
  }
  const width = d.field === 4 ? 4 : d.field === 10 ? 8 : d.field === 5 ? 4 : bits === 32 ? 4 : 8;
  const out = new Uint8Array(count * width);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    if (d.field === 4) dv.setFloat32(i * 4, values[i] as number, true);
    else if (d.field === 10) dv.setFloat64(i * 8, values[i] as number, true);
    else if (d.field === 5) dv.setInt32(i * 4, values[i] as number, true);
    else if (width === 4) dv.setUint32(i * 4, Number(bigs[i] as bigint) >>> 0, true);
    else dv.setBigUint64(i * 8, BigInt.asUintN(64, bigs[i] as bigint), true);
  }
  return out;
}

function readVarint64(r: WireReader, signed: boolean): bigint {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.end) throw new KilnError('NOT_ONNX', 'truncated varint in tensor data');
    const b = r.buf[r.pos++] as number;
    if (i === 9 && b > 1) throw new KilnError('NOT_ONNX', 'varint overflows 64 bits in tensor data');
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return signed ? BigInt.asIntN(64, result) : BigInt.asUintN(64, result);
    shift += 7n;
  }
  throw new KilnError('NOT_ONNX', 'varint longer than 10 bytes in tensor data');
}

/** The strings of a STRING tensor. */
export function tensorStrings(t: TensorProto, src: TensorSource): Uint8Array[] {
  const d = t.data;
  if (d.kind !== 'typed' || d.field !== 6) return [];
  const out: Uint8Array[] = [];
  for (const [s, e] of d.runs) {
    const buf = fromSource(src, s, e - s, `tensor ${t.name}`);
    const r = new WireReader(buf, 0, buf.length);
    while (!r.done) {
      r.uint32();
      out.push(r.bytes().slice());
    }
  }
  return out;
}

// ---- element decoding -------------------------------------------------------------------------

const f32bits = new DataView(new ArrayBuffer(4));

function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A minifloat with `eb` exponent bits and `mb` mantissa bits; `fn` = finite only, `uz` = unsigned zero NaN. */
function minifloat(bits: number, eb: number, mb: number, bias: number, kind: 'ieee' | 'fn' | 'fnuz'): number {
  const total = 1 + eb + mb;
  const signBit = 1 << (total - 1);
  if (kind === 'fnuz' && bits === signBit) return NaN;
  const s = bits & signBit ? -1 : 1;
  const e = (bits >> mb) & ((1 << eb) - 1);
  const m = bits & ((1 << mb) - 1);
  const emax = (1 << eb) - 1;
  if (kind === 'ieee' && e === emax) return m ? NaN : s * Infinity;
  if (kind === 'fn' && e === emax && m === (1 << mb) - 1) return NaN;
  if (e === 0) return s * m * 2 ** (1 - bias - mb);
  return s * (1 + m / (1 << mb)) * 2 ** (e - bias);
}

/** Decodes the first `count` elements of `dataType` in little-endian `bytes` into `out`. */
export function decodeElements(dataType: number, bytes: Uint8Array, out: Float64Array, count: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const name = dtypeName(dataType);
  for (let i = 0; i < count; i++) {
    let v: number;
    switch (name) {
      case 'float32':
        v = dv.getFloat32(i * 4, true);
        break;
      case 'float64':
        v = dv.getFloat64(i * 8, true);
        break;
      case 'float16':
        v = half(dv.getUint16(i * 2, true));
        break;
      case 'bfloat16':
        f32bits.setUint32(0, dv.getUint16(i * 2, true) << 16);
        v = f32bits.getFloat32(0);
        break;
      case 'int8':
        v = dv.getInt8(i);
        break;
      case 'uint8':
      case 'bool':
        v = dv.getUint8(i);
        break;
      case 'int16':
        v = dv.getInt16(i * 2, true);
        break;
      case 'uint16':
        v = dv.getUint16(i * 2, true);
        break;
      case 'int32':
        v = dv.getInt32(i * 4, true);
        break;
      case 'uint32':
        v = dv.getUint32(i * 4, true);
        break;
      case 'int64':
        v = Number(dv.getBigInt64(i * 8, true));
        break;
      case 'uint64':
        v = Number(dv.getBigUint64(i * 8, true));
        break;
      case 'float8e4m3fn':
        v = minifloat(dv.getUint8(i), 4, 3, 7, 'fn');
        break;
      case 'float8e4m3fnuz':
        v = minifloat(dv.getUint8(i), 4, 3, 8, 'fnuz');
        break;
      case 'float8e5m2':
        v = minifloat(dv.getUint8(i), 5, 2, 15, 'ieee');
        break;
      case 'float8e5m2fnuz':
        v = minifloat(dv.getUint8(i), 5, 2, 16, 'fnuz');
        break;
      case 'float8e8m0': {
        const b = dv.getUint8(i);
        v = b === 0xff ? NaN : 2 ** (b - 127);
        break;
      }
      case 'int4':
      case 'uint4':
      case 'float4e2m1': {
        const byte = dv.getUint8(i >> 1);
        const nib = i & 1 ? byte >> 4 : byte & 0xf;
        v = name === 'uint4' ? nib : name === 'int4' ? (nib & 8 ? nib - 16 : nib) : fp4(nib);
        break;
      }
      case 'complex64':
        v = dv.getFloat32(i * 4, true); // real and imaginary parts interleaved: counted as 2 values
        break;
      case 'complex128':
        v = dv.getFloat64(i * 8, true);
        break;
      default:
        throw new KilnError('UNSUPPORTED', `values of ${name} tensors cannot be read`);
    }
    out[i] = v;
  }
}

function fp4(nib: number): number {
  const s = nib & 8 ? -1 : 1;
  const e = (nib >> 1) & 3;
  const m = nib & 1;
  return s * (e === 0 ? m * 0.5 : (1 + m / 2) * 2 ** (e - 1));
}

/** Values stored per tensor element (complex numbers hold two). */
function valuesPerElement(dataType: number): number {
  return dataType === 14 || dataType === 15 ? 2 : 1;
}

/** Entries of a typed field that `count` values take (int32_data packs a 4-bit pair per entry). */
function typedValuesFor(t: TensorProto, count: number): number {
  return t.data.kind === 'typed' && t.data.field === 5 && storedBits(t.dataType) === 4 ? Math.ceil(count / 2) : count;
}

/** All values of a numeric tensor as doubles (int64 beyond 2^53 rounds). */
export function tensorValues(t: TensorProto, src: TensorSource): Float64Array {
  const count = elementCount(t.dims) * valuesPerElement(t.dataType);
  if (!Number.isFinite(count) || count < 0) throw new KilnError('NOT_ONNX', `tensor ${t.name} has invalid dims`);
  if (count > MAX_DECODED_ELEMENTS) {
    throw new KilnError(
      'TOO_LARGE',
      `tensor ${t.name} has ${count} elements; read its statistics instead of its values`,
    );
  }
  // Typed fields are decoded whole, whatever the dims say: more values than the dims hold is an
  // invalid tensor (warned about on open), not millions of values to decode for one.
  if (t.data.kind === 'typed' && t.data.count > typedValuesFor(t, count)) {
    throw new KilnError(
      'NOT_ONNX',
      `tensor ${t.name} stores ${t.data.count} values; its dims hold ${typedValuesFor(t, count)}`,
    );
  }
  const bytes = tensorRawBytes(t, src);
  const bits = storedBits(t.dataType) / valuesPerElement(t.dataType);
  const needed = Math.ceil((count * bits) / 8);
  if (bytes.length < needed) {
    throw new KilnError('NOT_ONNX', `tensor ${t.name} holds ${bytes.length} bytes of data; its dims need ${needed}`);
  }
  const out = new Float64Array(count);
  decodeElements(t.dataType, bytes, out, count);
  return out;
}

export interface TensorStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  zeros: number;
  nans: number;
  infs: number;
  /** `bins` equal-width counts between min and max of the finite values. */
  histogram: number[];
}

/**
 * Statistics of a tensor's values, streamed in chunks of a few MiB (external weights of any size
 * are read twice, never held).
 */
export function tensorStats(t: TensorProto, src: TensorSource, bins = 64): TensorStats {
  const count = elementCount(t.dims) * valuesPerElement(t.dataType);
  const bits = storedBits(t.dataType) / valuesPerElement(t.dataType);
  if (bits === 0)
    throw new KilnError('UNSUPPORTED', `tensor ${t.name} (${dtypeName(t.dataType)}) has no numeric values`);
  const chunkValues = Math.max(2, Math.floor((CHUNK * 8) / bits) & ~1);
  const d = t.data;
  // Only external and raw data are streamed; the rest is small enough to decode whole.
  const streamed = d.kind === 'external' || (d.kind === 'raw' && !src.bytes);
  if (streamed) {
    // Read only what the tensor stores: dims that claim more would stream another tensor's bytes.
    if (!Number.isSafeInteger(count) || count < 0) throw new KilnError('NOT_ONNX', `tensor ${t.name} has invalid dims`);
    const stored = d.kind === 'external' ? externalLength(t) : d.length;
    const needed = Math.ceil((count * bits) / 8);
    if (!(stored >= needed))
      throw new KilnError('NOT_ONNX', `tensor ${t.name} holds ${stored} bytes of data; its dims need ${needed}`);
  }
  const whole = streamed ? null : tensorValues(t, src);
  const scratch = new Float64Array(whole ? 0 : Math.min(chunkValues, Math.max(count, 1)));
  const forEachChunk = (fn: (vals: Float64Array, n: number) => void): void => {
    if (whole) return fn(whole, whole.length);
    const file = d.kind === 'external' ? d.path : src.path;
    const base = d.kind === 'external' ? d.offset : d.kind === 'raw' ? d.offset : 0;
    for (let first = 0; first < count; first += chunkValues) {
      const n = Math.min(chunkValues, count - first);
      const bytes = readFileRange(file, base + (first * bits) / 8, Math.ceil((n * bits) / 8), `tensor ${t.name}`);
      decodeElements(t.dataType, bytes, scratch, n);
      fn(scratch, n);
    }
  };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let zeros = 0;
  let nans = 0;
  let infs = 0;
  let finite = 0;
  forEachChunk((vals, n) => {
    for (let i = 0; i < n; i++) {
      const v = vals[i] as number;
      if (Number.isNaN(v)) nans++;
      else if (!Number.isFinite(v)) infs++;
      else {
        finite++;
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
        sumSq += v * v;
        if (v === 0) zeros++;
      }
    }
  });
  const histogram = new Array<number>(bins).fill(0);
  if (finite > 0) {
    const width = (max - min) / bins;
    forEachChunk((vals, n) => {
      for (let i = 0; i < n; i++) {
        const v = vals[i] as number;
        if (!Number.isFinite(v)) continue;
        const b = width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0;
        histogram[b] = (histogram[b] as number) + 1;
      }
    });
  }
  const mean = finite ? sum / finite : NaN;
  return {
    count,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean,
    std: finite ? Math.sqrt(Math.max(0, sumSq / finite - mean * mean)) : NaN,
    zeros,
    nans,
    infs,
    histogram,
  };
}
