/**
 * The exact rewrites made before quantizing, each on a graph built for one rule: the rewritten
 * model must compute what the original does (run both on ONNX Runtime), and every condition that
 * must stop a fold (a tensor read twice, a graph output, a grouped ConvTranspose, a constant that
 * broadcasts along width, training-mode BatchNormalization, near-but-not-equal hard-sigmoid
 * constants…) must leave the graph untouched. A fold that is not exact changes every output of the
 * INT8 variant, so the check is numeric (npm run mutate -- folds).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { tensorValues } from '../../../electron/core/onnx/values';
import {
  foldAffineIntoConvs,
  foldAffineIntoNextConvs,
  foldBatchNorms,
  fuseHardSigmoids,
} from '../../../electron/core/precision/folds';
import { DT, GraphBuilder, model, randomFloats, seeded, type AttrInput } from '../../builders/graph';

const SRC = { path: '/nonexistent/folds.onnx' };

/** Every output of `m` on a seeded input for each graph input. */
async function run(m: ModelProto): Promise<Float32Array[]> {
  const g = m.graph!;
  const feeds: Record<string, ort.Tensor> = {};
  g.input.forEach((v, i) => {
    const dims = v.type!.kind === 'tensor' ? v.type!.shape!.map((d) => Number(d.value)) : [];
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[v.name] = new ort.Tensor('float32', randomFloats(seeded(11 + i), n, 4), dims);
  });
  const s = await ort.InferenceSession.create(encodeModel(m), { logSeverityLevel: 3 });
  try {
    const out = await s.run(feeds);
    return s.outputNames.map((n) => Float32Array.from(out[n]!.data as Float32Array));
  } finally {
    await s.release();
  }
}

/** Rewrites a copy of `m` and checks it computes the same outputs. */
async function rewriteSame<T>(m: ModelProto, rewrite: (copy: ModelProto) => T, tolerance = 1e-4) {
  const copy = structuredClone(m);
  const result = rewrite(copy);
  const [want, got] = [await run(m), await run(copy)];
  expect(got.length).toBe(want.length);
  want.forEach((w, k) => {
    const g = got[k]!;
    expect(g.length).toBe(w.length);
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - g[i]!) / Math.max(1, Math.abs(w[i]!)));
    expect(worst).toBeLessThan(tolerance);
  });
  return { result, copy, ops: copy.graph!.node.map((n) => n.opType) };
}

/** Rewrites a copy and expects nothing to change. */
function unchanged(m: ModelProto, rewrite: (copy: ModelProto) => unknown, none: unknown = 0) {
  const copy = structuredClone(m);
  expect(rewrite(copy)).toEqual(none);
  expect(copy).toEqual(m);
}

const initNames = (m: ModelProto) => m.graph!.initializer.map((t) => t.name).sort();
const values = (m: ModelProto, name: string) =>
  Array.from(
    tensorValues(
      m.graph!.initializer.find((t) => t.name === name)!,
      SRC,
    ),
  );

let seed = 100;
const w = (b: GraphBuilder, name: string, dims: number[], scale = 0.5) =>
  b.init(
    name,
    DT.float32,
    dims,
    randomFloats(
      seeded(seed++),
      dims.reduce((x, y) => x * y, 1),
      scale,
    ),
  );

// ---- BatchNormalization into the Conv before it -------------------------------------------------

interface BnSpec {
  transposed?: boolean;
  group?: number;
  bias?: boolean;
  epsilon?: number;
  training?: boolean;
  extraOutputs?: boolean;
  readTwice?: boolean;
  weightShared?: boolean;
  gammaInput?: boolean;
  channels?: number;
  domain?: string;
  notConv?: boolean;
}

