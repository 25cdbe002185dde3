/**
 * Calibration for INT8: running the data through the prepared model to measure the ranges the
 * scales come from (collectActivationStats does the running). Statistics the caller keeps across
 * calls (CalibrationReuse) are used instead of running the data again when they hold every tensor
 * asked for.
 */
import type { ModelIR } from '../../onnx/ir';
import { collectActivationStats, type ActivationStats } from '../calibrate';
import type { Int8Options, Plan } from './types';

/** Statistics for `names`: from `cache` when it has them all, else measured (and cached). */
export async function measured(
  cache: Map<string, ActivationStats> | undefined,
  names: string[],
  collect: () => Promise<Map<string, ActivationStats>>,
  needHistograms = false,
): Promise<Map<string, ActivationStats>> {
  const have = (n: string) => {
    const s = cache?.get(n);
    return s !== undefined && (!needHistograms || s.histogram !== undefined);
  };
  if (cache && names.length > 0 && names.every(have)) return cache;
  const stats = await collect();
  if (cache) for (const [k, v] of stats) cache.set(k, v);
  return stats;
}

/**
 * The ranges (and histograms, for every calibrator but max) of the tensors that get Q/DQ and do not
 * share another's scale; of every float activation when a TensorRT calibration cache is wanted.
 */
export async function measureActivations(
  prepPath: string,
  ir: ModelIR,
  pl: Plan,
  opts: Int8Options,
  progress: (f: number, stage: string) => void,
): Promise<Map<string, ActivationStats>> {
  const toMeasure = new Set<string>();
  for (const t of pl.qTensors.keys()) if (!pl.shareFrom.has(t)) toMeasure.add(ir.tensorName[t] as string);
  const wantCache = opts.calibrationCachePath !== undefined;
  const collect = () =>
    collectActivationStats(prepPath, opts.data, {
      ...(wantCache ? {} : { tensors: [...toMeasure] }),
      histogram: opts.calibrator !== 'max',
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (f, stage) => progress(0.05 + 0.85 * f, stage),
      ...(opts.maxTensorsPerPass ? { maxTensorsPerPass: opts.maxTensorsPerPass } : {}),
    });
  let stats = new Map<string, ActivationStats>();
  if (wantCache) {
    // The calibration cache covers every float activation: measured once, then reused whole.
    stats = opts.reuse?.complete ? opts.reuse.ranges : await measured(opts.reuse?.ranges, [], collect);
    if (opts.reuse) opts.reuse.complete = true;
  } else if (toMeasure.size > 0)
    stats = await measured(opts.reuse?.ranges, [...toMeasure], collect, opts.calibrator !== 'max');
  return stats;
}
