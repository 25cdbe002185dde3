/**
 * How much of two models' weights is the same bytes, whatever the tensors are called: the sign of
 * one network exported twice. An exporter change (PyTorch's TorchScript exporter against its dynamo
 * one, another opset) renames every node and folds the shape arithmetic differently, so names and
 * node pairs say "unrelated" — while the weights are the very same bytes. Asked only when names and
 * pairs fall short (model-diff.ts), and then in two steps: the weights' types and shapes alone first
 * (nothing read), and their bytes only where those could reach the share asked for. The same keys
 * then pair weights an exporter renamed (listed as renamed, not removed and added).
 */
import { createHash } from 'node:crypto';
import { elementCount } from '../onnx/model';
import { tensorRawBytes, type TensorSource } from '../onnx/values';
import { initializerNames, type DiffSide } from './pairing';

/** Weights smaller than this (biases of a few values, scalars) say little about where a model came from. */
const MIN_ELEMENTS = 16;

/** One weight worth comparing: its tensor id, content key (type, shape, bytes) and element count. */
export interface WeightKey {
  tensor: number;
  key: string;
  elements: number;
}

interface Weight {
  tensor: number;
  /** Type and shape: what a weight must share with another before its bytes are worth reading. */
  shape: string;
  elements: number;
}

function weights(s: DiffSide): Weight[] {
  const out: Weight[] = [];
  for (const [, t] of initializerNames(s)) {
    const p = s.ir.initializers[s.ir.tensorInitializer[t] as number];
    if (!p) continue;
    const elements = elementCount(p.dims);
    if (!Number.isFinite(elements) || elements < MIN_ELEMENTS) continue;
    out.push({ tensor: t, shape: `${p.dataType}:${p.dims.join('x')}`, elements });
  }
  return out;
}

/** The share of elements both lists hold, counting each key as often as both have it, the smaller direction. */
function share<T extends { elements: number }>(a: readonly T[], b: readonly T[], key: (x: T) => string): number | null {
  const total = (w: readonly T[]) => w.reduce((s, x) => s + x.elements, 0);
  if (total(a) === 0 || total(b) === 0) return null;
  const left = new Map<string, number>();
  for (const x of b) left.set(key(x), (left.get(key(x)) ?? 0) + 1);
  let shared = 0;
  for (const x of a) {
    const n = left.get(key(x)) ?? 0;
    if (n === 0) continue;
    left.set(key(x), n - 1);
    shared += x.elements;
  }
  return Math.min(shared / total(a), shared / total(b));
}

/** Content keys of `w`'s weights (unreadable ones left out: the diff's weight list says so). */
function keysOf(s: DiffSide, src: TensorSource, w: readonly Weight[], cancelled: () => void): WeightKey[] {
  const out: WeightKey[] = [];
  for (const x of w) {
    cancelled();
    const p = s.ir.initializers[s.ir.tensorInitializer[x.tensor] as number]!;
    let bytes: Uint8Array;
    try {
      bytes = tensorRawBytes(p, src);
    } catch {
      continue;
    }
    out.push({
      tensor: x.tensor,
      key: `${x.shape}:${createHash('sha1').update(bytes).digest('base64')}`,
      elements: x.elements,
    });
  }
  return out;
}

/**
 * Both models' weight keys and the share of weight elements found with the same type, shape and bytes
 * in the other model (each copy counted once per copy in both; the smaller direction). Both are
 * null, and nothing is read, when types and shapes alone cannot reach `enough` or either model has
 * no weight of 16 elements or more. `cancelled` throws to stop between tensors.
 */
export function sharedWeights(
  a: DiffSide,
  srcA: TensorSource,
  b: DiffSide,
  srcB: TensorSource,
  enough: number,
  cancelled: () => void = () => undefined,
): { share: number | null; keys: { a: WeightKey[]; b: WeightKey[] } | null } {
  const wa = weights(a);
  const wb = weights(b);
  const bound = share(wa, wb, (x) => x.shape);
  if (bound === null || bound < enough) return { share: null, keys: null };
  const keys = { a: keysOf(a, srcA, wa, cancelled), b: keysOf(b, srcB, wb, cancelled) };
  return { share: share(keys.a, keys.b, (x) => x.key), keys };
}