function convBn(spec: BnSpec = {}): ModelProto {
  const b = new GraphBuilder('bn');
  const c = 4;
  b.input('x', DT.float32, [1, 4, 5, 5]);
  if (spec.gammaInput) b.input('gamma', DT.float32, [c]);
  const op = spec.transposed ? 'ConvTranspose' : 'Conv';
  const group = spec.group ?? 1;
  const wDims = spec.transposed ? [4, c / group, 3, 3] : [c, 4 / group, 3, 3];
  w(b, 'W', wDims);
  const inputs = ['x', 'W'];
  if (spec.bias) inputs.push(w(b, 'B', [c]));
  if (spec.notConv) b.node('Relu', ['x'], { name: 'conv', outputs: ['y'] });
  else b.node(op, inputs, { name: 'conv', outputs: ['y'], attrs: { pads: [1, 1, 1, 1], group } });
  const n = spec.channels ?? c;
  const params = [
    spec.gammaInput ? 'gamma' : b.init('gamma', DT.float32, [n], randomFloats(seeded(1), n, 2)),
    b.init('beta', DT.float32, [n], randomFloats(seeded(2), n, 2)),
    b.init('mean', DT.float32, [n], randomFloats(seeded(3), n, 2)),
    b.init(
      'var',
      DT.float32,
      [n],
      Array.from({ length: n }, (_, i) => 0.05 + 0.3 * i),
    ),
  ];
  const attrs: Record<string, AttrInput> = {};
  if (spec.epsilon !== undefined) attrs.epsilon = { float: spec.epsilon };
  if (spec.training) attrs.training_mode = 1;
  b.node('BatchNormalization', ['y', ...params], {
    name: 'bn',
    outputs: spec.extraOutputs ? ['z', 'runMean', 'runVar'] : ['z'],
    attrs,
    domain: spec.domain,
  });
  b.output('z', DT.float32, null);
  if (spec.readTwice) {
    b.node('Relu', ['y'], { name: 'other', outputs: ['o'] });
    b.output('o', DT.float32, null);
  }
  if (spec.weightShared) {
    b.node(op, ['x', 'W'], { name: 'twin', outputs: ['t'], attrs: { pads: [1, 1, 1, 1], group } });
    b.output('t', DT.float32, null);
  }
  return model(b.graph(), { opset: 13 });
}

describe('foldBatchNorms', () => {
  it('folds into a Conv with a bias: the Conv takes the output name, the parameters are dropped', async () => {
    const r = await rewriteSame(convBn({ bias: true }), (m) => foldBatchNorms(m, SRC));
    expect(r.result).toBe(1);
    expect(r.ops).toEqual(['Conv']);
    expect(r.copy.graph!.node[0]!.input).toEqual(['x', 'W', 'z_folded_bias']);
    expect(r.copy.graph!.node[0]!.output).toEqual(['z']);
    expect(initNames(r.copy)).toEqual(['W', 'z_folded_bias']);
  });

  it('folds into a Conv without a bias, and honours epsilon (default 1e-5)', async () => {
    for (const epsilon of [undefined, 0.5]) {
      const r = await rewriteSame(convBn({ epsilon }), (m) => foldBatchNorms(m, SRC), 1e-5);
      expect(r.result).toBe(1);
      expect(initNames(r.copy)).toEqual(['W', 'z_folded_bias']);
    }
    // The folded bias by hand for channel 0: (0 - μ)·γ/√(σ² + ε) + β.
    const m = convBn({ epsilon: 0.5 });
    const [g, be, mu, v] = ['gamma', 'beta', 'mean', 'var'].map((n) => values(m, n)[0]!);
    foldBatchNorms(m, SRC);
    expect(values(m, 'z_folded_bias')[0]).toBeCloseTo(((0 - mu!) * g!) / Math.sqrt(v! + 0.5) + be!, 5);
  });

  it('folds into a group-1 ConvTranspose (output channels on axis 1), not a grouped one', async () => {
    const r = await rewriteSame(convBn({ transposed: true, bias: true }), (m) => foldBatchNorms(m, SRC));
    expect(r.result).toBe(1);
    expect(r.ops).toEqual(['ConvTranspose']);
    unchanged(convBn({ transposed: true, group: 2 }), (m) => foldBatchNorms(m, SRC));
  });

  it('folds into a grouped Conv (channels on axis 0 whatever the group)', async () => {
    const r = await rewriteSame(convBn({ group: 2 }), (m) => foldBatchNorms(m, SRC));
    expect(r.result).toBe(1);
  });

  it.each<[string, BnSpec]>([
    ['training mode', { training: true }],
    ['running statistics asked for', { extraOutputs: true }],
    ['the Conv output read elsewhere', { readTwice: true }],
    ['the weight shared with another Conv', { weightShared: true }],
    ['a parameter computed at run time', { gammaInput: true }],
    ['parameters of the wrong length', { channels: 3 }],
    ['another domain', { domain: 'com.example' }],
    ['no Conv before it', { notConv: true }],
  ])('leaves it alone with %s', (_why, spec) => {
    unchanged(convBn(spec), (m) => foldBatchNorms(m, SRC));
  });
});

