/**
 * The accuracy check after ONNX Runtime's speed check: layers whose INT8 costs agreement with FP32
 * go float, the others stay INT8. The model is built so one tensor (convB's output, read by convC)
 * has one channel 200× wider than the rest: a per-tensor UINT8 scale then leaves the other channels
 * a level or two, so convB (its output is quantized) and convC (its input is) must both be float,
 * while convA, which never touches that tensor, stays INT8. In TensorRT's flavour (Q/DQ on layer
 * inputs only, symmetric) only convC's input is quantized: convC alone must go float.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, expect, it } from 'vitest';
import type { InputData } from '../../electron/core/inputs/feeds';
import { encodeModel } from '../../electron/core/onnx/encode';
import { guardInt8Accuracy } from '../../electron/core/precision/accuracy-guard';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';
import { makeVariant } from '../../electron/core/precision/variants';
import { Int8RecipeSchema } from '../../electron/shared/api/variants';
import { writeNpz } from '../builders/speech';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../builders/graph';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-accuracy-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `plain` well-behaved Conv+Relu layers (convA, conv1, conv2, …), then convB and convC. */
function outlierModel(plain = 1): string {
  const rand = seeded(8);
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 8, 8, 8]);
  const conv = (name: string, input: string, w: ArrayLike<number>) =>
    b.node('Relu', [b.node('Conv', [input, b.init(`${name}_w`, DT.float32, [8, 8, 1, 1], w)], { name })], {
      name: `${name}_relu`,
    });
  let a = conv('convA', x, randomFloats(rand, 64, 0.5));
  // Orthogonal-ish 1×1 layers keep the signal's scale: identity plus a little noise.
  for (let i = 1; i < plain; i++)
    a = conv(
      `conv${i}`,
      a,
      randomFloats(rand, 64, 0.1).map((v, j) => (j % 9 === 0 ? 1 + v : v)),
    );
  // convB's output channel 0 is 200× wider; convC reads it 200× smaller: the same FP32 result.
  const wb = randomFloats(rand, 64, 0.5).map((v, i) => (i < 8 ? v * 200 : v));
  const bOut = conv('convB', a, wb);
  const wc = randomFloats(rand, 64, 0.5).map((v, i) => (i % 8 === 0 ? v / 200 : v));
  b.node('Conv', [bOut, b.init('convC_w', DT.float32, [8, 8, 1, 1], wc)], { name: 'convC', outputs: ['y'] });
  b.output('y', DT.float32, [1, 8, 8, 8]);
  const file = path.join(tmp, `outlier-${plain}.onnx`);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
  return file;
}

/** What the accuracy check needs for `file`: a quantizer keeping `excluded` float, and 6 samples. */
function setup(file: string, flavour: 'onnxruntime' | 'tensorrt' = 'onnxruntime') {
  const data: InputData = { kind: 'random', samples: 16, seed: 1, shapes: { x: [1, 8, 8, 8] } };
  let k = 0;
  const quantize = async (excluded: string[]) => {
    const out = file.replace(/\.onnx$/, `.try-${k++}.onnx`);
    await quantizeInt8(file, out, {
      data,
      calibrator: 'max',
      flavour,
      ...(flavour === 'tensorrt' ? { equalize: false } : {}),
      exclude: { ops: [], nodes: excluded },
    });
    return out;
  };
  const rand = seeded(2);
  const samples = Array.from({ length: 6 }, () => ({
    x: new ort.Tensor('float32', Float32Array.from(randomFloats(rand, 512, 1)), [1, 8, 8, 8]),
  }));
  return { quantize, samples };
}

it('keeps float the layers whose INT8 costs accuracy, and only those', async () => {
  const file = outlierModel();
  const { quantize, samples } = setup(file);
  const int8 = await quantize([]);
  const r = await guardInt8Accuracy(file, int8, ['convA', 'convB', 'convC'], [], samples, quantize, { floor: 0.99 });
  console.log(`worst cosine ${r.before.toFixed(4)} → ${r.worst.toFixed(4)}, float: ${r.excluded.join(', ')}`);
  expect(r.before).toBeLessThan(0.99);
  expect(r.worst).toBeGreaterThanOrEqual(0.99);
  expect(r.excluded.sort()).toEqual(['convB', 'convC']);
  expect(r.steps.map((s) => s.node).sort()).toEqual(['convB', 'convC']);
  expect(r.samples).toBe(6);

  // Already above the floor: nothing changes.
  const fine = await guardInt8Accuracy(
    file,
    await quantize(['convB', 'convC']),
    ['convA'],
    ['convB', 'convC'],
    samples,
    quantize,
    {
      floor: 0.99,
    },
  );
  expect(fine.steps).toEqual([]);
  expect(fine.excluded).toEqual(['convB', 'convC']);
  expect(fine.worst).toBe(fine.before);
});

