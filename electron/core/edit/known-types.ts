/**
 * The types of an edited model's tensors without inferring them again. Folding infers every
 * tensor's type once; the tensors it leaves keep those types (folded nodes become initializers of
 * the values they computed, readers of a removed copy read an equal tensor), and INT64 → INT32
 * says which ones it retyped (step.ts hands both on). On a 125k-node model a second inference pass
 * for the readiness check after the edits was a large share of `kiln fix`; this lookup replaces it.
 * Only the main graph's names are handed on: a model with If/Loop/Scan bodies or local functions
 * is inferred as before.
 */
import { dtypeFromOnnx } from '../onnx/dtypes';
import type { ModelIR } from '../onnx/ir';
import type { TensorProto } from '../onnx/model';
import type { ShapeResult } from '../onnx/shapes';
import type { TensorType } from '../shapes/types';

/**
 * Every tensor's type in `ir` (a model of one graph) from `typeOf`, initializers from their own
 * dims and type as inference reads them; null when the model has bodies or functions.
 */
export function typesKnown(
  ir: ModelIR,
  typeOf: (name: string, nameId?: number) => TensorType | undefined,
): Pick<ShapeResult, 'types'> | null {
  if (ir.graphs.length !== 1) return null;
  const types = new Array<TensorType | undefined>(ir.tensorCount);
  // Names the decoder met are handed over by string id (no name hashed), the rest by name.
  const ids = ir.nameIds?.idOf;
  for (let t = 0; t < ir.tensorCount; t++) {
    const init = ir.tensorInitializer[t] as number;
    if (init >= 0) {
      const tp = ir.initializers[init] as TensorProto;
      types[t] = { dtype: dtypeFromOnnx(tp.dataType), dims: tp.dims.slice() };
    } else {
      const id = ids ? (ids[t] as number) : -1;
      types[t] = typeOf(ir.tensorName[t] as string, id >= 0 ? id : undefined);
    }
  }
  return { types };
}
