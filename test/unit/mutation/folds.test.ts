/**
 * The exact rewrites made before quantizing that fold into the op before them, each on a graph
 * built for one rule: BatchNormalization and constant Mul/Div/Add/Sub into the Conv before them,
 * Add → Clip → Div (→ Mul) into HardSigmoid. The rewritten model must compute what the original
 * does (both run on ONNX Runtime), and every condition that must stop a fold (a tensor read twice,
 * a grouped ConvTranspose, a constant that broadcasts along width, training-mode
 * BatchNormalization, integer tensors, near-but-not-equal hard-sigmoid constants…) must leave the
 * graph untouched. A fold that is not exact changes every output of the INT8 variant, so the check
 * is numeric (npm run mutate -- folds; the forward fold is in folds-forward.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ATTR, type ModelProto } from '../../../electron/core/onnx/model';
import {
  foldAffineIntoConvs,
  foldAffineIntoNextConvs,
  foldBatchNorms,
  fuseHardSigmoids,
} from '../../../electron/core/precision/folds';
import { DT, GraphBuilder, model, randomFloats, seeded, type AttrInput } from '../../builders/graph';
import { initNames, rewriteSame, SRC, unchanged, values, w } from './fold-check';

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
  /** Other ways a fold must be refused (or allowed). */
  emptyOutputs?: boolean;
  onInput?: boolean;
  convDomain?: string;
  producer?: string;
  intBias?: boolean;
  intWeight?: boolean;
  varLength?: number;
  biasLength?: number;
  intParam?: boolean;
  bnOp?: string;
}

