/**
 * INT8 for TensorRT with what is not INT8 in FP16 (ModelOpt's high_precision_dtype=fp16), on the
 * real classifier calibrated on rendered text: every quantized op still reads its DequantizeLinear
 * directly (TensorRT's INT8 pattern), the float layers compute in FP16, a pinned node stays FP32,
 * the model passes the reference checker, runs on ONNX Runtime and agrees with FP32.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { ImagePreprocessSchema, Int8RecipeSchema } from '../../electron/shared/api/variants';
import { errorMetrics } from '../../electron/shared/compare/metrics';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { imageSamples } from '../../electron/core/inputs/images';
import { makeVariant } from '../../electron/core/precision/variants';
import { variantPath } from '../../electron/platform/paths';
import { writeTextLines } from '../builders/text-images';
import { checker, hasOnnx, suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = suiteTempDir('kiln-int8-fp16-');
const ctx = { signal: new AbortController().signal, progress: () => undefined };
const preprocess = ImagePreprocessSchema.parse({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
const shapes = { x: [1, 3, 48, 192] };

it('TensorRT INT8 with FP16 for the rest keeps the Q/DQ pattern, pins FP32 where asked, and agrees with FP32', async () => {
  const size = { width: 192, height: 48, flipHalf: true };
  const calib = await writeTextLines(path.join(tmp, 'calib'), 8, { ...size, seed: 21 });
  const held = await writeTextLines(path.join(tmp, 'held'), 4, { ...size, seed: 99 });
  const recipe = Int8RecipeSchema.parse({
    precision: 'int8',
    shapes,
    preprocess,
    accuracyCheck: false,
    excludeNodes: ['p2o.Conv.0'],
    highPrecision: 'fp16',
    fp32Nodes: ['p2o.Conv.1'],
  });
  const v = await makeVariant(CLS, 'cls.onnx', recipe, ctx, { calibrationPaths: calib });
  // The name says what differs: FP16 for the rest, unchecked, two pinned, calibrated on 8 images of `calib`.
  expect(v.name).toMatch(/^cls\.int8-trt-mse-fp16-unchecked-mixed2\.calib-8\.[0-9a-f]{6}\.onnx$/);
  expect(v.nodesByPrecision.int8).toBeGreaterThan(40);
  expect(v.nodesByPrecision.fp16).toBeGreaterThan(50);
  const note = v.notes.find((n) => n.startsWith('FP16 for what is not INT8'));
  expect(note).toMatch(/^FP16 for what is not INT8: \d+ node\(s\) FP16, \d+ kept FP32, \d+ Casts/);
  // Measured on the file as delivered, FP16 included.
  expect(Number(note!.match(/calibration samples with them in FP16: ([\d.]+)$/)![1])).toBeGreaterThan(0.99);
  // Not INT8 by the recipe: p2o.Conv.0 in FP16, p2o.Conv.1 pinned to FP32.
  expect(v.kept.find((k) => k.node === 'p2o.Conv.0')?.precision).toBe('fp16');
  expect(v.kept.find((k) => k.node === 'p2o.Conv.1')?.precision).toBe('fp32');
  // The diff shown on the graph: every INT8 node by name, and the FP16 ones.
  expect(v.converted.int8).toHaveLength(v.nodesByPrecision.int8!);
  expect(v.converted.fp16).toContain('p2o.Conv.0');
  expect(v.converted.fp16).not.toContain('p2o.Conv.1');
  // The BatchNormalizations folded into Convs and the Add → Clip → Div hard-sigmoids fused into
  // HardSigmoid are gone from the variant, and said so.
  const fused = v.converted.rewritten!;
  expect(fused.length).toBeGreaterThanOrEqual(18 * 3);
  const src = await analyzeModel(CLS);
  const opOf = (n: string) => src.opened.model.graph!.node.find((x) => x.name === n)?.opType;
  expect(new Set(fused.map(opOf))).toEqual(new Set(['BatchNormalization', 'Add', 'Clip', 'Div']));

  const file = variantPath(v.id);
  const a = await analyzeModel(file);
  // The file says how it was made.
  const meta = JSON.parse(a.opened.model.metadataProps.find((p) => p.key === 'kiln.recipe')!.value) as {
    flavour: string;
    highPrecision: string;
    fp32Nodes: string[];
  };
  expect(meta).toMatchObject({ flavour: 'tensorrt', highPrecision: 'fp16', fp32Nodes: ['p2o.Conv.1'] });
  const nodes = a.opened.model.graph!.node;
  const producer = new Map(nodes.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const elemType = (t: string) => a.shapes.types[a.ir.tensorName.indexOf(t)]?.dtype;
  // Every DequantizeLinear feeds its op directly (no Cast between), and that op computes in FP32.
  const dq = nodes.filter((n) => n.opType === 'DequantizeLinear');
  expect(dq.length).toBeGreaterThan(80);
  for (const n of nodes)
    if (n.input.some((i) => producer.get(i)?.opType === 'DequantizeLinear') && n.opType !== 'QuantizeLinear')
      expect(elemType(n.output[0]!), n.name).toBe('float32');
  // The float layers compute in FP16: the Conv left out of INT8 and the hard-sigmoids.
  const out = (name: string) => nodes.find((n) => n.name === name)!.output[0]!;
  expect(elemType(out('p2o.Conv.0'))).toBe('float16');
  expect(elemType(out('p2o.Conv.1'))).toBe('float32');
  expect(nodes.filter((n) => n.opType === 'HardSigmoid').some((n) => elemType(n.output[0]!) === 'float16')).toBe(true);
  if (hasOnnx) expect(checker(file)).toBe('ok');

  const fp32 = await ort.InferenceSession.create(CLS);
  const mixed = await ort.InferenceSession.create(file);
  const inputs = [{ name: 'x', dtype: 'float32', dims: [null, 3, 48, null] as (number | string | null)[] }];
  let worst = 1;
  for await (const feeds of imageSamples(inputs, held, shapes, preprocess, 'cls.onnx')) {
    const want = (await fp32.run(feeds))[fp32.outputNames[0]!]!.data as Float32Array;
    const got = (await mixed.run(feeds))[mixed.outputNames[0]!]!.data as Float32Array;
    worst = Math.min(worst, errorMetrics(want, got).cosine);
  }
  console.log(
    `cls INT8 + FP16: ${JSON.stringify(v.nodesByPrecision)}, worst cosine on 4 held-back images ${worst.toFixed(5)}`,
  );
  expect(worst).toBeGreaterThan(0.99);
  await fp32.release();
  await mixed.release();
});

it('FP16 for the rest is refused for the ONNX Runtime flavour, by file name', async () => {
  const recipe = Int8RecipeSchema.parse({ precision: 'int8', flavour: 'onnxruntime', shapes, highPrecision: 'fp16' });
  await expect(makeVariant(CLS, 'cls.onnx', recipe, ctx)).rejects.toThrow(
    /^cls\.onnx: FP16 for the layers not in INT8 applies to the TensorRT flavour/,
  );
});
