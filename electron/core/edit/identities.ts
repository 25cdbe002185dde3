/**
 * Identity and inference-time Dropout removal, part of folding: each is a copy of its input, so its
 * readers read the input instead. When its output is a graph output the name must survive: the node
 * that makes the input is renamed to make the output instead (when that input is not itself a graph
 * input, initializer or output); otherwise the node stays. A Dropout whose mask is read, or whose
 * training_mode input is given, is not a copy and stays.
 */
import { isDefaultDomain } from '../onnx/graph-edit';
import type { GraphProto, NodeProto } from '../onnx/model';
import { copyNode } from './model-copy';
import { namesRead, replaceReads, resolveName } from './rewire';

function isCopy(n: NodeProto, read: ReadonlySet<string>): boolean {
  if (!isDefaultDomain(n) || !n.input[0] || !n.output[0]) return false;
  if (n.opType === 'Identity') return true;
  if (n.opType !== 'Dropout') return false;
  const mask = n.output[1];
  return !(mask && read.has(mask)) && !n.input[2];
}

/**
 * Removes the copies from `g` (its lists changed in place: the caller's copy; nodes it renames are
 * copied first, as they may be shared with the edit's input); returns how many went.
 */
export function removeIdentities(g: GraphProto): number {
  if (!g.node.some((n) => n.opType === 'Identity' || n.opType === 'Dropout')) return 0;
  const read = namesRead(g);
  const outputs = new Set(g.output.map((o) => o.name));
  const fixed = new Set([...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name), ...outputs]);
  const producer = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) if (o) producer.set(o, n);
  const map = new Map<string, string>();
  const gone = new Set<NodeProto>();
  const owned = new Set<NodeProto>();
  for (const n of g.node) {
    if (!isCopy(n, read)) continue;
    const x = resolveName(map, n.input[0] as string);
    const y = n.output[0] as string;
    if (!outputs.has(y)) {
      map.set(y, x);
      gone.add(n);
      continue;
    }
    // y is a graph output: the node making x makes y instead, when x is free to go.
    const was = producer.get(x);
    if (!was || fixed.has(x) || was.output.filter((o) => o === x).length !== 1) continue;
    // The node may be shared with the edit's input: it is renamed in a copy of its own.
    const p = owned.has(was) ? was : copyNode(was);
    if (p !== was) {
      owned.add(p);
      g.node[g.node.indexOf(was)] = p;
      for (const o of p.output) if (o) producer.set(o, p);
    }
    p.output = p.output.map((o) => (o === x ? y : o));
    producer.set(y, p);
    map.set(x, y);
    gone.add(n);
  }
  if (gone.size === 0) return 0;
  g.node = g.node.filter((n) => !gone.has(n));
  replaceReads(g, map);
  return gone.size;
}
