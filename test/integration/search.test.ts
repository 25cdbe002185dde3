/** Mixed-precision search on a real model: a target plain FP16 misses, met by pinning a few layers to FP32. */
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { Fp16RecipeSchema } from '../../electron/shared/api/variants';
import { searchMixed } from '../../electron/core/compare/search';
import { suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
suiteTempDir('kiln-search-');

// Plain FP16, activation ranges not measured.
const base = Fp16RecipeSchema.parse({ precision: 'fp16', calibrationSamples: 0 });
// Plain FP16's worst sample reaches cosine ~0.99998 on this model; ask for more.
const thresholds = { atol: null, rtol: null, cosine: 0.99999, psnr: null, snr: null, top1: null };

it('finds the fewest FP32 layers that meet a target plain FP16 misses', async () => {
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

it('a cancelled search returns the best variant found so far, not an error', async () => {
  const controller = new AbortController();
  const r = await searchMixed(
    { path: CLS, name: 'cls.onnx' },
    base,
    { samples: 4, seed: 1, shapes: { x: [1, 3, 48, 192] }, thresholds },
    {
      signal: controller.signal,
      // Cancel as the second candidate starts: plain FP16 (the first) is all there is to keep.
      progress: (p) => {
        if (p.stage.startsWith('Trying 1 layer')) controller.abort();
      },
    },
  );
  expect(r.cancelled).toBe(true);
  expect(r.steps.length).toBe(1);
  expect(r.met).toBe(false);
  expect(r.pinnedNodes).toEqual([]);
  expect(r.variant.id).toBe(r.steps[0]!.variant);
});