// ---- constant affine after a Conv ---------------------------------------------------------------

interface AffineSpec {
  op: 'Mul' | 'Div' | 'Add' | 'Sub';
  constFirst?: boolean;
  dims?: number[];
  transposed?: boolean;
  group?: number;
  bias?: boolean;
  biasShared?: boolean;
  graphOutput?: boolean;
  readTwice?: boolean;
  intConst?: boolean;
  chain?: boolean;
}

function convAffine(spec: AffineSpec): ModelProto {
  const b = new GraphBuilder('affine');
  b.input('x', DT.float32, [1, 4, 5, 5]);
  const op = spec.transposed ? 'ConvTranspose' : 'Conv';
  const group = spec.group ?? 1;
  w(b, 'W', spec.transposed ? [4, 6 / group, 3, 3] : [6, 4, 3, 3]);
  const inputs = ['x', 'W'];
  if (spec.bias || spec.biasShared) inputs.push(b.init('B', DT.float32, [6], [0.1, -0.2, 0.3, -0.4, 0.5, -0.6]));
  b.node(op, inputs, { name: 'conv', outputs: ['y'], attrs: { pads: [1, 1, 1, 1], group } });
  const dims = spec.dims ?? [1, 6, 1, 1];
  const n = dims.reduce((a, c) => a * c, 1);
  const k = spec.intConst
    ? b.init('k', DT.int64, dims, new Array<number>(n).fill(2))
    : b.init(
        'k',
        DT.float32,
        dims,
        Array.from({ length: n }, (_, i) => 0.5 + 0.25 * i),
      );
  b.node(spec.op, spec.constFirst ? [k, 'y'] : ['y', k], { name: 'affine', outputs: ['z'] });
  let out = 'z';
  if (spec.chain) {
    b.node('Add', ['z', b.init('k2', DT.float32, [], [0.75])], { name: 'shift', outputs: ['z2'] });
    out = 'z2';
  }
  b.output(out, DT.float32, null);
  if (spec.graphOutput) b.output('y', DT.float32, null);
  if (spec.readTwice) {
    b.node('Relu', ['y'], { name: 'other', outputs: ['o'] });
    b.output('o', DT.float32, null);
  }
  if (spec.biasShared) {
    b.node('Add', ['x', 'B'], { name: 'useB', outputs: ['u'] });
    b.output('u', DT.float32, null);
  }
  return model(b.graph(), { opset: 13 });
}

describe('foldAffineIntoConvs', () => {
  it.each<[string, AffineSpec]>([
    ['Mul per channel', { op: 'Mul' }],
    ['Mul by a scalar, constant first', { op: 'Mul', constFirst: true, dims: [] }],
    ['Div per channel [C, 1, 1]', { op: 'Div', dims: [6, 1, 1] }],
    ['Add per channel, constant first', { op: 'Add', constFirst: true }],
    ['Sub of one value [1]', { op: 'Sub', dims: [1] }],
    ['Mul after a ConvTranspose', { op: 'Mul', transposed: true }],
    ['Add after a ConvTranspose with a bias', { op: 'Add', transposed: true, bias: true }],
    ['Mul after a grouped Conv with a bias', { op: 'Mul', bias: true }],
  ])('%s: one Conv, same outputs', async (_name, spec) => {
    const r = await rewriteSame(convAffine(spec), (m) => foldAffineIntoConvs(m, SRC));
    expect(r.result).toBe(1);
    expect(r.ops).toEqual([spec.transposed ? 'ConvTranspose' : 'Conv']);
    const conv = r.copy.graph!.node[0]!;
    expect(conv.output).toEqual(['z']);
    expect(conv.input).toEqual(['x', 'W', spec.bias ? 'B' : 'conv_bias']);
  });

  it('folds a chain (Mul then Add) in turn', async () => {
    const r = await rewriteSame(convAffine({ op: 'Mul', chain: true }), (m) => foldAffineIntoConvs(m, SRC));
    expect(r.result).toBe(2);
    expect(r.ops).toEqual(['Conv']);
    expect(r.copy.graph!.node[0]!.output).toEqual(['z2']);
  });

  it.each<[string, AffineSpec]>([
    ['Div with the constant first', { op: 'Div', constFirst: true }],
    ['Sub with the constant first', { op: 'Sub', constFirst: true }],
    ['a constant along width', { op: 'Mul', dims: [5] }],
    ['a constant of C values on the wrong axis', { op: 'Mul', dims: [6, 1, 1, 1, 1] }],
    ['C values spread over two axes', { op: 'Mul', dims: [1, 3, 2, 1] }],
    ['an integer constant', { op: 'Mul', intConst: true }],
    ['the Conv output is a graph output', { op: 'Mul', graphOutput: true }],
    ['the Conv output is read twice', { op: 'Mul', readTwice: true }],
    ['the bias is shared', { op: 'Mul', biasShared: true }],
    ['a grouped ConvTranspose', { op: 'Mul', transposed: true, group: 2 }],
  ])('leaves it alone: %s', (_why, spec) => {
    unchanged(convAffine(spec), (m) => foldAffineIntoConvs(m, SRC));
  });
});

