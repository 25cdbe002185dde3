/**
 * A known value as an initializer: what folding writes in place of a node. Values come from shape
 * inference's constant propagation (plain numbers; int64 beyond 2^53 is held as a double, so the
 * int64 limits are clamped back to INT64_MAX / INT64_MIN rather than wrapping) or from a Constant
 * node's attributes.
 */
import { dtypeToOnnx } from '../onnx/dtypes';
import { ATTR, type NodeProto, type TensorProto } from '../onnx/model';
import { toHalfBytes } from '../onnx/half';
import type { ConstValue } from '../shapes/types';

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

function int64(v: number): bigint {
  if (v >= 9.2e18) return I64_MAX;
  if (v <= -9.2e18) return I64_MIN;
  return BigInt(Math.trunc(v));
}

/** Little-endian bytes of `values` as `dtype` (a Kiln dtype name); null for a type this cannot write. */
export function encodeValues(dtype: string, values: readonly number[]): Uint8Array | null {
  const n = values.length;
  const view = (a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (dtype) {
    case 'float32':
      return view(Float32Array.from(values));
    case 'float64':
      return view(Float64Array.from(values));
    case 'float16':
      return toHalfBytes(values);
    case 'int64':
      return view(BigInt64Array.from(values, int64));
    case 'uint64':
      return view(BigUint64Array.from(values, (v) => BigInt(Math.max(0, Math.trunc(v)))));
    case 'int32':
      return view(Int32Array.from(values));
    case 'uint32':
      return view(Uint32Array.from(values));
    case 'int16':
      return view(Int16Array.from(values));
    case 'uint16':
      return view(Uint16Array.from(values));
    case 'int8':
      return view(Int8Array.from(values));
    case 'uint8':
      return view(Uint8Array.from(values));
    case 'bool':
      return Uint8Array.from({ length: n }, (_, i) => (values[i] ? 1 : 0));
    default:
      return null;
  }
}

/** The folded value as an initializer named `name`; null when a value is symbolic or the type unwritable. */
export function constTensor(name: string, c: ConstValue): TensorProto | null {
  if (!c.values.every((v) => typeof v === 'number')) return null;
  const bytes = encodeValues(c.dtype, c.values as number[]);
  const dataType = dtypeToOnnx(c.dtype);
  if (!bytes || dataType === 0) return null;
  return { name, dataType, dims: [...c.dims], data: { kind: 'bytes', bytes }, externalData: [], docString: '' };
}

/** A Constant node's value as an initializer named after its output; null for forms left as they are (strings, sparse). */
export function constantNodeTensor(n: NodeProto): TensorProto | null {
  const name = n.output[0];
  const a = n.attribute[0];
  if (!name || n.attribute.length !== 1 || !a) return null;
  const make = (dtype: string, dims: number[], values: number[]) => constTensor(name, { dtype, dims, values });
  if (a.name === 'value' && a.t && a.t.dataType !== 8) return { ...a.t, name, dims: [...a.t.dims] };
  if (a.name === 'value_float' && (a.type === ATTR.FLOAT || a.f !== undefined)) return make('float32', [], [a.f ?? 0]);
  if (a.name === 'value_int' && (a.type === ATTR.INT || a.i !== undefined)) return make('int64', [], [a.i ?? 0]);
  if (a.name === 'value_floats') return make('float32', [a.floats?.length ?? 0], a.floats ?? []);
  if (a.name === 'value_ints') return make('int64', [a.ints?.length ?? 0], a.ints ?? []);
  return null;
}
