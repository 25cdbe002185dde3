/** Per-node time of a profile as a graph overlay: nodes by name, NaN where the profile has nothing. */
import type { ProfileReport } from '../../../electron/shared/api/backends';
import type { NodeOverlay } from '../graph/overlay';

export function timeOverlay(report: ProfileReport, nodeNames: readonly string[], label: string): NodeOverlay {
  const values = new Float64Array(nodeNames.length);
  for (let i = 0; i < nodeNames.length; i++) {
    const ms = report.perNodeMs[nodeNames[i] ?? ''];
    values[i] = ms === undefined ? NaN : ms;
  }
  return { name: `time per node, ms (${label})`, kind: 'number', values, unit: 'ms', additive: true };
}
