/**
 * Combining two descriptions of one tensor:
 * - mergeTypes: either may be true at run time (If branches, Loop-carried state): keep what both
 *   agree on, unknown elsewhere.
 * - refineType: both are true (Kiln's inference and the type the model declares in value_info or
 *   graph outputs): keep what either knows. As in onnx's merge, a declared number fills a dim
 *   Kiln only knows symbolically; when both are numbers and differ, Kiln's inferred value wins
 *   and `conflict` reports it.
 */
import type { SymDim, TensorType } from './types';

export function mergeTypes(a: TensorType | undefined, b: TensorType | undefined): TensorType | undefined {
  if (!a || !b) {
    const k = a ?? b;
    return k ? { dtype: k.dtype, dims: null } : undefined;
  }
  const dtype = a.dtype || b.dtype;
  if (!a.dims || !b.dims || a.dims.length !== b.dims.length) return { dtype, dims: null };
  if (a.dims === b.dims) return { dtype, dims: a.dims };
  const dims: SymDim[] = new Array<SymDim>(a.dims.length);
  for (let i = 0; i < dims.length; i++) {
    const x = a.dims[i]!;
    dims[i] = x === b.dims[i] ? x : null;
  }
  return { dtype, dims };
}

/** Whether two types are the same (same dtype, same dims). */
export function sameType(a: TensorType | undefined, b: TensorType | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.dtype !== b.dtype) return false;
  if (a.dims === b.dims) return true;
  if (!a.dims || !b.dims || a.dims.length !== b.dims.length) return false;
  for (let i = 0; i < a.dims.length; i++) if (a.dims[i] !== b.dims[i]) return false;
  return true;
}

export interface Refined {
  type: TensorType | undefined;
  /** Set when inferred and declared disagree on a dtype, a rank or a number. */
  conflict?: string;
}

export function refineType(inferred: TensorType | undefined, declared: TensorType | undefined): Refined {
  if (!declared) return { type: inferred };
  if (!inferred) return { type: declared };
  let conflict: string | undefined;
  if (inferred.dtype && declared.dtype && inferred.dtype !== declared.dtype)
    conflict = `element type ${inferred.dtype} inferred, ${declared.dtype} declared`;
  const dtype = inferred.dtype || declared.dtype;
  const a = inferred.dims;
  const b = declared.dims;
  if (!a || !b) return withConflict({ dtype, dims: a ?? b }, conflict);
  if (a.length !== b.length)
    return withConflict({ dtype, dims: a }, conflict ?? `rank ${a.length} inferred, ${b.length} declared`);
  let dims: SymDim[] = a;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'number') {
      if (typeof y === 'number' && y !== x) conflict ??= `dim ${i} is ${x} inferred, ${y} declared`;
      continue;
    }
    if (y === null || (typeof y === 'string' && x !== null)) continue;
    if (dims === a) dims = a.slice();
    dims[i] = y;
  }
  return withConflict({ dtype, dims }, conflict);
}

function withConflict(type: TensorType, conflict: string | undefined): Refined {
  return conflict === undefined ? { type } : { type, conflict };
}
