/** Mixed-precision search on a real model: a target plain FP16 misses, met by pinning a few layers to FP32. */
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { searchMixed } from '../../electron/core/compare/search';
import { suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
suiteTempDir('kiln-search-');

it('finds the fewest FP32 layers that meet a target plain FP16 misses', async () => {
  const base = {
    precision: 'fp16' as const,
    dataMax: 512,
    keepIOTypes: true,
    excludeOps: [],
    excludeNodes: [],
    includeOps: [],
    includeNodes: [],
    calibrationSamples: 0,
    shapes: {},
  };
  // Plain FP16's worst sample reaches cosine ~0.99998 on this model; ask for more.
  const thresholds = { atol: 1, rtol: 1, cosine: 0.99999, psnr: 0, snr: 0 };
  const r = await searchMixed(
    { path: CLS, name: 'cls.onnx' },
    base,
    { samples: 4, seed: 1, shapes: { x: [1, 3, 48, 192] }, thresholds },
    { signal: new AbortController().signal, progress: () => undefined },
  );
  console.log(
    `search: ${r.steps.map((s) => `${s.pinned} pinned -> cosine ${s.cosine.toFixed(7)}${s.pass ? ' pass' : ''}`).join('; ')}`,
  );
  expect(r.steps[0]!.pass).toBe(false);
  expect(r.met).toBe(true);
  expect(r.pinnedNodes.length).toBeGreaterThan(0);
  expect(r.variant.kept.filter((k) => k.reason === 'excluded by the recipe').length).toBe(r.pinnedNodes.length);
  expect(r.variant.name).toMatch(/fp16-mixed\d+/);
});