// ---- hard-sigmoid and hard-swish -----------------------------------------------------------------

interface HsSpec {
  add?: number;
  lo?: number;
  hi?: number;
  div?: number;
  addConstFirst?: boolean;
  clipAttrs?: boolean;
  swish?: boolean;
  swishOther?: boolean;
  divSwapped?: boolean;
  clipReadTwice?: boolean;
  clipIsOutput?: boolean;
}

function hardSigmoid(spec: HsSpec = {}): ModelProto {
  const b = new GraphBuilder('hs');
  b.input('x', DT.float32, [1, 3, 4, 4]);
  b.input('x2', DT.float32, [1, 3, 4, 4]);
  const k = (name: string, v: number) => b.init(name, DT.float32, [], [v]);
  const add = k('three', spec.add ?? 3);
  b.node('Add', spec.addConstFirst ? [add, 'x'] : ['x', add], { name: 'add', outputs: ['a'] });
  if (spec.clipAttrs) {
    b.node('Clip', ['a'], {
      name: 'clip',
      outputs: ['c'],
      attrs: { min: { float: spec.lo ?? 0 }, max: { float: spec.hi ?? 6 } },
    });
  } else b.node('Clip', ['a', k('lo', spec.lo ?? 0), k('hi', spec.hi ?? 6)], { name: 'clip', outputs: ['c'] });
  const six = k('six', spec.div ?? 6);
  let last = 'c';
  if (spec.swish || spec.swishOther) {
    b.node('Mul', [spec.swishOther ? 'x2' : 'x', 'c'], { name: 'mul', outputs: ['m'] });
    last = 'm';
  }
  b.node('Div', spec.divSwapped ? [six, last] : [last, six], { name: 'div', outputs: ['y'] });
  b.output('y', DT.float32, null);
  if (spec.clipReadTwice) {
    b.node('Relu', ['c'], { name: 'other', outputs: ['o'] });
    b.output('o', DT.float32, null);
  }
  if (spec.clipIsOutput) b.output('c', DT.float32, null);
  return model(b.graph(), { opset: spec.clipAttrs ? 6 : 13 });
}

