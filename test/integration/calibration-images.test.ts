/**
 * Calibration from images: folders are expanded and classified, pixels are preprocessed exactly
 * (resize, scale, mean/std, layout, channel order), bad images are named, and an INT8 variant of
 * the real classifier calibrated on rendered text agrees with FP32 on held-back rendered text.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImagePreprocessSchema, Int8RecipeSchema } from '../../electron/shared/api/variants';
import { errorMetrics } from '../../electron/shared/compare/metrics';
import { classifyInputFiles as classifyCalibrationFiles } from '../../electron/core/inputs/files';
import { imageSamples } from '../../electron/core/inputs/images';
import { ortWeightMax } from '../../electron/core/precision/int8/scales';
import { makeVariant } from '../../electron/core/precision/variants';
import { variantPath } from '../../electron/platform/paths';
import { writeTextLines } from '../builders/text-images';
import { suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = suiteTempDir('kiln-calib-img-');

/** A 2×1 PNG: a red pixel, then a pixel (10, 20, 30). */
async function twoPixels(file: string): Promise<string> {
  await sharp(Buffer.from([255, 0, 0, 10, 20, 30]), { raw: { width: 2, height: 1, channels: 3 } })
    .png()
    .toFile(file);
  return file;
}

async function first(gen: AsyncGenerator<Record<string, ort.Tensor>>): Promise<ort.Tensor> {
  const r = await gen.next();
  return Object.values(r.value as Record<string, ort.Tensor>)[0] as ort.Tensor;
}

describe('image preprocessing', () => {
  it('scales, normalizes and lays out pixels as the recipe says', async () => {
    const file = await twoPixels(path.join(tmp, 'px.png'));
    const input = [{ name: 'x', dtype: 'float32', dims: [1, 3, 1, 2] as (number | string | null)[] }];
    const pre = ImagePreprocessSchema.parse({ scale: 1, mean: [1, 2, 3], std: [2, 2, 2] });
    const nchw = await first(imageSamples(input, [file], { x: [1, 3, 1, 2] }, pre, 'm.onnx'));
    expect(nchw.dims).toEqual([1, 3, 1, 2]);
    // R plane, G plane, B plane: (v - mean) / std.
    expect([...(nchw.data as Float32Array)]).toEqual([127, 4.5, -1, 9, -1.5, 13.5]);

    const nhwcInput = [{ name: 'x', dtype: 'float32', dims: [1, 1, 2, 3] as (number | string | null)[] }];
    const bgr = ImagePreprocessSchema.parse({ scale: 1 / 255, layout: 'NHWC', channels: 'BGR' });
    const nhwc = await first(imageSamples(nhwcInput, [file], { x: [1, 1, 2, 3] }, bgr, 'm.onnx'));
    const v = [...(nhwc.data as Float32Array)].map((x) => Math.round(x * 255));
    expect(v).toEqual([0, 0, 255, 30, 20, 10]);
  });

  it('resizes to the input size, to grey for one channel, and batches', async () => {
    const file = await twoPixels(path.join(tmp, 'px2.png'));
    const input = [{ name: 'x', dtype: 'float32', dims: ['N', 1, 4, 8] as (number | string | null)[] }];
    const pre = ImagePreprocessSchema.parse({ resize: 'pad' });
    const gen = imageSamples(input, [file, file, file], { x: [2, 1, 4, 8] }, pre, 'm.onnx');
    const t = await first(gen);
    expect(t.dims).toEqual([2, 1, 4, 8]);
    expect((t.data as Float32Array).length).toBe(64);
    // The third image does not fill a batch of 2: dropped.
    expect((await gen.next()).done).toBe(true);
  });

  it('names an image that does not decode, and refuses mixed or unknown files', async () => {
    const bad = path.join(tmp, 'broken.png');
    fs.writeFileSync(bad, Buffer.from('\x89PNG\r\n\x1a\nthis is not a png'));
    const input = [{ name: 'x', dtype: 'float32', dims: [1, 3, 4, 4] as (number | string | null)[] }];
    const pre = ImagePreprocessSchema.parse({});
    await expect(first(imageSamples(input, [bad], { x: [1, 3, 4, 4] }, pre, 'm.onnx'))).rejects.toThrow(
      /calibration image broken\.png cannot be decoded/,
    );
    const two = [input[0]!, { name: 'y', dtype: 'float32', dims: [1] as (number | string | null)[] }];
    await expect(first(imageSamples(two, [bad], {}, pre, 'm.onnx'))).rejects.toThrow(/m\.onnx has 2 \(x, y\)/);

    const mixed = path.join(tmp, 'mixed');
    fs.mkdirSync(mixed);
    await twoPixels(path.join(mixed, 'a.png'));
    fs.writeFileSync(path.join(mixed, 'b.npy'), '');
    expect(() => classifyCalibrationFiles([mixed])).toThrow(/mixes images and \.npy\/\.npz/);
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'x');
    expect(() => classifyCalibrationFiles([path.join(tmp, 'notes.txt')])).toThrow(/notes\.txt is neither/);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    expect(() => classifyCalibrationFiles([empty])).toThrow(/folder empty holds no images/);
    expect(() => classifyCalibrationFiles([path.join(tmp, 'nope')])).toThrow(/nope does not exist/);
  });
});

