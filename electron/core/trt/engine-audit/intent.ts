/**
 * What precision each node was asked to run in, read from a Kiln variant: its recipe in
 * metadata_props says Kiln made it and how (FP16, INT8, INT8 with FP16 around it, FP32 pins), and the
 * graph itself says where that landed — a node reading a DequantizeLinear was asked INT8, a node
 * computing on float16 tensors FP16, a node left on float32 by an FP16 rewrite was kept (asked FP32).
 * The graph is read rather than a list in the recipe so a variant edited afterwards still audits true.
 */
import type { ModelAnalysis } from '../../onnx/analyze';
import { recipeOf } from '../../onnx/recipe-meta';

export type AskedPrecision = 'FP16' | 'INT8' | 'FP32';

export interface ModelIntent {
  /** 'recipe' when the model carries Kiln's recipe; else nothing was asked per node. */
  basis: 'recipe' | 'engine';
  /** What the recipe asked, in words ('FP16', 'INT8 + FP16', 'INT8'); null without a recipe. */
  asked: string | null;
  /** Per main-graph node (local index): the precision asked, undefined when nothing was. */
  perNode: (AskedPrecision | undefined)[];
}

/** Ops that compute nothing in a precision of their own: format, shape and type plumbing. */
const NO_COMPUTE = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'Cast',
  'CastLike',
  'Constant',
  'ConstantOfShape',
  'Identity',
  'Shape',
  'Size',
  'Range',
  'NonZero',
]);

const FLOAT_ASKED: Record<string, AskedPrecision> = { float16: 'FP16', float32: 'FP32' };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function modelIntent(a: ModelAnalysis): ModelIntent {
  const { ir } = a;
  const main = ir.graphs[0];
  const count = main ? main.nodeEnd - main.nodeStart : 0;
  const perNode: (AskedPrecision | undefined)[] = new Array<AskedPrecision | undefined>(count).fill(undefined);
  const recipe = recipeOf(a.opened.model);
  const precision = recipe?.precision;
  if (!main || (precision !== 'fp16' && precision !== 'int8')) return { basis: 'engine', asked: null, perNode };

  const halfAround = precision === 'fp16' || recipe?.highPrecision === 'fp16';
  const exclude = recipe?.exclude as { nodes?: unknown } | undefined;
  const pinned = new Set([...strings(recipe?.fp32Nodes), ...strings(recipe?.excludeNodes), ...strings(exclude?.nodes)]);
  const dtypeOf = (t: number) => (t >= 0 ? a.shapes.types[t]?.dtype : undefined);
  const producerOp = (t: number) => {
    const p = t >= 0 ? ir.tensorProducer[t]! : -1;
    return p >= 0 ? ir.nodes[p]?.opType : undefined;
  };

  for (let i = 0; i < count; i++) {
    const id = main.nodeStart + i;
    const op = ir.nodes[id]?.opType ?? '';
    if (NO_COMPUTE.has(op)) continue;
    const inputs = ir.nodeInputs.subarray(ir.nodeInputStart[id], ir.nodeInputStart[id + 1]);
    const outputs = ir.nodeOutputs.subarray(ir.nodeOutputStart[id], ir.nodeOutputStart[id + 1]);
    const name = ir.nodeName[id] ?? '';
    if (precision === 'int8' && Array.from(inputs).some((t) => producerOp(t) === 'DequantizeLinear')) {
      perNode[i] = 'INT8';
      continue;
    }
    // The type it computes on: its first float output, else its first float input.
    let asked: AskedPrecision | undefined;
    for (const t of [...outputs, ...inputs]) {
      asked = FLOAT_ASKED[dtypeOf(t) ?? ''];
      if (asked) break;
    }
    if (asked === 'FP32' && !halfAround && !pinned.has(name)) asked = undefined; // INT8 alone: float stays the builder's choice
    perNode[i] = asked;
  }
  const asked = precision === 'fp16' ? 'FP16' : halfAround ? 'INT8 + FP16' : 'INT8';
  return { basis: 'recipe', asked, perNode };
}
