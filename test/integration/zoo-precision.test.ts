/**
 * Every precision variant of every real export in the zoo (test/fixtures/zoo: a torchvision ViT, a
 * BERT-shaped encoder with attention masks, SSDlite with NMS, a U-Net, an LSTM/GRU keyword spotter,
 * an FP16-stored MobileNetV3) is proven loadable and comparable: FP16 (with seeded activation
 * ranges) and INT8 in both flavours (seeded calibration; TensorRT's also with FP16 for what is not
 * INT8) load in ONNX Runtime with graph optimizations off, their declared types agree with what
 * their nodes produce, and a comparison against FP32 runs to the end. Small sample counts: this is
 * about files that load, not about accuracy (test/integration/int8.test.ts and fp16.test.ts judge that).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeSchema, type Recipe, type Variant } from '../../electron/shared/api/variants';
import { metricText } from '../../electron/shared/compare/report';
import { DEFAULT_THRESHOLDS } from '../../electron/shared/compare/thresholds';
import { variantPath } from '../../electron/platform/paths';
import { openSession } from '../../electron/core/backends/onnxruntime/session';
import { compareModels } from '../../electron/core/compare/compare';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { typeDisagreements } from '../../electron/core/onnx/type-agreement';
import { makeVariant } from '../../electron/core/precision/variants';
import { suiteTempDir } from './helpers';

suiteTempDir('kiln-zoo-');
const ZOO_DIR = path.resolve(__dirname, '../fixtures/zoo');
const ctx = { signal: new AbortController().signal, progress: () => undefined };

interface ZooModel {
  file: string;
  shapes: Record<string, number[]>;
  /** Why a flavour has nothing to do on this model (the test checks that the variant says so). */
  notApplicable?: Partial<Record<string, string>>;
  /** The layerwise pass too (exposed copies, also loaded with optimizations off); not where it takes minutes. */
  layerwise: boolean;
  /** Why FP16's agreement with FP32 is not judged on the outputs, where it means nothing. */
  unjudged?: string;
}

const ZOO: ZooModel[] = [
  { file: 'vit-tiny.onnx', shapes: { images: [1, 3, 64, 64] }, layerwise: true },
  // Already quantized (onnxruntime's 4-bit MatMulNBits): the variants convert the ops around them.
  { file: 'vit-nbits.onnx', shapes: { images: [1, 3, 64, 64] }, layerwise: true },
  {
    file: 'bert-tiny.onnx',
    shapes: { input_ids: [1, 16], attention_mask: [1, 16], token_type_ids: [1, 16] },
    layerwise: true,
  },
  // 1,500 float tensors a variant: its layerwise pass alone takes minutes here.
  {
    file: 'ssdlite-tiny.onnx',
    shapes: {},
    layerwise: false,
    unjudged: "its outputs are what NMS selects: among random weights' near-equal scores, FP16 selects other boxes",
  },
  { file: 'unet-tiny.onnx', shapes: { image: [1, 3, 64, 64] }, layerwise: true },
  { file: 'kws-lstm-gru.onnx', shapes: { features: [1, 50, 40] }, layerwise: true },
  {
    file: 'mobilenetv3-fp16.onnx',
    shapes: { input: [1, 3, 64, 64] },
    layerwise: true,
    notApplicable: { fp16: 'the model is stored in FP16 already: an FP16 variant has nothing to convert' },
  },
];

const FLAVOURS: Record<string, Partial<Recipe>> = {
  fp16: { precision: 'fp16', calibrationSamples: 2 },
  'int8 tensorrt': { precision: 'int8', flavour: 'tensorrt', samples: 4, seed: 1 },
  'int8 tensorrt, fp16 elsewhere': {
    precision: 'int8',
    flavour: 'tensorrt',
    samples: 4,
    seed: 1,
    highPrecision: 'fp16',
  },
  // The speed check times many candidates: what it keeps float is chosen from files this test also loads.
  'int8 onnxruntime': { precision: 'int8', flavour: 'onnxruntime', samples: 4, seed: 1, speedGuard: false },
};

describe('the zoo covers every real export in test/fixtures/zoo', () => {
  it('lists each .onnx there once', () => {
    const files = fs.readdirSync(ZOO_DIR).filter((f) => f.endsWith('.onnx'));
    expect(ZOO.map((m) => m.file).sort()).toEqual(files.sort());
  });
});

for (const m of ZOO) {
  describe(m.file, () => {
    const file = path.join(ZOO_DIR, m.file);
    const made: Variant[] = [];
    for (const [flavour, recipe] of Object.entries(FLAVOURS)) {
      const why = m.notApplicable?.[flavour];
      if (why) {
        it(`${flavour}: nothing to convert, and the variant says so in plain words (${why})`, async () => {
          const v = await makeVariant(file, m.file, RecipeSchema.parse({ ...recipe, shapes: m.shapes }), ctx);
          expect(v.notes.join('\n')).toMatch(/nothing was converted/);
          expect(Object.values(v.converted).flat()).toEqual([]);
        });
        continue;
      }
      it(`${flavour}: the variant's types agree and ONNX Runtime loads it with optimizations off`, async () => {
        const v = await makeVariant(file, m.file, RecipeSchema.parse({ ...recipe, shapes: m.shapes }), ctx);
        const out = variantPath(v.id);
        expect(typeDisagreements(await analyzeModel(out))).toEqual([]);
        const session = await openSession(out, { optimization: 'disabled', quiet: true });
        await session.release();
        // Nothing half-made beside it: only the variant and its calibration cache.
        const left = fs.readdirSync(path.dirname(out)).filter((f) => f.endsWith('.tmp'));
        expect(left).toEqual([]);
        made.push(v);
      });
    }

    it('every variant compares against FP32 to the end, each metric printable', async () => {
      expect(made.length).toBe(Object.keys(FLAVOURS).length - Object.keys(m.notApplicable ?? {}).length);
      const result = await compareModels(
        { path: file, name: m.file, id: 'fp32' },
        made.map((v) => ({ path: variantPath(v.id), name: v.name, id: v.id })),
        { samples: 2, seed: 1, shapes: m.shapes, thresholds: DEFAULT_THRESHOLDS, layerwise: m.layerwise },
        ctx,
      );
      expect(result.variants).toHaveLength(made.length);
      // As the CLI and the app receive it: through JSON, where Infinity and NaN become null.
      const received = JSON.parse(JSON.stringify(result)) as typeof result;
      for (const v of received.variants) {
        if (m.layerwise) expect(v.layers?.tensors.length ?? 0).toBeGreaterThan(0);
        for (const o of v.perOutput) {
          const x = o.metrics;
          const texts = [x.cosine, x.psnr, x.snr, x.maxAbs, o.worstSample.cosine].map((x) =>
            metricText(x, (y) => y.toFixed(3)),
          );
          for (const t of texts) expect(t).toMatch(/^(–|∞|−∞|-?\d+\.\d{3})$/);
        }
      }
      // FP16 of an FP32 model agrees with it on every output (the LSTM's initial state in FP16 too).
      const fp16 = result.variants.find((v) => v.name.endsWith('.fp16.onnx'));
      if (fp16 && m.unjudged === undefined)
        for (const o of fp16.perOutput) expect(o.metrics.cosine, `${o.output}`).toBeGreaterThan(0.99);
    });
  });
}
