/**
 * Inputs for profiling and runs: concrete shapes for symbolic dims, and seeded random values in
 * ranges that suit each element type (so runs are repeatable and mean something).
 */
import type { Dim } from '../../shared/api/contract';
import { KilnError } from '../../shared/api/errors';

export interface InputSpec {
  name: string;
  dtype: string;
  dims: Dim[] | null;
}

/** Parses "x:1x3x224x224,mask:1x128" into {x:[1,3,224,224], mask:[1,128]}. */
export function parseShapes(text: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const at = part.lastIndexOf(':');
    if (at <= 0) throw new KilnError('INVALID_ARGUMENT', `shape "${part}" must look like name:1x3x224x224`);
    const dims = part
      .slice(at + 1)
      .split('x')
      .map((d) => Number(d));
    if (dims.some((d) => !Number.isInteger(d) || d < 0))
      throw new KilnError('INVALID_ARGUMENT', `shape "${part}" has a dimension that is not a whole number`);
    out[part.slice(0, at)] = dims;
  }
  return out;
}

/** Concrete dims for every input; names the input and the dim that has no value. */
export function resolveShapes(inputs: readonly InputSpec[], given: Record<string, number[]>): Record<string, number[]> {
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name))
      throw new KilnError(
        'INVALID_ARGUMENT',
        `--shapes names "${name}", but the model's inputs are: ${[...known].join(', ')}`,
      );
  }
  const out: Record<string, number[]> = {};
  for (const input of inputs) {
    const dims = input.dims;
    const user = given[input.name];
    if (user) {
      if (dims && user.length !== dims.length) {
        throw new KilnError(
          'INVALID_ARGUMENT',
          `input ${input.name} has rank ${dims.length} ([${dims.map(String).join(', ')}]) but --shapes gives ${user.length} dims`,
        );
      }
      dims?.forEach((d, axis) => {
        if (typeof d === 'number' && d !== user[axis]) {
          throw new KilnError(
            'INVALID_ARGUMENT',
            `input ${input.name}: axis ${axis} is fixed at ${d} in the model, not ${user[axis]}`,
          );
        }
      });
      out[input.name] = user;
      continue;
    }
    if (!dims)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `input ${input.name} has no known rank; give its shape with --shapes ${input.name}:1x…`,
      );
    out[input.name] = dims.map((d, axis) => {
      if (typeof d === 'number' && d >= 0) return d;
      // A symbolic leading dim is the batch: profile batch 1 unless told otherwise, as trtexec does.
      if (axis === 0) return 1;
      throw new KilnError(
        'INVALID_ARGUMENT',
        `input ${input.name}: dimension ${d === null ? '?' : `"${d}"`} (axis ${axis}) has no value; give one with --shapes ${input.name}:${dims.map((x, i) => (typeof x === 'number' ? x : i === 0 ? 1 : 'N')).join('x')}`,
      );
    });
  }
  return out;
}

/** mulberry32: small, fast, good enough for test data, and the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type TensorData =
  Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

/** Seeded values: floats in [-1, 1), integers in [0, 8), booleans half true. */
export function randomData(dtype: string, size: number, next: () => number): TensorData {
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(size);
      for (let i = 0; i < size; i++) a[i] = next() * 2 - 1;
      return a;
    }
    case 'float64': {
      const a = new Float64Array(size);
      for (let i = 0; i < size; i++) a[i] = next() * 2 - 1;
      return a;
    }
    case 'int64': {
      const a = new BigInt64Array(size);
      for (let i = 0; i < size; i++) a[i] = BigInt(Math.floor(next() * 8));
      return a;
    }
    case 'int32': {
      const a = new Int32Array(size);
      for (let i = 0; i < size; i++) a[i] = Math.floor(next() * 8);
      return a;
    }
    case 'bool':
    case 'uint8': {
      const a = new Uint8Array(size);
      for (let i = 0; i < size; i++) a[i] = dtype === 'bool' ? (next() < 0.5 ? 1 : 0) : Math.floor(next() * 256);
      return a;
    }
    case 'int8': {
      const a = new Int8Array(size);
      for (let i = 0; i < size; i++) a[i] = Math.floor(next() * 256) - 128;
      return a;
    }
    case 'float16': {
      // IEEE half bits for values in [-1, 1).
      const a = new Uint16Array(size);
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (let i = 0; i < size; i++) {
        f[0] = next() * 2 - 1;
        const x = u[0] as number;
        const sign = (x >>> 16) & 0x8000;
        const exp = ((x >>> 23) & 0xff) - 127 + 15;
        a[i] = exp <= 0 ? sign : sign | (exp << 10) | ((x >>> 13) & 0x3ff);
      }
      return a;
    }
    default:
      throw new KilnError(
        'UNSUPPORTED',
        `inputs of type ${dtype} cannot be generated yet; provide them from a .npy file`,
      );
  }
}
