/**
 * Which drawn node of one side is which of the other, and what became of each, from a model.diff
 * reply and the two graph payloads' node names. The reply lists changes only: changed and renamed
 * nodes carry their pair, added and removed nodes have none, and every other node is unchanged and
 * pairs with the node of the same name on the other side (the view needs the pairs to follow one
 * graph with the other and to select both halves of a pair).
 */
import type { ModelDiff } from '../../../electron/shared/api/diff';

export const NODE_CLASS = { unchanged: 0, added: 1, removed: 2, changed: 3, renamed: 4 } as const;
export type NodeClass = (typeof NODE_CLASS)[keyof typeof NODE_CLASS];
export const CLASS_LABEL = ['unchanged', 'added', 'removed', 'changed', 'renamed'] as const;
export const CLASS_COLOR = ['', '#3f9f4a', '#e15759', '#f28e2b', '#4e79a7'] as const;

export interface DiffPairs {
  /** Node of A -> its pair in B (-1: none); bToA the other way. */
  aToB: Int32Array;
  bToA: Int32Array;
  classA: Uint8Array;
  classB: Uint8Array;
}

export function diffPairs(diff: ModelDiff, namesA: readonly string[], namesB: readonly string[]): DiffPairs {
  const aToB = new Int32Array(namesA.length).fill(-1);
  const bToA = new Int32Array(namesB.length).fill(-1);
  const classA = new Uint8Array(namesA.length);
  const classB = new Uint8Array(namesB.length);
  const listed = (x: number, y: number, c: NodeClass) => {
    if (x >= namesA.length || y >= namesB.length) return;
    aToB[x] = y;
    bToA[y] = x;
    classA[x] = c;
    classB[y] = c;
  };
  for (const r of diff.nodes.removed) if (r.node < namesA.length) classA[r.node] = NODE_CLASS.removed;
  for (const r of diff.nodes.added) if (r.node < namesB.length) classB[r.node] = NODE_CLASS.added;
  for (const c of diff.nodes.changed) listed(c.a.node, c.b.node, NODE_CLASS.changed);
  for (const r of diff.nodes.renamed) listed(r.a.node, r.b.node, NODE_CLASS.renamed);
  // The rest: unchanged, paired by name where the name is used once on each side.
  const byName = new Map<string, number>();
  namesB.forEach((name, y) => {
    if (!name || bToA[y] !== -1 || classB[y] !== NODE_CLASS.unchanged) return;
    byName.set(name, byName.has(name) ? -1 : y);
  });
  namesA.forEach((name, x) => {
    if (!name || aToB[x] !== -1 || classA[x] !== NODE_CLASS.unchanged) return;
    const y = byName.get(name);
    if (y === undefined || y < 0) return;
    aToB[x] = y;
    bToA[y] = x;
    byName.set(name, -1);
  });
  return { aToB, bToA, classA, classB };
}
