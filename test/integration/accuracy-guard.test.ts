/**
 * The accuracy check after ONNX Runtime's speed check: layers whose INT8 costs agreement with FP32
 * go float, the others stay INT8. The model is built so one tensor (convB's output, read by convC)
 * has one channel 200× wider than the rest: a per-tensor UINT8 scale then leaves the other channels
 * a level or two, so convB (its output is quantized) and convC (its input is) must both be float,
 * while convA, which never touches that tensor, stays INT8.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, expect, it } from 'vitest';
import { encodeModel } from '../../electron/core/onnx/encode';
import { guardInt8Accuracy } from '../../electron/core/precision/accuracy-guard';
import { quantizeInt8 } from '../../electron/core/precision/int8';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../builders/graph';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-accuracy-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `plain` well-behaved Conv+Relu layers (convA, conv1, conv2, …), then convB and convC. */
function outlierModel(plain = 1): string {
  const rand = seeded(8);
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 8, 8, 8]);
  const conv = (name: string, input: string, w: number[]) =>
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
function setup(file: string) {
  const data = { kind: 'random', samples: 16, seed: 1, shapes: { x: [1, 8, 8, 8] } } as const;
  let k = 0;
  const quantize = async (excluded: string[]) => {
    const out = file.replace(/\.onnx$/, `.try-${k++}.onnx`);
    await quantizeInt8(file, out, {
      data,
      calibrator: 'max',
      flavour: 'onnxruntime',
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
  // 12 layers in runs of 2: convB and convC are one run, found in the first round of 6 tries.
  expect(r.excluded.sort()).toEqual(['convB', 'convC']);
  expect(steps.filter((s) => s.startsWith('Checking accuracy with'))).toHaveLength(6);
  expect(steps).toContain('Checking accuracy with 2 layers in float');
});
