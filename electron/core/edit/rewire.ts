/**
 * Pointing readers at another tensor: what removing an Identity, folding a node into a constant or
 * merging two equal initializers all end with. Bodies of If/Loop/Scan read outer tensors by name
 * (their nodes' inputs and their outputs), so they are rewritten too; ONNX names are unique across
 * a graph and its bodies, so no body shadows the names being replaced.
 */
import type { GraphProto } from '../onnx/model';
import { copyNode } from './model-copy';

/** Follows `map` to its end (a → b → c gives c) so chains of replacements resolve in one pass. */
export function resolveName(map: ReadonlyMap<string, string>, name: string): string {
  let n = name;
  for (let i = 0; i < 1_000_000; i++) {
    const next = map.get(n);
    if (next === undefined) return n;
    n = next;
  }
  return n;
}

/**
 * Replaces every read of a name in `map` (nodes' inputs, bodies' inputs and outputs) by its target.
 * `g`'s own node list is the caller's, but its nodes may be shared with the model the edit was
 * given (model-copy.ts): a node that changes is copied into the list first (with its bodies, which
 * are then the copy's own and changed in place).
 */
export function replaceReads(g: GraphProto, map: ReadonlyMap<string, string>, isBody = false): void {
  if (map.size === 0) return;
  for (let k = 0; k < g.node.length; k++) {
    let n = g.node[k] as GraphProto['node'][number];
    const hasBody = n.attribute.some((a) => a.g || a.graphs);
    if (!hasBody && !n.input.some((x) => x && map.has(x))) continue;
    if (!isBody) {
      n = copyNode(n);
      g.node[k] = n;
    }
    for (let i = 0; i < n.input.length; i++) {
      const x = n.input[i] as string;
      if (x && map.has(x)) n.input[i] = resolveName(map, x);
    }
    for (const a of n.attribute) {
      if (a.g) replaceReads(a.g, map, true);
      for (const sg of a.graphs ?? []) replaceReads(sg, map, true);
    }
  }
  // A body's output may name an outer tensor directly; the main graph's outputs are never renamed here.
  if (isBody) for (const o of g.output) if (map.has(o.name)) o.name = resolveName(map, o.name);
}

/** Every name read by the nodes of `g` and of its bodies, and the bodies' outputs (outer reads). */
export function namesRead(g: GraphProto, into: Set<string> = new Set()): Set<string> {
  for (const n of g.node) {
    for (const x of n.input) if (x) into.add(x);
    for (const a of n.attribute) for (const sg of a.g ? [a.g] : (a.graphs ?? [])) bodyReads(sg, into);
  }
  return into;
}

function bodyReads(g: GraphProto, into: Set<string>): void {
  namesRead(g, into);
  for (const o of g.output) into.add(o.name);
}

/** The names read by one node: its inputs and what its bodies read from outside. */
export function nodeReads(n: GraphProto['node'][number]): string[] {
  const out = n.input.filter(Boolean);
  for (const a of n.attribute) {
    for (const sg of a.g ? [a.g] : (a.graphs ?? [])) {
      const s = new Set<string>();
      bodyReads(sg, s);
      out.push(...s);
    }
  }
  return out;
}
