/**
 * An edited version's difference to its parent painted on its graph: nodes the edit added and nodes
 * it changed in two colours with a legend, the rest left grey; the nodes it removed are not in this
 * graph, so the legend's title counts them.
 */
import type { EditReport } from '../../../electron/shared/api/edits';
import type { NodeOverlay } from '../graph/overlay';

/** Legend labels, in the order of the overlay's codes (its first colours: blue, orange). */
export const DIFF_LABELS = ['added by the edit', 'changed by the edit'] as const;

export function diffOverlay(changes: EditReport['changes'], nodeNames: readonly string[], parent: string): NodeOverlay {
  const code = new Map<string, number>();
  for (const n of changes.changed) code.set(n, 1);
  for (const n of changes.added) code.set(n, 0);
  const codes = Int32Array.from(nodeNames, (n) => code.get(n) ?? -1);
  const removed = changes.removed.length;
  return {
    name: `Difference to ${parent}${removed ? ` · ${removed} node${removed === 1 ? '' : 's'} removed` : ''}`,
    kind: 'category',
    codes,
    labels: [...DIFF_LABELS],
  };
}