function convBn(spec: BnSpec = {}): ModelProto {
  const b = new GraphBuilder('bn');
  const c = 4;
  b.input('x', DT.float32, [1, 4, 5, 5]);
  if (spec.gammaInput) b.input('gamma', DT.float32, [c]);
  const op = spec.transposed ? 'ConvTranspose' : 'Conv';
  const group = spec.group ?? 1;
  const wDims = spec.transposed ? [4, c / group, 3, 3] : [c, 4 / group, 3, 3];
  if (spec.intWeight) b.init('W', DT.int8, wDims, new Array<number>(wDims.reduce((p, q) => p * q, 1)).fill(1));
  else w(b, 'W', wDims);
  b.init('spare', DT.float32, [1], [1]); // read by nothing: a rewrite that changes nothing keeps it
  const inputs = ['x', 'W'];
  if (spec.bias) inputs.push(w(b, 'B', [c]));
  if (spec.intBias) inputs.push(b.init('B', DT.int32, [c], [1, 2, 3, 4]));
  if (spec.biasLength) inputs.push(w(b, 'B', [spec.biasLength]));
  if (spec.notConv) b.node('Relu', ['x'], { name: 'conv', outputs: ['y'] });
  else if (!spec.onInput)
    b.node(spec.producer ?? op, inputs, {
      name: 'conv',
      outputs: ['y'],
      attrs: spec.producer ? {} : group === 1 ? { pads: [1, 1, 1, 1] } : { pads: [1, 1, 1, 1], group },
      domain: spec.convDomain,
    });
  const n = spec.channels ?? c;
  const params = [
    spec.gammaInput ? 'gamma' : b.init('gamma', DT.float32, [n], randomFloats(seeded(1), n, 2)),
    b.init('beta', DT.float32, [n], randomFloats(seeded(2), n, 2)),
    spec.intParam
      ? b.init('mean', DT.int64, [n], [0, 1, 2, 3])
      : b.init('mean', DT.float32, [n], randomFloats(seeded(3), n, 2)),
    b.init(
      'var',
      DT.float32,
      [spec.varLength ?? n],
      Array.from({ length: spec.varLength ?? n }, (_, i) => 0.05 + 0.3 * i),
    ),
  ];
  const attrs: Record<string, AttrInput> = {};
  if (spec.epsilon !== undefined) attrs.epsilon = { float: spec.epsilon };
  if (spec.training) attrs.training_mode = 1;
  b.node(spec.bnOp ?? 'BatchNormalization', [spec.onInput ? 'x' : 'y', ...params], {
    name: 'bn',
    outputs: spec.extraOutputs ? ['z', 'runMean', 'runVar'] : spec.emptyOutputs ? ['z', '', '', '', ''] : ['z'],
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

  it('folds into a grouped Conv (channels on axis 0 whatever the group), and with empty optional outputs', async () => {
    const r = await rewriteSame(convBn({ group: 2 }), (m) => foldBatchNorms(m, SRC));
    expect(r.result).toBe(1);
    const e = await rewriteSame(convBn({ emptyOutputs: true }), (m) => foldBatchNorms(m, SRC));
    expect(e.result).toBe(1);
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
    ['a graph input before it', { onInput: true }],
    ['a Conv of another domain', { convDomain: 'com.example' }],
    ['a MatMul before it', { producer: 'MatMul' }],
    ['an integer Conv bias', { intBias: true }],
    ['an integer Conv weight', { intWeight: true }],
    ['a variance of the wrong length', { varLength: 3 }],
    ['a Conv bias of the wrong length', { biasLength: 3 }],
    ['an integer mean', { intParam: true }],
    ['another normalization', { bnOp: 'LayerNormalization' }],
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
  weightShared?: boolean;
  graphOutput?: boolean;
  readTwice?: boolean;
  intConst?: boolean;
  chain?: boolean;
  opDomain?: string;
  opType?: string;
  intWeight?: boolean;
  intBias?: boolean;
  biasLength?: number;
}

function convAffine(spec: AffineSpec): ModelProto {
  const b = new GraphBuilder('affine');
  b.input('x', DT.float32, [1, 4, 5, 5]);
  const op = spec.transposed ? 'ConvTranspose' : 'Conv';
  const group = spec.group ?? 1;
  const wDims = spec.transposed ? [4, 6 / group, 3, 3] : [6, 4, 3, 3];
  if (spec.intWeight) b.init('W', DT.int8, wDims, new Array<number>(wDims.reduce((p, q) => p * q, 1)).fill(1));
  else w(b, 'W', wDims);
  b.init('spare', DT.float32, [1], [1]);
  const inputs = ['x', 'W'];
  if (spec.bias || spec.biasShared) inputs.push(b.init('B', DT.float32, [6], [0.1, -0.2, 0.3, -0.4, 0.5, -0.6]));
  if (spec.intBias) inputs.push(b.init('B', DT.int32, [6], [1, 2, 3, 4, 5, 6]));
  if (spec.biasLength) inputs.push(w(b, 'B', [spec.biasLength]));
  b.node(op, inputs, {
    name: 'conv',
    outputs: ['y'],
    attrs: group === 1 ? { pads: [1, 1, 1, 1] } : { pads: [1, 1, 1, 1], group },
  });
  if (spec.weightShared) {
    b.node(op, ['x', 'W'], { name: 'twin', outputs: ['t'], attrs: { pads: [1, 1, 1, 1] } });
    b.output('t', DT.float32, null);
  }
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
  b.node(spec.opType ?? spec.op, spec.constFirst ? [k, 'y'] : ['y', k], {
    name: 'affine',
    outputs: ['z'],
    domain: spec.opDomain,
  });
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
    // The constant, and nothing else, is gone; a bias that existed is rewritten in place.
    expect(initNames(r.copy)).toEqual(spec.bias ? ['B', 'W'] : ['W', 'conv_bias']);
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
    ['a scalar after a grouped ConvTranspose', { op: 'Mul', transposed: true, group: 2, dims: [] }],
    ['a constant of higher rank', { op: 'Mul', dims: [1, 1, 6, 1, 1] }],
    ['an op of another domain', { op: 'Mul', opDomain: 'com.example' }],
    ['a Pow', { op: 'Mul', opType: 'Pow' }],
    ['an integer weight', { op: 'Mul', intWeight: true }],
    ['an integer bias', { op: 'Mul', intBias: true }],
    ['a bias of the wrong length', { op: 'Add', biasLength: 4 }],
    ['a weight shared with another Conv', { op: 'Mul', weightShared: true }],
  ])('leaves it alone: %s', (_why, spec) => {
    unchanged(convAffine(spec), (m) => foldAffineIntoConvs(m, SRC));
  });

  it('a Conv whose output nothing reads', () => {
    const b = new GraphBuilder('unread');
    b.input('x', DT.float32, [1, 4, 5, 5]);
    w(b, 'W', [6, 4, 3, 3]);
    b.node('Conv', ['x', 'W'], { name: 'conv', outputs: ['y'] });
    b.output('y', DT.float32, null);
    unchanged(model(b.graph(), { opset: 13 }), (m) => foldAffineIntoConvs(m, SRC));
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
  clipOp?: string;
  divOp?: string;
  clipReadTwice?: boolean;
  clipIsOutput?: boolean;
  intThree?: boolean;
  vecThree?: boolean;
  clipDomain?: string;
  noLowerBound?: boolean;
  addOp?: string;
  addDomain?: string;
  swishNoDiv?: boolean;
}

function hardSigmoid(spec: HsSpec = {}): ModelProto {
  const b = new GraphBuilder('hs');
  b.input('x', DT.float32, [1, 3, 4, 4]);
  b.input('x2', DT.float32, [1, 3, 4, 4]);
  const k = (name: string, v: number) => b.init(name, DT.float32, [], [v]);
  b.init('spare', DT.float32, [1], [1]);
  const add = spec.intThree
    ? b.init('three', DT.int64, [], [3])
    : spec.vecThree
      ? b.init('three', DT.float32, [1, 3, 1, 1], [3, 4, 5])
      : k('three', spec.add ?? 3);
  b.node(spec.addOp ?? 'Add', spec.addConstFirst ? [add, 'x'] : ['x', add], {
    name: 'add',
    outputs: ['a'],
    domain: spec.addDomain,
  });
  if (spec.noLowerBound) b.node('Clip', ['a', '', k('hi', spec.hi ?? 6)], { name: 'clip', outputs: ['c'] });
  else if (spec.clipAttrs) {
    b.node('Clip', ['a'], {
      name: 'clip',
      outputs: ['c'],
      attrs: { min: { float: spec.lo ?? 0 }, max: { float: spec.hi ?? 6 } },
    });
  } else
    b.node(spec.clipOp ?? 'Clip', ['a', k('lo', spec.lo ?? 0), k('hi', spec.hi ?? 6)], {
      name: 'clip',
      outputs: ['c'],
      domain: spec.clipDomain,
    });
  const six = k('six', spec.div ?? 6);
  let last = 'c';
  if (spec.swish || spec.swishOther) {
    b.node('Mul', [spec.swishOther ? 'x2' : 'x', 'c'], { name: 'mul', outputs: ['m'] });
    last = 'm';
  }
  if (spec.swishNoDiv) b.node('Relu', [last], { name: 'div', outputs: ['y'] });
  else b.node(spec.divOp ?? 'Div', spec.divSwapped ? [six, last] : [last, six], { name: 'div', outputs: ['y'] });
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
      expect(hs.attribute).toEqual([
        { name: 'alpha', type: ATTR.FLOAT, f: 1 / 6, refAttrName: '', docString: '' },
        { name: 'beta', type: ATTR.FLOAT, f: 0.5, refAttrName: '', docString: '' },
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
    ['a swish without the Div', { swish: true, swishNoDiv: true }],
    ['an integer 3', { intThree: true }],
    ['a per-channel constant starting with 3', { vecThree: true }],
    ['a Clip of another domain', { clipDomain: 'com.example' }],
    ['a Clip with no lower bound', { noLowerBound: true }],
    ['a Sub instead of the Add', { addOp: 'Sub' }],
    ['an Add of another domain', { addDomain: 'com.example' }],
    ['a Max(0, 6) in place of the Clip', { clipOp: 'Max' }],
    ['a Mul by 6 in place of the Div', { divOp: 'Mul' }],
  ])('leaves it alone: %s', (_why, spec) => {
    unchanged(hardSigmoid(spec), (m) => fuseHardSigmoids(m, SRC));
  });

  it('an Add(x, 3) whose output nothing reads', () => {
    const b = new GraphBuilder('unread');
    b.input('x', DT.float32, [1, 3, 4, 4]);
    b.node('Add', ['x', b.init('three', DT.float32, [], [3])], { name: 'add', outputs: ['a'] });
    b.output('a', DT.float32, null);
    unchanged(model(b.graph(), { opset: 13 }), (m) => fuseHardSigmoids(m, SRC));
  });
});

describe('no graph', () => {
  it('every rewrite returns nothing done', () => {
    const empty = { ...model(new GraphBuilder().graph()), graph: undefined };
    expect(foldBatchNorms(empty, SRC)).toBe(0);
    expect(foldAffineIntoConvs(empty, SRC)).toBe(0);
    expect(fuseHardSigmoids(empty, SRC)).toBe(0);
    expect(foldAffineIntoNextConvs(empty, SRC, { asBatchNorm: true })).toEqual({ folded: 0, batchNorms: 0 });
  });
});
