/**
 * A readiness report as the API carries it: main-graph node indices, statuses as a plain array,
 * the predicted fusions, and the findings grouped. A transformer or a detector repeats one finding
 * on dozens of nodes ("Gather on INT64" in every layer); the groups say it once per op and message,
 * with a count and the nodes collapsed under it, so a user reads two rows instead of 238.
 */
import type { TrtCheck } from '../../shared/api/tensorrt';
import type { ModelIR } from '../onnx/ir';
import type { CheckReport } from './check';
import type { FusionPrediction } from './fusion';

type PayloadFinding = TrtCheck['findings'][number];

/** Findings with the same status, op, reason and way forward, in the order their first one came. */
export function groupFindings(findings: readonly PayloadFinding[]): TrtCheck['groups'] {
  const groups = new Map<string, TrtCheck['groups'][number]>();
  for (const f of findings) {
    const key = JSON.stringify([f.status, f.op, f.reason, f.suggestion]);
    let g = groups.get(key);
    if (!g) {
      g = { status: f.status, op: f.op, reason: f.reason, suggestion: f.suggestion, count: 0, nodes: [] };
      groups.set(key, g);
    }
    g.count++;
    g.nodes.push({ node: f.node, index: f.index, graph: f.graph, ...(f.detail ? { detail: f.detail } : {}) });
  }
  return [...groups.values()];
}

export function checkPayload(report: CheckReport, ir: ModelIR, fusion: FusionPrediction): TrtCheck {
  const main = ir.graphs[0];
  const start = main?.nodeStart ?? 0;
  const end = main?.nodeEnd ?? 0;
  const findings = report.findings.map(({ id, ...f }) => ({ ...f, index: id >= start && id < end ? id - start : -1 }));
  return {
    trt: report.trt,
    ...(report.minor === undefined ? {} : { minor: report.minor }),
    tensorrt: report.tensorrt,
    table: report.table,
    tableNote: report.tableNote,
    opsets: report.opsets,
    source: report.source,
    nodes: report.nodes,
    supported: report.supported,
    unsupported: report.unsupported,
    findings,
    groups: groupFindings(findings),
    computes: report.computes,
    partitions: report.partitions.map((p) => ({ size: p.nodes.length, first: p.first, last: p.last })),
    nodeStatus: Array.from(report.nodeStatus.subarray(start, end)),
    fusion: {
      nodes: fusion.nodes,
      kernels: fusion.kernels,
      folded: fusion.folded,
      groups: fusion.groups.map((g) => ({
        kind: g.kind,
        label: g.label,
        rule: g.rule,
        nodes: g.nodes.map((id) => id - start),
      })),
    },
  };
}
