/**
 * Reads trtexec times (`--exportTimes`): one object per timed inference (`latencyMs`, `computeMs`,
 * ...), summed up into latency statistics, throughput and the compute time's variation.
 */
import { z } from 'zod';
import { latencyStats } from '../../backends/stats';
import type { JsonTextNotes } from './lenient-json';
import { describeJson, isPartial, lenientRecord, readRecord } from './records';
import type { EngineTimes, TimingStats } from './types';
import { Warnings } from './warnings';

const TimesRecord = lenientRecord({
  startEnqMs: z.number(),
  endEnqMs: z.number(),
  startH2dMs: z.number(),
  endH2dMs: z.number(),
  startComputeMs: z.number(),
  endComputeMs: z.number(),
  startD2hMs: z.number(),
  endD2hMs: z.number(),
  h2dMs: z.number(),
  computeMs: z.number(),
  d2hMs: z.number(),
  latencyMs: z.number(),
});

function stats(values: number[]): TimingStats | null {
  if (values.length === 0) return null;
  return { count: values.length, ...latencyStats(values).stats };
}

/** Reads `trtexec --exportTimes` JSON (already parsed) into latency statistics. Never throws. */
export function parseTimes(json: unknown, fileName: string, notes: JsonTextNotes = {}): EngineTimes {
  const warnings = new Warnings(notes.warnings);
  const latency: number[] = [];
  const compute: number[] = [];
  const h2d: number[] = [];
  const d2h: number[] = [];
  const enqueue: number[] = [];
  let spanStart = Infinity;
  let spanEnd = -Infinity;
  let skipped = 0;
  let derived = 0;
  let cut = 0;
  const list = Array.isArray(json) ? json : [];
  if (!Array.isArray(json))
    warnings.add(`${fileName} is ${describeJson(json)}, not a list of inferences; nothing imported`);
  const quiet = new Warnings();
  list.forEach((value, i) => {
    if (isPartial(notes, value)) {
      cut++;
      return;
    }
    const r = readRecord(TimesRecord, value, `inference ${i}`, quiet);
    if (!r) return;
    let lat = r.latencyMs;
    if (lat === undefined && r.startH2dMs !== undefined && r.endD2hMs !== undefined) {
      lat = r.endD2hMs - r.startH2dMs;
      derived++;
    }
    if (lat === undefined || !Number.isFinite(lat)) {
      skipped++;
      return;
    }
    latency.push(lat);
    const comp =
      r.computeMs ??
      (r.startComputeMs !== undefined && r.endComputeMs !== undefined ? r.endComputeMs - r.startComputeMs : undefined);
    if (comp !== undefined) compute.push(comp);
    if (r.h2dMs !== undefined) h2d.push(r.h2dMs);
    if (r.d2hMs !== undefined) d2h.push(r.d2hMs);
    if (r.startEnqMs !== undefined && r.endEnqMs !== undefined) enqueue.push(r.endEnqMs - r.startEnqMs);
    const start = r.startH2dMs ?? r.startComputeMs;
    const end = r.endD2hMs ?? r.endComputeMs;
    if (start !== undefined) spanStart = Math.min(spanStart, start);
    if (end !== undefined) spanEnd = Math.max(spanEnd, end);
  });
  if (quiet.list.length > 0) warnings.add(`${quiet.list.length} inference records had problems, e.g. ${quiet.list[0]}`);
  if (notes.truncated) warnings.add(`the file is cut off after ${list.length} inferences`);
  if (cut > 0) warnings.add('the inference the file is cut off in was skipped');
  if (skipped > 0) warnings.add(`${skipped} inferences without a usable latencyMs were skipped`);
  if (derived > 0) warnings.add(`${derived} inferences had no latencyMs; used endD2hMs − startH2dMs`);
  if (latency.length > 0 && compute.length < latency.length) {
    warnings.add(`${latency.length - compute.length} inferences have no compute time`);
  }
  if (Array.isArray(json) && latency.length === 0) warnings.add('no inference timings could be read');

  const out: EngineTimes = {
    kind: 'times',
    fileName,
    count: latency.length,
    latency: stats(latency),
    compute: stats(compute),
    h2d: stats(h2d),
    d2h: stats(d2h),
    enqueue: stats(enqueue),
    truncated: notes.truncated ?? false,
    warnings: [],
  };
  if (compute.length > 0) out.computeCov = latencyStats(compute).cov;
  if (Number.isFinite(spanStart) && spanEnd > spanStart)
    out.throughputQps = latency.length / ((spanEnd - spanStart) / 1000);
  out.warnings = warnings.done();
  return out;
}
