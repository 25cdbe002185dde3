/**
 * The forward fold before quantizing: a constant Mul/Add after an activation folded into the Convs
 * that read it, or turned into one BatchNormalization where a reader pads. Each case is a graph
 * built for one rule; the rewritten model must compute what the original does (both run on ONNX
 * Runtime), and every reader, constant or chain that must stop the fold leaves the graph untouched
 * (npm run mutate -- folds).
 */
import { describe, expect, it } from 'vitest';
import { ATTR, type ModelProto } from '../../../electron/core/onnx/model';
import { foldAffineIntoNextConvs } from '../../../electron/core/precision/folds';
import { DT, GraphBuilder, model, type AttrInput } from '../../builders/graph';
import { initNames, rewriteSame, SRC, unchanged, values, w } from './fold-check';

// ---- constant affine before the Convs that read it ----------------------------------------------

interface NextSpec {
  /** What comes between the activation h and the Conv (default Mul then Add, per channel). */
  pre?: 'mulAdd' | 'mul' | 'add' | 'addAdd' | 'mulMul' | 'actMulAdd' | 'sub' | 'constConst' | 'constOnly' | 'twoActs';
  /** The first op's output is also a graph output. */
  firstIsOutput?: boolean;
  /** The reader takes the affine's output as its bias too. */
  readerSelfBias?: boolean;
  mul?: number[];
  add?: number[];
  constFirst?: boolean;
  /** The first op's domain; an integer constant; the first op's output also read by a Relu. */
  domain?: string;
  intConst?: boolean;
  firstReadTwice?: boolean;
  /** The affine straight on the graph input (no activation before it). */
  onInput?: boolean;
  pads?: number[];
  autoPad?: string;
  group?: number;
  oneD?: boolean;
  bias?: boolean;
  /** The reader: a Conv (default), a ConvTranspose, a Conv of another domain, or nothing at all. */
  reader?: 'conv' | 'convTranspose' | 'otherDomain' | 'none';
  readerWeight?: 'float' | 'int' | 'input';
  /** A second reader of the affine's output. */
  second?: 'conv' | 'relu' | 'weight' | 'bias' | 'intConv' | 'narrowConv' | 'paddedConv';
  graphOutput?: boolean;
  weightShared?: boolean;
}

