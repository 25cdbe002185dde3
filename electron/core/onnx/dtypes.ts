/**
 * Element types, in one table: TensorProto.DataType numbers (named, for rewrites that write Cast's
 * `to` or a Q/DQ's zero point), Kiln's names for them (lower case, as numpy and onnxruntime call
 * them), and their storage width. Cast's `to`, ConstantOfShape's value and RandomNormal's `dtype`
 * carry the ONNX numbers; the API, the shape rules and the UI speak the names.
 */
import type { DType } from '../shapes/types';

/** TensorProto.DataType (onnx.proto3) by name, for code that writes types into a model. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
} as const;

/** Index = TensorProto.DataType (onnx.proto3); '' where the number has no type. */
export const ONNX_DTYPE_NAMES: readonly DType[] = [
  '', // 0 UNDEFINED
  'float32', // 1 FLOAT
  'uint8', // 2
  'int8', // 3
  'uint16', // 4
  'int16', // 5
  'int32', // 6
  'int64', // 7
  'string', // 8
  'bool', // 9
  'float16', // 10
  'float64', // 11 DOUBLE
  'uint32', // 12
  'uint64', // 13
  'complex64', // 14
  'complex128', // 15
  'bfloat16', // 16
  'float8e4m3fn', // 17
  'float8e4m3fnuz', // 18
  'float8e5m2', // 19
  'float8e5m2fnuz', // 20
  'uint4', // 21
  'int4', // 22
  'float4e2m1', // 23
  'float8e8m0', // 24
];

/** The name for a TensorProto.DataType number ('' when out of range). */
export function dtypeFromOnnx(code: number): DType {
  return ONNX_DTYPE_NAMES[code] ?? '';
}

/** The name for a TensorProto.DataType number as shown to users ('undefined' for 0, `dtypeN` past the table). */
export function dtypeName(code: number): string {
  if (code === 0) return 'undefined';
  return ONNX_DTYPE_NAMES[code] || `dtype${code}`;
}

/** Storage bits per element of a TensorProto.DataType number (0 for strings and unknown types). */
export function onnxDtypeBits(code: number): number {
  return dtypeBits(dtypeFromOnnx(code));
}

/** The TensorProto.DataType number for a name (0 when unknown). */
export function dtypeToOnnx(name: DType): number {
  const i = ONNX_DTYPE_NAMES.indexOf(name);
  return i < 0 ? 0 : i;
}

const BITS: Readonly<Record<string, number>> = {
  float32: 32,
  uint8: 8,
  int8: 8,
  uint16: 16,
  int16: 16,
  int32: 32,
  int64: 64,
  bool: 8,
  float16: 16,
  float64: 64,
  uint32: 32,
  uint64: 64,
  complex64: 64,
  complex128: 128,
  bfloat16: 16,
  float8e4m3fn: 8,
  float8e4m3fnuz: 8,
  float8e5m2: 8,
  float8e5m2fnuz: 8,
  uint4: 4,
  int4: 4,
  float4e2m1: 4,
  float8e8m0: 8,
};

/** Storage bits per element (0 for strings and unknown types). */
export function dtypeBits(name: DType): number {
  return BITS[name] ?? 0;
}

/** True for integer element types (the ones shape arithmetic folds exactly). */
export function isIntegerDtype(name: DType): boolean {
  return (
    name === 'int64' ||
    name === 'int32' ||
    name === 'int8' ||
    name === 'uint8' ||
    name === 'int16' ||
    name === 'uint16' ||
    name === 'uint32' ||
    name === 'uint64' ||
    name === 'int4' ||
    name === 'uint4'
  );
}