describe('fuseHardSigmoids', () => {
  it('Add(x, 3) → Clip(0, 6) → Div(6) becomes HardSigmoid(1/6, 0.5) keeping the output name', async () => {
    for (const spec of [{}, { addConstFirst: true }, { add: 3 + 1e-6 }]) {
      const r = await rewriteSame(hardSigmoid(spec), (m) => fuseHardSigmoids(m, SRC), 1e-5);
      expect(r.result).toBe(1);
      expect(r.ops).toEqual(['HardSigmoid']);
      const hs = r.copy.graph!.node[0]!;
      expect(hs.input).toEqual(['x']);
      expect(hs.output).toEqual(['y']);
      expect(hs.name).toBe('add_hardsigmoid');
      expect(hs.attribute.map((a) => [a.name, a.f])).toEqual([
        ['alpha', 1 / 6],
        ['beta', 0.5],
      ]);
      expect(initNames(r.copy)).toEqual([]);
    }
  });

  it('Clip bounds given as attributes (opset 6) count too', () => {
    const m = hardSigmoid({ clipAttrs: true });
    expect(fuseHardSigmoids(m, SRC)).toBe(1);
    expect(m.graph!.node.map((n) => n.opType)).toEqual(['HardSigmoid']);
    unchanged(hardSigmoid({ clipAttrs: true, hi: 5 }), (c) => fuseHardSigmoids(c, SRC));
  });

  it('hard-swish: Add → Clip → Mul(x) → Div becomes HardSigmoid → Mul(x), the Mul keeping the Div output', async () => {
    const r = await rewriteSame(hardSigmoid({ swish: true }), (m) => fuseHardSigmoids(m, SRC), 1e-5);
    expect(r.result).toBe(1);
    expect(r.ops).toEqual(['HardSigmoid', 'Mul']);
    const [hs, mul] = r.copy.graph!.node;
    expect(hs!.output).toEqual(['c_hardsigmoid']);
    expect(mul!.input).toEqual(['x', 'c_hardsigmoid']);
    expect(mul!.output).toEqual(['y']);
  });

  it.each<[string, HsSpec]>([
    ['Add of 2', { add: 2 }],
    ['Add just off 3', { add: 3.0001 }],
    ['Clip from 0.5', { lo: 0.5 }],
    ['Clip to 5', { hi: 5 }],
    ['Div by 5', { div: 5 }],
    ['Div of the constant by the Clip', { divSwapped: true }],
    ['the Clip read twice', { clipReadTwice: true }],
    ['the Clip a graph output', { clipIsOutput: true }],
    ['a swish multiplying another tensor', { swishOther: true }],
    ['a swish dividing by 5', { swish: true, div: 5 }],
  ])('leaves it alone: %s', (_why, spec) => {
    unchanged(hardSigmoid(spec), (m) => fuseHardSigmoids(m, SRC));
  });
});

// ---- constant affine before the Convs that read it ----------------------------------------------

interface NextSpec {
  mul?: number[] | null;
  add?: number[] | null;
  addFirst?: boolean;
  pads?: number[];
  autoPad?: string;
  group?: number;
  second?: 'conv' | 'relu' | 'weight';
  bias?: boolean;
  graphOutput?: boolean;
  weightShared?: boolean;
  mulConstFirst?: boolean;
}

function affineConv(spec: NextSpec): ModelProto {
  const b = new GraphBuilder('next');
  b.input('x', DT.float32, [1, 4, 5, 5]);
  b.node('Relu', ['x'], { name: 'act', outputs: ['h'] });
  let y = 'h';
  const mul = spec.mul === undefined ? [0.5, -1.5, 2, 0.25] : spec.mul;
  const add = spec.add === undefined ? [0.1, -0.2, 0.3, -0.4] : spec.add;
  const dims = (v: number[]) => (v.length === 1 ? [1] : [1, v.length, 1, 1]);
  if (mul) {
    const s = b.init('s', DT.float32, dims(mul), mul);
    b.node('Mul', spec.mulConstFirst ? [s, y] : [y, s], { name: 'scale', outputs: ['m'] });
    y = 'm';
  }
  if (add) {
    b.node(
      'Add',
      spec.addFirst ? [b.init('t', DT.float32, dims(add), add), y] : [y, b.init('t', DT.float32, dims(add), add)],
      {
        name: 'shift',
        outputs: ['a'],
      },
    );
    y = 'a';
  }
  const group = spec.group ?? 1;
  const attrs: Record<string, AttrInput> = { group };
  if (spec.pads) attrs.pads = spec.pads;
  if (spec.autoPad) attrs.auto_pad = spec.autoPad;
  w(b, 'W', [6, 4 / group, 3, 3]);
  const inputs = [y, 'W'];
  if (spec.bias) inputs.push(b.init('B', DT.float32, [6], [1, 2, 3, 4, 5, 6]));
  b.node('Conv', inputs, { name: 'conv', outputs: ['z'], attrs });
  b.output('z', DT.float32, null);
  if (spec.second === 'conv') {
    w(b, 'W2', [2, 4, 1, 1]);
    b.node('Conv', [y, 'W2'], { name: 'conv2', outputs: ['z2'] });
    b.output('z2', DT.float32, null);
  } else if (spec.second === 'relu') {
    b.node('Relu', [y], { name: 'other', outputs: ['o'] });
    b.output('o', DT.float32, null);
  } else if (spec.second === 'weight') {
    b.node('Conv', ['x', y], { name: 'asWeight', outputs: ['q'] });
    b.output('q', DT.float32, null);
  }
  if (spec.weightShared) {
    b.node('Conv', ['x', 'W'], { name: 'twin', outputs: ['t2'], attrs: { group } });
    b.output('t2', DT.float32, null);
  }
  if (spec.graphOutput) b.output(y, DT.float32, null);
  return model(b.graph(), { opset: 13 });
}