function affineConv(spec: NextSpec): ModelProto {
  const b = new GraphBuilder('next');
  const spatial = spec.oneD ? [5] : [5, 5];
  const k1 = spec.oneD ? [1] : [1, 1];
  b.input('x', DT.float32, [1, 4, ...spatial]);
  b.input('x2', DT.float32, [1, 4, ...spatial]);
  b.init('spare', DT.float32, [1], [1]);
  let h = 'x';
  if (!spec.onInput) {
    b.node('Relu', ['x'], { name: 'act', outputs: ['h'] });
    h = 'h';
  }
  const mul = spec.mul ?? [0.5, -1.5, 2, 0.25];
  const add = spec.add ?? [0.1, -0.2, 0.3, -0.4];
  const konst = (name: string, v: number[]) =>
    spec.intConst
      ? b.init(name, DT.int64, [1, v.length, ...k1], v.map(Math.round))
      : b.init(name, DT.float32, v.length === 1 ? [1] : [1, v.length, ...k1], v);
  const op = (type: string, x: string, c: string, out: string, name: string, first = false) =>
    b.node(type, spec.constFirst ? [c, x] : [x, c], { name, outputs: [out], domain: first ? spec.domain : undefined });
  let y = h;
  const pre = spec.pre ?? 'mulAdd';
  if (pre === 'mulAdd' || pre === 'mul') {
    op('Mul', y, konst('s', mul), 'm', 'scale', true);
    y = 'm';
  }
  if (pre === 'mulMul') {
    op('Mul', y, konst('s', mul), 'm', 'scale', true);
    op('Mul', 'm', konst('s2', [2, 3, 4, 5]), 'm2', 'scale2');
    y = 'm2';
  }
  if (pre === 'actMulAdd') {
    b.node('Mul', [h, 'x2'], { name: 'gate', outputs: ['g'] });
    y = 'g';
  }
  if (pre === 'sub') {
    op('Sub', y, konst('s', mul), 'm', 'scale', true);
    y = 'm';
  }
  if (pre === 'constConst') {
    b.node('Mul', [konst('s', mul), konst('s2', mul)], { name: 'scale', outputs: ['m'] });
    b.node('Add', [h, 'm'], { name: 'mix', outputs: ['q'] });
    y = 'q';
  }
  if (pre === 'constOnly') {
    b.node('Mul', [konst('s', mul), konst('s2', mul)], { name: 'scale', outputs: ['m'] });
    y = 'm';
  }
  if (pre === 'twoActs') {
    b.node('Mul', [h, 'x2'], { name: 'scale', outputs: ['m'] });
    y = 'm';
  }
  if (spec.firstIsOutput) b.output(y, DT.float32, null);
  if (spec.firstReadTwice) {
    b.node('Relu', [y], { name: 'peek', outputs: ['p'] });
    b.output('p', DT.float32, null);
  }
  if (pre === 'mulAdd' || pre === 'add' || pre === 'actMulAdd') {
    op('Add', y, konst('t', add), 'a', 'shift', pre === 'add');
    y = 'a';
  }
  if (pre === 'addAdd') {
    op('Add', y, konst('t', add), 'a', 'shift', true);
    op('Add', 'a', konst('t2', [1, 2, 3, 4]), 'a2', 'shift2');
    y = 'a2';
  }
  const group = spec.group ?? 1;
  const attrs: Record<string, AttrInput> = { group };
  if (spec.pads) attrs.pads = spec.pads;
  if (spec.autoPad) attrs.auto_pad = spec.autoPad;
  const reader = spec.reader ?? 'conv';
  const wDims = reader === 'convTranspose' ? [4, 6, ...k1.map(() => 3)] : [6, 4 / group, ...k1.map(() => 3)];
  const weight = spec.readerWeight ?? 'float';
  if (weight === 'int') b.init('W', DT.int8, wDims, new Array<number>(wDims.reduce((p, q) => p * q, 1)).fill(1));
  else if (weight === 'input') b.input('W', DT.float32, wDims);
  else w(b, 'W', wDims);
  const inputs = spec.readerSelfBias ? [y, 'W', y] : [y, 'W'];
  if (spec.bias) inputs.push(b.init('B', DT.float32, [6], [1, 2, 3, 4, 5, 6]));
  if (reader !== 'none') {
    b.node(reader === 'convTranspose' ? 'ConvTranspose' : 'Conv', inputs, {
      name: 'conv',
      outputs: ['z'],
      attrs,
      domain: reader === 'otherDomain' ? 'com.example' : undefined,
    });
    b.output('z', DT.float32, null);
  }
  const second = (name: string, ins: string[], attrs2: Record<string, AttrInput> = {}) => {
    b.node('Conv', ins, { name, outputs: ['z2'], attrs: attrs2 });
    b.output('z2', DT.float32, null);
  };
  if (spec.second === 'conv') second('conv2', [y, w(b, 'W2', [2, 4, ...k1])]);
  if (spec.second === 'intConv') second('conv2', [y, b.init('W2', DT.int8, [2, 4, ...k1], [1, 1, 1, 1, 1, 1, 1, 1])]);
  if (spec.second === 'narrowConv') second('conv2', [y, w(b, 'W2', [2, 2, ...k1])]);
  if (spec.second === 'paddedConv') second('conv2', [y, w(b, 'W2', [2, 4, 3, 3])], { pads: [1, 1, 1, 1] });
  if (spec.second === 'weight') second('conv2', ['x', y]);
  if (spec.second === 'bias') second('conv2', ['x', w(b, 'W2', [4, 4, ...k1]), y]);
  if (spec.second === 'relu') {
    b.node('Relu', [y], { name: 'other', outputs: ['o'] });
    b.output('o', DT.float32, null);
  }
  if (spec.weightShared) {
    b.node('Conv', ['x', 'W'], { name: 'twin', outputs: ['t2'], attrs: { group } });
    b.output('t2', DT.float32, null);
  }
  if (spec.graphOutput) b.output(y, DT.float32, null);
  return model(b.graph(), { opset: 13 });
}

const forward = (asBatchNorm: boolean) => (m: ModelProto) => foldAffineIntoNextConvs(m, SRC, { asBatchNorm });
const none = { folded: 0, batchNorms: 0 };

