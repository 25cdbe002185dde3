/**
 * Seeded random values for generated inputs, in ranges that suit each element type, so that runs
 * are repeatable (the same on every machine) and mean something.
 */
import { KilnError } from '../../shared/api/errors';

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

/**
 * Seeded values: floats in [-1, 1), integers in [0, 8) — below `indexRows` when the input indexes a
 * table that has fewer rows (BERT's two token types) — booleans half true.
 */
export function randomData(dtype: string, size: number, next: () => number, indexRows = Infinity): TensorData {
  const ints = Math.max(1, Math.min(8, indexRows));
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
      for (let i = 0; i < size; i++) a[i] = BigInt(Math.floor(next() * ints));
      return a;
    }
    case 'int32': {
      const a = new Int32Array(size);
      for (let i = 0; i < size; i++) a[i] = Math.floor(next() * ints);
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
