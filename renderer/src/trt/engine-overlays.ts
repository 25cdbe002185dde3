/**
 * Engine diffs and audits painted on the graph: each node coloured by how much time its group of
 * layers gained or lost in one engine against the first (spread evenly over the group's nodes, so
 * the colours add up to the group's difference), and each node the audit flags by what happened to
 * it (FP16 asked and FP32 built, INT8 asked and Q/DQ unfused, ...).
 */
import type { AuditKind, EngineAudit, EngineDiff } from '../../../electron/shared/api/engine-diff';
import type { NodeOverlay } from '../graph/overlay';

/** Bins around zero: blue faster than the first engine, red slower, grey no change (±1% of the peak). */
function diverging(peak: number) {
  const eps = peak * 0.01;
  return [
    { value: -peak / 2, bgColor: '#2c7bb6' },
    { value: -eps, bgColor: '#abd9e9' },
    { value: eps, bgColor: '#d9d9d9' },
    { value: peak / 2, bgColor: '#fdae61' },
    { value: peak, bgColor: '#d7191c' },
  ];
}

/** Time of `engine` minus the first's, per node (NaN for nodes in no group or without times). */
export function timeDiffOverlay(d: EngineDiff, engine: number, nodeCount: number): NodeOverlay {
  const values = new Float64Array(nodeCount).fill(NaN);
  let peak = 0;
  for (const g of d.groups) {
    const delta = g.deltaMs[engine];
    if (delta === null || delta === undefined) continue;
    const share = delta / g.nodes.length;
    peak = Math.max(peak, Math.abs(share));
    for (const n of g.nodes) if (n < nodeCount) values[n] = share;
  }
  const first = d.imports[0]?.label ?? 'A';
  const label = d.imports[engine]?.label ?? '?';
  return {
    name: `engine time ${label} − ${first} per ONNX node`,
    kind: 'number',
    values,
    unit: 'ms',
    // Symmetric around zero, so grey is "no change" whatever the range.
    thresholds: diverging(peak > 0 ? peak : 1e-9),
  };
}

export const AUDIT_LABELS: Record<AuditKind, string> = {
  'fp16-built-fp32': 'FP16 asked, FP32 built',
  'int8-not-fused': 'INT8 asked, Q/DQ not fused',
  'fp32-built-lower': 'FP32 pinned, built lower',
  'fp32-in-lower-engine': 'FP32 in a lower-precision engine',
  'tf32-in-fp32-engine': 'TF32 in an FP32 engine',
};
const KINDS = Object.keys(AUDIT_LABELS) as AuditKind[];

/** The audit's flagged nodes by kind; every other node uncoloured. */
export function auditOverlay(a: EngineAudit, nodeCount: number): NodeOverlay {
  const codes = new Int32Array(nodeCount).fill(-1);
  for (const i of a.items) if (i.node < nodeCount) codes[i.node] = KINDS.indexOf(i.kind);
  return {
    name: 'precision audit: asked against built',
    kind: 'category',
    codes,
    labels: KINDS.map((k) => AUDIT_LABELS[k]),
  };
}