describe('foldAffineIntoNextConvs', () => {
  it.each<[string, NextSpec]>([
    ['Mul then Add, per channel', {}],
    ['Mul only, constant first', { add: null, mulConstFirst: true }],
    ['Add only, scalar, constant first', { mul: null, add: [0.3], addFirst: true }],
    ['into a Conv with a bias and a second Conv', { bias: true, second: 'conv' }],
    ['into a grouped Conv', { group: 2 }],
    ['with explicit zero pads', { pads: [0, 0, 0, 0] }],
    ['with VALID', { autoPad: 'VALID' }],
    ['with NOTSET', { autoPad: 'NOTSET' }],
  ])('%s: folded into the weights, same outputs', async (_name, spec) => {
    const r = await rewriteSame(affineConv(spec), (m) => foldAffineIntoNextConvs(m, SRC, { asBatchNorm: false }));
    expect(r.result).toEqual({ folded: 1, batchNorms: 0 });
    expect(r.ops).toEqual(spec.second === 'conv' ? ['Relu', 'Conv', 'Conv'] : ['Relu', 'Conv']);
    const conv = r.copy.graph!.node[1]!;
    expect(conv.input).toEqual(['h', 'W', 'conv_bias']);
    // A fresh bias (the old one may have other readers; here it has none left and is dropped).
    expect(initNames(r.copy)).toEqual(
      spec.second === 'conv' ? ['W', 'W2', 'conv2_bias', 'conv_bias'] : ['W', 'conv_bias'],
    );
  });

  it('before a padded Conv: a BatchNormalization with γ = s, β = t, mean 0, variance 1, ε 0 (or nothing)', async () => {
    for (const pad of [{ pads: [1, 1, 1, 1] }, { autoPad: 'SAME_UPPER' }]) {
      unchanged(affineConv(pad), (m) => foldAffineIntoNextConvs(m, SRC, { asBatchNorm: false }), {
        folded: 0,
        batchNorms: 0,
      });
      const r = await rewriteSame(affineConv(pad), (m) => foldAffineIntoNextConvs(m, SRC, { asBatchNorm: true }));
      expect(r.result).toEqual({ folded: 0, batchNorms: 1 });
      expect(r.ops).toEqual(['Relu', 'BatchNormalization', 'Conv']);
      const bn = r.copy.graph!.node[1]!;
      expect(bn.input).toEqual(['h', 'shift_gamma', 'shift_beta', 'shift_mean', 'shift_var']);
      expect(bn.output).toEqual(['a']);
      expect(bn.name).toBe('shift_affine');
      expect(bn.attribute.map((a) => [a.name, a.f])).toEqual([['epsilon', 0]]);
      expect(values(r.copy, 'shift_gamma')).toEqual([0.5, -1.5, 2, 0.25]);
      expect(values(r.copy, 'shift_beta').map((v) => Math.fround(v))).toEqual([0.1, -0.2, 0.3, -0.4].map(Math.fround));
      expect(values(r.copy, 'shift_mean')).toEqual([0, 0, 0, 0]);
      expect(values(r.copy, 'shift_var')).toEqual([1, 1, 1, 1]);
    }
  });

  it.each<[string, NextSpec]>([
    ['read by something other than a Conv', { second: 'relu' }],
    ['read by a Conv as its weight', { second: 'weight' }],
    ['the affine output a graph output', { graphOutput: true }],
    ['a weight shared with another Conv', { weightShared: true }],
    ['a constant that does not broadcast per channel', { mul: [1, 2] }],
  ])('leaves it alone: %s', (_why, spec) => {
    unchanged(affineConv(spec), (m) => foldAffineIntoNextConvs(m, SRC, { asBatchNorm: true }), {
      folded: 0,
      batchNorms: 0,
    });
  });
});
