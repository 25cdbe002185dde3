/**
 * Reads a trtexec profile (`--exportProfile`): `[{"count": N}, {"name", "timeMs", "averageMs",
 * "medianMs", "percentage"}, ...]`; trtexec before 8.4 wrote no `medianMs`. Each layer's name says
 * which ONNX nodes it came from.
 */
import { z } from 'zod';
import { parseLayerName } from './layer-names';
import type { JsonTextNotes } from './lenient-json';
import { describeJson, isPartial, lenientRecord, readRecord } from './records';
import type { EngineProfile, ProfileLayer } from './types';
import { Warnings } from './warnings';

const ProfileRecord = lenientRecord({
  count: z.number(),
  name: z.string(),
  timeMs: z.number(),
  averageMs: z.number(),
  medianMs: z.number(),
  percentage: z.number(),
});

/** Reads `trtexec --exportProfile` JSON (already parsed). Never throws. */
export function parseProfile(json: unknown, fileName: string, notes: JsonTextNotes = {}): EngineProfile {
  const warnings = new Warnings(notes.warnings);
  const out: EngineProfile = {
    kind: 'profile',
    fileName,
    layers: [],
    totalMs: 0,
    totalAverageMs: 0,
    truncated: notes.truncated ?? false,
    warnings: [],
  };
  if (!Array.isArray(json)) {
    warnings.add(`${fileName} is ${describeJson(json)}, not a profile list; nothing imported`);
    out.warnings = warnings.done();
    return out;
  }
  if (notes.truncated) warnings.add(`the file is cut off after ${json.length} records; later layers are missing`);
  let missingPercentage = 0;
  let badRecords = 0;
  json.forEach((value, i) => {
    const where = `profile record ${i}`;
    const r = readRecord(ProfileRecord, value, where, warnings);
    if (!r) return;
    if (r.name === undefined) {
      if (r.count !== undefined) {
        if (out.iterations !== undefined) warnings.add(`${where}: a second "count" record`);
        out.iterations = r.count;
      } else if (!isPartial(notes, value)) {
        warnings.add(`${where} has neither "name" nor "count"; skipped`);
      }
      return;
    }
    if (r.timeMs === undefined && r.averageMs === undefined) {
      badRecords++;
      warnings.add(`${where} (${r.name}) has no usable timeMs or averageMs; skipped`);
      return;
    }
    const parsed = parseLayerName(r.name);
    const layer: ProfileLayer = {
      index: out.layers.length,
      name: r.name,
      timeMs: r.timeMs ?? (r.averageMs ?? 0) * (out.iterations ?? 1),
      averageMs: r.averageMs ?? (r.timeMs ?? 0) / (out.iterations ?? 1),
      percentage: r.percentage ?? NaN,
      onnxNames: parsed.names,
      isReformat: parsed.reformat !== undefined,
      isForeign: parsed.foreign,
    };
    if (r.medianMs !== undefined) layer.medianMs = r.medianMs;
    if (parsed.ranges[0]) layer.range = parsed.ranges[0];
    if (r.percentage === undefined) missingPercentage++;
    out.layers.push(layer);
  });
  if (out.iterations === undefined && out.layers.length > 0) warnings.add('no {"count": N} record');
  out.totalMs = out.layers.reduce((s, l) => s + l.timeMs, 0);
  out.totalAverageMs = out.layers.reduce((s, l) => s + l.averageMs, 0);
  if (missingPercentage > 0) {
    for (const l of out.layers)
      if (!Number.isFinite(l.percentage)) l.percentage = out.totalMs > 0 ? (l.timeMs / out.totalMs) * 100 : 0;
    warnings.add(`${missingPercentage} records had no usable percentage; computed from timeMs`);
  }
  if (badRecords > 0 && out.layers.length === 0) warnings.add('no layer timings could be read');
  out.warnings = warnings.done();
  return out;
}
