/**
 * An engine view or an engine diff as JSON, node indices turned into the ONNX node names people and
 * scripts know: what `kiln engine --json` writes and what the app's comparison report carries under
 * `engines`. One builder for both, so the CLI's JSON and the downloaded report never disagree.
 */
import type { EngineAudit, EngineDiff } from '../api/engine-diff';
import type { EngineView } from '../api/tensorrt';

export type NodeNames = readonly string[];

const nameOf = (names: NodeNames, n: number) => names[n] || `#${n}`;
const match = (m: EngineView['match']) => ({ share: m.share, ok: m.ok, ...(m.warning ? { warning: m.warning } : {}) });

export function auditJson(a: EngineAudit, names: NodeNames) {
  return { ...a, reformats: a.reformats.map((r) => ({ ...r, nodes: r.nodes.map((n) => nameOf(names, n)) })) };
}

/** The engine view as `kiln engine --json` writes it: `layers` (each with `nodes` and `precision`), `unmapped`, `uncovered`, `totalMs`, `match`, `audit`. */
export function engineViewJson(v: EngineView, names: NodeNames) {
  return {
    files: v.files,
    tensorrt: v.tensorrt,
    schema: v.schema,
    match: match(v.match),
    totalMs: v.totalMs,
    kernels: v.kernels,
    layers: v.layers.map((l) => ({
      index: l.index,
      name: l.name,
      type: l.type,
      precision: l.precision,
      precisionFrom: l.precisionFrom,
      tactic: l.tactic,
      ms: l.ms,
      share: l.share,
      nodes: l.nodes.map((n) => nameOf(names, n)),
    })),
    unmapped: v.unmapped,
    uncovered: v.uncovered.map((n) => nameOf(names, n)),
    times: v.times,
    audit: auditJson(v.audit, names),
    warnings: v.warnings,
  };
}

/** The diff as `kiln engine … --vs … --json` writes it: `groups`, `totals` (ms per import), `imports` with each `match`. */
export function engineDiffJson(d: EngineDiff, views: readonly EngineView[], names: NodeNames) {
  return {
    imports: d.imports.map((i, k) => ({
      ...i,
      match: match(i.match),
      audit: views[k] ? auditJson(views[k].audit, names) : null,
    })),
    totals: d.imports.map((i) => i.totalMs),
    groups: d.groups.map((g) => ({ ...g, nodes: g.nodes.map((n) => nameOf(names, n)) })),
    byType: d.byType,
    same: d.same,
    warnings: d.warnings,
  };
}

/** What a report says about engines: each import's view, their diff (two or more), the model's node names. */
export interface EngineReport {
  views: readonly EngineView[];
  /** Null for one import. */
  diff: EngineDiff | null;
  names: NodeNames;
}

/** The view of one import, or the diff of two to four with each import's audit. */
export function engineReportJson(r: EngineReport) {
  return r.diff ? engineDiffJson(r.diff, r.views, r.names) : engineViewJson(r.views[0]!, r.names);
}
