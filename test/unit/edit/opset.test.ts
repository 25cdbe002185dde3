// The opset conversion edit, rewrite by rewrite: each op whose meaning changed after 13 on a model it
// must change and one it must leave alone; the refusals name the node and leave the model as it was.
import { describe, expect, it } from 'vitest';
import { toOpset } from '../../../electron/core/edit/opset';
import { attrOf } from '../../../electron/core/onnx/graph-edit';
import type { ModelProto, NodeProto } from '../../../electron/core/onnx/model';
import { tensorValues } from '../../../electron/core/onnx/values';
import { DT, GraphBuilder, model } from '../../builders/graph';
import {
  batchNormModel,
  dftModel,
  gridSampleModel,
  groupNormModel,
  reduceModel,
  roiAlignModel,
  splitModel,
} from '../../builders/opset-ops';
import { fingerprint } from './helpers';
import { built, zoo } from './load';

const to = (m: ModelProto, version: number) => toOpset(m, { kind: 'opset', version });
const nodeOf = (m: ModelProto, name: string) => m.graph!.node.find((n) => n.name === name) as NodeProto;
const str = (n: NodeProto, a: string) => {
  const s = attrOf(n, a)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
};
const init = (m: ModelProto, name: string) => {
  const t = m.graph!.initializer.find((i) => i.name === name);
  return t ? Array.from(tensorValues(t, { path: '' })) : undefined;
};
const opsetOf = (m: ModelProto) => m.opsetImport.find((o) => o.domain === '')?.version;