describe('foldAffineIntoNextConvs', () => {
  it.each<[string, NextSpec, string[]]>([
    ['Mul then Add, per channel', {}, ['Relu', 'Conv']],
    ['Mul only, constant first', { pre: 'mul', constFirst: true }, ['Relu', 'Conv']],
    ['Add only, scalar, constant first', { pre: 'add', add: [0.3], constFirst: true }, ['Relu', 'Conv']],
    ['into a Conv with a bias and a second Conv', { bias: true, second: 'conv' }, ['Relu', 'Conv', 'Conv']],
    ['into a grouped Conv', { group: 2 }, ['Relu', 'Conv']],
    ['into a 1-D Conv', { oneD: true }, ['Relu', 'Conv']],
    ['with explicit zero pads', { pads: [0, 0, 0, 0] }, ['Relu', 'Conv']],
    ['with VALID', { autoPad: 'VALID' }, ['Relu', 'Conv']],
    ['with NOTSET', { autoPad: 'NOTSET' }, ['Relu', 'Conv']],
    ['straight on the graph input', { onInput: true, pre: 'add' }, ['Conv']],
    // Only the last of two Adds (or Muls) folds: each chain starts at its own op.
    ['the second of two Adds', { pre: 'addAdd' }, ['Relu', 'Add', 'Conv']],
    ['the second of two Muls', { pre: 'mulMul' }, ['Relu', 'Mul', 'Conv']],
    ['the Add after a Mul of two activations', { pre: 'actMulAdd' }, ['Relu', 'Mul', 'Conv']],
    ['the Add after a Mul read elsewhere', { firstReadTwice: true }, ['Relu', 'Mul', 'Relu', 'Conv']],
    ['the Add after a Mul that is a graph output', { firstIsOutput: true }, ['Relu', 'Mul', 'Conv']],
  ])('%s: folded into the weights, same outputs', async (_name, spec, ops) => {
    const r = await rewriteSame(affineConv(spec), forward(false));
    expect(r.result).toEqual({ folded: 1, batchNorms: 0 });
    expect(r.ops).toEqual(ops);
    const conv = r.copy.graph!.node.find((n) => n.name === 'conv')!;
    expect(conv.input.slice(1)).toEqual(['W', 'conv_bias']);
    // A fresh bias (the old one may have other readers; here it has none left and is dropped).
    expect(initNames(r.copy).filter((n) => n !== 'W2' && n !== 'conv2_bias' && !n.startsWith('s'))).toEqual([
      'W',
      'conv_bias',
      ...(spec.pre === 'addAdd' ? ['t'] : []),
    ]);
  });

  it('before a padded Conv: a BatchNormalization with γ = s, β = t, mean 0, variance 1, ε 0 (or nothing)', async () => {
    for (const pad of [{ pads: [1, 1, 1, 1] }, { autoPad: 'SAME_UPPER' }]) {
      unchanged(affineConv(pad), forward(false), none);
      const r = await rewriteSame(affineConv(pad), forward(true));
      expect(r.result).toEqual({ folded: 0, batchNorms: 1 });
      expect(r.ops).toEqual(['Relu', 'BatchNormalization', 'Conv']);
      const bn = r.copy.graph!.node[1]!;
      expect(bn.input).toEqual(['h', 'shift_gamma', 'shift_beta', 'shift_mean', 'shift_var']);
      expect(bn.output).toEqual(['a']);
      expect(bn.name).toBe('shift_affine');
      expect(bn.attribute).toEqual([{ name: 'epsilon', type: ATTR.FLOAT, f: 0, refAttrName: '', docString: '' }]);
      expect(values(r.copy, 'shift_gamma')).toEqual([0.5, -1.5, 2, 0.25]);
      expect(values(r.copy, 'shift_beta').map((v) => Math.fround(v))).toEqual([0.1, -0.2, 0.3, -0.4].map(Math.fround));
      expect(values(r.copy, 'shift_mean')).toEqual([0, 0, 0, 0]);
      expect(values(r.copy, 'shift_var')).toEqual([1, 1, 1, 1]);
    }
    // An Add alone becomes the BatchNormalization; its constant is dropped with it.
    const shift = await rewriteSame(affineConv({ pre: 'add', pads: [1, 1, 1, 1] }), forward(true));
    expect(shift.result).toEqual({ folded: 0, batchNorms: 1 });
    expect(initNames(shift.copy)).toEqual(['W', 'shift_beta', 'shift_gamma', 'shift_mean', 'shift_var']);
    // One padded reader among unpadded ones is enough.
    const mixed = await rewriteSame(affineConv({ second: 'paddedConv' }), forward(true));
    expect(mixed.result).toEqual({ folded: 0, batchNorms: 1 });
  });

  it.each<[string, NextSpec]>([
    ['read by something other than a Conv', { second: 'relu' }],
    ['read by a Conv as its weight', { second: 'weight' }],
    ['read by a Conv as its bias', { second: 'bias' }],
    ['read by a ConvTranspose', { reader: 'convTranspose' }],
    ['read by a Conv of another domain', { reader: 'otherDomain' }],
    ['read by nothing', { reader: 'none' }],
    ['the affine output a graph output', { graphOutput: true }],
    ['a weight shared with another Conv', { weightShared: true }],
    ['an integer weight', { readerWeight: 'int' }],
    ['a weight computed at run time', { readerWeight: 'input' }],
    ['a second reader with an integer weight', { second: 'intConv' }],
    ['a second reader expecting other channels', { second: 'narrowConv' }],
    ['a constant that does not broadcast per channel', { mul: [1, 2] }],
    ['a Mul of another domain', { pre: 'mul', domain: 'com.example' }],
    ['an integer constant', { intConst: true }],
    ['a Sub', { pre: 'sub' }],
    ['a Mul of two constants', { pre: 'constConst' }],
    ['a Mul of two constants straight into the Conv', { pre: 'constOnly' }],
    ['read by a Conv as its input and its bias', { readerSelfBias: true }],
    ['a Mul of two activations', { pre: 'twoActs' }],
  ])('leaves it alone: %s', (_why, spec) => {
    unchanged(affineConv(spec), forward(true), none);
  });

  it('a constant of higher rank than the Conv is not per channel', () => {
    const m = affineConv({ pre: 'mul' });
    const s = m.graph!.initializer.find((t) => t.name === 's')!;
    s.dims = [1, 1, 4, 1, 1];
    unchanged(m, forward(true), none);
  });
});
