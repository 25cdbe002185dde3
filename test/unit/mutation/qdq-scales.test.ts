/**
 * The numbers INT8's Q/DQ pairs carry, worked by hand on small tensors: round-half-even, symmetric
 * per-channel weight codes on each op's axis, activation scales and zero points per flavour (signed,
 * one-sided, all-negative, clipped, empty), scales shared through pass-through ops, the order pairs
 * are written in, and INT32 biases including the channel scales raised so a bias fits. A wrong scale
 * is an accuracy loss nobody sees until a user compares outputs (npm run mutate -- qdq-scales).
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeModelBytes, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { NodeProto } from '../../../electron/core/onnx/model';
import type { TensorSource } from '../../../electron/core/onnx/values';
import type { ActivationStats } from '../../../electron/core/precision/calibrate';
import { entropyThreshold, percentileThreshold } from '../../../electron/core/precision/calibrate';
import { plan } from '../../../electron/core/precision/int8/plan';
import {
  activationScales,
  int32Biases,
  ortWeightMax,
  quantizedWeights,
  quantizeWeights,
  roundHalfEven,
  weightAxis,
  weightKey,
  weightScales,
} from '../../../electron/core/precision/int8/scales';
import type { ActivationScale, Int8Options } from '../../../electron/core/precision/int8/types';
import { attr, DT, GraphBuilder, model, type AttrInput } from '../../builders/graph';

const PATH = '/nonexistent/scales.onnx';

/** The analysis and where its tensors' bytes are (the encoded model, in memory). */
function analyzeWithSource(b: GraphBuilder): { a: ModelAnalysis; src: TensorSource } {
  const bytes = encodeModel(model(b.graph()));
  return { a: analyzeModelBytes(bytes, PATH, 'scales.onnx'), src: { path: PATH, bytes } };
}
const analyze = (b: GraphBuilder) => analyzeWithSource(b).a;

const options = (flavour: Int8Options['flavour'], more: Partial<Int8Options> = {}): Int8Options => ({
  flavour,
  calibrator: 'max',
  data: { kind: 'random', samples: 1, seed: 1, shapes: {} },
  ...more,
});

function stats(min: number, max: number, over: Partial<ActivationStats> = {}): ActivationStats {
  return { min, max, absMax: Math.max(Math.abs(min), Math.abs(max)), count: 1000, ...over };
}

function nodeOf(opType: string, attrs: Record<string, AttrInput> = {}): NodeProto {
  return {
    input: [],
    output: [],
    name: opType,
    opType,
    domain: '',
    overload: '',
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
    docString: '',
  };
}

describe('roundHalfEven', () => {
  it('rounds halves to the even neighbour, like QuantizeLinear and numpy', () => {
    expect([0.5, 1.5, 2.5, 3.5, -1.5, -2.5, -3.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, -2, -2, -4]);
    expect([2.4, 2.6, -2.4, -2.6, 3, -7].map(roundHalfEven)).toEqual([2, 3, -2, -3, 3, -7]);
    expect(Object.is(roundHalfEven(-0.5), -0) || roundHalfEven(-0.5) === 0).toBe(true);
  });
});

