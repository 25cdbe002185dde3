/**
 * Folding for constants too large for shape inference's evaluator, where folding only moves bytes:
 * Reshape, Squeeze, Unsqueeze, Flatten and Identity (same bytes, new dims), Transpose, Gather,
 * Expand, Concat and Slice of constant tensors — what exporters leave around embeddings and class
 * tokens (`/pos/Gather`, `/Expand`). No arithmetic is done, so the result is exact whatever the
 * element type; the output dims come from shape inference. Anything else returns null (left as is).
 */
import type { NodeProto, TensorProto } from '../onnx/model';
import { onnxDtypeBits } from '../onnx/dtypes';
import { attrOf } from '../onnx/graph-edit';
import { tensorRawBytes, tensorValues } from '../onnx/values';

/** Elements this evaluator produces at most (64 Mi: a large embedding table, not a whole model's). */
const MAX_ELEMENTS = 64 * 2 ** 20;

const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

/** Output element k → input element index, through `at` (input coordinate per output coordinate). */
function gatherBytes(
  src: Uint8Array,
  width: number,
  outDims: readonly number[],
  inDims: readonly number[],
  at: (coord: number[]) => number[],
): Uint8Array {
  const n = count(outDims);
  const out = new Uint8Array(n * width);
  const inStrides = stridesOf(inDims);
  const coord = new Array<number>(outDims.length).fill(0);
  for (let k = 0; k < n; k++) {
    const ic = at(coord);
    let off = 0;
    for (let d = 0; d < ic.length; d++) off += (ic[d] as number) * (inStrides[d] as number);
    out.set(src.subarray(off * width, off * width + width), k * width);
    for (let d = outDims.length - 1; d >= 0; d--) {
      if (++(coord[d] as number) < (outDims[d] as number)) break;
      coord[d] = 0;
    }
  }
  return out;
}

const ints = (t: TensorProto | undefined) => (t ? Array.from(tensorValues(t, { path: '' })) : undefined);
const norm = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** The node's single output as a tensor named `name`, or null when this evaluator does not cover it. */
export function moveConstant(
  n: NodeProto,
  inputs: (TensorProto | undefined)[],
  outDims: readonly number[],
  name: string,
): TensorProto | null {
  const x = inputs[0];
  if (!x || n.output.length !== 1) return null;
  const bits = onnxDtypeBits(x.dataType);
  if (bits < 8 || bits % 8 !== 0 || count(outDims) > MAX_ELEMENTS) return null;
  const width = bits / 8;
  let src: Uint8Array;
  try {
    src = tensorRawBytes(x, { path: '' });
  } catch {
    return null;
  }
  if (src.length < count(x.dims) * width) return null;
  const make = (bytes: Uint8Array): TensorProto => ({
    name,
    dataType: x.dataType,
    dims: [...outDims],
    data: { kind: 'bytes', bytes },
    externalData: [],
    docString: '',
  });
  const rank = x.dims.length;
  switch (n.opType) {
    case 'Reshape':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Flatten':
    case 'Identity':
      return count(outDims) === count(x.dims) ? make(src.subarray(0, count(x.dims) * width)) : null;
    case 'Transpose': {
      const perm = attrOf(n, 'perm')?.ints ?? x.dims.map((_, i) => rank - 1 - i);
      return make(
        gatherBytes(src, width, outDims, x.dims, (c) => {
          const ic = new Array<number>(rank);
          perm.forEach((p, i) => (ic[p] = c[i] as number));
          return ic;
        }),
      );
    }
    case 'Expand':
      return make(
        gatherBytes(src, width, outDims, x.dims, (c) => {
          const off = c.length - rank;
          return x.dims.map((d, i) => (d === 1 ? 0 : (c[i + off] as number)));
        }),
      );
    case 'Gather': {
      const idx = ints(inputs[1]);
      const idims = inputs[1]?.dims ?? [];
      if (!idx) return null;
      const axis = norm(attrOf(n, 'axis')?.i ?? 0, rank);
      const q = idims.length;
      const istr = stridesOf(idims);
      return make(
        gatherBytes(src, width, outDims, x.dims, (c) => {
          let k = 0;
          for (let d = 0; d < q; d++) k += (c[axis + d] as number) * (istr[d] as number);
          const i = idx[k] as number;
          const at = i < 0 ? i + (x.dims[axis] as number) : i;
          return [...c.slice(0, axis), at, ...c.slice(axis + q)];
        }),
      );
    }
    case 'Concat': {
      if (!inputs.every((t) => t && t.dataType === x.dataType)) return null;
      const axis = norm(attrOf(n, 'axis')?.i ?? 0, rank);
      const parts = inputs as TensorProto[];
      const outer = count(outDims.slice(0, axis));
      const chunks = parts.map((t) => ({
        bytes: tensorRawBytes(t, { path: '' }),
        inner: count(t.dims.slice(axis)) * width,
      }));
      const out = new Uint8Array(count(outDims) * width);
      let o = 0;
      for (let i = 0; i < outer; i++)
        for (const c of chunks) {
          out.set(c.bytes.subarray(i * c.inner, (i + 1) * c.inner), o);
          o += c.inner;
        }
      return o === out.length ? make(out) : null;
    }
    case 'Slice': {
      const starts = ints(inputs[1]);
      const ends = ints(inputs[2]);
      if (!starts || !ends) return null;
      const axes = (ints(inputs[3]) ?? starts.map((_, i) => i)).map((a) => norm(a, rank));
      const steps = ints(inputs[4]) ?? starts.map(() => 1);
      const begin = x.dims.map(() => 0);
      const step = x.dims.map(() => 1);
      axes.forEach((a, i) => {
        const d = x.dims[a] as number;
        const st = steps[i] as number;
        let s = starts[i] as number;
        s = s < 0 ? s + d : s;
        begin[a] = st > 0 ? Math.min(Math.max(s, 0), d) : Math.min(Math.max(s, -1), d - 1);
        step[a] = st;
      });
      return make(
        gatherBytes(src, width, outDims, x.dims, (c) =>
          c.map((v, d) => (begin[d] as number) + v * (step[d] as number)),
        ),
      );
    }
    default:
      return null;
  }
}
