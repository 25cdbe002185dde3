/**
 * What an engine did, for the open model: trtexec's layer info, profile and times files (from a run
 * here or on another machine) joined into one view: every engine layer with its type, compute
 * precision, tactic and time, mapped to the main graph's node indices, with what could not be mapped
 * listed, how well the files match the model, and which TensorRT wrote them.
 */
import type { EngineView } from '../../shared/api/tensorrt';
import { KilnError } from '../../shared/api/errors';
import type { ModelAnalysis } from '../onnx/analyze';
import { auditEngine } from './engine-audit/audit';
import { modelIntent } from './engine-audit/intent';
import { parseEngineJsonText } from './engine-files/detect';
import { parseLayerName } from './engine-files/layer-names';
import { matchModel } from './engine-files/model-match';
import { mapToOnnx } from './engine-files/onnx-mapping';
import type { EngineLayer, EngineLayerInfo, EngineProfile, EngineTimes } from './engine-files/types';

export interface EngineFile {
  name: string;
  text: string;
}

/** A layer known only from a profile (no layer-info file): what its name says. */
function layerFromName(index: number, name: string): EngineLayer {
  const p = parseLayerName(name);
  return {
    index,
    name,
    type: p.reformat ? 'Reformat' : p.foreign ? 'Myelin' : p.pointwise ? 'PointWise' : 'Unknown',
    inputs: [],
    outputs: [],
    onnxNames: p.names,
    onnxNamesFrom: p.names.length ? 'name' : 'none',
    nameParts: p.names,
    ranges: p.ranges,
    ...(p.ranges[0] ? { range: p.ranges[0] } : {}),
    ...(p.reformat ? { reformat: p.reformat } : {}),
    isReformat: !!p.reformat,
    isForeign: p.foreign,
    raw: name,
  };
}

export function engineView(a: ModelAnalysis, files: EngineFile[]): EngineView {
  let info: EngineLayerInfo | undefined;
  let profile: EngineProfile | undefined;
  let times: EngineTimes | undefined;
  const warnings: string[] = [];
  const read: EngineView['files'] = [];
  for (const f of files) {
    const parsed = parseEngineJsonText(f.text, f.name);
    const prior = parsed.kind === 'layer-info' ? info : parsed.kind === 'profile' ? profile : times;
    if (prior) warnings.push(`${f.name} replaces ${prior.fileName} (both are ${parsed.kind} files)`);
    if (parsed.kind === 'layer-info') info = parsed;
    else if (parsed.kind === 'profile') profile = parsed;
    else times = parsed;
    read.push({ name: f.name, kind: parsed.kind, ...(parsed.kind === 'layer-info' ? { schema: parsed.schema } : {}) });
    warnings.push(...parsed.warnings.map((w) => `${f.name}: ${w}`));
  }
  if (!info && !profile && !times)
    throw new KilnError('INVALID_ARGUMENT', 'give at least one trtexec layer-info, profile or times file');

  const { ir } = a;
  const main = ir.graphs[0];
  if (!main) throw new KilnError('NOT_ONNX', `${a.summary.fileName} has no main graph`);
  const names = ir.nodeName.slice(main.nodeStart, main.nodeEnd);
  // Only an unnamed node is known by its first output ("node_of_<output>"): the others need none.
  const outputs = names.map((name, i) => {
    if (name) return undefined;
    const id = main.nodeStart + i;
    return Array.from(ir.nodeOutputs.subarray(ir.nodeOutputStart[id], ir.nodeOutputStart[id + 1]), (t) =>
      t >= 0 ? (ir.tensorName[t] ?? '') : '',
    );
  });
  const topo = Array.from(ir.topo.subarray(main.nodeStart, main.nodeEnd), (id) => id - main.nodeStart);

  const layers: EngineLayer[] = info?.layers ?? (profile?.layers ?? []).map((l) => layerFromName(l.index, l.name));
  const mapping = mapToOnnx({ layers }, names, topo, { nodeOutputs: outputs, tensorNames: ir.tensorName });
  // Files from another model import cleanly (nothing maps): say so first, before anything else.
  const match = matchModel(layers, mapping, a.summary.fileName);
  if (match.warning) warnings.unshift(match.warning);
  warnings.push(...mapping.warnings);

  // Profile times join layer info by name (trtexec writes the same names to both).
  const timeByName = new Map((profile?.layers ?? []).map((l) => [l.name, l]));
  const infoNames = new Set(info?.layers.map((l) => l.name));
  const unmatchedTimes = info && profile ? profile.layers.filter((l) => !infoNames.has(l.name)) : [];
  if (unmatchedTimes.length)
    warnings.push(
      `${unmatchedTimes.length} profiled layer(s) are not in the layer info (e.g. ${unmatchedTimes[0]!.name}): different engines?`,
    );
  const total = profile?.totalAverageMs ?? 0;
  const viewLayers = layers.map((l, i) => {
    const t = timeByName.get(l.name);
    return {
      index: l.index,
      name: l.name,
      type: l.type,
      precision: l.precision ?? null,
      precisionFrom: l.precisionFrom ?? null,
      tactic: l.tactic ?? null,
      ms: t ? t.averageMs : null,
      share: t && total > 0 ? t.averageMs / total : null,
      nodes: mapping.layers[i]?.nodes ?? [],
      via: mapping.layers[i]?.via ?? 'none',
      isReformat: l.isReformat,
      isForeign: l.isForeign,
    };
  });
  const audit = auditEngine(
    modelIntent(a),
    viewLayers.map((l, i) => {
      const from = layers[i]?.inputs[0]?.dtype;
      const to = layers[i]?.outputs[0]?.dtype;
      return { ...l, ...(from ? { from } : {}), ...(to ? { to } : {}) };
    }),
    { name: (n) => names[n] ?? `#${n}`, op: (n) => ir.nodes[main.nodeStart + n]?.opType ?? '' },
  );
  return {
    files: read,
    schema: info?.schema ?? null,
    tensorrt: info?.tensorrt ?? null,
    match,
    layers: viewLayers,
    totalMs: profile ? profile.totalAverageMs : null,
    iterations: profile?.iterations ?? null,
    times: times
      ? {
          count: times.count,
          latency: times.latency,
          compute: times.compute,
          throughputQps: times.throughputQps ?? null,
          computeCov: times.computeCov ?? null,
        }
      : null,
    unmapped: mapping.unmapped.map((u) => ({ layer: u.layerName, name: u.name, reason: u.reason })),
    uncoveredNodes: mapping.uncoveredNodes.length,
    uncovered: mapping.uncoveredNodes,
    audit,
    kernels: layers.filter((l) => !l.isReformat).length,
    warnings,
  };
}