describe('opset conversion', () => {
  it('refuses to lower an opset and a target past what Kiln converts; converts 11 → 13 → the newest', () => {
    expect(() => to(zoo('vit-tiny'), 9)).toThrow(/does not lower/);
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4]);
    b.node('Relu', [x], { name: 'relu', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4]);
    const m = built(model(b.graph(), { opset: 11, irVersion: 6 }));
    expect(to(m, 13).summary).toBe('opset 11 → 13');
    const newest = to(m, 25);
    expect(newest.summary).toBe('opset 11 → 25');
    expect(newest.model.irVersion).toBe(11);
    expect(to(m, 18).model.irVersion).toBe(8);
    expect(() => to(m, 26)).toThrow(/up to ai.onnx opset 25 .*not 26/);
  });

  it('Reduce* axes attribute → input at 18; a reduce over every axis, or a target below 18, is left alone', () => {
    const m = built(reduceModel(true));
    const step = to(m, 18);
    for (const name of ['mean', 'max', 'sumsq']) {
      const n = nodeOf(step.model, name);
      expect(attrOf(n, 'axes'), name).toBeUndefined();
      expect(init(step.model, n.input[1]!), name).toEqual([1]);
      expect(attrOf(n, 'keepdims')?.i).toBe(1);
    }
    expect(step.notes).toHaveLength(3);
    expect(nodeOf(m, 'mean').input).toHaveLength(1); // the parent is untouched
    const all = to(built(reduceModel(false)), 25);
    expect(all.model.graph!.node.map((n) => n.input.length)).toEqual([1, 1, 1]);
    expect(all.notes).toEqual([]);
    const at17 = to(built(reduceModel(true, 14)), 17);
    expect(attrOf(nodeOf(at17.model, 'mean'), 'axes')?.ints).toEqual([1]);
  });

  it('Split without sizes gets num_outputs at 18; with sizes it is left alone', () => {
    const eq = to(built(splitModel(false)), 18);
    expect(attrOf(nodeOf(eq.model, 'split'), 'num_outputs')?.i).toBe(3);
    const sized = to(built(splitModel(true)), 25);
    expect(attrOf(nodeOf(sized.model, 'split'), 'num_outputs')).toBeUndefined();
    expect(nodeOf(sized.model, 'split').input).toEqual(['x', 'sizes']);
  });

  it('Split of opset 11 (sizes as an attribute) becomes an input at 13 and gets no num_outputs at 18', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [2, 6]);
    b.node('Split', [x], { name: 'split', attrs: { axis: 1, split: [2, 4] }, outputs: ['a', 'b'] });
    b.output('a', DT.float32, null);
    b.output('b', DT.float32, null);
    const n = nodeOf(to(built(model(b.graph(), { opset: 11 })), 18).model, 'split');
    expect(attrOf(n, 'num_outputs')).toBeUndefined();
    expect(n.input).toHaveLength(2);
  });

  it('RoiAlign spells out output_half_pixel at 16 unless a mode is set, or the model is 16 already', () => {
    expect(str(nodeOf(to(built(roiAlignModel()), 16).model, 'roi'), 'coordinate_transformation_mode')).toBe(
      'output_half_pixel',
    );
    expect(
      str(nodeOf(to(built(roiAlignModel('half_pixel', 13)), 22).model, 'roi'), 'coordinate_transformation_mode'),
    ).toBe('half_pixel');
    expect(
      str(nodeOf(to(built(roiAlignModel(undefined, 16)), 22).model, 'roi'), 'coordinate_transformation_mode'),
    ).toBe(undefined);
    expect(
      attrOf(nodeOf(to(built(roiAlignModel()), 15).model, 'roi'), 'coordinate_transformation_mode'),
    ).toBeUndefined();
  });

  it('GridSample bilinear → linear and bicubic → cubic at 20; nearest is left alone', () => {
    expect(str(nodeOf(to(built(gridSampleModel('bilinear')), 20).model, 'sample'), 'mode')).toBe('linear');
    expect(str(nodeOf(to(built(gridSampleModel('bicubic')), 22).model, 'sample'), 'mode')).toBe('cubic');
    expect(str(nodeOf(to(built(gridSampleModel('bilinear')), 19).model, 'sample'), 'mode')).toBe('bilinear');
    const nearest = to(built(gridSampleModel('nearest')), 25);
    expect(str(nodeOf(nearest.model, 'sample'), 'mode')).toBe('nearest');
    expect(nearest.notes).toEqual([]);
  });

  it('DFT axis attribute → third input at 20, the old default (1) spelled out', () => {
    const d = nodeOf(to(built(dftModel()), 20).model, 'dft');
    expect(d.input[1]).toBe('');
    expect(init(to(built(dftModel()), 20).model, d.input[2]!)).toEqual([1]);
    const set = nodeOf(to(built(dftModel(-2)), 25).model, 'dft');
    expect(attrOf(set, 'axis')).toBeUndefined();
    expect(set.input).toHaveLength(3);
    expect(nodeOf(to(built(dftModel(1)), 19).model, 'dft').input).toEqual(['x']);
  });

  it('GroupNormalization scale and bias per group → per channel at 21; a computed scale is refused, naming the node', () => {
    const m = built(groupNormModel());
    const step = to(m, 21);
    const n = nodeOf(step.model, 'gn');
    expect(init(step.model, n.input[1]!)).toEqual([0.5, 0.5, 2, 2, -1, -1]);
    expect(init(step.model, n.input[2]!)!.map((v) => Math.round(v * 10) / 10)).toEqual([
      0.1, 0.1, -0.2, -0.2, 0.3, 0.3,
    ]);
    expect(nodeOf(to(m, 20).model, 'gn').input).toEqual(['x', 'scale', 'bias']);
    const computed = built(groupNormModel(true));
    const before = fingerprint(computed);
    expect(() => to(computed, 21)).toThrow(/GroupNormalization node gn to opset 21: its scale .* is computed/);
    expect(fingerprint(computed)).toBe(before);
  });

  it('BatchNormalization in inference form carries over; in training form it is refused at 14', () => {
    expect(to(built(batchNormModel(false)), 15).notes).toEqual([]);
    expect(() => to(built(batchNormModel(true)), 14)).toThrow(/BatchNormalization node bn to opset 14: .*training/);
    expect(to(built(batchNormModel(true)), 13).summary).toBe('already opset 13');
  });

  it('refuses an op it does not know, an op newer than the model, and Attention past 24', () => {
    const one = (op: string, opset: number) => {
      const b = new GraphBuilder();
      const x = b.input('x', DT.float32, [1, 4]);
      b.node(op, [x], { name: 'n', outputs: ['y'] });
      b.output('y', DT.float32, null);
      return built(model(b.graph(), { opset }));
    };
    expect(() => to(one('NoSuchOp', 17), 18)).toThrow(/does not know whether NoSuchOp \(node n\)/);
    expect(() => to(one('Gelu', 17), 22)).toThrow(/node n is Gelu, which opset 20 introduced/);
    expect(to(one('Gelu', 20), 25).summary).toBe('opset 20 → 25');
    expect(to(one('LayerNormalization', 17), 25).summary).toBe('opset 17 → 25');
    expect(to(one('Attention', 23), 24).summary).toBe('opset 23 → 24');
    expect(() => to(one('Attention', 23), 25)).toThrow(/Attention node n to opset 25/);
  });

  it('rewrites nodes inside If branches too', () => {
    const branch = (name: string) => {
      const g = new GraphBuilder(name);
      g.node('ReduceMax', ['x'], { name: `${name}_max`, attrs: { axes: [0], keepdims: 0 }, outputs: [`${name}_y`] });
      g.output(`${name}_y`, DT.float32, null);
      return g.graph();
    };
    const b = new GraphBuilder();
    b.input('x', DT.float32, [3, 2]);
    const c = b.input('c', DT.bool, []);
    b.node('If', [c], {
      name: 'if',
      attrs: { then_branch: branch('then'), else_branch: branch('else') },
      outputs: ['y'],
    });
    b.output('y', DT.float32, null);
    const step = to(built(model(b.graph(), { opset: 17 })), 18);
    const thenG = attrOf(nodeOf(step.model, 'if'), 'then_branch')!.g!;
    expect(thenG.node[0]!.input).toHaveLength(2);
    expect(thenG.initializer.map((t) => t.name)).toContain(thenG.node[0]!.input[1]);
    expect(opsetOf(step.model)).toBe(18);
  });

  it('raises a local function’s import with the model when its body needs no rewrite; refuses one that does, naming it', () => {
    const withFunction = (body: NodeProto) => {
      const b = new GraphBuilder();
      const x = b.input('x', DT.float32, [2, 3]);
      b.node('Body', [x], { name: 'call', domain: 'local', outputs: ['y'] });
      b.output('y', DT.float32, null);
      const f = {
        name: 'Body',
        domain: 'local',
        overload: '',
        input: ['a'],
        output: ['b'],
        attribute: [],
        attributeProto: [],
        node: [body],
        opsetImport: [{ domain: '', version: 17 }],
        valueInfo: [],
        docString: '',
      };
      const opsets = [
        { domain: '', version: 17 },
        { domain: 'local', version: 1 },
      ];
      return built(model(b.graph(), { opsets, functions: [f] }));
    };
    const fb = new GraphBuilder();
    fb.node('Relu', ['a'], { name: 'relu', outputs: ['b'] });
    const plain = withFunction(fb.nodes[0]!);
    const step = to(plain, 25);
    expect(step.model.functions[0]!.opsetImport).toEqual([{ domain: '', version: 25 }]);
    expect(plain.functions[0]!.opsetImport).toEqual([{ domain: '', version: 17 }]);
    const rb = new GraphBuilder();
    rb.node('ReduceMean', ['a'], { name: 'mean', attrs: { axes: [1] }, outputs: ['b'] });
    const reduce = withFunction(rb.nodes[0]!);
    expect(to(reduce, 17).summary).toBe('already opset 17');
    expect(() => to(reduce, 18)).toThrow(
      /node mean \(ReduceMean\) of local function Body .*would need rewriting for opset 18/,
    );
  });
});