it('INT8 of the real classifier, calibrated on rendered text, agrees with FP32 on held-back text', async () => {
  const calib = path.join(tmp, 'calib');
  await writeTextLines(calib, 32, { width: 192, height: 48, seed: 11, flipHalf: true });
  const held = await writeTextLines(path.join(tmp, 'held'), 6, { width: 192, height: 48, seed: 99, flipHalf: true });
  expect(classifyCalibrationFiles([calib]).kind).toBe('images');
  // PaddleOCR's classifier preprocessing: (pixel/255 − 0.5)/0.5, RGB, NCHW.
  const preprocess = ImagePreprocessSchema.parse({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  const recipe = Int8RecipeSchema.parse({
    precision: 'int8',
    flavour: 'onnxruntime',
    shapes: { x: [1, 3, 48, 192] },
    preprocess,
    speedGuard: false,
  });
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  const v = await makeVariant(CLS, 'cls.onnx', recipe, ctx, { calibrationPaths: [calib] });
  expect(v.notes.join('\n')).toMatch(/calibrated on 32 images \(stretch to the input size, NCHW RGB\)/);
  expect(v.qdqPairs).toBeGreaterThan(0);

  const fp32 = await ort.InferenceSession.create(CLS);
  const int8 = await ort.InferenceSession.create(variantPath(v.id));
  const inputs = [{ name: 'x', dtype: 'float32', dims: [null, 3, 48, null] as (number | string | null)[] }];
  let worst = 1;
  let sameClass = 0;
  const reference: Float32Array[] = [];
  for await (const feeds of imageSamples(inputs, held, { x: [1, 3, 48, 192] }, preprocess, 'cls.onnx')) {
    const a = (await fp32.run(feeds))[fp32.outputNames[0]!]!.data as Float32Array;
    const b = (await int8.run(feeds))[int8.outputNames[0]!]!.data as Float32Array;
    reference.push(Float32Array.from(a));
    worst = Math.min(worst, errorMetrics(a, b).cosine);
    if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) sameClass++;
  }
  // A model that ignores its input (the mean output over these images) scores this much: half of
  // them are upside down, so it gets about half the classes, and a worst cosine near 0.7.
  const mean = reference[0]!.map((_, j) => reference.reduce((s, r) => s + r[j]!, 0) / reference.length);
  const argmax = (v: ArrayLike<number>) => Array.from(v).indexOf(Math.max(...Array.from(v)));
  const constantSame = reference.filter((r) => argmax(r) === argmax(mean)).length;
  const constantWorst = Math.min(...reference.map((r) => errorMetrics(r, mean).cosine));
  console.log(
    `cls INT8 on rendered text: worst cosine ${worst.toFixed(5)}, same class ${sameClass}/${held.length} (a constant output: ${constantWorst.toFixed(5)}, ${constantSame}/${held.length})`,
  );
  // Without VNNI, ONNX Runtime's int8 kernels need 7-bit weights (ortWeightMax): measured 0.81 there.
  expect(worst).toBeGreaterThanOrEqual(ortWeightMax() === 127 ? 0.99 : 0.78);
  expect(worst).toBeGreaterThan(constantWorst);
  // Every class right, where the constant misses at least a third of them.
  expect(sameClass).toBe(held.length);
  expect(constantSame).toBeLessThanOrEqual((held.length * 2) / 3);
  await fp32.release();
  await int8.release();
});

it('TensorRT INT8 made from images is checked against FP32 on them at once', async () => {
  const calib = await writeTextLines(path.join(tmp, 'trt-calib'), 8, {
    width: 192,
    height: 48,
    seed: 21,
    flipHalf: true,
  });
  const preprocess = ImagePreprocessSchema.parse({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  const recipe = Int8RecipeSchema.parse({ precision: 'int8', shapes: { x: [1, 3, 48, 192] }, preprocess });
  const v = await makeVariant(CLS, 'cls.onnx', recipe, ctx, { calibrationPaths: calib });
  const note = v.notes.find((n) => n.startsWith('accuracy check'));
  expect(note).toMatch(/^accuracy check: worst cosine to FP32 on 8 calibration samples [01]\.\d{4} \(floor 0\.993/);
  // The classifier agrees well (0.999 on held-back text): every layer stays INT8.
  expect(Number(note!.match(/samples ([\d.]+)/)![1])).toBeGreaterThan(0.993);
  expect(v.kept.some((k) => k.reason.startsWith('INT8 cost accuracy'))).toBe(false);
  // Without the check, the agreement is still measured and said.
  const unchecked = await makeVariant(CLS, 'cls.onnx', { ...recipe, accuracyCheck: false }, ctx, {
    calibrationPaths: calib,
  });
  expect(unchecked.notes.find((n) => n.startsWith('agreement with FP32'))).toMatch(
    /^agreement with FP32 on 8 calibration samples \(its Q\/DQ run on ONNX Runtime\): worst cosine [01]\.\d{4}$/,
  );
  expect(unchecked.nodesByPrecision.int8).toBe(v.nodesByPrecision.int8);
  // Made inside a search (which compares every candidate anyway), it is neither checked nor measured.
  const quiet = await makeVariant(CLS, 'cls.onnx', { ...recipe, excludeNodes: ['p2o.Conv.0'] }, ctx, {
    calibrationPaths: calib,
    agreement: false,
  });
  expect(quiet.notes.some((n) => /^(agreement with FP32|accuracy check)/.test(n))).toBe(false);
});

it('ONNX Runtime INT8 is timed against FP32 here: layer kinds where int8 loses stay float, and the variant says so', async () => {
  const recipe = Int8RecipeSchema.parse({
    precision: 'int8',
    flavour: 'onnxruntime',
    samples: 4,
    shapes: { x: [1, 3, 48, 192] },
    speedGuard: true,
  });
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  const v = await makeVariant(CLS, 'cls.onnx', recipe, ctx);
  const text = v.notes.join('\n');
  console.log(text);
  expect(text).toMatch(/measured on this CPU: FP32 [\d.]+ ms(, [\d.]+ ms with the exact folds alone)?, INT8 [\d.]+ ms/);
  // The classifier's 18 hard-sigmoids are fused whether or not int8 pays, and the file kept says so.
  expect(text).toMatch(/18 Add→Clip→Div hard-sigmoids fused into HardSigmoid/);
  const slower = v.kept.filter((k) => /measured slower than float on this CPU/.test(k.reason));
  if (/every layer stays float/.test(text)) {
    expect(v.qdqPairs).toBe(0);
    expect(slower.length).toBeGreaterThan(0);
  } else {
    expect(v.nodesByPrecision.int8).toBeGreaterThan(0);
    // Every node the check moved to float is of a kind it reported faster in float, or was
    // itself reported faster in float in the single-layer pass, or went float when INT8 as the
    // kinds left it lost to all float (and the single-layer pass then brought others back).
    const fellBack =
      /INT8 as the layer kinds left it \([\d.]+ ms\) is slower than every layer in float \([\d.]+ ms\): every layer made float/;
    for (const k of slower) {
      const kind = `${k.reason.match(/INT8 (.+) measured/)![1]!} node\\(s\\) in float is faster`;
      const layer = `${k.node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in float is faster: made float`;
      expect(text).toMatch(new RegExp(`${kind}|${layer}|${fellBack.source}`));
    }
  }
});
