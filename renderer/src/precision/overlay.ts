/** A variant's diff painted on the graph: each node of the source model by what the rewrite made of it. */
import type { Variant } from '../../../electron/shared/api/variants';
import type { NodeOverlay } from '../graph/overlay';

const LABELS = [
  'INT8 (Q/DQ on its inputs)',
  'FP16',
  'kept FP32',
  'kept out of INT8, FP16',
  'rewritten (folded or fused)',
  'unchanged',
];

export function precisionOverlay(v: Variant, nodeNames: readonly string[]): NodeOverlay {
  const code = new Map<string, number>();
  for (const n of v.converted.rewritten ?? []) code.set(n, 4);
  for (const n of v.converted.fp16 ?? []) code.set(n, 1);
  for (const k of v.kept) code.set(k.node, k.precision === 'fp16' ? 3 : 2);
  for (const n of v.converted.int8 ?? []) code.set(n, 0);
  const codes = Int32Array.from(nodeNames, (n) => code.get(n) ?? 5);
  return { name: `precision in ${v.name}`, kind: 'category', codes, labels: LABELS };
}
