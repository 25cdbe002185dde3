/**
 * The difference an edit made, by node, for the graph view to paint: nodes only the parent has
 * (removed), only the result has (added), and nodes both have whose op, inputs, outputs or
 * attributes differ (changed). Nodes are matched by name; an unnamed node by its first output.
 */
import type { AttributeProto, ModelProto, NodeProto } from '../onnx/model';

export interface NodeChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

const keyOf = (n: NodeProto) => n.name || (n.output[0] ? `(${n.output[0]})` : `(${n.opType})`);

function attrSig(a: AttributeProto): string {
  const t = a.t
    ? `${a.t.dataType}:${a.t.dims.join('x')}:${a.t.data.kind === 'bytes' ? a.t.data.bytes.length : a.t.data.kind}`
    : '';
  return `${a.name}=${a.type}:${a.i ?? ''}:${a.f ?? ''}:${a.ints?.join(',') ?? ''}:${a.floats?.join(',') ?? ''}:${a.s ? Buffer.from(a.s).toString('latin1') : ''}:${t}:${a.g ? a.g.node.length : ''}`;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether two nodes differ in op, inputs, outputs or attributes. Edits share the attributes they do
 * not change (model-copy.ts), so an attribute is compared by identity first and by value only when
 * it was replaced: a 125k-node model is compared without a string per node.
 */
function differs(a: NodeProto, b: NodeProto): boolean {
  // Edits copy a node before they change it (model-copy.ts): the same object is the same node.
  if (a === b) return false;
  if (a.domain !== b.domain || a.opType !== b.opType || !sameList(a.input, b.input) || !sameList(a.output, b.output))
    return true;
  if (a.attribute.length !== b.attribute.length) return true;
  return a.attribute.some((x, i) => {
    const y = b.attribute[i] as AttributeProto;
    return x !== y && attrSig(x) !== attrSig(y);
  });
}

/** How far ahead in the parent a node shared with the child is looked for before it is matched by name. */
const LOOK_AHEAD = 64;

/**
 * Nodes the child shares with the parent (the same objects: edits copy what they change) are
 * matched by walking both lists in order, which is how edits keep them; only the nodes left over
 * (new, copied, reordered) are matched by name. A fold of a 125k-node model is then compared
 * without a map of 125k names.
 */
export function nodeChanges(parent: ModelProto, child: ModelProto): NodeChanges {
  const was = parent.graph?.node ?? [];
  const now = child.graph?.node ?? [];
  const shared = new Uint8Array(was.length);
  const rest: NodeProto[] = [];
  let i = 0;
  for (const n of now) {
    let j = i;
    const end = Math.min(was.length, i + LOOK_AHEAD);
    while (j < end && was[j] !== n) j++;
    if (j < end) {
      shared[j] = 1;
      i = j + 1;
    } else rest.push(n);
  }
  const before = new Map<string, NodeProto>();
  for (let k = 0; k < was.length; k++) if (!shared[k]) before.set(keyOf(was[k] as NodeProto), was[k] as NodeProto);
  const added: string[] = [];
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const n of rest) {
    const k = keyOf(n);
    seen.add(k);
    const old = before.get(k);
    if (old === undefined) added.push(k);
    else if (differs(old, n)) changed.push(k);
  }
  const removed = [...before.keys()].filter((k) => !seen.has(k));
  return { added, removed, changed };
}
