/**
 * An edited version's difference to its parent painted on its graph: nodes the edit added and nodes
 * it changed in two colours, the rest grey, with a legend; the nodes it removed are not in this
 * graph, so the legend's title counts them.
 */
import type { EditReport } from '../../../electron/shared/api/edits';
import type { NodeOverlay } from '../graph/overlay';

/**
 * Legend labels by code. A category overlay colours code i with the i-th of the graph's qualitative
 * colours: added is the first (blue), changed the second (orange), and unchanged sits at the tenth,
 * the grey one, so the nodes the edit left alone read as background. The codes between are never
 * used, and a label no node has stays out of the legend.
 */
export const DIFF_LABELS = [
  'added by the edit',
  'changed by the edit',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'unchanged',
] as const;
const UNCHANGED = DIFF_LABELS.indexOf('unchanged');

export function diffOverlay(changes: EditReport['changes'], nodeNames: readonly string[], parent: string): NodeOverlay {
  const code = new Map<string, number>();
  for (const n of changes.changed) code.set(n, 1);
  for (const n of changes.added) code.set(n, 0);
  const codes = Int32Array.from(nodeNames, (n) => code.get(n) ?? UNCHANGED);
  const removed = changes.removed.length;
  return {
    name: `Difference to ${parent}${removed ? ` · ${removed} node${removed === 1 ? '' : 's'} removed` : ''}`,
    kind: 'category',
    codes,
    labels: [...DIFF_LABELS],
  };
}