it('holds FP32 outputs for as many samples as its byte budget allows', async () => {
  const file = outlierModel();
  const { quantize, samples } = setup(file);
  // 2 KiB of output per sample (1×8×8×8 floats): a 5 KiB budget keeps 2 of the 6 samples.
  const r = await guardInt8Accuracy(file, await quantize([]), ['convA', 'convB', 'convC'], [], samples, quantize, {
    floor: 0.99,
    referenceBytes: 5 * 1024,
  });
  expect(r.samples).toBe(2);
  expect(r.worst).toBeGreaterThanOrEqual(0.99);
});

it('with many INT8 layers it tries runs of neighbours, a bounded number per round', async () => {
  const file = outlierModel(10);
  const { quantize, samples } = setup(file);
  const layers = ['convA', ...Array.from({ length: 9 }, (_, i) => `conv${i + 1}`), 'convB', 'convC'];
  const int8 = await quantize([]);
  const steps: string[] = [];
  const r = await guardInt8Accuracy(file, int8, layers, [], samples, quantize, {
    floor: 0.99,
    onStep: (s) => steps.push(s),
  });
  console.log(`12 layers: worst ${r.before.toFixed(4)} → ${r.worst.toFixed(4)}, float: ${r.excluded.join(', ')}`);
  expect(r.before).toBeLessThan(0.99);
  expect(r.worst).toBeGreaterThanOrEqual(0.99);
  // 12 layers in runs of 2: convB and convC are one run, found in the first round of 6 tries; both
  // are needed, so giving either back fails.
  expect(r.excluded.sort()).toEqual(['convB', 'convC']);
  expect(steps.filter((s) => s.endsWith('in float'))).toHaveLength(6);
  expect(steps).toContain('Checking accuracy with 2 layers in float');
  expect(steps.filter((s) => s.endsWith('back in INT8'))).toEqual([
    'Checking accuracy with convC back in INT8',
    'Checking accuracy with convB back in INT8',
  ]);
});

it('gives back to INT8 the layers of a run that did not need float', async () => {
  // TensorRT's flavour quantizes layer inputs only: convB's output (a 200× channel) is quantized as
  // convC's input, so convC alone must be float, though the round chose the run [convB, convC].
  const file = outlierModel(10);
  const { quantize, samples } = setup(file, 'tensorrt');
  const layers = ['convA', ...Array.from({ length: 9 }, (_, i) => `conv${i + 1}`), 'convB', 'convC'];
  const r = await guardInt8Accuracy(file, await quantize([]), layers, [], samples, quantize, { floor: 0.99 });
  console.log(
    `TensorRT, 12 layers: worst ${r.before.toFixed(4)} → ${r.worst.toFixed(4)}, float: ${r.excluded.join(', ')}`,
  );
  expect(r.before).toBeLessThan(0.99);
  expect(r.worst).toBeGreaterThanOrEqual(0.99);
  expect(r.excluded).toEqual(['convC']);
  expect(r.steps.map((s) => s.node)).toEqual(['convC']);
});

it('TensorRT INT8 made from real samples keeps float the layer whose symmetric INT8 input loses, and says so', async () => {
  const file = outlierModel();
  // Real samples (.npz, ModelOpt's layout): the check runs only on data the user gave.
  const dir = path.join(tmp, 'npz');
  fs.mkdirSync(dir, { recursive: true });
  const rand = seeded(5);
  const files = Array.from({ length: 8 }, (_, i) => {
    const f = path.join(dir, `s${i}.npz`);
    writeNpz(f, { x: new ort.Tensor('float32', Float32Array.from(randomFloats(rand, 512, 1)), [1, 8, 8, 8]) });
    return f;
  });
  process.env.KILN_VARIANTS_DIR = path.join(tmp, 'variants');
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  // Max calibration, no equalization: convC's input (a 200× channel) gets one symmetric scale.
  const recipe = Int8RecipeSchema.parse({ precision: 'int8', calibrator: 'max', equalize: false });
  const v = await makeVariant(file, 'outlier.onnx', recipe, ctx, { calibrationPaths: files });
  const note = v.notes.find((n) => n.startsWith('accuracy check'))!;
  console.log(note);
  expect(note).toMatch(
    /on 8 calibration samples 0\.\d{4}, under the floor of 0\.993 .*: convC kept float, (1\.0000|0\.99[3-9]\d)/,
  );
  expect(v.kept.find((k) => k.node === 'convC')?.reason).toMatch(/^INT8 cost accuracy/);
  expect(v.kept.some((k) => k.node === 'convA' || k.node === 'convB')).toBe(false);
  expect(v.nodesByPrecision.int8).toBe(2);

  // Unchecked: every layer INT8, and the agreement it measured points to the check.
  const raw = await makeVariant(file, 'outlier.onnx', { ...recipe, accuracyCheck: false }, ctx, {
    calibrationPaths: files,
  });
  expect(raw.nodesByPrecision.int8).toBe(3);
  expect(raw.notes.find((n) => n.startsWith('agreement with FP32'))).toMatch(
    /worst cosine 0\.\d{4}, under 0\.99: the accuracy check/,
  );
});
