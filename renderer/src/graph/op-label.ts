/**
 * What a node's box says. Ops are keyed `domain:Op` outside the default domain, and a custom
 * domain stays in the box (a TensorRT plugin op, `trt.plugins:MyOp`, is worth seeing as one). But
 * onnxruntime's com.microsoft contrib ops are as common as the standard ones in the models users
 * bring (optimized and quantized exports), and "com.microsoft:" before each left no room for the
 * op: their boxes say the op alone; the inspector, search and tooltips keep the domain.
 */
const SHORTENED = 'com.microsoft:';

export function boxLabel(op: string): string {
  return op.startsWith(SHORTENED) ? op.slice(SHORTENED.length) : op;
}
