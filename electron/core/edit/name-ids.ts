/**
 * Keeps an edited model's graph IR cheap to build. The IR keys the main graph's names by the
 * decoder's string ids (ir.ts); a node whose inputs an edit rewired (merged duplicate initializers,
 * removed Identities) no longer matches its ids, and one such name makes the IR hash every string of
 * the file. After folding, the rewired nodes are given ids again: the edited model gets its own
 * copy of the input-id array with their entries appended (the strings are shared), and each such
 * node a copy pointing at them. Ids are only ever a shortcut: the IR checks each against its name.
 */
import type { ModelProto, NameIds, NodeProto } from '../onnx/model';

/** Whether input `k` of `n` still has its string id in `names`. */
function holds(names: NameIds, n: NodeProto, k: number): boolean {
  if (n.inAt === undefined) return false;
  const id = names.inIds[n.inAt + k];
  return id !== undefined && names.values[id] === n.input[k];
}

/** Gives `m`'s main-graph nodes whose input ids no longer hold ids again (in place on `m`, a copy the caller owns). */
export function renewInputIds(m: ModelProto): void {
  const names = m.names;
  const g = m.graph;
  if (!names || !g) return;
  const stale: number[] = [];
  const wanted = new Set<string>();
  for (let i = 0; i < g.node.length; i++) {
    const n = g.node[i] as NodeProto;
    let ok = true;
    for (let k = 0; k < n.input.length; k++) {
      const x = n.input[k] as string;
      if (x && !holds(names, n, k)) {
        ok = false;
        wanted.add(x);
      }
    }
    if (!ok) stale.push(i);
  }
  if (stale.length === 0) return;
  // The ids of the names they read now: from initializers, graph inputs and node outputs that hold theirs.
  const idOf = new Map<string, number>();
  const offer = (name: string, id: number | undefined) => {
    if (id !== undefined && wanted.has(name) && names.values[id] === name && !idOf.has(name)) idOf.set(name, id);
  };
  for (const t of g.initializer) offer(t.name, t.nameId);
  for (const v of g.input) offer(v.name, v.nameId);
  for (const n of g.node)
    if (n.outAt !== undefined)
      for (let k = 0; k < n.output.length; k++) offer(n.output[k] as string, names.outIds[n.outAt + k]);
  let extra = 0;
  for (const i of stale) extra += (g.node[i] as NodeProto).input.length;
  const inIds = new Int32Array(names.inIds.length + extra);
  inIds.set(names.inIds);
  let at = names.inIds.length;
  for (const i of stale) {
    const n = g.node[i] as NodeProto;
    const copy: NodeProto = { ...n, inAt: at };
    n.input.forEach((x, k) => {
      const old = holds(names, n, k) ? names.inIds[(n.inAt as number) + k] : undefined;
      inIds[at + k] = old ?? idOf.get(x) ?? -1;
    });
    at += n.input.length;
    g.node[i] = copy;
  }
  m.names = { ...names, inIds };
}
