/**
 * The TensorRT calibration cache an INT8 run can also write, for the source model (not the Q/DQ
 * one): the scales TensorRT's own INT8 calibration would otherwise measure. Text in TensorRT's
 * format: a header (TRT-<version>-EntropyCalibration2), then one symmetric scale per float
 * activation, as the hex bits of a float32.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../../../platform/atomic-write';
import { calibratedThreshold, type ActivationStats } from '../calibrate';
import type { Int8Options } from './types';

function hexScale(scale: number): string {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, scale);
  return b.getUint32(0).toString(16).padStart(8, '0');
}

/** TensorRT's calibration cache text: a header, then `name: <float32 scale bits as hex>` per tensor. */
export function calibrationCacheText(scales: ReadonlyMap<string, number>, trtVersion = 8601): string {
  const lines = [`TRT-${trtVersion}-EntropyCalibration2`];
  for (const [name, scale] of scales) lines.push(`${name}: ${hexScale(scale)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the cache for `stats` (every float activation, measured) to `file`, atomically; returns
 * its absolute path.
 */
export function writeCalibrationCache(
  file: string,
  stats: ReadonlyMap<string, ActivationStats>,
  opts: Pick<Int8Options, 'calibrator' | 'percentile' | 'trtVersion'>,
): string {
  const scales = new Map<string, number>();
  for (const [name, s] of stats) {
    if (s.count === 0) continue;
    const t = calibratedThreshold(s, opts.calibrator, { percentile: opts.percentile ?? 99.99 });
    scales.set(name, t > 0 ? t / 127 : 0);
  }
  const cachePath = path.resolve(file);
  writeFileAtomic(cachePath, calibrationCacheText(scales, opts.trtVersion));
  return cachePath;
}
