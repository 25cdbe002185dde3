/**
 * The clean-up half of folding: nodes whose outputs nothing reads (walked backwards from the graph
 * outputs, so a dead chain goes whole), initializers nothing reads, initializers that hold the same
 * values as another (readers pointed at the first), and value_info of tensors that no longer exist.
 * Initializers that are also graph inputs can be overridden at run time: they are never merged.
 */
import { createHash } from 'node:crypto';
import type { GraphProto, NodeProto, TensorProto } from '../onnx/model';
import { tensorRawBytes } from '../onnx/values';
import { nodeReads, namesRead, replaceReads } from './rewire';

/**
 * Removes nodes none of whose outputs is needed; returns how many went and the names still needed
 * (the graph outputs and every name a kept node reads: removeDeadInitializers takes them).
 */
export function removeDeadNodes(g: GraphProto): { removed: number; needed: Set<string> } {
  const needed = new Set(g.output.map((o) => o.name));
  const keep: NodeProto[] = [];
  for (let i = g.node.length - 1; i >= 0; i--) {
    const n = g.node[i] as NodeProto;
    let live = false;
    for (const o of n.output) if (o && needed.has(o)) live = true;
    if (!live) continue;
    keep.push(n);
    // Plain inputs straight in (no list made a node); bodies' outer reads through nodeReads.
    for (const x of n.input) if (x) needed.add(x);
    if (n.attribute.some((a) => a.g || a.graphs)) for (const x of nodeReads(n)) needed.add(x);
  }
  const removed = g.node.length - keep.length;
  if (removed > 0) g.node = keep.reverse();
  return { removed, needed };
}

/**
 * Removes initializers nothing reads (graph inputs keep theirs); returns how many went. `read`:
 * the names the nodes read and the graph outputs, when the caller has them (removeDeadNodes).
 */
export function removeDeadInitializers(g: GraphProto, read?: Set<string>): number {
  if (!read) {
    read = namesRead(g);
    for (const o of g.output) read.add(o.name);
  }
  const before = g.initializer.length;
  const inputs = new Set(g.input.map((v) => v.name));
  g.initializer = g.initializer.filter((t) => read.has(t.name) || inputs.has(t.name));
  return before - g.initializer.length;
}

/** Tensors whose bytes are in memory or a file (what merging compares); strings and the rest are skipped. */
function bytesOf(t: TensorProto): Uint8Array | null {
  const d = t.data;
  if (d.kind !== 'bytes' && d.kind !== 'external') return null;
  try {
    return tensorRawBytes(t, { path: '' });
  } catch {
    return null;
  }
}

/** How many leading bytes sort same-sized initializers before any is hashed. */
const PREFIX_BYTES = 64;

/** Maps each tensor of `bucket` equal to an earlier one (sha1, then the bytes compared) to that one's name. */
function mergeEqual(bucket: { name: string; bytes: Uint8Array }[], map: Map<string, string>): void {
  const first = new Map<string, { name: string; bytes: Uint8Array }>();
  for (const t of bucket) {
    const h = createHash('sha1').update(t.bytes).digest('hex');
    const same = first.get(h);
    if (same === undefined) first.set(h, t);
    else if (Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength).equals(same.bytes))
      map.set(t.name, same.name);
  }
}

/** Points readers of an initializer equal to an earlier one at the earlier one; returns how many merged. */
export function mergeDuplicateInitializers(g: GraphProto): number {
  const pinned = new Set([...g.input.map((v) => v.name), ...g.output.map((v) => v.name)]);
  // Only tensors of the same type, dims and size can be equal: hash just those.
  const groups = new Map<string, TensorProto[]>();
  for (const t of g.initializer) {
    if (pinned.has(t.name) || (t.data.kind !== 'bytes' && t.data.kind !== 'external')) continue;
    const key = `${t.dataType}|${t.dims.join(',')}|${t.data.kind === 'bytes' ? t.data.bytes.length : t.data.length}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
  }
  const map = new Map<string, string>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    // Weights that differ mostly differ in their first bytes: only tensors that share those are hashed.
    const byPrefix = new Map<string, { name: string; bytes: Uint8Array }[]>();
    for (const t of group) {
      const b = bytesOf(t);
      if (!b) continue;
      const key = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, PREFIX_BYTES)).toString('latin1');
      (byPrefix.get(key) ?? byPrefix.set(key, []).get(key)!).push({ name: t.name, bytes: b });
    }
    for (const bucket of byPrefix.values()) if (bucket.length > 1) mergeEqual(bucket, map);
  }
  if (map.size === 0) return 0;
  replaceReads(g, map);
  g.initializer = g.initializer.filter((t) => !map.has(t.name));
  return map.size;
}

/** Drops value_info of tensors nothing makes any more (and of initializers, whose type is their own). */
export function dropStaleValueInfo(g: GraphProto): void {
  if (g.valueInfo.length === 0) return;
  const made = new Set<string>();
  for (const n of g.node) for (const o of n.output) if (o) made.add(o);
  g.valueInfo = g.valueInfo.filter((v) => made.has(v.name));
}
