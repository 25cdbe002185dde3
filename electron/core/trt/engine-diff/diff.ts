/**
 * Two to four engines of one model side by side: their layers lined up through the ONNX nodes they
 * cover (groups.ts), and per group each engine's layers, precision, tactics and time, the difference,
 * and whether fusion or precision differs; reformat time and totals per engine; groups sorted by
 * what changed most. Layers that map to no node are listed per engine, never dropped, and an import
 * whose files do not look built from the model is said to be so, with the share of names that match.
 */
import type { EngineDiff } from '../../../shared/api/engine-diff';
import type { EngineView } from '../../../shared/api/tensorrt';
import { KilnError } from '../../../shared/api/errors';
import { groupNodes } from './groups';

export interface DiffImport {
  /** The file names of this import, as the user knows them. */
  files: string[];
  view: EngineView;
}

export const MAX_IMPORTS = 4;
/** Below this share of paired layers two imports are said to have little in common. */
const PAIRED_LOW = 0.5;

type Layer = EngineView['layers'][number];
type GroupEngine = EngineDiff['groups'][number]['engines'][number];

const label = (i: number) => String.fromCharCode(65 + i);
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** A layer's ms counted as 0 when the engine was profiled but the layer was not; null without a profile. */
const timeOf = (view: EngineView, l: Layer) => (view.totalMs === null ? null : (l.ms ?? 0));

function groupEngine(view: EngineView, layers: readonly Layer[]): GroupEngine {
  const kernels = layers.filter((l) => !l.isReformat);
  const precisions = [...new Set(kernels.map((l) => l.precision).filter((p): p is string => !!p))].sort();
  const profiled = view.totalMs !== null;
  return {
    layers: kernels.map((l) => l.name),
    types: [...new Set(kernels.map((l) => l.type))],
    precision: precisions.length ? precisions.join('+') : null,
    tactics: [...new Set(kernels.map((l) => l.tactic).filter((t): t is string => !!t))],
    ms: profiled ? sum(kernels.map((l) => l.ms ?? 0)) : null,
    reformatMs: profiled ? sum(layers.filter((l) => l.isReformat).map((l) => l.ms ?? 0)) : null,
  };
}

/** How an engine splits a group into layers: the node sets of its kernels, order-free. */
const fusionOf = (layers: readonly Layer[]) =>
  layers
    .filter((l) => !l.isReformat)
    .map((l) => l.nodes.join(','))
    .sort()
    .join('|');

export function engineDiff(imports: readonly DiffImport[]): EngineDiff {
  if (imports.length < 2 || imports.length > MAX_IMPORTS)
    throw new KilnError('INVALID_ARGUMENT', `an engine diff takes 2 to ${MAX_IMPORTS} imports, not ${imports.length}`);
  const views = imports.map((i) => i.view);
  const { groups: nodeGroups, layerGroup } = groupNodes(views.map((v) => v.layers));

  // Each group's layers per engine.
  const members: Layer[][][] = nodeGroups.map(() => views.map(() => []));
  views.forEach((v, e) =>
    v.layers.forEach((l, k) => {
      const g = layerGroup[e]![k]!;
      if (g >= 0) members[g]![e]!.push(l);
    }),
  );

  const groups: EngineDiff['groups'] = nodeGroups.map((nodes, g) => {
    const per = members[g]!;
    const engines = per.map((layers, e) => groupEngine(views[e]!, layers));
    const first = engines[0]!.ms;
    const known = engines.map((x) => x.ms).filter((x): x is number => x !== null);
    const fusions = new Set(per.map(fusionOf));
    const precisions = new Set(engines.map((x) => x.precision));
    return {
      nodes,
      engines,
      deltaMs: engines.map((x) => (x.ms === null || first === null ? null : x.ms - first)),
      changeMs: known.length > 1 ? Math.max(...known) - Math.min(...known) : 0,
      fusionDiffers: fusions.size > 1,
      precisionDiffers: precisions.size > 1,
    };
  });
  groups.sort(
    (x, y) =>
      y.changeMs - x.changeMs ||
      Number(y.fusionDiffers) - Number(x.fusionDiffers) ||
      Number(y.precisionDiffers) - Number(x.precisionDiffers) ||
      (x.nodes[0] ?? 0) - (y.nodes[0] ?? 0),
  );

  // Pairing: a group every import has kernels in pairs its layers.
  const shared = members.map((per) => per.every((layers) => layers.some((l) => !l.isReformat)));
  const importsOut: EngineDiff['imports'] = imports.map((imp, e) => {
    const v = imp.view;
    const mapped = v.layers.map((l, k) => ({ l, g: layerGroup[e]![k]! })).filter((x) => !x.l.isReformat && x.g >= 0);
    const paired = mapped.filter((x) => shared[x.g]).length;
    const reformats = v.layers.filter((l) => l.isReformat);
    return {
      label: label(e),
      files: imp.files,
      tensorrt: v.tensorrt,
      match: v.match,
      totalMs: v.totalMs,
      reformatMs: v.totalMs === null ? null : sum(reformats.map((l) => l.ms ?? 0)),
      kernels: v.kernels,
      paired: mapped.length ? paired / mapped.length : 0,
      unmapped: v.layers
        .filter((l) => l.nodes.length === 0)
        .map((l) => ({ layer: l.name, type: l.type, ms: timeOf(v, l) })),
    };
  });

  // Per layer type: time where the import was profiled (unknown, not zero, where it was not) and layers.
  const byTypeMap = new Map<string, { ms: (number | null)[]; layers: number[] }>();
  views.forEach((v, e) => {
    for (const l of v.layers) {
      const type = l.isReformat ? 'Reformat' : l.type;
      const row = byTypeMap.get(type) ?? {
        ms: views.map((x) => (x.totalMs === null ? null : 0)),
        layers: views.map(() => 0),
      };
      const t = timeOf(v, l);
      if (t !== null) row.ms[e] = (row.ms[e] ?? 0) + t;
      row.layers[e] = row.layers[e]! + 1;
      byTypeMap.set(type, row);
    }
  });
  const peak = (xs: readonly (number | null)[]) => Math.max(0, ...xs.map((x) => x ?? 0));
  const byType = [...byTypeMap]
    .map(([type, row]) => ({ type, ...row }))
    .sort(
      (x, y) =>
        peak(y.ms) - peak(x.ms) || Math.max(...y.layers) - Math.max(...x.layers) || x.type.localeCompare(y.type),
    );

  const same =
    groups.every((g) => g.changeMs === 0 && !g.fusionDiffers && !g.precisionDiffers) &&
    new Set(importsOut.map((i) => `${i.totalMs}|${i.unmapped.map((u) => u.layer).join('|')}`)).size === 1;
  return { imports: importsOut, groups, byType, same, warnings: diffWarnings(importsOut, same) };
}

function diffWarnings(imports: EngineDiff['imports'], same: boolean): string[] {
  const warnings: string[] = [];
  for (const i of imports)
    if (!i.match.ok && i.match.warning) warnings.push(`${i.label} (${i.files.join(', ')}): ${i.match.warning}`);
  for (const i of imports)
    if (i.kernels > 0 && i.paired < PAIRED_LOW)
      warnings.push(
        `${i.label} has little in common with the others: only ${Math.round(i.paired * 100)}% of its mapped layers pair with layers of every other import`,
      );
  if (same)
    warnings.unshift(
      'No changes: every group has the same layers, precisions and times in each import (the same engine imported twice?)',
    );
  return warnings;
}