describe('weights', () => {
  it('ortWeightMax is 127 with VNNI or off x86, 63 on x86 without (and the same on every call)', () => {
    const x86 = process.arch === 'x64' || process.arch === 'ia32';
    let cpuinfo = '';
    try {
      cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      // not Linux
    }
    const vnni = /\b(avx512_vnni|avx_vnni)\b/.test(cpuinfo);
    expect(ortWeightMax()).toBe(!x86 || vnni ? 127 : 63);
    expect(ortWeightMax()).toBe(ortWeightMax());
  });

  it('symmetric codes per channel on axis 0, halves to even, a zero channel at scale 1', () => {
    // Channel 0 |x| max 2 (scale 2/127): 1 → 63.5 → 64, -2 → -127, 0.5 → 31.75 → 32.
    // Channel 1 |x| max 8: 4 → 63.5 → 64, 0 → 0, -8 → -127. Channel 2 all zero.
    const { q, scales } = quantizeWeights([1, -2, 0.5, 4, 0, -8, 0, 0, 0], [3, 3], 0);
    expect(Array.from(scales)).toEqual([Math.fround(2 / 127), Math.fround(8 / 127), 1]);
    expect(Array.from(q)).toEqual([64, -127, 32, 64, 0, -127, 0, 0, 0]);
  });

  it('axis 1 takes one scale per column; null one for the tensor; the inner size counts every later axis', () => {
    const cols = quantizeWeights([1, -2, 0.5, 4, 0, -8], [2, 3], 1);
    expect(Array.from(cols.scales)).toEqual([4, 2, 8].map((m) => Math.fround(m / 127)));
    expect(Array.from(cols.q)).toEqual([32, -127, 8, 127, 0, -127]);
    const one = quantizeWeights([1, -2, 0.5, 4, 0, -8], [2, 3], null);
    expect(Array.from(one.scales)).toEqual([Math.fround(8 / 127)]);
    expect(Array.from(one.q)).toEqual([16, -32, 8, 64, 0, -127]);
    // [2, 1, 2, 2]: channel 0 is the first four values.
    const conv = quantizeWeights([1, 2, 3, 4, -10, 5, 0, 1], [2, 1, 2, 2], 0);
    expect(Array.from(conv.scales)).toEqual([4, 10].map((m) => Math.fround(m / 127)));
    expect(Array.from(conv.q)).toEqual([32, 64, 95, 127, -127, 64, 0, 13]);
  });

  it('7-bit weights where kernels saturate: codes within ±63', () => {
    const { q, scales } = quantizeWeights([1, -2, 0.5, 2], [4], null, 63);
    expect(Array.from(scales)).toEqual([Math.fround(2 / 63)]);
    // The float32 scale is a hair above 2/63: 1 → 31.4999… → 31; 0.5 → 15.75 → 16.
    expect(Array.from(q)).toEqual([31, -63, 16, 63]);
  });

  it('weightAxis: the output-channel axis each op keeps its weights on', () => {
    expect(weightAxis(nodeOf('Conv'), 1, 4, true)).toBe(0);
    expect(weightAxis(nodeOf('ConvTranspose'), 1, 4, true)).toBe(1);
    expect(weightAxis(nodeOf('ConvTranspose', { group: 1 }), 1, 4, true)).toBe(1);
    expect(weightAxis(nodeOf('ConvTranspose', { group: 2 }), 1, 4, true)).toBeNull();
    expect(weightAxis(nodeOf('Gemm'), 1, 2, true)).toBe(1); // B [K, N]
    expect(weightAxis(nodeOf('Gemm', { transB: 0 }), 1, 2, true)).toBe(1);
    expect(weightAxis(nodeOf('Gemm', { transB: 1 }), 1, 2, true)).toBe(0); // B [N, K]
    expect(weightAxis(nodeOf('Gemm', { transB: 1 }), 0, 2, true)).toBeNull(); // a constant A
    expect(weightAxis(nodeOf('MatMul'), 1, 2, true)).toBe(1);
    expect(weightAxis(nodeOf('MatMul'), 1, 3, true)).toBeNull();
    expect(weightAxis(nodeOf('MatMul'), 0, 2, true)).toBeNull();
    for (const op of ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'])
      expect(weightAxis(nodeOf(op), 1, 2, false)).toBeNull();
  });
});

/** x → conv (W, B) → c → relu → r → pool → p → conv2 (W2) → y; x2 → mm (Wm) → z. */
function net(): GraphBuilder {
  const b = new GraphBuilder('scales');
  b.input('x', DT.float32, [1, 2, 4, 4]);
  b.input('x2', DT.float32, [1, 2]);
  b.init('W', DT.float32, [2, 2, 1, 1], [1, -0.5, 0.25, 2]);
  b.init('B', DT.float32, [2], [0.3, -0.7]);
  b.init('W2', DT.float32, [2, 2, 1, 1], [0.5, 0.5, -1, 0]);
  b.init('Wm', DT.float32, [2, 3], [1, 2, 3, -4, -5, 6]);
  b.node('Conv', ['x', 'W', 'B'], { name: 'conv', outputs: ['c'] });
  b.node('Relu', ['c'], { name: 'relu', outputs: ['r'] });
  b.node('MaxPool', ['r'], { name: 'pool', outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
  b.node('Conv', ['p', 'W2'], { name: 'conv2', outputs: ['y'] });
  b.node('MatMul', ['x2', 'Wm'], { name: 'mm', outputs: ['z'] });
  b.output('y', DT.float32, null);
  b.output('z', DT.float32, null);
  return b;
}

function scalesOf(
  flavour: Int8Options['flavour'],
  st: Record<string, ActivationStats>,
  more: Partial<Int8Options> = {},
) {
  const a = analyze(net());
  const opts = options(flavour, { include: { ops: ['MaxPool'] }, ...more });
  const pl = plan(a, opts);
  const notes: string[] = [];
  const r = activationScales(a.ir, pl, new Map(Object.entries(st)), opts, notes);
  return { ...r, names: r.qList.map((t) => a.ir.tensorName[t]), notes, a, pl };
}

describe('activation scales', () => {
  const st = { x: stats(-1, 3), x2: stats(-2, 2), r: stats(0, 6), p: stats(0, 5) };

  it('TensorRT: symmetric INT8, scale = threshold / 127, zero point 0', () => {
    const { activations, names, notes } = scalesOf('tensorrt', st);
    expect(names).toEqual(['x', 'x2', 'r', 'p']);
    expect(activations.x).toEqual({ type: 'int8', scale: 3 / 127, zeroPoint: 0, threshold: 3, min: -1, max: 3 });
    expect(activations.r).toEqual({ type: 'int8', scale: 6 / 127, zeroPoint: 0, threshold: 6, min: 0, max: 6 });
    expect(notes).toEqual([]);
  });

  it('ONNX Runtime: UINT8 over [min(0, lo), max(0, hi)] with the zero point that maps 0 exactly', () => {
    const { activations, names } = scalesOf('onnxruntime', { ...st, x2: stats(-4, -1) });
    expect(names).toEqual(['x', 'x2', 'r', 'p']);
    // [-1, 3]: scale 4/255, zero point 1/(4/255) = 63.75 → 64.
    expect(activations.x).toEqual({ type: 'uint8', scale: 4 / 255, zeroPoint: 64, threshold: 3, min: -1, max: 3 });
    // All negative [-4, -1]: the range still holds 0, at code 255.
    expect(activations.x2).toEqual({ type: 'uint8', scale: 4 / 255, zeroPoint: 255, threshold: 4, min: -4, max: -1 });
    expect(activations.r).toEqual({ type: 'uint8', scale: 6 / 255, zeroPoint: 0, threshold: 6, min: 0, max: 6 });
  });

  it('a tensor that passes values through takes its source scale (and says which)', () => {
    for (const flavour of ['onnxruntime', 'tensorrt'] as const) {
      const { activations } = scalesOf(flavour, st);
      if (flavour === 'onnxruntime') expect(activations.p).toEqual({ ...activations.r, sharedWith: 'r' });
      else expect(activations.p).toEqual({ type: 'int8', scale: 5 / 127, zeroPoint: 0, threshold: 5, min: 0, max: 5 });
    }
  });

  it('a range clipped by the calibrator: the threshold bounds both ends', () => {
    const bins = new Float64Array(10);
    bins[0] = 98;
    bins[9] = 2; // 2 % of |x| near 10
    const histogram = { bins, absMax: 10 };
    const clipped = { ...st, x: stats(-10, 10, { histogram, count: 100 }) };
    const t = percentileThreshold(bins, 10, 95);
    expect(t).toBe(1);
    const ort = scalesOf('onnxruntime', clipped, { calibrator: 'percentile', percentile: 95 }).activations.x;
    expect(ort).toEqual({ type: 'uint8', scale: 2 / 255, zeroPoint: 128, threshold: 1, min: -10, max: 10 });
    const trt = scalesOf('tensorrt', clipped, { calibrator: 'percentile', percentile: 95 }).activations.x;
    expect(trt).toMatchObject({ scale: 1 / 127, threshold: 1 });
    // Without a percentile given: 99.99 %.
    const dflt = scalesOf('tensorrt', clipped, { calibrator: 'percentile' }).activations.x;
    expect(dflt?.threshold).toBe(percentileThreshold(bins, 10, 99.99));
  });

  it('one-sided tensors search 256 entropy levels on ONNX Runtime, 128 otherwise', () => {
    // A long-tailed histogram on which the two level counts give different thresholds.
    const bins = Float64Array.from(
      { length: 512 },
      (_, i) => Math.round(20000 * Math.exp(-i / 12)) + (i % 97 === 0 ? 3 : 0),
    );
    const histogram = { bins, absMax: 512 };
    const count = bins.reduce((a, b) => a + b, 0);
    const t128 = entropyThreshold(bins, 512, { levels: 128 });
    const t256 = entropyThreshold(bins, 512, { levels: 256 });
    expect(t128).not.toBe(t256);
    const pos = { ...st, x: stats(0, 512, { histogram, count }) };
    const neg = { ...st, x: stats(-512, 100, { histogram, count }) };
    expect(scalesOf('onnxruntime', pos, { calibrator: 'entropy' }).activations.x!.threshold).toBe(t256);
    expect(scalesOf('onnxruntime', neg, { calibrator: 'entropy' }).activations.x!.threshold).toBe(t128);
    expect(scalesOf('tensorrt', pos, { calibrator: 'entropy' }).activations.x!.threshold).toBe(t128);
  });

  it('an entropy fallback is noted with the tensor name', () => {
    const histogram = { bins: new Float64Array(64).fill(1), absMax: 3 };
    const { notes, activations } = scalesOf(
      'tensorrt',
      { ...st, x: stats(-1, 3, { histogram, count: 10 }) },
      {
        calibrator: 'entropy',
      },
    );
    expect(notes).toEqual(['x: 10 values are too few for a 64-bin entropy search: |x| max used']);
    expect(activations.x!.threshold).toBe(3);
  });

  it('pairs are listed in the order their producers run, graph inputs first, whatever the node list says', () => {
    // The node list backwards (ONNX asks for topological order; Kiln sorts anyway).
    const b = new GraphBuilder('backwards');
    b.input('x2', DT.float32, [1, 2]);
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.init('W', DT.float32, [2, 2, 1, 1], [1, 2, 3, 4]);
    b.init('W2', DT.float32, [2, 2, 1, 1], [1, 0, 0, 1]);
    b.init('Wm', DT.float32, [2, 2], [1, 2, 3, 4]);
    b.node('MatMul', ['x2', 'Wm'], { name: 'mm', outputs: ['z'] });
    b.node('Conv', ['s', 'W2'], { name: 'conv2', outputs: ['y'] });
    b.node('Sigmoid', ['c'], { name: 'sig', outputs: ['s'] });
    b.node('Conv', ['x', 'W'], { name: 'conv', outputs: ['c'] });
    b.output('y', DT.float32, null);
    b.output('z', DT.float32, null);
    const a = analyze(b);
    const opts = options('onnxruntime');
    const pl = plan(a, opts);
    const st = new Map(['x', 'x2', 'c', 's'].map((n) => [n, stats(-1, 1)]));
    const { qList, activations } = activationScales(a.ir, pl, st, opts, []);
    const names = qList.map((t) => a.ir.tensorName[t]);
    // Tensor ids follow the node list (s before c), and the plan lists s first too: neither is run order.
    expect(a.ir.tensorName.indexOf('s')).toBeLessThan(a.ir.tensorName.indexOf('c'));
    expect([...pl.qTensors.keys()].map((t) => a.ir.tensorName[t])).toEqual(['x2', 's', 'x', 'c']);
    // Graph inputs by tensor id, then c (made by the first node to run), then s.
    expect(names).toEqual(['x2', 'x', 'c', 's']);
    expect(Object.keys(activations)).toEqual(names);
  });

  it('graph inputs are listed by tensor id, whichever was marked first', () => {
    const b = new GraphBuilder('inputs');
    b.input('a', DT.float32, [1, 2]);
    b.input('b', DT.float32, [1, 2]);
    b.input('c', DT.float32, [1, 2]);
    b.init('W', DT.float32, [2, 2], [1, 2, 3, 4]);
    for (const x of ['c', 'b', 'a']) b.node('MatMul', [x, 'W'], { name: `mm_${x}`, outputs: [`y_${x}`] });
    for (const x of ['a', 'b', 'c']) b.output(`y_${x}`, DT.float32, null);
    const a = analyze(b);
    const opts = options('tensorrt');
    const pl = plan(a, opts);
    expect([...pl.qTensors.keys()].map((t) => a.ir.tensorName[t])).toEqual(['c', 'b', 'a']);
    const st = new Map(['a', 'b', 'c'].map((n) => [n, stats(-1, 1)]));
    const { qList } = activationScales(a.ir, pl, st, opts, []);
    expect(qList.map((t) => a.ir.tensorName[t])).toEqual(['a', 'b', 'c']);
  });

  it('a graph input comes before the output of the first node to run', () => {
    const b = new GraphBuilder('first');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.init('W', DT.float32, [2, 2, 1, 1], [1, 2, 3, 4]);
    b.node('Conv', ['x', 'W'], { name: 'conv', outputs: ['c'] });
    b.node('Sigmoid', ['c'], { name: 'sig', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const a = analyze(b);
    const opts = options('onnxruntime');
    const st = new Map([
      ['x', stats(-1, 1)],
      ['c', stats(-2, 2)],
    ]);
    const { qList } = activationScales(a.ir, plan(a, opts), st, opts, []);
    expect(qList.map((t) => a.ir.tensorName[t])).toEqual(['x', 'c']);
  });

  it('a shared scale is measured once: one note for a source with no values', () => {
    const { notes, activations } = scalesOf('onnxruntime', { ...st, r: stats(0, 0, { count: 0 }) });
    expect(notes).toEqual(['r had no finite values on the calibration data: scale 1']);
    expect(activations.p).toEqual({ ...activations.r, sharedWith: 'r' });
  });

  it('no finite values, or none measured: scale 1 and a note; a zero range: scale 1', () => {
    const none = scalesOf('onnxruntime', { ...st, x: stats(0, 0, { count: 0 }), x2: undefined as never });
    expect(none.activations.x).toEqual({ type: 'uint8', scale: 1, zeroPoint: 0, threshold: 0, min: 0, max: 0 });
    expect(none.activations.x2).toEqual({ type: 'uint8', scale: 1, zeroPoint: 0, threshold: 0, min: 0, max: 0 });
    expect(none.notes).toEqual([
      'x had no finite values on the calibration data: scale 1',
      'x2 had no finite values on the calibration data: scale 1',
    ]);
    const trt = scalesOf('tensorrt', { ...st, x: stats(0, 0, { count: 0 }) });
    expect(trt.activations.x).toEqual({ type: 'int8', scale: 1, zeroPoint: 0, threshold: 0, min: 0, max: 0 });
    const zeros = { ...st, x: stats(0, 0) };
    expect(scalesOf('onnxruntime', zeros).activations.x).toEqual({
      type: 'uint8',
      scale: 1,
      zeroPoint: 0,
      threshold: 0,
      min: 0,
      max: 0,
    });
    expect(scalesOf('tensorrt', zeros).activations.x).toEqual({
      type: 'int8',
      scale: 1,
      zeroPoint: 0,
      threshold: 0,
      min: 0,
      max: 0,
    });
  });
});

describe('quantized weights and INT32 biases', () => {
  function setup(over: { B?: number[]; xScale?: number; W?: number[]; perChannel?: boolean } = {}) {
    const b = new GraphBuilder('bias');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.init('W', DT.float32, [2, 2, 1, 1], over.W ?? [1, -0.5, 0.25, 2]);
    b.init('B', DT.float32, [2], over.B ?? [0.3, -0.7]);
    b.node('Conv', ['x', 'W', 'B'], { name: 'conv', outputs: ['c'] });
    b.node('Conv', ['c', 'W'], { name: 'again', outputs: ['y'] }); // the same weight, used twice
    b.output('y', DT.float32, null);
    const { a, src } = analyzeWithSource(b);
    const opts = options('onnxruntime', { perChannel: over.perChannel ?? true });
    const pl = plan(a, opts);
    const weightDq = quantizedWeights(a.ir, pl, src, true);
    const xScale = over.xScale ?? 0.01;
    const scale = (s: number): ActivationScale => ({
      type: 'uint8',
      scale: s,
      zeroPoint: 0,
      threshold: 1,
      min: 0,
      max: 1,
    });
    const activations = { x: scale(xScale), c: scale(0.02) };
    const notes: string[] = [];
    return {
      a,
      src,
      pl,
      weightDq,
      activations,
      notes,
      run: () => int32Biases(a.ir, pl, activations, weightDq, src, notes),
    };
  }

  it('a weight used twice with the same axis is quantized once, keyed by initializer and axis', () => {
    const { a, src, pl, weightDq } = setup();
    expect([...weightDq.keys()]).toEqual(['W|0']);
    expect(pl.weights.map((w) => weightKey(a.ir, w))).toEqual(['W|0', 'W|0']);
    const qmax = ortWeightMax();
    expect(weightScales(weightDq)).toEqual({ W: { axis: 0, scales: [1, 2].map((m) => Math.fround(m / qmax)) } });
    const wq = weightDq.get('W|0')!;
    expect(wq).toMatchObject({ init: 'W', axis: 0, dims: [2, 2, 1, 1] });
    expect(Array.from(wq.values)).toEqual([1, -0.5, 0.25, 2]);
    expect(Array.from(wq.q)).toEqual([qmax, roundHalfEven(-qmax / 2), roundHalfEven(qmax / 8), qmax]);
    // TensorRT weights keep 8 bits whatever the CPU.
    const trt = quantizedWeights(a.ir, pl, src, false).get('W|0')!;
    expect(Array.from(trt.scales)).toEqual([1, 2].map((m) => Math.fround(m / 127)));
  });

  it('bias scale = input scale × weight channel scale; codes round half to even', () => {
    const { weightDq, run, notes } = setup();
    const ws = Array.from(weightDq.get('W|0')!.scales);
    const [bias] = run();
    expect(bias!.name).toBe('B');
    expect(bias!.index).toBe(2);
    expect(Array.from(bias!.scales)).toEqual(ws.map((s) => Math.fround(0.01 * s)));
    const b32 = [0.3, -0.7].map(Math.fround); // the bias as stored
    expect(Array.from(bias!.q)).toEqual(b32.map((v, c) => roundHalfEven(v / Math.fround(0.01 * ws[c]!))));
    expect(notes).toEqual([]);
  });

  it('per-tensor weights: every bias channel uses the one scale, and nothing is raised', () => {
    const { weightDq, run, notes } = setup({ perChannel: false });
    const wq = weightDq.get('W|null')!;
    const s = wq.scales[0]!;
    const codes = Array.from(wq.q);
    const [bias] = run();
    expect(Array.from(bias!.scales)).toEqual([Math.fround(0.01 * s), Math.fround(0.01 * s)]);
    expect(Array.from(wq.scales)).toEqual([s]);
    expect(Array.from(wq.q)).toEqual(codes);
    expect(notes).toEqual([]);
  });

  it('the raised channel alone is requantized, whichever channel it is; the scale keeps a 1e-6 margin', () => {
    // Channel 1 (weights 0.25, 2) needs 0.05 / (1e-10 · (2^31 - 1)) ≈ 0.233; channel 0 fits.
    const { weightDq, run, notes } = setup({ B: [1e-5, 0.05], xScale: 1e-10 });
    const wq = weightDq.get('W|0')!;
    const before = Array.from(wq.q);
    run();
    const need = 0.05 / (1e-10 * (2 ** 31 - 1));
    expect(wq.scales[1]).toBeGreaterThanOrEqual(Math.fround(need * (1 + 1e-6)));
    expect(wq.scales[1]).toBeLessThan(need * (1 + 2e-6));
    expect(Array.from(wq.q.slice(0, 2))).toEqual(before.slice(0, 2));
    expect(Array.from(wq.q.slice(2))).toEqual([roundHalfEven(0.25 / wq.scales[1]!), roundHalfEven(2 / wq.scales[1]!)]);
    expect(notes).toHaveLength(1);
  });

  it('the bias of a later Conv takes its own weight scales; the quantized weight owns its dims', () => {
    const b = new GraphBuilder('two');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.init('W0', DT.float32, [2, 2, 1, 1], [8, 8, 8, 8]);
    b.init('W1', DT.float32, [2, 2, 1, 1], [1, 1, 2, 2]);
    b.init('B1', DT.float32, [2], [0.5, 0.5]);
    b.node('Conv', ['x', 'W0'], { name: 'conv0', outputs: ['c'] });
    b.node('Conv', ['c', 'W1', 'B1'], { name: 'conv1', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const { a, src } = analyzeWithSource(b);
    const pl = plan(a, options('onnxruntime'));
    const weightDq = quantizedWeights(a.ir, pl, src, true);
    const act: ActivationScale = { type: 'uint8', scale: 0.5, zeroPoint: 0, threshold: 1, min: 0, max: 1 };
    const [bias] = int32Biases(a.ir, pl, { c: act }, weightDq, src, []);
    expect(bias!.name).toBe('B1');
    expect(Array.from(bias!.scales)).toEqual(Array.from(weightDq.get('W1|0')!.scales, (s) => Math.fround(0.5 * s)));
    const w1 = a.ir.initializers.find((t) => t.name === 'W1')!;
    expect(weightDq.get('W1|0')!.dims).toEqual(w1.dims);
    expect(weightDq.get('W1|0')!.dims).not.toBe(w1.dims);
  });

  it("a bias too large for INT32 raises that channel's weight scale, requantizes it, and says so once", () => {
    // At input scale 1e-10, bias 0.05 needs a weight scale of 0.05 / (1e-10 · (2^31 - 1)) ≈ 0.233
    // (channel 0 has 1/127); bias -1e-5 needs 4.7e-5 (channel 1 has 2/127: it fits).
    const { weightDq, run, notes } = setup({ B: [0.05, -1e-5], xScale: 1e-10 });
    const before = Array.from(weightDq.get('W|0')!.scales);
    const [bias] = run();
    const wq = weightDq.get('W|0')!;
    const need = 0.05 / (1e-10 * (2 ** 31 - 1));
    expect(wq.scales[0]).toBeGreaterThanOrEqual(need);
    expect(wq.scales[0]).toBeLessThan(need * (1 + 1e-5));
    expect(wq.scales[1]).toBe(before[1]); // channel 1 fits
    // Channel 0's codes at the new scale: 1 and -0.5 over ~0.233; channel 1's unchanged.
    const qmax = ortWeightMax();
    expect(Array.from(wq.q)).toEqual([4, -2, roundHalfEven(Math.fround(0.25 / Math.fround(2 / qmax))), qmax]);
    expect(bias!.q[0]).toBe(roundHalfEven(Math.fround(0.05) / Math.fround(1e-10 * wq.scales[0]!)));
    expect(Math.abs(bias!.q[0]!)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(Math.abs(bias!.q[0]!)).toBeGreaterThan((2 ** 31 - 1) * 0.9999); // just inside, not far inside
    expect(notes).toEqual([
      `weight W: channel 0's scale raised to ${wq.scales[0]!.toExponential(3)} so bias B fits INT32`,
    ]);
  });

  it.each([
    [10, '(0, 1, 2, 3, 4, 5, 6, 7, …)'],
    [8, '(0, 1, 2, 3, 4, 5, 6, 7)'],
  ])('%i channels raised: one note listing up to eight of them', (channels, list) => {
    const b = new GraphBuilder('many');
    b.input('x', DT.float32, [1, 1, 2, 2]);
    b.init('W', DT.float32, [channels, 1, 1, 1], new Array<number>(channels).fill(1e-3));
    b.init(
      'B',
      DT.float32,
      [channels],
      Array.from({ length: channels }, (_, c) => 10 + c),
    );
    b.node('Conv', ['x', 'W', 'B'], { name: 'conv', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const { a, src } = analyzeWithSource(b);
    const pl = plan(a, options('onnxruntime'));
    const weightDq = quantizedWeights(a.ir, pl, src, true);
    const notes: string[] = [];
    const act: ActivationScale = { type: 'uint8', scale: 1e-12, zeroPoint: 0, threshold: 1, min: 0, max: 1 };
    int32Biases(a.ir, pl, { x: act }, weightDq, src, notes);
    const smallest = Math.min(...weightDq.get('W|0')!.scales);
    expect(notes).toEqual([
      `weight W: ${channels} channels' scales ${list} raised to ${smallest.toExponential(3)} or more so bias B fits INT32`,
    ]);
  });

  it('no bias job without the input scale or when the bias is not float', () => {
    const { a, src, pl, weightDq, notes } = setup();
    expect(int32Biases(a.ir, pl, {}, weightDq, src, notes)).toEqual([]);
    const b = new GraphBuilder('intbias');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.init('W', DT.float32, [2, 2, 1, 1], [1, 2, 3, 4]);
    b.init('B', DT.int32, [2], [1, 2]);
    b.node('Conv', ['x', 'W', 'B'], { name: 'conv', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const two = analyzeWithSource(b);
    const pl2 = plan(two.a, options('onnxruntime'));
    const act: ActivationScale = { type: 'uint8', scale: 0.1, zeroPoint: 0, threshold: 1, min: 0, max: 1 };
    const dq2 = quantizedWeights(two.a.ir, pl2, two.src, true);
    expect(int32Biases(two.a.ir, pl2, { x: act }, dq2, two.src, [])).toEqual([]);
  });
});
