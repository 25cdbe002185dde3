/**
 * The .npy format (numpy's one-array file) read into typed arrays: the unit every user-given input
 * array arrives in, alone or as a member of an .npz archive.
 */
import { KilnError } from '../../shared/api/errors';
import { looksLike } from '../onnx/open-errors';

/** An array read from a .npy file, C order, little-endian. */
export interface NpyArray {
  /** Kiln's element type name: float32, float64, int64, int32, uint8, bool. */
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';
  shape: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

const NPY_DTYPES: Record<string, { dtype: NpyArray['dtype']; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<u1': { dtype: 'uint8', bytes: 1 },
  '|b1': { dtype: 'bool', bytes: 1 },
};

/** Parses one .npy file (format versions 1, 2 and 3). `name` is used in error messages. */
export function readNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  const bad = (why: string) => new KilnError('INVALID_ARGUMENT', `${name} is not a readable .npy file: ${why}`);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) {
    const like = looksLike(bytes);
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${name} is not a readable .npy file (${like ?? 'it does not start with the .npy signature'})`,
      { details: { detail: 'no \\x93NUMPY magic' } },
    );
  }
  const major = bytes[6] as number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated header');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else throw bad(`format version ${major} is not supported`);
  if (start + headerLen > bytes.length) throw bad('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad('malformed header');
  const kind = NPY_DTYPES[descr];
  if (!kind) {
    throw new KilnError(
      'UNSUPPORTED',
      `${name}: arrays of dtype '${descr}' are not supported (use little-endian <f4, <f8, <i8, <i4, |u1 or |b1)`,
    );
  }
  if (fortran === 'True')
    throw new KilnError(
      'UNSUPPORTED',
      `${name} is stored in Fortran order; save it in C order (np.ascontiguousarray) before calibrating`,
    );
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`shape (${shapeText}) is not a list of sizes`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * kind.bytes;
  if (bytes.length - dataStart < need)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${name} is cut short: its shape (${shape.join('×')}) needs ${need} bytes of data but the file holds ${bytes.length - dataStart} — was it copied whole?`,
    );
  // Copy: the data offset need not be aligned for a typed view.
  const buf = new Uint8Array(bytes.subarray(dataStart, dataStart + need)).buffer;
  let data: NpyArray['data'];
  switch (kind.dtype) {
    case 'float32':
      data = new Float32Array(buf);
      break;
    case 'float64':
      data = new Float64Array(buf);
      break;
    case 'int64':
      data = new BigInt64Array(buf);
      break;
    case 'int32':
      data = new Int32Array(buf);
      break;
    default:
      data = new Uint8Array(buf);
  }
  return { dtype: kind.dtype, shape, data };
}
