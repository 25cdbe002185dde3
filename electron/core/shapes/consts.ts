/**
 * Building ConstValues from tensor data, for the traverser: small initializers and Constant
 * attributes become known values (shape vectors, axes, scales) that the rules fold with.
 * raw_data is little-endian as onnx.proto specifies. Larger tensors, strings and sub-byte types
 * give undefined: their values never matter for shapes.
 */
import { dtypeFromOnnx } from '../onnx/dtypes';
import { MAX_CONST_ELEMENTS } from './types';
import type { ConstValue, SymDim } from './types';

function countOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!(Number.isSafeInteger(d) && d >= 0)) return -1;
    n *= d;
  }
  return n;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Values of a tensor stored as raw_data (TensorProto.DataType `dataType`), or undefined when it is
 * too large, of a type shapes never need, or its byte length does not match its dims.
 */
export function constFromRaw(dataType: number, dims: readonly number[], raw: Uint8Array): ConstValue | undefined {
  const n = countOf(dims);
  if (n < 0 || n > MAX_CONST_ELEMENTS) return undefined;
  const dtype = dtypeFromOnnx(dataType);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let width: number;
  let read: (at: number) => number;
  switch (dtype) {
    case 'float32':
      width = 4;
      read = (at) => view.getFloat32(at, true);
      break;
    case 'float64':
      width = 8;
      read = (at) => view.getFloat64(at, true);
      break;
    case 'float16':
      width = 2;
      read = (at) => halfToNumber(view.getUint16(at, true));
      break;
    case 'bfloat16':
      width = 2;
      read = (at) => {
        const b = new DataView(new ArrayBuffer(4));
        b.setUint32(0, view.getUint16(at, true) << 16, true);
        return b.getFloat32(0, true);
      };
      break;
    case 'int8':
      width = 1;
      read = (at) => view.getInt8(at);
      break;
    case 'uint8':
    case 'bool':
      width = 1;
      read = (at) => view.getUint8(at);
      break;
    case 'int16':
      width = 2;
      read = (at) => view.getInt16(at, true);
      break;
    case 'uint16':
      width = 2;
      read = (at) => view.getUint16(at, true);
      break;
    case 'int32':
      width = 4;
      read = (at) => view.getInt32(at, true);
      break;
    case 'uint32':
      width = 4;
      read = (at) => view.getUint32(at, true);
      break;
    case 'int64':
      width = 8;
      read = (at) => Number(view.getBigInt64(at, true));
      break;
    case 'uint64':
      width = 8;
      read = (at) => Number(view.getBigUint64(at, true));
      break;
    default:
      return undefined;
  }
  if (raw.byteLength !== n * width) return undefined;
  const values = new Array<SymDim>(n);
  for (let i = 0; i < n; i++) values[i] = read(i * width);
  return { dtype, dims: dims.slice(), values };
}

/**
 * Values already decoded as numbers (TensorProto's typed fields: int64_data, float_data, ...), or
 * undefined when too large or the count does not match the dims.
 */
export function constFromNumbers(
  dataType: number,
  dims: readonly number[],
  values: ArrayLike<number | bigint>,
): ConstValue | undefined {
  const n = countOf(dims);
  if (n < 0 || n > MAX_CONST_ELEMENTS || values.length !== n) return undefined;
  const dtype = dtypeFromOnnx(dataType);
  if (dtype === '' || dtype === 'string') return undefined;
  const out = new Array<SymDim>(n);
  for (let i = 0; i < n; i++) out[i] = Number(values[i]);
  return { dtype, dims: dims.slice(), values: out };
}
