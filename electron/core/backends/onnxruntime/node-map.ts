/**
 * Which original ONNX nodes each node of an optimized graph stands for. ONNX Runtime keeps tensor
 * names across fusions, so a fused node's outputs are original tensors: walking back from them
 * through tensors that vanished in the optimized graph reaches every original node it swallowed.
 */
import type { GraphProto, NodeProto } from '../../onnx/model';
import type { NodeMapping } from '../backend';

export function nodeName(n: NodeProto, i: number): string {
  return n.name || `${n.opType}_${i}`;
}

export function mapOptimizedNodes(original: GraphProto, optimized: GraphProto): NodeMapping[] {
  const producer = new Map<string, number>();
  original.node.forEach((n, i) => n.output.forEach((t) => t && producer.set(t, i)));
  const originalByName = new Map(original.node.map((n, i) => [nodeName(n, i), i]));
  const surviving = new Set<string>();
  for (const n of optimized.node) for (const t of [...n.input, ...n.output]) if (t) surviving.add(t);
  for (const v of optimized.input) surviving.add(v.name);
  for (const t of optimized.initializer) surviving.add(t.name);

  return optimized.node.map((n, i) => {
    const covered = new Set<number>();
    const inputs = new Set(n.input);
    const stack = n.output.filter((t) => producer.has(t));
    const seen = new Set<string>();
    while (stack.length) {
      const t = stack.pop() as string;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = producer.get(t);
      if (p === undefined || covered.has(p)) continue;
      covered.add(p);
      for (const u of (original.node[p] as NodeProto).input) {
        // Keep walking only through tensors the optimization removed: they were internal to the fusion.
        if (u && !inputs.has(u) && !surviving.has(u) && producer.has(u)) stack.push(u);
      }
    }
    if (covered.size === 0) {
      const same = originalByName.get(n.name);
      if (same !== undefined) covered.add(same);
    }
    // Constants folded into a fused node's weights were swallowed too, but cost nothing at run time:
    // list the compute nodes, so time split over `originals` lands where the work is.
    let kept = [...covered].sort((a, b) => a - b);
    const compute = kept.filter((k) => (original.node[k] as NodeProto).opType !== 'Constant');
    if (compute.length > 0) kept = compute;
    const originals = kept.map((k) => nodeName(original.node[k] as NodeProto, k));
    return {
      node: nodeName(n, i),
      op: n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType,
      originals,
    };
  });
}
