/**
 * How much of two models' weights is the same bytes, whatever the tensors are called: the sign of
 * one network exported twice. An exporter change (PyTorch's TorchScript exporter against its dynamo
 * one, another opset) renames every node and folds the shape arithmetic differently, so names and
 * node pairs say "unrelated" — while the weights are the very same bytes. Asked only when names and
 * pairs fall short (model-diff.ts): it reads every weight of both models once, hashing its bytes.
 * The same keys then pair weights an exporter renamed (listed as renamed, not removed and added).
 */
import { createHash } from 'node:crypto';
import { readFileRange } from '../onnx/file-range';
import { elementCount, type TensorProto } from '../onnx/model';
import type { TensorSource } from '../onnx/values';
import { initializerNames, type DiffSide } from './pairing';

/** Weights smaller than this (biases of a few values, scalars) say little about where a model came from. */
const MIN_ELEMENTS = 16;

/** The tensor's stored bytes (raw data in the file, external data, or bytes made in memory); null for typed fields. */
function storedBytes(t: TensorProto, src: TensorSource): Uint8Array | null {
  const d = t.data;
  if (d.kind === 'bytes') return d.bytes;
  if (d.kind === 'raw')
    return src.bytes && d.offset + d.length <= src.bytes.length
      ? src.bytes.subarray(d.offset, d.offset + d.length)
      : readFileRange(src.path, d.offset, d.length, `tensor ${t.name}`);
  if (d.kind === 'external' && d.length !== null) return readFileRange(d.path, d.offset, d.length, `tensor ${t.name}`);
  return null;
}

/** One weight worth comparing: its tensor id, content key (type, shape, bytes) and element count. */
export interface WeightKey {
  tensor: number;
  key: string;
  elements: number;
}

/** Each weight worth comparing (16 elements or more, bytes readable) of a model's main graph. */
export function weightKeys(s: DiffSide, src: TensorSource): WeightKey[] {
  const out: WeightKey[] = [];
  for (const [, t] of initializerNames(s)) {
    const p = s.ir.initializers[s.ir.tensorInitializer[t] as number];
    if (!p) continue;
    const elements = elementCount(p.dims);
    if (!Number.isFinite(elements) || elements < MIN_ELEMENTS) continue;
    let bytes: Uint8Array | null;
    try {
      bytes = storedBytes(p, src);
    } catch {
      continue; // unreadable external data: the diff's weight list says so; here it only counts as unknown
    }
    if (!bytes) continue;
    const key = `${p.dataType}:${p.dims.join('x')}:${createHash('sha1').update(bytes).digest('base64')}`;
    out.push({ tensor: t, key, elements });
  }
  return out;
}

/**
 * The share of weight elements (tensors of 16 elements or more) found with the same type, shape and
 * bytes in the other model, the smaller of the two directions; null when either model has no such
 * weights.
 */
export function sharedWeightShare(wa: readonly WeightKey[], wb: readonly WeightKey[]): number | null {
  const total = (w: readonly WeightKey[]) => w.reduce((s, x) => s + x.elements, 0);
  if (total(wa) === 0 || total(wb) === 0) return null;
  const shareOf = (from: readonly WeightKey[], to: readonly WeightKey[]) => {
    const keys = new Set(to.map((x) => x.key));
    return from.reduce((s, x) => s + (keys.has(x.key) ? x.elements : 0), 0) / total(from);
  };
  return Math.min(shareOf(wa, wb), shareOf(wb, wa));
}
