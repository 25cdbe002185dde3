/**
 * Calibration statistics reused across variants that differ only in the layers left float (the
 * speed check, the mixed search): the same model as calibrating afresh, without running the data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';
import type { CalibrationReuse } from '../../electron/core/precision/int8/types';
import { seededInput, suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = suiteTempDir('kiln-reuse-');
const data = { kind: 'random' as const, samples: 6, seed: 3, shapes: { x: [1, 3, 48, 192] } };

async function output(file: string): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  const x = new ort.Tensor('float32', seededInput([1, 3, 48, 192], 8), [1, 3, 48, 192]);
  const out = (await s.run({ x }))[s.outputNames[0]!]!.data as Float32Array;
  await s.release();
  return out;
}

it('a variant with a layer left float, from reused statistics, is the one calibration afresh makes', async () => {
  const reuse: CalibrationReuse = { channels: new Map(), ranges: new Map() };
  const opts = { data, calibrator: 'mse' as const, flavour: 'tensorrt' as const };
  const full = await quantizeInt8(CLS, path.join(tmp, 'full.onnx'), { ...opts, reuse });
  expect(reuse.ranges.size).toBeGreaterThan(20);
  expect(reuse.channels.size).toBeGreaterThan(0);
  const pinned = full.quantizedNodes[5]!;
  const stages: string[] = [];
  const fromCache = path.join(tmp, 'reused.onnx');
  await quantizeInt8(CLS, fromCache, {
    ...opts,
    reuse,
    exclude: { nodes: [pinned] },
    onProgress: (_, stage) => stages.push(stage),
  });
  // Nothing was run through the model again.
  expect(stages.filter((s) => /Measuring|histograms/.test(s))).toEqual([]);
  const fresh = path.join(tmp, 'fresh.onnx');
  await quantizeInt8(CLS, fresh, { ...opts, exclude: { nodes: [pinned] } });
  expect(Array.from(await output(fromCache))).toEqual(Array.from(await output(fresh)));
  expect(fs.statSync(fromCache).size).toBe(fs.statSync(fresh).size);
});

it('a TensorRT calibration cache (every activation) is measured once, then served from the reused statistics', async () => {
  const reuse: CalibrationReuse = { channels: new Map(), ranges: new Map() };
  const opts = { data, calibrator: 'max' as const, flavour: 'tensorrt' as const, reuse };
  const first = path.join(tmp, 'cache-1.onnx');
  await quantizeInt8(CLS, first, { ...opts, calibrationCachePath: `${first}.calib.cache` });
  expect(reuse.complete).toBe(true);
  const stages: string[] = [];
  const second = path.join(tmp, 'cache-2.onnx');
  await quantizeInt8(CLS, second, {
    ...opts,
    exclude: { nodes: ['p2o.Conv.3'] },
    calibrationCachePath: `${second}.calib.cache`,
    onProgress: (_, stage) => stages.push(stage),
  });
  expect(stages.filter((s) => /Measuring|histograms/.test(s))).toEqual([]);
  // Same statistics, same cache text.
  expect(fs.readFileSync(`${second}.calib.cache`, 'utf8')).toBe(fs.readFileSync(`${first}.calib.cache`, 'utf8'));
});
